/**
 * How process tools are isolated from the host. `noSandbox` runs them directly (own process group, scrubbed
 * environment, cwd the workspace) and is used only when the config says `sandbox: "none"` explicitly.
 *
 * @module
 */

/** Context for wrapping one command. */
export interface WrapContext {
  /** The workspace root (a real path). */
  workspace: string;
}

/** Turns a command into the command that runs it inside the sandbox. */
export interface ProcessSandbox {
  /** The argv that runs `argv` sandboxed; throws ToolError("sandbox_unavailable") when it cannot. */
  wrap(argv: string[], ctx: WrapContext): string[] | Promise<string[]>;
  /** The isolation layers a call runs under. */
  describe(): Record<string, unknown>;
}

/**
 * No OS sandbox: the process runs as the host user, in its own process group, with the allowlisted environment.
 *
 * @example
 * ```ts
 * import { noSandbox } from "./sandbox.ts";
 * console.assert(noSandbox.wrap(["bash", "-c", "ls"], { workspace: "/ws" }).length === 3);
 * ```
 */
export const noSandbox: ProcessSandbox & { wrap(argv: string[], ctx: WrapContext): string[] } = {
  wrap: (argv) => argv,
  describe: () => ({ layers: ["process-group", "env-scrubbed"], sandbox: "none", network: true, envScrubbed: true }),
};
