/**
 * What the three mock model servers share: the scripted steps, the pure answer record, SSE framing, usage
 * defaults and the HTTP server that logs every request.
 *
 * The fake model is a list of steps. Step *i* is played once the conversation carries *i* tool results, so the
 * mocks keep no state and a retried request gets the same answer. A request that offers no tools at all (titles,
 * routers, classifiers) gets a neutral answer. Every request is appended to a JSONL log with what was answered.
 *
 * Runs under Deno and under Node ≥ 22.18 (erasable TypeScript, `node:` APIs only, no dependencies).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { appendFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/** Token usage a step reports (the model's `usage` for this answer). Missing numbers get defaults. */
export interface Usage {
  /** Uncached input tokens (default: the request's size / 4). */
  input?: number;
  /** Output tokens (default: the answer's size / 4, at least 1). */
  output?: number;
  /** Input tokens written to the prompt cache (Anthropic; default 0). */
  cacheCreation?: number;
  /** Input tokens read from the prompt cache (default 0). */
  cacheRead?: number;
}

/** One scripted model turn: a tool call (`tool` + `input`) or a final text. */
export interface Step {
  /** The tool to call, by the name the agent offers it under (e.g. `Bash`, `exec_command`, `run_shell_command`). */
  tool?: string;
  /** The tool's input: an object (a function tool), or a string for a freeform tool (Codex `apply_patch`). */
  input?: unknown;
  /** The text to answer with (a final answer when `tool` is absent). */
  text?: string;
  /** The usage to report with this answer. */
  usage?: Usage;
}

/**
 * A second script, played instead of the main one once a conversation message contains `when` (e.g. the
 * compaction request's instructions, or the summary a compacted conversation starts with). Its step *i* is played
 * once the conversation carries *i* tool results after the message that matched.
 */
export interface Branch {
  /** Text to look for in the conversation's messages (their JSON). */
  when: string;
  /** The branch's script. */
  steps: Step[];
}

/** The mock's options. */
export interface MockOptions {
  /** The script. */
  steps: Step[];
  /** Branches, tried in order before the main script. */
  branches?: Branch[];
  /** Usage reported when a step has none (merged under the step's own). */
  usage?: Usage;
}

/** A decoded request, as the answer functions see it. */
export interface MockRequest {
  /** HTTP method. */
  method: string;
  /** Path and query, e.g. `/v1/messages?beta=true`. */
  url: string;
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
  /** The body parsed as JSON, or its text when it is not JSON, or null when empty. */
  body: unknown;
}

/** What a mock answers: a plain record, so the dialects are pure and testable without a socket. */
export interface MockAnswer {
  /** HTTP status. */
  status: number;
  /** Content type of the body. */
  contentType: string;
  /** The body (an SSE stream is one string of events). */
  body: string;
  /** What kind of answer it was, for the log: `tool`, `text`, `final`, `neutral`, `not_offered`, `other`, `not_found`. */
  kind: string;
  /** The step index played, or null. */
  step: number | null;
  /** The branch whose script was played (null: the main one). */
  branch?: number | null;
  /** The tool called, if any. */
  tool?: string;
  /** The usage reported, if any. */
  usage?: Required<Usage>;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/** The step a conversation gets: which script (`branch` index, or null for the main one), which step of it. */
export interface Choice {
  /** The step to play, or null past the end of its script. */
  step: Step | null;
  /** Its index in its script. */
  index: number;
  /** The branch that matched, or null for the main script. */
  branch: number | null;
}

/** The marker a branch's tool-call ids carry (`toolu_mock_b0_1`), so its results can be told from the main script's. */
export function branchMarker(branch: number): string {
  return `_b${branch}_`;
}

/**
 * Choose the step for a conversation: `items` are its messages in order, `results(item)` lists the ids of the
 * tool results one message carries (null for a result without an id). The first branch whose `when` occurs in a
 * message wins; its step index counts the results after that message that answer the branch's own calls (ids with
 * its marker; results without ids count too). Otherwise the main script, counting every result.
 */
export function chooseStep(
  options: MockOptions,
  items: readonly unknown[],
  results: (item: unknown) => (string | null)[],
): Choice {
  const texts = items.map((item) => JSON.stringify(item) ?? "");
  for (const [b, branch] of (options.branches ?? []).entries()) {
    const at = texts.findIndex((t) => t.includes(branch.when));
    if (at >= 0) {
      const marker = branchMarker(b);
      const index = items.slice(at + 1).flatMap(results).filter((id) => id === null || id.includes(marker)).length;
      return { step: branch.steps[index] ?? null, index, branch: b };
    }
  }
  const index = items.flatMap(results).length;
  return { step: options.steps[index] ?? null, index, branch: null };
}

/** A rough token count of any JSON value: its JSON length / 4, at least 1. */
export function estimateTokens(value: unknown): number {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? "");
  return Math.max(1, Math.ceil(text.length / 4));
}

/** The usage to report: the step's numbers over the defaults over estimates of the request and the answer. */
export function usageFor(
  step: Step | null,
  defaults: Usage | undefined,
  request: unknown,
  answer: unknown,
): Required<Usage> {
  const u = { ...defaults, ...step?.usage };
  return {
    input: u.input ?? estimateTokens(request),
    output: u.output ?? estimateTokens(answer),
    cacheCreation: u.cacheCreation ?? 0,
    cacheRead: u.cacheRead ?? 0,
  };
}

/** Frame server-sent events: `event:` (when named) and one `data:` line of JSON each. */
export function sse(
  events: ReadonlyArray<{ event?: string; data: unknown }>,
): string {
  return events.map((e) => `${e.event !== undefined ? `event: ${e.event}\n` : ""}data: ${JSON.stringify(e.data)}\n\n`)
    .join("");
}

/** A JSON answer. */
export function json(
  status: number,
  value: unknown,
  kind: string,
  step: number | null = null,
): MockAnswer {
  return {
    status,
    contentType: "application/json",
    body: JSON.stringify(value),
    kind,
    step,
  };
}

/** The text a mock answers when the step's tool is not among the tools the request offers. */
export function notOfferedText(
  tool: string,
  offered: readonly string[],
): string {
  return `mock: the script's tool "${tool}" is not offered by this request (offered: ${offered.join(", ") || "none"})`;
}

/** A short unique id part (answers must carry distinct message ids even though the mock is stateless). */
export function uniqueId(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** A function that answers one decoded request. */
export type Answerer = (req: MockRequest, options: MockOptions) => MockAnswer;

/** A running mock server. */
export interface RunningMock {
  /** The port it listens on (127.0.0.1). */
  port: number;
  /** How many requests it answered. */
  requests(): number;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

/** Where and how long a mock server runs. */
export interface ServeOptions extends MockOptions {
  /** Port on 127.0.0.1 (0 picks a free one). */
  port: number;
  /** JSONL file that gets one line per request (request and answer), or undefined for none. */
  logFile?: string;
  /** Stop answering (503) after this many requests (default 200). */
  maxRequests?: number;
  /** Close by itself after this many seconds (default 600). */
  maxSeconds?: number;
}

function _decodeBody(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function _headers(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) {
      out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
    }
  }
  return out;
}

/**
 * Serve an answerer on 127.0.0.1. Every request is logged as
 * `{t, method, url, headers, body, answer: {status, kind, step, tool, usage}}`.
 */
export function serveMock(
  answer: Answerer,
  options: ServeOptions,
): Promise<RunningMock> {
  let count = 0;
  const maxRequests = options.maxRequests ?? 200;
  const server: Server = createServer(
    (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Uint8Array[] = [];
      req.on("data", (c: Uint8Array) => chunks.push(c));
      req.on("end", () => {
        count++;
        const text = new TextDecoder().decode(Buffer.concat(chunks));
        const request: MockRequest = {
          method: req.method ?? "GET",
          url: req.url ?? "/",
          headers: _headers(req),
          body: _decodeBody(text),
        };
        let a: MockAnswer;
        if (count > maxRequests) {
          a = json(
            503,
            { error: `mock: over ${maxRequests} requests` },
            "over_limit",
          );
        } else {
          try {
            a = answer(request, options);
          } catch (e) {
            a = json(500, {
              error: `mock: ${e instanceof Error ? e.message : String(e)}`,
            }, "error");
          }
        }
        if (options.logFile !== undefined) {
          const line = {
            t: new Date().toISOString(),
            ...request,
            answer: {
              status: a.status,
              kind: a.kind,
              step: a.step,
              branch: a.branch ?? null,
              tool: a.tool ?? null,
              usage: a.usage ?? null,
            },
          };
          appendFileSync(options.logFile, JSON.stringify(line) + "\n");
        }
        res.writeHead(a.status, {
          "content-type": a.contentType,
          "cache-control": "no-cache",
          ...a.headers,
        });
        res.end(a.body);
      });
    },
  );
  const timer = setTimeout(
    () => server.close(),
    (options.maxSeconds ?? 600) * 1000,
  );
  // Never keep the process alive just for the self-stop timer (Node has unref; Deno's node:timers too).
  (timer as unknown as { unref?: () => void }).unref?.();
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : options.port;
      resolve({
        port,
        requests: () => count,
        close: () =>
          new Promise<void>((done) => {
            clearTimeout(timer);
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}
