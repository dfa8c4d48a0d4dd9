/**
 * Test helpers: the real upstream servers from the npm registry (run by node from node_modules), our hostile one,
 * and a manager over them that records every callback.
 *
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { currentRuntime } from "../../src/runtime/mod.ts";
import {
  type GatewayHooks,
  type GatewayOptions,
  parseServers,
  runtimeSpawner,
  type UpstreamLog,
  UpstreamManager,
} from "../../src/gateway/mod.ts";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

const pkg = (name: string) => join(ROOT, "node_modules/@modelcontextprotocol", name, "dist/index.js");

/** The entry points of the servers from the npm registry. */
export const SERVERS = {
  memory: pkg("server-memory"),
  filesystem: pkg("server-filesystem"),
  everything: pkg("server-everything"),
};

/** The hostile server (tests/gateway/_evil_server.ts). */
export const EVIL: string = fileURLToPath(new URL("./_evil_server.ts", import.meta.url));

/** The argv of the hostile server in a mode. */
export function evil(mode: string, arg?: string): string[] {
  return [Deno.execPath(), "run", "--no-config", "--allow-run", EVIL, mode, ...(arg === undefined ? [] : [arg])];
}

/** Everything the manager reported through its hooks. */
export interface Recorded {
  warnings: string[];
  logs: UpstreamLog[];
  changed: string[];
  stderr: string[];
}

/** A manager over `servers` (the raw `servers` section) with recording hooks; `extra` adds hooks or options. */
export async function managerFor(
  servers: Record<string, unknown>,
  extra: { hooks?: GatewayHooks; options?: Omit<GatewayOptions, "hooks"> } = {},
): Promise<{ manager: UpstreamManager; seen: Recorded }> {
  const seen: Recorded = { warnings: [], logs: [], changed: [], stderr: [] };
  const hooks: GatewayHooks = {
    onWarning: (w) => seen.warnings.push(w.message),
    onLog: (l) => seen.logs.push(l),
    onToolsChanged: (s) => seen.changed.push(s),
    onStderr: (_s, line) => seen.stderr.push(line),
    ...extra.hooks,
  };
  const manager = new UpstreamManager(
    parseServers(servers, { baseDir: ROOT }),
    runtimeSpawner(await currentRuntime()),
    { ...extra.options, hooks },
  );
  return { manager, seen };
}

/** A temp folder, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Wait until `check` is true (polling), or fail after `ms`. */
export async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether a process exists (signal 0 reaches it). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
