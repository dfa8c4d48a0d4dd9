/**
 * Test helpers: start the real `safe-exec mcp` (deno run src/main.ts mcp) in a temp folder, either behind the
 * official SDK client or on raw stdio.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import { type ElicitRequest, ElicitRequestSchema, type ElicitResult } from "@modelcontextprotocol/sdk/types.js";

/** The repository root. */
export const REPO = fileURLToPath(new URL("../../", import.meta.url));
/** The deno permission flags of the binary (build.ts), which the serve task uses too. */
export { DENO_FLAGS } from "../_targets.ts";
import { DENO_FLAGS } from "../_targets.ts";

/** One witness line. */
export interface WitnessLine {
  seq: number;
  event: string;
  tool: string | null;
  decision: string | null;
  details: Record<string, unknown>;
}

/** A temp folder with a workspace, a witness path and a config file. */
export interface Place {
  dir: string;
  ws: string;
  witness: string;
  config: string;
  /** The witness log's lines. */
  lines(): WitnessLine[];
}

/** Make a temp place; `config` is written as the safe-exec config (sandbox "none" unless given). */
export function place(config: Record<string, unknown> = {}): Place {
  const dir = mkdtempSync(join(tmpdir(), "mcp-e2e-"));
  const ws = join(dir, "ws");
  mkdirSync(ws);
  const configPath = join(dir, "safe-exec.jsonc");
  writeFileSync(configPath, JSON.stringify({ sandbox: "none", ...config }));
  const witness = join(dir, "witness.log");
  return {
    dir,
    ws,
    witness,
    config: configPath,
    lines: () => readFileSync(witness, "utf8").trimEnd().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l)),
  };
}

/** The argv (after the deno binary) that starts the server for a place. */
export function serverArgs(p: Place, extra: string[] = []): string[] {
  return [
    "run",
    "--config",
    join(REPO, "deno.json"),
    ...DENO_FLAGS,
    join(REPO, "src/main.ts"),
    "mcp",
    "--workspace",
    p.ws,
    "--witness",
    p.witness,
    "--config",
    p.config,
    ...extra,
  ];
}

/** An SDK client connected to a fresh server. */
export interface Connected {
  client: Client;
  place: Place;
  /** Elicitation requests the client answered. */
  elicited: ElicitRequest[];
  /** Every message the server sent, in the order it was read, before the SDK handled it. */
  wire: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Start a server and connect the SDK client; with `elicit`, the client declares elicitation and answers with it. */
export async function connect(
  options: {
    config?: Record<string, unknown>;
    elicit?: (request: ElicitRequest) => ElicitResult | Promise<ElicitResult>;
    extraArgs?: string[];
    /** The program before `mcp …` (a tests/_targets.ts target's argv); default `deno run … src/main.ts`. */
    argv?: readonly string[];
  } = {},
): Promise<Connected> {
  const p = place(options.config);
  const args = serverArgs(p, options.extraArgs);
  const [command, ...before] = options.argv ?? [Deno.execPath(), ...args.slice(0, args.indexOf("mcp"))];
  const transport = new StdioClientTransport({
    command: command!,
    args: [...before, ...args.slice(args.indexOf("mcp"))],
    cwd: p.dir,
    env: Deno.env.toObject(),
    stderr: "pipe",
  });
  const client = new Client(
    { name: "safe-exec-e2e", version: "1.0.0" },
    { capabilities: options.elicit ? { elicitation: {} } : {} },
  );
  const elicited: ElicitRequest[] = [];
  if (options.elicit) {
    const answer = options.elicit;
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      elicited.push(request);
      return answer(request);
    });
  }
  await client.connect(transport);
  // The SDK set its handler in connect; record what arrives before passing it on.
  const wire: Record<string, unknown>[] = [];
  const handle = transport.onmessage;
  transport.onmessage = (message) => {
    wire.push(message as Record<string, unknown>);
    handle?.(message);
  };
  return { client, place: p, elicited, wire, close: () => client.close() };
}

/** The raw server on stdio: write lines, read JSON messages. */
export class RawServer {
  readonly place: Place;
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #stdoutDone = false;

  /** Start it. */
  constructor(p: Place = place(), extra: string[] = []) {
    this.place = p;
    this.#child = new Deno.Command(Deno.execPath(), {
      args: serverArgs(p, extra),
      cwd: p.dir,
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#reader = this.#child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** Write bytes or a line (a newline is added to strings). */
  async write(data: string | Uint8Array): Promise<void> {
    await this.#writer.write(typeof data === "string" ? new TextEncoder().encode(data + "\n") : data);
  }

  /** Write a JSON-RPC message. */
  send(message: unknown): Promise<void> {
    return this.write(JSON.stringify(message));
  }

  /** The next message on stdout (every stdout line must be JSON). */
  async next(timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const nl = this.#buffer.indexOf("\n");
      if (nl !== -1) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        return JSON.parse(line);
      }
      if (this.#stdoutDone) throw new Error(`stdout ended; left over: ${JSON.stringify(this.#buffer)}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("no message in time")), Math.max(1, deadline - Date.now()));
      });
      try {
        const { done, value } = await Promise.race([this.#reader.read(), timeout]);
        if (done) this.#stdoutDone = true;
        else this.#buffer += value;
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /** Send a request and return the next message, which must answer it. */
  async request(id: number | string, method: string, params?: unknown): Promise<Record<string, unknown>> {
    await this.send(params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params });
    const r = await this.next();
    assert.equal(r.id, id, `the answer to ${id}: ${JSON.stringify(r)}`);
    return r;
  }

  /** initialize + notifications/initialized. */
  async init(capabilities: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const r = await this.request(0, "initialize", {
      protocolVersion: "2025-11-25",
      capabilities,
      clientInfo: { name: "raw", version: "1" },
    });
    await this.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    return r;
  }

  /** Close stdin; resolves to the exit code and whatever was left on stdout. */
  async end(): Promise<{ code: number; rest: Record<string, unknown>[] }> {
    await this.#writer.close();
    const rest: Record<string, unknown>[] = [];
    for (;;) {
      try {
        rest.push(await this.next());
      } catch (e) {
        if ((e as Error).message.startsWith("stdout ended")) break;
        throw e;
      }
    }
    const status = await this.#child.status;
    return { code: status.code, rest };
  }
}
