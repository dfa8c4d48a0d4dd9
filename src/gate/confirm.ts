/**
 * Confirm handlers for the `--confirm` modes other than `client`: `deny`, `tty` and `exec:PROGRAM`.
 *
 * @module
 */
import type { Runtime } from "../runtime/types.ts";
import { showArgs } from "../_util/display.ts";
import type { ConfirmDecision, ConfirmHandler, ConfirmRequest } from "../types.ts";

/** How an ASK is decided (SPEC §3): by the client, always no, on the terminal, or by a program. */
export type ConfirmMode = "client" | "deny" | "tty" | `exec:${string}`;

/** How long a confirmation may take by default, in milliseconds (two minutes). */
export const DEFAULT_CONFIRM_TIMEOUT_MS = 120_000;

/** Who answers an ASK, as the confirm line of the witness log records it (SPEC §3). */
export type ConfirmSource = "client" | "tty" | "exec" | "elicitation" | "remembered" | "policy" | "handler";

const SOURCE = Symbol("safe-exec confirm source");

/**
 * Mark who answers through `handler` (the confirm line's `by`); returns the handler.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { answeredBy, sourceOf } from "./confirm.ts";
 * const h = answeredBy(() => true, "client");
 * assert.equal(sourceOf(h), "client");
 * assert.equal(sourceOf(() => true), "handler");
 * ```
 */
export function answeredBy<H extends ConfirmHandler>(handler: H, by: ConfirmSource): H {
  Object.defineProperty(handler, SOURCE, { value: by, configurable: true });
  return handler;
}

/** Who answers through `handler` (`handler` when it was not marked). */
export function sourceOf(handler: ConfirmHandler): ConfirmSource {
  return (handler as unknown as Record<symbol, ConfirmSource | undefined>)[SOURCE] ?? "handler";
}

/** Nothing is approved (for CI): the policy answers, nobody is asked. */
export const denyAll: ConfirmHandler = answeredBy(() => false, "policy");

/** The most characters of a person's reason that are kept (shown to the model and logged). */
export const MAX_REASON_CHARS = 2000;

/** What an ASK came to: approved or not, why, and how long it waited. */
export interface ConfirmAnswer {
  /** Only a handler's `true` (or `{approve: true}`) approves. */
  approved: boolean;
  /** `approved`, `declined`, `cancelled`, `no answer within N ms` or `confirm handler failed: …`. */
  reason: string;
  /** The reason the one who answered gave (for the model), or null. */
  message: string | null;
  /** What the approval is remembered for, this session; null when nothing is. */
  remember: "call" | "tool" | null;
  /** Milliseconds from the question to the answer. */
  waitedMs: number;
}

/**
 * Read a handler's answer: `true`, or `{approve, reason?, remember?}`; anything else is declined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readDecision } from "./confirm.ts";
 * assert.deepEqual(readDecision(true), { approved: true, message: null, remember: null });
 * assert.deepEqual(readDecision({ approve: false, reason: "use list_dir" }), { approved: false, message: "use list_dir", remember: null });
 * assert.deepEqual(readDecision({ approve: true, remember: "tool" }), { approved: true, message: null, remember: "tool" });
 * assert.deepEqual(readDecision({ approve: false, remember: "tool" }).remember, null); // nothing to remember
 * assert.equal(readDecision("yes").approved, false);
 * ```
 */
export function readDecision(v: unknown): Pick<ConfirmAnswer, "approved" | "message" | "remember"> {
  if (v === true) return { approved: true, message: null, remember: null };
  if (typeof v !== "object" || v === null) return { approved: false, message: null, remember: null };
  const d = v as Partial<ConfirmDecision>;
  const approved = d.approve === true;
  const message = typeof d.reason === "string" && d.reason.trim() !== "" ? d.reason.slice(0, MAX_REASON_CHARS) : null;
  const remember = approved && (d.remember === "call" || d.remember === "tool") ? d.remember : null;
  return { approved, message, remember };
}

/**
 * Ask `handler` about one call, for at most `timeoutMs`: anything but `true` (a throw, another value, the timeout,
 * `outer` aborted) is not approved. The handler's signal is aborted when the question ends unanswered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { askWithTimeout } from "./confirm.ts";
 * const req = { tool: "t", args: {}, risk: "high" as const, fatigue: 0, rationale: "r" };
 * assert.equal((await askWithTimeout(() => true, req, 1000)).reason, "approved");
 * assert.equal((await askWithTimeout(() => "yes" as never, req, 1000)).reason, "declined");
 * const slow = await askWithTimeout(() => new Promise<boolean>(() => {}), req, 10);
 * assert.deepEqual([slow.approved, slow.reason], [false, "no answer within 10 ms"]);
 * ```
 */
export async function askWithTimeout(
  handler: ConfirmHandler,
  req: Omit<ConfirmRequest, "signal">,
  timeoutMs: number,
  outer?: AbortSignal,
): Promise<ConfirmAnswer> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = () => Math.round(performance.now() - started);
  type Done = Omit<ConfirmAnswer, "waitedMs">;
  const none = { message: null, remember: null };
  const stopped = new Promise<Done>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError"));
      resolve({ approved: false, reason: `no answer within ${timeoutMs} ms`, ...none });
    }, timeoutMs);
    const onAbort = () => {
      controller.abort(outer?.reason);
      resolve({ approved: false, reason: "cancelled", ...none });
    };
    if (outer?.aborted) onAbort();
    else outer?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const answered = (async (): Promise<Done> => {
      try {
        const d = readDecision(await handler({ ...req, timeoutMs, signal: controller.signal }));
        return { ...d, reason: d.approved ? "approved" : "declined" };
      } catch (e) {
        return { approved: false, reason: `confirm handler failed: ${(e as Error)?.message ?? String(e)}`, ...none };
      }
    })();
    const r = await Promise.race([answered, stopped]);
    return { ...r, waitedMs: waited() };
  } finally {
    clearTimeout(timer);
    if (!controller.signal.aborted) controller.abort();
  }
}

/** The confirm_request a program or a person sees. */
export function confirmPayload(
  req: Omit<ConfirmRequest, "signal">,
  id: string | number | null = null,
): Record<string, unknown> {
  return {
    type: "confirm_request",
    id,
    tool: req.tool,
    args: req.args,
    risk: req.risk,
    fatigue: req.fatigue,
    rationale: req.rationale,
    ...(req.timeoutMs !== undefined ? { timeoutMs: req.timeoutMs } : {}),
  };
}

/**
 * `exec:PROGRAM`: run PROGRAM (split on spaces into program and arguments, no shell) with the confirm_request as
 * JSON on stdin; exit status 0 approves. It gets the host's environment (it is the operator's program, not the
 * agent's), and its process group is killed when the confirmation times out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { execConfirm } from "./confirm.ts";
 * import { currentRuntime } from "../runtime/mod.ts";
 * const approve = execConfirm("true", await currentRuntime());
 * const req = { tool: "t", args: {}, risk: "high" as const, fatigue: 0, rationale: "r", signal: new AbortController().signal };
 * assert.equal(await approve(req), true);
 * assert.ok(await execConfirm("false", await currentRuntime())(req) === false);
 * ```
 */
export function execConfirm(program: string, runtime: Runtime): ConfirmHandler {
  const argv = program.trim().split(/\s+/).filter((s) => s.length > 0);
  if (argv.length === 0) throw new TypeError(`--confirm exec:PROGRAM needs a program, got ${JSON.stringify(program)}`);
  return answeredBy(async (req) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (typeof v === "string") env[k] = v;
    const child = runtime.spawn({
      argv,
      cwd: process.cwd(),
      env,
      stdin: new TextEncoder().encode(JSON.stringify(confirmPayload(req)) + "\n"),
    });
    const onAbort = () => runtime.killGroup(child.pid, "SIGKILL");
    req.signal.addEventListener("abort", onAbort, { once: true });
    // Drain its output so it never blocks on a full pipe; echo it to nobody.
    const drain = (s: ReadableStream<Uint8Array>) => s.pipeTo(new WritableStream()).catch(() => {});
    drain(child.stdout);
    drain(child.stderr);
    try {
      const status = await child.exited;
      // Withdrawn (the server stops, the confirmation timed out): killed before it answered, which is no "declined"
      if (req.signal.aborted) {
        throw new Error(`exec:${argv[0]} was stopped before it answered (${String(req.signal.reason?.message ?? "")})`);
      }
      return status.exitCode === 0;
    } finally {
      req.signal.removeEventListener("abort", onAbort);
    }
  }, "exec");
}

/**
 * The question a person sees on the terminal: the whole call (every argument escaped, with its length; see
 * `_display.ts`), the risk, the fatigue and why the gate asks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ttyQuestion } from "./confirm.ts";
 * const q = ttyQuestion({ tool: "run_bash", args: { cmd: "ls\u202e" }, risk: "high", fatigue: 0.41, rationale: "r" });
 * assert.match(q, /run_bash/);
 * assert.match(q, /cmd \(3 characters\): "ls\\u\{202e\}"/);
 * assert.ok(q.endsWith("Approve? [y/N] "));
 * ```
 */
export function ttyQuestion(req: Omit<ConfirmRequest, "signal">): string {
  let lines = showArgs(req.args);
  const total = lines.reduce((n, l) => n + l.length, 0);
  if (total > TTY_MAX_CHARS) lines = showArgs(req.args, Math.max(200, Math.floor(TTY_MAX_CHARS / lines.length)));
  const shownArgs = lines.length === 0 ? ["(no arguments)"] : lines;
  return [
    "",
    `safe-exec asks before it runs ${req.tool} (risk ${req.risk}, session fatigue ${req.fatigue.toFixed(2)}):`,
    ...shownArgs.map((l) => `  ${l}`),
    `  why: ${req.rationale}`,
    `  y = yes, a = always this call, t = always this tool (this session), n = no, n <reason> = no, telling the agent why${
      req.timeoutMs !== undefined ? `; no answer within ${Math.round(req.timeoutMs / 1000)} s is a no` : ""
    }`,
    "Approve? [y/N] ",
  ].join("\n");
}

/** The most characters of arguments the terminal question shows (each value whole up to 20 000). */
const TTY_MAX_CHARS = 60_000;

/**
 * The conversation on the terminal, in a shell that keeps this process's controlling terminal: the question comes
 * on stdin and goes to /dev/tty, the answer line comes back on stdout. Exit 3: no terminal. A SIGTERM (the call was
 * cancelled or timed out, or the server stops) ends it with a note on the terminal.
 */
const TTY_SCRIPT = `trap 'printf "\\n(safe-exec: not asked any more)\\n" >&3 2>/dev/null; exit 5' TERM
(exec 3<>/dev/tty) 2>/dev/null || exit 3
exec 3<>/dev/tty
cat >&3
IFS= read -r answer <&3 || exit 4
printf '%s' "$answer"`;

/**
 * `tty`: ask a person on the controlling terminal (`/dev/tty`), not on stdin/stdout, which carry the protocol.
 * The terminal is opened by a `/bin/sh` child that stays in this process's session (Deno's permissions refuse to
 * open /dev/tty for writing without --allow-all; a child is a program like any other under --allow-run), and the
 * wait is asynchronous: control messages are answered meanwhile, and SIGINT/SIGTERM are handled as usual (Ctrl-C
 * at the prompt ends it unapproved, and the server stops as after any first signal). Without a terminal nothing is
 * approved.
 *
 * @example
 * ```ts ignore
 * import { ttyConfirm } from "./confirm.ts";
 * import { currentRuntime } from "../runtime/mod.ts";
 * const ask = ttyConfirm(await currentRuntime()); // asks on /dev/tty
 * ```
 */
export function ttyConfirm(runtime: Runtime): ConfirmHandler {
  return answeredBy(async (req) => {
    if (req.signal.aborted) return false;
    const child = runtime.spawn({
      argv: ["/bin/sh", "-c", TTY_SCRIPT],
      cwd: "/",
      env: { PATH: "/usr/bin:/bin" },
      stdin: new TextEncoder().encode(ttyQuestion(req)),
      newSession: false, // keep the controlling terminal
    });
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      runtime.kill(child.pid, "SIGTERM");
      killTimer = setTimeout(() => runtime.kill(child.pid, "SIGKILL"), 1000);
    };
    req.signal.addEventListener("abort", onAbort, { once: true });
    const drain = (stream: ReadableStream<Uint8Array>) => new Response(stream).text().catch(() => "");
    try {
      const [answer, , status] = await Promise.all([drain(child.stdout), drain(child.stderr), child.exited]);
      if (status.exitCode === 3) throw new Error("no terminal to ask on (/dev/tty cannot be opened)");
      if (status.signal !== null) throw new Error(`the question was interrupted (${status.signal}) before an answer`);
      if (status.exitCode !== 0) return false;
      return readTtyAnswer(answer);
    } finally {
      clearTimeout(killTimer);
      req.signal.removeEventListener("abort", onAbort);
    }
  }, "tty");
}

/**
 * A person's answer on the terminal: `y`/`yes`, `a`/`always` (this call, for the session), `t`/`tool` (this tool,
 * for the session), `n`/`no`, or `n` followed by a reason for the agent; anything else is no, and the text is the
 * reason.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readTtyAnswer } from "./confirm.ts";
 * assert.deepEqual(readTtyAnswer("Y\n"), { approve: true });
 * assert.deepEqual(readTtyAnswer("a"), { approve: true, remember: "call" });
 * assert.deepEqual(readTtyAnswer("t"), { approve: true, remember: "tool" });
 * assert.deepEqual(readTtyAnswer("n"), { approve: false });
 * assert.deepEqual(readTtyAnswer("n use list_dir instead"), { approve: false, reason: "use list_dir instead" });
 * assert.deepEqual(readTtyAnswer("no, run the tests first"), { approve: false, reason: "run the tests first" });
 * assert.deepEqual(readTtyAnswer(""), { approve: false });
 * ```
 */
export function readTtyAnswer(line: string): ConfirmDecision {
  const a = line.trim();
  const lower = a.toLowerCase();
  if (lower === "y" || lower === "yes") return { approve: true };
  if (lower === "a" || lower === "always") return { approve: true, remember: "call" };
  if (lower === "t" || lower === "tool") return { approve: true, remember: "tool" };
  const m = /^(?:no|n)\b[\s,:;.-]*(.*)$/is.exec(a);
  const reason = (m ? m[1]! : a).trim();
  return reason === "" ? { approve: false } : { approve: false, reason };
}

/**
 * Confirm handlers that a stopping server can end: `wrap` gives each question its own abort signal (tied to the
 * call's), `close` aborts every question still open (a tty prompt is taken off the terminal, an exec: program is
 * killed) and answers later ones with no.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OpenQuestions } from "./confirm.ts";
 * const questions = new OpenQuestions();
 * const ask = questions.wrap((req) => new Promise<boolean>((r) => req.signal.addEventListener("abort", () => r(false))));
 * const req = { tool: "t", args: {}, risk: "high" as const, fatigue: 0, rationale: "r", signal: new AbortController().signal };
 * const pending = ask(req);
 * questions.close();
 * assert.equal(await pending, false);
 * assert.equal(await ask(req), false);
 * ```
 */
export class OpenQuestions {
  #open = new Set<AbortController>();
  #closed = false;

  /** The handler, with its questions tracked. */
  wrap(handler: ConfirmHandler): ConfirmHandler {
    return answeredBy((req) => {
      if (this.#closed || req.signal.aborted) return false;
      const controller = new AbortController();
      const onAbort = () => controller.abort(req.signal.reason);
      req.signal.addEventListener("abort", onAbort, { once: true });
      this.#open.add(controller);
      const done = () => {
        this.#open.delete(controller);
        req.signal.removeEventListener("abort", onAbort);
      };
      try {
        return Promise.resolve(handler({ ...req, signal: controller.signal })).finally(done);
      } catch (e) {
        done();
        throw e;
      }
    }, sourceOf(handler));
  }

  /** Abort the open questions; later ones are not asked (not approved). */
  close(): void {
    this.#closed = true;
    for (const c of this.#open) c.abort(new DOMException("the server is stopping", "AbortError"));
    this.#open.clear();
  }
}

/** Build the handler for a non-client confirm mode. */
export function confirmHandlerFor(mode: string, runtime: Runtime): ConfirmHandler {
  if (mode === "deny") return denyAll;
  if (mode === "tty") return ttyConfirm(runtime);
  if (mode.startsWith("exec:")) return execConfirm(mode.slice(5), runtime);
  throw new TypeError(`Unknown confirm mode ${JSON.stringify(mode)}; expected client, deny, tty or exec:PROGRAM`);
}
