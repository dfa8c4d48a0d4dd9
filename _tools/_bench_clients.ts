/**
 * Clients the benchmarks drive servers with: a JSON-lines client for `safe-exec serve` (pipes through Deno's own
 * process API: node:child_process's emulation added milliseconds per round trip), the official MCP SDK client for
 * `safe-exec mcp` and server-filesystem, and the ways to start each.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { binaryName, DENO_RUN_FLAGS, hostTarget } from "../build.ts";
import { latencyRow, ROOT, type Row, rssMiB } from "./_bench.ts";

/** A way to start safe-exec. */
export interface Launch {
  /** Short label, e.g. "deno run", "Bun binary". */
  label: string;
  /** argv before the safe-exec command. */
  argv: string[];
}

/** `deno run src/main.ts` (with the binary's flags) and the Bun binary for this host, when it was built. */
export function launches(): Launch[] {
  const list: Launch[] = [{
    label: "deno run",
    argv: [Deno.execPath(), "run", ...DENO_RUN_FLAGS, join(ROOT, "src/main.ts")],
  }];
  const host = hostTarget();
  const bin = host === null ? null : join(ROOT, "dist", binaryName("bun", host));
  if (bin && existsSync(bin)) list.push({ label: "Bun binary", argv: [bin] });
  return list;
}

/** The environment to give servers: ours, as strings. */
export function env(): Record<string, string> {
  return Deno.env.toObject();
}

/** A running `safe-exec serve`. */
export interface ServeClient {
  /** Its pid. */
  pid: number;
  /** Send one request (an id is added) and resolve to its answer. */
  call(message: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Send `count` requests made by `make(i)` as one write, resolve when all are answered (no per-call times). */
  burst(count: number, make: (i: number) => Record<string, unknown>): Promise<void>;
  /** Close stdin and wait for the exit. */
  stop(): Promise<void>;
}

/** Start `safe-exec serve` with `args`; a `confirm_request` is approved. */
export function startServe(launch: Launch, args: string[], cwd: string): ServeClient {
  const [cmd, ...rest] = launch.argv;
  const child = new Deno.Command(cmd!, {
    args: [...rest, "serve", ...args],
    cwd,
    env: env(),
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  const waiting = new Map<number, (m: Record<string, unknown>) => void>();
  let next = 1;
  const write = (text: string) => writer.write(encoder.encode(text));
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of child.stdout) {
      buf += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) !== -1) {
        const m = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
        buf = buf.slice(nl + 1);
        if (m.type === "confirm_request") {
          write(JSON.stringify({ type: "confirm", id: m.id, approve: true }) + "\n");
          continue;
        }
        const w = waiting.get(m.id as number);
        if (w) {
          waiting.delete(m.id as number);
          w(m);
        }
      }
    }
  })();
  return {
    pid: child.pid,
    call(message) {
      const id = next++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        write(JSON.stringify({ id, ...message }) + "\n");
      });
    },
    async burst(count, make) {
      let text = "";
      const answered: Promise<unknown>[] = [];
      for (let i = 0; i < count; i++) {
        const id = next++;
        answered.push(new Promise((resolve) => waiting.set(id, resolve)));
        text += JSON.stringify({ id, ...make(i) }) + "\n";
      }
      await write(text);
      await Promise.all(answered);
    },
    async stop() {
      await writer.close().catch(() => {});
      await reading;
      await child.status;
    },
  };
}

/** One tool call, for a client-agnostic timing loop. */
export type Call = () => Promise<void>;

/**
 * Time `calls` calls with `inFlight` outstanding at a time (1 = sequential) after `warmup` untimed ones; per-call
 * time is send to answer.
 */
export async function timeCalls(
  name: string,
  call: Call,
  opts: { calls: number; warmup: number; inFlight: number; extra?: Partial<Row> },
): Promise<Row> {
  for (let i = 0; i < opts.warmup; i++) await call();
  const times: number[] = [];
  let started = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (started < opts.calls) {
      started++;
      const s = performance.now();
      await call();
      times.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: opts.inFlight }, lane));
  return latencyRow(name, times, performance.now() - t0, opts.extra ?? {});
}

/** A connected MCP SDK client over stdio, with the server's pid. */
export interface McpClient {
  /** The server's pid. */
  pid: number | null;
  /** Call a tool; throws unless it succeeded and `expected(first text)` holds. */
  call(name: string, args: Record<string, unknown>, expected: (text: string | undefined) => boolean): Promise<void>;
  /** Close. */
  close(): Promise<void>;
}

/** Start an MCP server with `command`/`args` and connect the official SDK client to it. */
export async function startMcp(command: string, args: string[], cwd: string): Promise<McpClient> {
  const transport = new StdioClientTransport({ command, args, cwd, env: env(), stderr: "ignore" });
  const client = new Client({ name: "safe-exec-bench", version: "1.0.0" });
  await client.connect(transport);
  await client.listTools();
  return {
    pid: transport.pid,
    async call(name, args, expected) {
      const r = await client.callTool({ name, arguments: args });
      const text = (r as { content?: { text?: string }[] }).content?.[0]?.text;
      const ok = !r.isError && expected(text);
      if (!ok) throw new Error(`${command} ${name}: unexpected result ${JSON.stringify(r).slice(0, 300)}`);
    },
    close: () => client.close(),
  };
}

/** server-filesystem's entry point (node), or null when it is not installed. */
export function serverFilesystem(): string | null {
  const p = join(ROOT, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");
  return existsSync(p) ? p : null;
}

export { rssMiB };
