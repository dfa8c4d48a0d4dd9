/**
 * A real `safe-exec serve` process driven over its pipes, for the fault suite: write request lines, match answers
 * by id, kill it, read its RSS.
 *
 * @module
 */

/** One answer line, parsed (or the raw text when it is not JSON). */
export type Answer = Record<string, unknown> & { id?: unknown; type?: unknown };

/** A running server. */
export class ServerProc {
  /** Its pid. */
  readonly pid: number;
  /** Every answer line, in order. */
  readonly answers: Answer[] = [];
  /** stdout lines that were not JSON. */
  readonly garbage: string[] = [];
  /** How it ended. */
  readonly exited: Promise<Deno.CommandStatus>;
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #waiters = new Map<string, Array<(a: Answer) => void>>();
  #onAnswer: Array<() => void> = [];
  #stderr = "";
  #stdinClosed = false;

  /** Start `argv` (program first) with `args` in `cwd`. */
  constructor(argv: string[], args: string[], cwd: string, env: Record<string, string> = {}) {
    const child = new Deno.Command(argv[0] as string, {
      args: [...argv.slice(1), ...args],
      cwd,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ...env },
    }).spawn();
    this.#child = child;
    this.pid = child.pid;
    this.#writer = child.stdin.getWriter();
    const reading = this.#read(child.stdout);
    const err = (async () => {
      const d = new TextDecoder();
      for await (const chunk of child.stderr) this.#stderr = (this.#stderr + d.decode(chunk)).slice(-20_000);
    })();
    this.exited = (async () => {
      const status = await child.status;
      await Promise.allSettled([reading, err]);
      return status;
    })();
  }

  async #read(stdout: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of stdout) {
      rest += decoder.decode(chunk, { stream: true });
      let nl = rest.indexOf("\n");
      while (nl !== -1) {
        this.#take(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
        nl = rest.indexOf("\n");
      }
    }
    if (rest !== "") this.#take(rest);
  }

  #take(line: string): void {
    let a: Answer;
    try {
      a = JSON.parse(line);
    } catch {
      this.garbage.push(line.slice(0, 200));
      return;
    }
    this.answers.push(a);
    const key = JSON.stringify(a.id ?? null);
    const ws = this.#waiters.get(key);
    if (ws && ws.length > 0) {
      (ws.shift() as (a: Answer) => void)(a);
      if (ws.length === 0) this.#waiters.delete(key);
    }
    for (const fn of this.#onAnswer.splice(0)) fn();
  }

  /** Write raw text to stdin (nothing when stdin is closed or the process is gone). */
  async write(text: string): Promise<void> {
    if (this.#stdinClosed) return;
    await this.#writer.write(new TextEncoder().encode(text)).catch(() => {});
  }

  /** Send one request and resolve to its answer (matched by id); rejects after `timeoutMs`. */
  request(message: Record<string, unknown>, timeoutMs = 60_000): Promise<Answer> {
    const key = JSON.stringify(message.id ?? null);
    const answer = new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${key} within ${timeoutMs} ms`)), timeoutMs);
      const list = this.#waiters.get(key) ?? [];
      list.push((a) => {
        clearTimeout(timer);
        resolve(a);
      });
      this.#waiters.set(key, list);
    });
    void this.write(JSON.stringify(message) + "\n");
    return answer;
  }

  /** Resolves when at least `n` answers arrived (or after `timeoutMs`). */
  async answered(n: number, timeoutMs = 60_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.answers.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#onAnswer.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /** Close stdin (EOF: the server finishes and exits). */
  async end(): Promise<void> {
    if (this.#stdinClosed) return;
    this.#stdinClosed = true;
    await this.#writer.close().catch(() => {});
  }

  /** Send a signal. */
  kill(signal: Deno.Signal = "SIGKILL"): void {
    try {
      this.#child.kill(signal);
    } catch {
      // gone already
    }
    this.#stdinClosed = true;
  }

  /** VmRSS in MiB, or null (no /proc, or gone). Read with cat: Deno grants /proc only with --allow-all. */
  rssMiB(): number | null {
    try {
      const out = new Deno.Command("cat", { args: [`/proc/${this.pid}/status`], stdout: "piped", stderr: "null" })
        .outputSync();
      const m = new TextDecoder().decode(out.stdout).match(/VmRSS:\s+(\d+) kB/);
      return m ? Number(m[1]) / 1024 : null;
    } catch {
      return null;
    }
  }

  /** The last 20 kB of stderr. */
  get stderr(): string {
    return this.#stderr;
  }
}
