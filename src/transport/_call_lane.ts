/**
 * Private helper of the transports: the one call lane that JSON lines and MCP share. Tool calls run one at a time
 * in arrival order (a write then a read sees the write), each with its own abort signal; the ids of the calls in
 * flight are known (a second call with one is refused by the transport); the questions a call asks the client
 * (a `confirm_request`, an elicitation) wait here for their answer; and the lane ends in two ways:
 *
 * - {@linkcode CallLane.close} (EOF): every queued call still runs; questions still open are not approved.
 * - {@linkcode CallLane.stop} (a signal, or nobody reads stdout): as close, but a queued call that comes up is
 *   cancelled before it starts; {@linkcode CallLane.abortRunning} aborts the running one as well.
 *
 * @module
 */
import { OpenQuestions } from "../gate/confirm.ts";
import type { ConfirmHandler } from "../types.ts";

/** How a queued call found the lane when its turn came. */
export interface CallTurn {
  /** It was cancelled (by its id) while it waited: nothing should run. */
  cancelled: boolean;
  /** The lane was stopped: the call's signal is aborted with the stop's reason (the gate answers `cancelled`). */
  stopped: boolean;
}

/**
 * Questions a call asks the client, waiting for the answer that comes as a later message. An answer of type `A`
 * finishes a question; an abort of its call, or the lane's end, finishes it with null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClientQuestions } from "./_call_lane.ts";
 * const q = new ClientQuestions<boolean>();
 * const sent: string[] = [];
 * const answer = q.ask("1", new AbortController().signal, () => sent.push("asked"));
 * assert.deepEqual(sent, ["asked"]);
 * assert.equal(q.size, 1);
 * assert.equal(q.answer("2", true), false);
 * assert.equal(q.answer("1", true), true);
 * assert.equal(await answer, true);
 * assert.equal(q.size, 0);
 * ```
 */
export class ClientQuestions<A> {
  #pending = new Map<string, (answer: A | null) => void>();

  /** Questions waiting for their answer. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Ask under `key`: `send` writes the question; resolves to the answer, or null when `signal` aborts (then
   * `onAbort` runs first, e.g. to withdraw the question) or the lane ends.
   */
  ask(key: string, signal: AbortSignal, send: () => void, onAbort?: () => void): Promise<A | null> {
    return new Promise<A | null>((resolve) => {
      let done = false;
      const finish = (answer: A | null) => {
        if (done) return;
        done = true;
        if (this.#pending.get(key) === finish) this.#pending.delete(key);
        signal.removeEventListener("abort", aborted);
        resolve(answer);
      };
      const aborted = () => {
        if (done) return;
        onAbort?.();
        finish(null);
      };
      this.#pending.set(key, finish);
      signal.addEventListener("abort", aborted, { once: true });
      send();
    });
  }

  /** Answer the question under `key`; false when none waits. */
  answer(key: string, answer: A): boolean {
    const finish = this.#pending.get(key);
    if (finish === undefined) return false;
    finish(answer);
    return true;
  }

  /** Finish every open question with null. */
  close(): void {
    for (const finish of [...this.#pending.values()]) finish(null);
    this.#pending.clear();
  }
}

/**
 * The lane. `A` is the type of a client's answer to a question.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CallLane } from "./_call_lane.ts";
 * const lane = new CallLane<boolean>();
 * const order: string[] = [];
 * const slow = lane.run("a", async () => {
 *   await new Promise((r) => setTimeout(r, 20));
 *   order.push("a");
 * });
 * const fast = lane.run("b", () => Promise.resolve(order.push("b")));
 * assert.equal(lane.has("a") && lane.has("b"), true);
 * await Promise.all([slow, fast]);
 * assert.deepEqual(order, ["a", "b"]); // one at a time, in arrival order
 * await lane.stop("the server is stopping");
 * const turn = await lane.run(null, (signal, turn) => Promise.resolve({ aborted: signal.aborted, ...turn }));
 * assert.deepEqual(turn, { aborted: true, cancelled: false, stopped: true });
 * ```
 */
export class CallLane<A> {
  #queue: Promise<unknown> = Promise.resolve();
  #calls = new Map<string, AbortController>();
  #closing = false;
  #stopReason: string | null = null;
  #running: AbortController | null = null;
  #open = new OpenQuestions();
  /** The client's answers the calls wait for. */
  readonly client: ClientQuestions<A> = new ClientQuestions<A>();

  /** Calls queued or running that have a key (an id). */
  get size(): number {
    return this.#calls.size;
  }

  /** Whether close or stop was called: no new call should be queued. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Whether a call with this key is queued or running. */
  has(key: string): boolean {
    return this.#calls.has(key);
  }

  /**
   * Queue a call: `fn` runs after every call queued before it, with the call's signal (aborted by
   * {@linkcode CallLane.cancel}, by a stop, or by {@linkcode CallLane.abortRunning}) and how it found the lane.
   */
  run<T>(key: string | null, fn: (signal: AbortSignal, turn: CallTurn) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    if (key !== null) this.#calls.set(key, controller);
    const run = this.#queue.then(async () => {
      try {
        const cancelled = controller.signal.aborted;
        const stopped = this.#stopReason !== null;
        if (stopped && !cancelled) controller.abort(new DOMException(this.#stopReason!, "AbortError"));
        this.#running = controller;
        return await fn(controller.signal, { cancelled, stopped });
      } finally {
        this.#running = null;
        if (key !== null && this.#calls.get(key) === controller) this.#calls.delete(key);
      }
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Cancel the call with this key, queued or running. */
  cancel(key: string, reason: string): void {
    this.#calls.get(key)?.abort(new DOMException(reason, "AbortError"));
  }

  /** `handler` with its questions tracked, so that the lane's end withdraws them (a tty prompt, a program). */
  track(handler: ConfirmHandler): ConfirmHandler {
    return this.#open.wrap(handler);
  }

  /**
   * EOF: "no more requests", not "cancel". Questions only the client could answer (a `confirm` line on stdin) are
   * not approved; questions asked elsewhere (an `exec:` program, the terminal) are still answered, so a batch
   * (`serve < calls.jsonl`) runs as it would with stdin open. Resolves when every queued call has finished.
   */
  async close(): Promise<void> {
    this.#closing = true;
    if (this.#stopReason !== null) this.#open.close();
    this.client.close();
    await this.#queue;
  }

  /**
   * Stop: queued calls are not started (each is cancelled with `reason`), open questions are not approved, and the
   * running call finishes; resolves when it did.
   */
  stop(reason: string): Promise<void> {
    this.#stopReason ??= reason;
    this.#open.close();
    return this.close();
  }

  /** Abort the running call as well (a running process is killed). */
  abortRunning(reason: string): void {
    this.#stopReason ??= reason;
    this.#open.close();
    this.#running?.abort(new DOMException(reason, "AbortError"));
  }
}
