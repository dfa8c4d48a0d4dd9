/**
 * Picks the runtime this process runs on.
 *
 * @module
 */
import type { Runtime } from "./types.ts";
export type { ChildProcess, ExitStatus, FileServerCommand, Runtime, SpawnOptions, WorkerGrant } from "./types.ts";

/**
 * The runtime of the current process (Deno or Bun).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentRuntime } from "./mod.ts";
 * const rt = await currentRuntime();
 * assert.ok(rt.name === "deno" || rt.name === "bun");
 * ```
 */
export async function currentRuntime(): Promise<Runtime> {
  if ("Bun" in globalThis) return (await import("./bun.ts")).bunRuntime;
  if ("Deno" in globalThis) return (await import("./deno.ts")).denoRuntime;
  throw new Error("safe-exec runs on Deno or Bun; this runtime is neither");
}
