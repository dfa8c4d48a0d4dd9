/**
 * The MCP session core, runtime-free: JSON-RPC 2.0 messages in, JSON-RPC messages out. `handleLine(line)`
 * resolves to the responses for that line; messages the server starts itself (`elicitation/create` requests and
 * their cancellations) go out through `send`. `src/cli/mcp.ts` wires it to stdio.
 *
 * Tool calls run one at a time in arrival order, as in `safe-exec serve` (a write then a read sees the write);
 * everything else (`ping`, `tools/list`, notifications, the client's answers to elicitations) is handled at once,
 * also while a call runs or waits for its confirmation.
 *
 * @module
 */
import type { SafeExecutor } from "../../gate/executor.ts";
import { readMetricsUpdate } from "../../gate/metrics.ts";
import type { ConfirmDecision, ConfirmHandler, ConfirmRequest } from "../../types.ts";
import { answeredBy } from "../../gate/confirm.ts";
import { isContextUpdate, readAnyMetricsUpdate } from "../../gate/_context_update.ts";
import { objectArgs } from "../../gate/_string_args.ts";
import { CHECK_METHOD, checkRequest } from "./_check.ts";
import { describeValue } from "../../_util/describe.ts";
import { parseJsonLine } from "../../_util/lines.ts";
import { CallLane } from "../_call_lane.ts";
import { ContextEstimate } from "./context_estimate.ts";
import { initializeResult, readInitialize } from "./initialize.ts";
import {
  deniedForFatigue,
  freshSessionRequest,
  textsOf,
  upstreamEntry,
  upstreamResult,
  wantsFresh,
} from "./_gateway.ts";
import type { GatewayTools } from "../../gateway/gate_tools.ts";
import type { CallChannel } from "../../gate/tool.ts";
import type { ExecResult } from "../../types.ts";
import { approves, ELICIT_PREFIX, elicitationRequest } from "./elicit.ts";
import {
  isId,
  isObject,
  readEnvelope,
  RPC_ERROR,
  rpcError,
  type RpcId,
  type RpcMessage,
  rpcResult,
  rpcResultOnce,
} from "./rpc.ts";
import { callToolResult, type McpTool, mcpTool } from "./tools.ts";

export { CHARS_PER_TOKEN } from "./context_estimate.ts";
export { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "./initialize.ts";
export { shortArgs } from "./elicit.ts";
export { RPC_ERROR, rpcError, type RpcId, type RpcMessage } from "./rpc.ts";

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
  /** The MCP gateway's upstream servers, when the config has any (SPEC §8). */
  gateway?: GatewayTools;
}

const LOG_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

/** The lane's key of a call's id (a string and a number that print alike are different ids). */
function callKey(id: RpcId): string {
  return typeof id === "string" ? `s${id}` : `n${id}`;
}

/**
 * One MCP session over one executor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { McpSession } from "./session.ts";
 * import { SafeExecutor } from "../../gate/executor.ts";
 * import { mkdtempSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(join(tmpdir(), "se-"));
 * const executor = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "w.log") });
 * executor.register("greet", { risk: "low" }, (a) => `hello ${a.name}`);
 * const mcp = new McpSession({ executor, confirm: () => false, send: () => {} });
 * const init = { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } };
 * const [hello] = await mcp.handleLine(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: init }));
 * assert.ok((hello?.result as { protocolVersion: string }).protocolVersion === "2025-06-18");
 * const call = { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "greet", arguments: { name: "ada" } } };
 * const [r] = await mcp.handleLine(JSON.stringify(call));
 * assert.ok((r?.result as { content: { text: string }[] }).content[0]?.text === "hello ada");
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
  #lane = new CallLane<RpcMessage>();
  #nextElicit = 0;
  #fallback: ConfirmHandler | null = null;
  #estimate = new ContextEstimate();

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
    return this.#lane.size;
  }

  /** The context estimate in tokens (characters returned / 4), until the client reports its own. */
  get estimatedContextTokens(): number {
    return this.#estimate.tokens;
  }

  /** Whether a call waits for the client's answer to an elicitation. */
  get awaitingElicitation(): boolean {
    return this.#lane.client.size > 0;
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
    return this.handleMessage(parsed.value, { ...options, line });
  }

  /**
   * Handle one parsed message; resolves to the messages that answer it (zero or one). `line`, the text it was
   * parsed from, lets a numeric id be judged by its text (`1e400`, `12345678901234567890`: refused, never rounded).
   */
  handleMessage(msg: unknown, options: { admitCalls?: boolean; line?: string } = {}): Promise<RpcMessage[]> {
    const e = readEnvelope(msg, options.line);
    switch (e.kind) {
      case "error":
        return Promise.resolve([e.error]);
      case "response":
        this.#onResponse(e.id, e.message);
        return Promise.resolve([]);
      case "ignored":
        this.#o.log?.(`safe-exec mcp: ${e.note}`);
        return Promise.resolve([]);
      case "notification":
        this.#onNotification(e.method, e.params);
        return Promise.resolve([]);
      case "request":
        return this.#onRequest(e.id, e.method, e.params, options.admitCalls ?? true);
    }
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
      case CHECK_METHOD:
      case "logging/setLevel":
        break;
      default:
        return Promise.resolve([
          rpcError(
            id,
            RPC_ERROR.METHOD_NOT_FOUND,
            `Method not found: ${
              JSON.stringify(method)
            }; this server offers initialize, ping, tools/list, tools/call, logging/setLevel and ${CHECK_METHOD}`,
          ),
        ]);
    }
    if (!this.#initialized) {
      return Promise.resolve([
        rpcError(id, RPC_ERROR.INVALID_REQUEST, `Invalid Request: ${method} before initialize; send initialize first`),
      ]);
    }
    if (method === "tools/list") return this.#tools().then((tools) => [rpcResult(id, { tools })]);
    if (method === CHECK_METHOD) return checkRequest(this.#o.executor, id, params);
    if (method === "logging/setLevel") return Promise.resolve([this.#setLevel(id, params)]);
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
    const asked = readInitialize(params);
    if ("problem" in asked) return rpcError(id, RPC_ERROR.INVALID_PARAMS, asked.problem);
    this.#elicitation = asked.elicitation;
    this.#protocolVersion = asked.protocolVersion;
    this.#initialized = true;
    // The context estimate counts with the gate's tokenizer: load it now, not on the first call's result.
    this.#o.executor.tokenCounter().catch(() => {});
    this.#o.gateway?.attach({
      log: (l) =>
        this.#o.send({
          jsonrpc: "2.0",
          method: "notifications/message",
          params: { level: l.level, logger: l.logger ?? l.server, data: l.data },
        }),
      toolsChanged: () => {
        this.#toolList = null;
        this.#o.send({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      },
      elicit: async (req) => (await this.#askClient(req.params as Record<string, unknown>, req.signal)) as never,
      elicitation: () => (this.#elicitation ? ["form"] : []),
    });
    return rpcResult(id, initializeResult(asked.protocolVersion, this.#o.gateway !== undefined));
  }

  /** Every tool an MCP client can call (not client tools: the agent runs those itself), upstream ones included. */
  async #tools(): Promise<McpTool[]> {
    if (this.#toolList === null) {
      const processNetwork = this.#o.processNetwork ?? true;
      const all = await this.#o.executor.listTools();
      this.#toolList = all.filter((t) => t.run !== "client").map((t) =>
        t.upstream ? upstreamEntry(t) : mcpTool(t, { processNetwork })
      );
      // Upstream lists can change (each server's is cached by the gateway and refreshed on its list_changed).
      if (this.#o.gateway !== undefined) {
        const list = this.#toolList;
        this.#toolList = null;
        return list;
      }
    }
    return this.#toolList;
  }

  /**
   * Pass an upstream server's elicitation to the client (when it declared elicitation), and its answer back; a
   * client without elicitation, an error answer or the call's end declines or cancels it.
   */
  async #askClient(params: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>> {
    if (!this.#elicitation || this.#lane.closing) return { action: "decline" };
    const id = `${ELICIT_PREFIX}${++this.#nextElicit}`;
    const withdraw = () =>
      this.#o.send({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: id, reason: "cancelled" },
      });
    const answer = await this.#lane.client.ask(
      id,
      signal,
      () => this.#o.send({ jsonrpc: "2.0", id, method: "elicitation/create", params }),
      withdraw,
    );
    const result = answer?.result;
    return isObject(result) && typeof result.action === "string" ? result : { action: "cancel" };
  }

  /** After a denial for fatigue, ask the person (never the model) whether to start a fresh session. */
  async #offerFresh(r: ExecResult, signal: AbortSignal): Promise<boolean> {
    if (!this.#elicitation || this.#lane.closing || signal.aborted) return false;
    const id = `${ELICIT_PREFIX}${++this.#nextElicit}`;
    const answer = await this.#lane.client.ask(id, signal, () => this.#o.send(freshSessionRequest(id, r)));
    if (!wantsFresh(answer)) return false;
    this.#o.executor.resetMetrics({
      reason: "person",
      via: "elicitation",
      message: `the person started a fresh session after ${r.tool} was denied at fatigue ${r.fatigue.toFixed(2)}`,
    });
    this.#estimate = new ContextEstimate();
    return true;
  }

  #setLevel(id: RpcId, params: Record<string, unknown> | undefined): RpcMessage {
    const level = params?.level;
    if (typeof level !== "string" || !LOG_LEVELS.includes(level)) {
      return rpcError(
        id,
        RPC_ERROR.INVALID_PARAMS,
        `Invalid params: "level" must be one of ${LOG_LEVELS.join(", ")}, got ${describeValue(level)}`,
      );
    }
    void this.#o.gateway?.manager.setLoggingLevel(level as never);
    return rpcResult(id, {});
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
    const args = objectArgs(params?.arguments ?? {}); // OpenAI-style arguments as a JSON string are read too
    if (!isObject(args)) {
      return Promise.resolve([
        rpcError(
          id,
          RPC_ERROR.INVALID_PARAMS,
          `Invalid params: "arguments" must be an object, got ${describeValue(args)}`,
        ),
      ]);
    }
    const key = callKey(id);
    if (this.#lane.has(key)) {
      return Promise.resolve([
        rpcError(id, RPC_ERROR.INVALID_REQUEST, `Invalid Request: a call with id ${JSON.stringify(id)} is in flight`),
      ]);
    }
    if (this.#lane.closing) {
      return Promise.resolve([rpcError(id, RPC_ERROR.INTERNAL_ERROR, "The server is shutting down")]);
    }
    return this.#lane.run(key, async (signal, turn): Promise<RpcMessage[]> => {
      // Cancelled by the client while queued: nothing ran, and a cancelled request gets no response.
      if (turn.cancelled) return [];
      // The server stops: a call that comes up in the lane is cancelled before it starts, and answered.
      const ex = this.#o.executor;
      const token = isObject(params?._meta) ? params._meta.progressToken : undefined;
      // An upstream result is answered as soon as it is back: at once from the connection when it is a plain one
      // (`answer`, before the call's promises unwind), else when the call returns (`onRan`); its execute line is
      // written meanwhile, and the next call of the lane waits for that line.
      let answered = false;
      const answer = (passed: Record<string, unknown>): void => {
        if (answered || (signal.aborted && !turn.stopped)) return;
        answered = true;
        this.#o.send(rpcResultOnce(id, passed));
      };
      const channel: CallChannel = {
        answer,
        elicit: (p, s) => this.#askClient(p, s),
        ...(typeof token === "string" || typeof token === "number"
          ? {
            progress: (u) =>
              this.#o.send({
                jsonrpc: "2.0",
                method: "notifications/progress",
                params: { progressToken: token, ...u },
              }),
          }
          : {}),
      };
      const upstream = this.#o.gateway?.owns(name) === true;
      // An upstream result that ran is counted as the tool's execute line is written (one lock of the log).
      let counted = false;
      const contextAfter = (r: ExecResult): number | null => {
        const passed = upstreamResult(r);
        if (passed === null) return null;
        counted = true;
        return this.#estimate.account(textsOf(passed));
      };
      const onRan = (r: ExecResult): void => {
        const passed = upstreamResult(r);
        if (passed !== null) answer(passed);
      };
      const options = {
        signal,
        confirm: this.#confirmHandler(),
        channel,
        ...(upstream ? { contextAfter, onRan } : {}),
      };
      let r = await ex.execute(name, args, options);
      if (deniedForFatigue(r) && await this.#offerFresh(r, signal)) r = await ex.execute(name, args, options);
      if (answered) return [];
      const passed = upstream ? upstreamResult(r) : null;
      if (passed !== null) {
        // An upstream result, exactly as its server sent it (SPEC §8).
        if (!counted) {
          const tokens = this.#estimate.account(textsOf(passed));
          if (tokens !== null) ex.updateMetrics({ contextTokens: tokens });
        }
        return signal.aborted && !turn.stopped ? [] : [rpcResultOnce(id, passed)];
      }
      const result = callToolResult(r, ex.tool(name)?.outputSchema !== undefined);
      if (r.errorCode === "not_approved" && !this.#elicitation) {
        result.content[0]!.text +=
          " (This client did not declare elicitation, so the server's --confirm mode answered.)";
      }
      const counter = await ex.tokenCounter().catch(() => undefined);
      const tokens = this.#estimate.account(result.content.map((c) => c.text), counter);
      if (tokens !== null) ex.updateMetrics({ contextTokens: tokens });
      return signal.aborted && !turn.stopped ? [] : [rpcResult(id, result)];
    });
  }

  #confirmHandler(): ConfirmHandler {
    if (this.#elicitation) return this.#elicit;
    this.#fallback ??= this.#lane.track(this.#o.confirm); // withdrawn when the session closes
    return this.#fallback;
  }

  /** ASK through `elicitation/create`: approved only by `accept` with `confirm: true`. */
  #elicit = answeredBy(async (req: ConfirmRequest): Promise<ConfirmDecision> => {
    if (this.#lane.closing || req.signal.aborted) return { approve: false };
    const id = `${ELICIT_PREFIX}${++this.#nextElicit}`;
    const withdraw = () => {
      const reason = req.signal.reason instanceof Error ? req.signal.reason.message : "the call was cancelled";
      this.#o.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: id, reason } });
    };
    return approves(
      await this.#lane.client.ask(id, req.signal, () => this.#o.send(elicitationRequest(id, req)), withdraw),
    );
  }, "elicitation");

  #onResponse(id: RpcId, msg: RpcMessage): void {
    if (typeof id !== "string" || !this.#lane.client.answer(id, msg)) {
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
  }

  #onNotification(method: string, params: Record<string, unknown> | undefined): void {
    switch (method) {
      case "notifications/initialized":
        return;
      case "notifications/cancelled": {
        const rid = params?.requestId;
        if (!isId(rid)) return;
        const reason = typeof params?.reason === "string" ? params.reason : "cancelled by the client";
        this.#lane.cancel(callKey(rid), reason);
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
    if (params.contextText !== undefined || params.messages !== undefined) {
      const read = readAnyMetricsUpdate(params);
      if ("problem" in read || !isContextUpdate(read.update)) {
        this.#o.log?.(`safe-exec mcp: ignored metrics: ${"problem" in read ? read.problem : "no context"}`);
        return;
      }
      this.#estimate.clientReports();
      this.#o.executor.updateMetrics(read.update).catch((e) =>
        this.#o.log?.(`safe-exec mcp: ignored metrics: ${(e as Error).message}`)
      );
      return;
    }
    const read = readMetricsUpdate(params);
    if ("problem" in read) {
      this.#o.log?.(`safe-exec mcp: ignored metrics: ${read.problem}`);
      return;
    }
    const update = read.update;
    if (update.contextTokens !== undefined) this.#estimate.clientReports();
    if (update.contextTokens !== undefined || update.errorOccurred !== undefined) {
      this.#o.executor.updateMetrics(update);
    }
  }

  /** EOF: pending elicitations are not approved; resolves when every queued call has finished. */
  close(): Promise<void> {
    return this.#lane.close();
  }

  /**
   * Stop (a signal, or nobody reads stdout): queued calls are not started (each is answered with an error result,
   * errorCode `cancelled`), pending elicitations are not approved, and the running call finishes; resolves when it
   * did.
   */
  stop(reason: string): Promise<void> {
    return this.#lane.stop(reason);
  }

  /** Abort the running call as well (a running process is killed). */
  abortRunning(reason: string): void {
    this.#lane.abortRunning(reason);
  }
}
