/**
 * The MCP session core, runtime-free: JSON-RPC 2.0 messages in, JSON-RPC messages out. `handleLine(line)`
 * resolves to the responses for that line; messages the server starts itself (`elicitation/create` requests and
 * their cancellations) go out through `send`. `src/mcp/server.ts` wires it to stdio.
 *
 * Tool calls run one at a time in arrival order, as in `safe-exec serve` (a write then a read sees the write);
 * everything else (`ping`, `tools/list`, notifications, the client's answers to elicitations) is handled at once,
 * also while a call runs or waits for its confirmation.
 *
 * @module
 */
import type { SafeExecutor } from "../executor.ts";
import type { ConfirmHandler, ConfirmRequest } from "../types.ts";
import { VERSION } from "../version.ts";
import { type CallToolResult, callToolResult, type McpTool, mcpTool } from "./tools.ts";
import { describeValue } from "../_describe.ts";
import { OpenQuestions } from "../confirm.ts";
import { showArgs } from "../_display.ts";
import { parseJsonLine } from "../lines.ts";
import { ID_RULE, idProblem } from "../_ids.ts";

/**
 * The MCP protocol versions this server speaks, newest first.
 *
 * @example
 * ```ts
 * import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "./session.ts";
 * console.assert(SUPPORTED_PROTOCOL_VERSIONS[0] === LATEST_PROTOCOL_VERSION);
 * ```
 */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = ["2025-11-25", "2025-06-18", "2025-03-26"];

/**
 * The newest protocol version, the answer to a client that asks for one we lack.
 *
 * @example
 * ```ts
 * import { LATEST_PROTOCOL_VERSION } from "./session.ts";
 * console.assert(LATEST_PROTOCOL_VERSION === "2025-11-25");
 * ```
 */
export const LATEST_PROTOCOL_VERSION = "2025-11-25";

/**
 * The standard JSON-RPC 2.0 error codes.
 *
 * @example
 * ```ts
 * import { RPC_ERROR } from "./session.ts";
 * console.assert(RPC_ERROR.METHOD_NOT_FOUND === -32601);
 * ```
 */
export const RPC_ERROR = Object.freeze({
  /** The line is not JSON (or not UTF-8). */
  PARSE_ERROR: -32700,
  /** The JSON is not a valid request: not an object, no method, a batch, a bad id, or the wrong time. */
  INVALID_REQUEST: -32600,
  /** No such method. */
  METHOD_NOT_FOUND: -32601,
  /** The params do not fit the method. */
  INVALID_PARAMS: -32602,
  /** The server failed. */
  INTERNAL_ERROR: -32603,
  /** A server error (JSON-RPC's -32000 range): too many requests queued; the call was not queued. */
  SERVER_OVERLOADED: -32000,
});

/** A JSON-RPC request id. */
export type RpcId = string | number;

/** One JSON-RPC message (request, notification, result or error). */
export type RpcMessage = Record<string, unknown>;

/** Options of {@linkcode McpSession}. */
export interface McpSessionOptions {
  /** The gate. */
  executor: SafeExecutor;
  /** Decides ASK when the client did not declare the `elicitation` capability (the `--confirm` mode). */
  confirm: ConfirmHandler;
  /** Writes a message the server starts (an `elicitation/create` request, a cancellation). */
  send: (message: RpcMessage) => void;
  /** Whether process tools can reach the network (their `openWorldHint`). Default true. */
  processNetwork?: boolean;
  /** Diagnostics for a person (stderr), never for the protocol. */
  log?: (text: string) => void;
}

/**
 * The characters of output that count as one token of context, for the estimate.
 *
 * @example
 * ```ts
 * import { CHARS_PER_TOKEN } from "./session.ts";
 * console.assert(Math.ceil(4001 / CHARS_PER_TOKEN) === 1001);
 * ```
 */
export const CHARS_PER_TOKEN = 4;

const INSTRUCTIONS =
  "safe-exec gates every tool call: it scores session fatigue (context size, session length, errors), crosses it " +
  "with the tool's risk, and allows, asks the user, or denies. A result with isError whose text says " +
  "`errorCode denied` or `errorCode not_approved` was not run: do not retry it unchanged. Clients can report the " +
  "context size with the notification notifications/safe-exec/metrics {contextTokens}; otherwise it is estimated.";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isId(v: unknown): v is RpcId {
  return (typeof v === "string" || typeof v === "number") && idProblem(v) === null;
}

/**
 * A JSON-RPC error response.
 *
 * @example
 * ```ts
 * import { rpcError } from "./session.ts";
 * const e = rpcError(null, -32700, "Parse error");
 * console.assert(e.jsonrpc === "2.0" && e.id === null);
 * ```
 */
export function rpcError(id: RpcId | null, code: number, message: string): RpcMessage {
  return { jsonrpc: "2.0", id, error: { code, message } };
}

function rpcResult(id: RpcId, result: unknown): RpcMessage {
  return { jsonrpc: "2.0", id, result };
}

/**
 * Arguments for the confirmation form (elicitation), which a client shows as one message: every argument with its
 * length, escaped (control and bidirectional characters, runs of padding counted; see `_display.ts`); a value
 * longer than 1 000 characters once escaped is shown by its start and end with the length left out between.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shortArgs } from "./session.ts";
 * assert.equal(shortArgs({ cmd: "ls" }), 'cmd (2 characters): "ls"');
 * const long = shortArgs({ content: "x".repeat(5000) + "end" });
 * assert.match(long, /^content \(5003 characters\): "⟪5000 × "x"⟫end"$/);
 * assert.match(shortArgs({ content: Array.from({ length: 3000 }, (_, i) => i % 10).join("") }), /characters not shown/);
 * ```
 */
export function shortArgs(args: Record<string, unknown>): string {
  return showArgs(args, FORM_VALUE_CHARS).join("; ");
}

/** The most characters of one argument the confirmation form shows before it shortens it to its start and end. */
const FORM_VALUE_CHARS = 1000;

const CONFIRM_SCHEMA = Object.freeze({
  type: "object",
  properties: {
    confirm: {
      type: "boolean",
      title: "Run this call",
      description: "Check to let safe-exec run the call; leave it unchecked to skip the call.",
      default: false,
    },
  },
  required: ["confirm"],
});

const ELICIT_PREFIX = "safe-exec-elicit-";

/**
 * One MCP session over one executor.
 *
 * @example
 * ```ts
 * import { McpSession } from "./session.ts";
 * import { SafeExecutor } from "../executor.ts";
 * import { mkdtempSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(join(tmpdir(), "se-"));
 * const executor = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "w.log") });
 * executor.register("greet", { risk: "low" }, (a) => `hello ${a.name}`);
 * const mcp = new McpSession({ executor, confirm: () => false, send: () => {} });
 * const init = { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } };
 * const [hello] = await mcp.handleLine(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: init }));
 * console.assert((hello?.result as { protocolVersion: string }).protocolVersion === "2025-06-18");
 * const call = { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "greet", arguments: { name: "ada" } } };
 * const [r] = await mcp.handleLine(JSON.stringify(call));
 * console.assert((r?.result as { content: { text: string }[] }).content[0]?.text === "hello ada");
 * await mcp.close();
 * executor.close();
 * ```
 */
export class McpSession {
  #o: McpSessionOptions;
  #initialized = false;
  #elicitation = false;
  #protocolVersion: string | null = null;
  #toolList: McpTool[] | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #calls = new Map<string, AbortController>();
  #elicits = new Map<string, (answer: RpcMessage | null) => void>();
  #nextElicit = 0;
  #closing = false;
  #questions = new OpenQuestions();
  #fallback: ConfirmHandler | null = null;
  #stopReason: string | null = null;
  #running: AbortController | null = null;
  #returnedChars = 0;
  #estimatedTokens = 0;
  #clientReportsContext = false;

  /** Make a session. */
  constructor(options: McpSessionOptions) {
    this.#o = options;
  }

  /** The protocol version agreed at `initialize`, or null before it. */
  get protocolVersion(): string | null {
    return this.#protocolVersion;
  }

  /** Whether the client declared form-mode elicitation (ASK is then asked through it). */
  get elicitation(): boolean {
    return this.#elicitation;
  }

  /** Tool calls queued or running. */
  get inFlight(): number {
    return this.#calls.size;
  }

  /** The context estimate in tokens (characters returned / 4), until the client reports its own. */
  get estimatedContextTokens(): number {
    return this.#estimatedTokens;
  }

  /** Whether a call waits for the client's answer to an elicitation. */
  get awaitingElicitation(): boolean {
    return this.#elicits.size > 0;
  }

  /**
   * Handle one line (without its newline); resolves to the messages that answer it (zero or one). With
   * `admitCalls` false (the stdio loop's input queue is full), a `tools/call` is refused at once.
   */
  handleLine(line: string, options: { admitCalls?: boolean } = {}): Promise<RpcMessage[]> {
    const parsed = parseJsonLine(line);
    if (parsed.blank) return Promise.resolve([]);
    if ("error" in parsed) {
      return Promise.resolve([
        rpcError(
          null,
          RPC_ERROR.PARSE_ERROR,
          `Parse error: ${parsed.error}; expected one JSON-RPC 2.0 message per line`,
        ),
      ]);
    }
    const msg: unknown = parsed.value;
    return this.handleMessage(msg, { ...options, line });
  }

  /**
   * Handle one parsed message; resolves to the messages that answer it (zero or one). `line`, the text it was
   * parsed from, lets a numeric id be judged by its text (`1e400`, `12345678901234567890`: refused, never rounded).
   */
  handleMessage(msg: unknown, options: { admitCalls?: boolean; line?: string } = {}): Promise<RpcMessage[]> {
    if (Array.isArray(msg)) {
      return Promise.resolve([
        rpcError(
          null,
          RPC_ERROR.INVALID_REQUEST,
          "Invalid Request: JSON-RPC batches are not supported (MCP 2025-06-18 removed them); send one message per line",
        ),
      ]);
    }
    if (!isObject(msg)) {
      return Promise.resolve([
        rpcError(
          null,
          RPC_ERROR.INVALID_REQUEST,
          `Invalid Request: expected a JSON-RPC object, got ${describeValue(msg)}`,
        ),
      ]);
    }
    const hasId = "id" in msg;
    const id = msg.id;
    const problem = hasId ? (id === null ? "null" : idProblem(id, options.line)) : null;
    if (problem !== null) {
      return Promise.resolve([
        rpcError(null, RPC_ERROR.INVALID_REQUEST, `Invalid Request: "id" must be ${ID_RULE}; got ${problem}`),
      ]);
    }
    const replyId = hasId ? id as RpcId : null;
    if (msg.jsonrpc !== "2.0") {
      return Promise.resolve([
        rpcError(
          replyId,
          RPC_ERROR.INVALID_REQUEST,
          `Invalid Request: "jsonrpc" must be "2.0", got ${describeValue(msg.jsonrpc)}`,
        ),
      ]);
    }
    const method = msg.method;
    if (method === undefined) {
      if (hasId && ("result" in msg || "error" in msg)) {
        this.#onResponse(id as RpcId, msg);
        return Promise.resolve([]);
      }
      return Promise.resolve([
        rpcError(
          replyId,
          RPC_ERROR.INVALID_REQUEST,
          `Invalid Request: the message has no "method"; expected e.g. {"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
        ),
      ]);
    }
    if (typeof method !== "string") {
      return Promise.resolve([
        rpcError(
          replyId,
          RPC_ERROR.INVALID_REQUEST,
          `Invalid Request: "method" must be a string, got ${describeValue(method)}`,
        ),
      ]);
    }
    const params = msg.params;
    if (params !== undefined && !isObject(params)) {
      if (!hasId) {
        this.#o.log?.(`safe-exec mcp: ignored the notification ${method}: "params" must be an object`);
        return Promise.resolve([]);
      }
      return Promise.resolve([
        rpcError(
          replyId,
          RPC_ERROR.INVALID_PARAMS,
          `Invalid params: "params" must be an object, got ${describeValue(params)}`,
        ),
      ]);
    }
    if (!hasId) {
      this.#onNotification(method, params);
      return Promise.resolve([]);
    }
    return this.#onRequest(id as RpcId, method, params, options.admitCalls ?? true);
  }

  #onRequest(
    id: RpcId,
    method: string,
    params: Record<string, unknown> | undefined,
    admitCalls: boolean,
  ): Promise<RpcMessage[]> {
    switch (method) {
      case "initialize":
        return Promise.resolve([this.#initialize(id, params)]);
      case "ping":
        return Promise.resolve([rpcResult(id, {})]);
      case "tools/list":
      case "tools/call":
        break;
      default:
        return Promise.resolve([
          rpcError(
            id,
            RPC_ERROR.METHOD_NOT_FOUND,
            `Method not found: ${
              JSON.stringify(method)
            }; this server offers initialize, ping, tools/list and tools/call`,
          ),
        ]);
    }
    if (!this.#initialized) {
      return Promise.resolve([
        rpcError(id, RPC_ERROR.INVALID_REQUEST, `Invalid Request: ${method} before initialize; send initialize first`),
      ]);
    }
    if (method === "tools/list") return Promise.resolve([rpcResult(id, { tools: this.#tools() })]);
    if (!admitCalls) {
      return Promise.resolve([
        rpcError(
          id,
          RPC_ERROR.SERVER_OVERLOADED,
          "Server overloaded: too many requests are queued while a call waits for your answer to an elicitation; " +
            "this call was not queued: send it again once the queue is shorter",
        ),
      ]);
    }
    return this.#toolsCall(id, params);
  }

  #initialize(id: RpcId, params: Record<string, unknown> | undefined): RpcMessage {
    if (this.#initialized) {
      return rpcError(id, RPC_ERROR.INVALID_REQUEST, "Invalid Request: the session is already initialized");
    }
    if (params === undefined) {
      return rpcError(
        id,
        RPC_ERROR.INVALID_PARAMS,
        "Invalid params: initialize needs {protocolVersion, capabilities, clientInfo}",
      );
    }
    const asked = params.protocolVersion;
    if (typeof asked !== "string") {
      return rpcError(
        id,
        RPC_ERROR.INVALID_PARAMS,
        `Invalid params: "protocolVersion" must be a string, got ${describeValue(asked)}`,
      );
    }
    const caps = params.capabilities ?? {};
    if (!isObject(caps)) {
      return rpcError(
        id,
        RPC_ERROR.INVALID_PARAMS,
        `Invalid params: "capabilities" must be an object, got ${describeValue(caps)}`,
      );
    }
    const elicit = caps.elicitation;
    // An empty elicitation capability means form mode (the spec's backwards compatibility rule).
    this.#elicitation = isObject(elicit) && (elicit.form !== undefined || elicit.url === undefined);
    this.#protocolVersion = SUPPORTED_PROTOCOL_VERSIONS.includes(asked) ? asked : LATEST_PROTOCOL_VERSION;
    this.#initialized = true;
    return rpcResult(id, {
      protocolVersion: this.#protocolVersion,
      capabilities: { tools: { listChanged: false } },
      serverInfo: { name: "safe-exec", title: "safe-exec", version: VERSION },
      instructions: INSTRUCTIONS,
    });
  }

  #tools(): McpTool[] {
    if (this.#toolList === null) {
      const processNetwork = this.#o.processNetwork ?? true;
      this.#toolList = this.#o.executor.tools().map((t) => mcpTool(t, { processNetwork }));
    }
    return this.#toolList;
  }

  #toolsCall(id: RpcId, params: Record<string, unknown> | undefined): Promise<RpcMessage[]> {
    const name = params?.name;
    if (typeof name !== "string") {
      return Promise.resolve([
        rpcError(
          id,
          RPC_ERROR.INVALID_PARAMS,
          `Invalid params: tools/call needs "name", a string; got ${describeValue(name)}`,
        ),
      ]);
    }
    const args = params?.arguments ?? {};
    if (!isObject(args)) {
      return Promise.resolve([
        rpcError(
          id,
          RPC_ERROR.INVALID_PARAMS,
          `Invalid params: "arguments" must be an object, got ${describeValue(args)}`,
        ),
      ]);
    }
    const key = typeof id === "string" ? `s${id}` : `n${id}`;
    if (this.#calls.has(key)) {
      return Promise.resolve([
        rpcError(id, RPC_ERROR.INVALID_REQUEST, `Invalid Request: a call with id ${JSON.stringify(id)} is in flight`),
      ]);
    }
    if (this.#closing) {
      return Promise.resolve([rpcError(id, RPC_ERROR.INTERNAL_ERROR, "The server is shutting down")]);
    }
    const controller = new AbortController();
    this.#calls.set(key, controller);
    const run = this.#queue.then(async (): Promise<RpcMessage[]> => {
      try {
        // Cancelled by the client while queued: nothing ran, and a cancelled request gets no response.
        if (controller.signal.aborted) return [];
        // The server stops: a call that comes up in the lane is cancelled before it starts, and answered.
        const stopped = this.#stopReason !== null;
        if (stopped) controller.abort(new DOMException(this.#stopReason!, "AbortError"));
        this.#running = controller;
        const ex = this.#o.executor;
        const r = await ex.execute(name, args, { signal: controller.signal, confirm: this.#confirmHandler() });
        const result = callToolResult(r, ex.tool(name)?.outputSchema !== undefined);
        if (r.errorCode === "not_approved" && !this.#elicitation) {
          result.content[0]!.text +=
            " (This client did not declare elicitation, so the server's --confirm mode answered.)";
        }
        this.#account(result);
        return controller.signal.aborted && !stopped ? [] : [rpcResult(id, result)];
      } finally {
        this.#running = null;
        this.#calls.delete(key);
      }
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Add what the model will read to the context estimate, and tell the gate. */
  #account(result: CallToolResult): void {
    if (this.#clientReportsContext) return;
    for (const c of result.content) this.#returnedChars += c.text.length;
    const tokens = Math.ceil(this.#returnedChars / CHARS_PER_TOKEN);
    if (tokens === this.#estimatedTokens) return;
    this.#estimatedTokens = tokens;
    this.#o.executor.updateMetrics({ contextTokens: tokens });
  }

  #confirmHandler(): ConfirmHandler {
    if (this.#elicitation) return this.#elicit;
    this.#fallback ??= this.#questions.wrap(this.#o.confirm); // withdrawn when the session closes
    return this.#fallback;
  }

  /** ASK through `elicitation/create`: approved only by `accept` with `confirm: true`. */
  #elicit = (req: ConfirmRequest): Promise<boolean> => {
    if (this.#closing || req.signal.aborted) return Promise.resolve(false);
    const id = `${ELICIT_PREFIX}${++this.#nextElicit}`;
    return new Promise<boolean>((resolve) => {
      const onAbort = () => {
        if (!this.#elicits.has(id)) return;
        this.#elicits.delete(id);
        const reason = req.signal.reason instanceof Error ? req.signal.reason.message : "the call was cancelled";
        this.#o.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: id, reason } });
        resolve(false);
      };
      this.#elicits.set(id, (answer) => {
        this.#elicits.delete(id);
        req.signal.removeEventListener("abort", onAbort);
        const result = answer?.result;
        resolve(
          isObject(result) && result.action === "accept" && isObject(result.content) && result.content.confirm === true,
        );
      });
      req.signal.addEventListener("abort", onAbort, { once: true });
      this.#o.send({
        jsonrpc: "2.0",
        id,
        method: "elicitation/create",
        params: {
          message: `safe-exec asks before running ${req.tool} (${
            shortArgs(req.args) || "no arguments"
          }): risk ${req.risk}, session fatigue ${req.fatigue.toFixed(2)} (${req.rationale}). Run it?`,
          requestedSchema: CONFIRM_SCHEMA,
        },
      });
    });
  };

  #onResponse(id: RpcId, msg: RpcMessage): void {
    const finish = typeof id === "string" ? this.#elicits.get(id) : undefined;
    if (finish === undefined) {
      this.#o.log?.(
        `safe-exec mcp: ignored a response to ${JSON.stringify(id)}, which no request of ours is waiting for`,
      );
      return;
    }
    if ("error" in msg) {
      this.#o.log?.(
        `safe-exec mcp: the client answered the elicitation ${id} with an error: ${JSON.stringify(msg.error)}`,
      );
    }
    finish(msg);
  }

  #onNotification(method: string, params: Record<string, unknown> | undefined): void {
    switch (method) {
      case "notifications/initialized":
        return;
      case "notifications/cancelled": {
        const rid = params?.requestId;
        if (!isId(rid)) return;
        const controller = this.#calls.get(typeof rid === "string" ? `s${rid}` : `n${rid}`);
        const reason = typeof params?.reason === "string" ? params.reason : "cancelled by the client";
        controller?.abort(new DOMException(reason, "AbortError"));
        return;
      }
      case "notifications/safe-exec/metrics":
        this.#metrics(params ?? {});
        return;
      default:
        return; // Unknown notifications are ignored, as JSON-RPC asks.
    }
  }

  #metrics(params: Record<string, unknown>): void {
    const update: { contextTokens?: number; errorOccurred?: boolean } = {};
    const t = params.contextTokens;
    if (t !== undefined) {
      if (typeof t !== "number" || !Number.isFinite(t) || t < 0) {
        this.#o.log?.(`safe-exec mcp: ignored metrics: "contextTokens" must be a number >= 0, got ${describeValue(t)}`);
        return;
      }
      update.contextTokens = t;
    }
    const e = params.errorOccurred;
    if (e !== undefined) {
      if (typeof e !== "boolean") {
        this.#o.log?.(`safe-exec mcp: ignored metrics: "errorOccurred" must be true or false, got ${describeValue(e)}`);
        return;
      }
      update.errorOccurred = e;
    }
    if (update.contextTokens !== undefined) this.#clientReportsContext = true;
    if (update.contextTokens !== undefined || update.errorOccurred !== undefined) {
      this.#o.executor.updateMetrics(update);
    }
  }

  /** EOF: pending elicitations are not approved; resolves when every queued call has finished. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#questions.close();
    for (const finish of [...this.#elicits.values()]) finish(null);
    await this.#queue;
  }

  /**
   * Stop (a signal, or nobody reads stdout): queued calls are not started (each is answered with an error result,
   * errorCode `cancelled`), pending elicitations are not approved, and the running call finishes; resolves when it
   * did.
   */
  stop(reason: string): Promise<void> {
    this.#stopReason ??= reason;
    return this.close();
  }

  /** Abort the running call as well (a running process is killed). */
  abortRunning(reason: string): void {
    this.#stopReason ??= reason;
    this.#running?.abort(new DOMException(reason, "AbortError"));
  }
}
