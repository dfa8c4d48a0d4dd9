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

/** A node HTTP server on loopback started by {@linkcode startNode}. */
export interface Http {
  /** The port it listens on (127.0.0.1). */
  port: number;
  /** Kill it and wait for it. */
  stop(): Promise<void>;
}

/** Start a node HTTP server (argv after `node`) and wait for its LOOPBACK_PORT line. */
export async function startNode(args: string[], port = 0): Promise<Http> {
  const child = new Deno.Command("node", {
    args,
    env: { PORT: String(port) },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let found: number | null = null;
  while (found === null) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the server exited before it listened: ${seen}`);
    seen += value;
    const m = seen.match(/LOOPBACK_PORT=(\d+)/);
    if (m) found = Number(m[1]);
  }
  const drain = (async () => {
    while (!(await reader.read()).done) { /* keep stderr flowing */ }
  })();
  return {
    port: found,
    stop: async () => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
      await drain.catch(() => {});
    },
  };
}

/** A node preload that binds every HTTP server of the process to 127.0.0.1 and prints its port. */
export const LOOPBACK: string = fileURLToPath(new URL("./_loopback.mjs", import.meta.url));

/** server-everything serving Streamable HTTP (at `/mcp`) on 127.0.0.1, on `port` (0: any free one). */
export const everythingHttp = (port = 0): Promise<Http> =>
  startNode(["--import", LOOPBACK, SERVERS.everything, "streamableHttp"], port);
