/**
 * A running safe-exec process that a test talks to line by line (where `run` in `_targets.ts` writes all of stdin
 * at once and waits for the exit): send lines, wait for answers, signal it, read its RSS.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnTarget, type Target } from "../_targets.ts";

/** One live server process. */
export interface Live {
  /** Its pid. */
  readonly pid: number;
  /** Every JSON line it wrote so far, parsed. */
  readonly lines: Array<Record<string, unknown>>;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Write raw text to its stdin (resolves when the pipe took it). */
  write(text: string | Uint8Array): Promise<void>;
  /** Write messages as JSON lines. */
  send(...messages: unknown[]): Promise<void>;
  /** Resolve once `n` lines match `pred` (rejects after `timeoutMs`, default 30 s). */
  waitFor(pred: (l: Record<string, unknown>) => boolean, n?: number, timeoutMs?: number): Promise<void>;
  /** Close its stdin (EOF). */
  closeStdin(): Promise<void>;
  /** Close our end of its stdout, so that its next write fails (EPIPE). */
  closeStdout(): Promise<void>;
  /** Send a signal. */
  kill(signal: Deno.Signal): void;
  /** Its exit status; kills it with SIGKILL after `timeoutMs` (default 60 s) and then reports `timedOut`. */
  exited(timeoutMs?: number): Promise<{ code: number; signal: Deno.Signal | null; timedOut: boolean }>;
  /** VmRSS in MiB, read through `cat` (Deno refuses /proc/<pid> without --allow-all). */
  rssMiB(): Promise<number>;
}

const running = new Set<Live>();

/** SIGKILL every live process a test started and did not see exit (call it in a `finally`). */
export function killLeftovers(): void {
  for (const live of running) live.kill("SIGKILL");
  running.clear();
}

/** Start `target` with `args` in `cwd`. */
export function startLive(target: Target, args: string[], opts: { cwd: string; env?: Record<string, string> }): Live {
  const child = spawnTarget(target, args, opts);
  const lines: Array<Record<string, unknown>> = [];
  let err = "";
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  const reader = child.stdout.getReader();
  let stdoutOpen = true;
  const pump = (async () => {
    const decoder = new TextDecoder();
    let buf = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf("\n")) !== -1) {
          const l = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!l.trim()) continue;
          try {
            lines.push(JSON.parse(l));
          } catch {
            lines.push({ unparsed: l });
          }
        }
        wake();
      }
    } catch {
      // our end was closed
    }
    wake();
  })();
  const errPump = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) err += decoder.decode(chunk, { stream: true });
  })();
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  let status: Promise<Deno.CommandStatus> | null = null;
  const live: Live = {
    pid: child.pid,
    lines,
    stderr: () => err,
    write: (text) => writer.write(typeof text === "string" ? encoder.encode(text) : text),
    send: (...messages) => live.write(messages.map((m) => JSON.stringify(m) + "\n").join("")),
    waitFor(pred, n = 1, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (lines.filter(pred).length >= n) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${n} matching lines; got ${JSON.stringify(lines).slice(-2000)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    closeStdin: () => writer.close().catch(() => {}),
    async closeStdout() {
      stdoutOpen = false;
      await reader.cancel().catch(() => {});
    },
    kill(signal) {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    },
    async exited(timeoutMs = 60_000) {
      status ??= child.status;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        live.kill("SIGKILL");
      }, timeoutMs);
      const s = await status;
      clearTimeout(timer);
      running.delete(live);
      await writer.close().catch(() => {});
      if (stdoutOpen) await pump;
      else reader.releaseLock?.();
      await errPump.catch(() => {});
      return { code: s.code, signal: s.signal, timedOut };
    },
    async rssMiB() {
      let text: string;
      try {
        text = readFileSync(`/proc/${child.pid}/status`, "utf8");
      } catch {
        const out = await new Deno.Command("cat", { args: [`/proc/${child.pid}/status`], stdout: "piped" }).output();
        text = new TextDecoder().decode(out.stdout);
      }
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
      if (!m) throw new Error(`no VmRSS for ${child.pid}`);
      return Number(m[1]) / 1024;
    },
  };
  running.add(live);
  return live;
}

/** One parsed JSON line. */
export type Msg = Record<string, unknown>;

/** A `safe-exec serve` started by {@link serveIn} in a folder of its own. */
export interface LiveServe {
  /** The server. */
  live: Live;
  /** Its folder (the working directory: config, witness log and default workspace). */
  cwd: string;
  /** The witness log's lines so far, parsed (none before the log exists). */
  log(): Msg[];
  /** Kill what is left of the test's servers and remove the folder (call it in a `finally`). */
  done(): void;
}

/** What {@link serveIn} writes and passes. */
export interface ServeInOptions {
  /** The temporary folder's name prefix (`se-i13-`). */
  prefix: string;
  /** The config, written as JSON to `safe-exec.jsonc` in the folder. */
  config: Record<string, unknown>;
  /** Arguments after `serve`. */
  args?: string[];
  /** Fill the folder before the server starts (a workspace, a project). */
  prepare?: (cwd: string) => void;
}

/**
 * Make a temporary folder with `opts.config` as its `safe-exec.jsonc`, and start `serve` of `target` in it.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { targets } from "../_targets.ts";
 * import { answerTo, firstLine, serveIn } from "./_live.ts";
 *
 * const s = serveIn(targets()[0]!, { prefix: "se-example-", config: { sandbox: { mode: "none" } } });
 * try {
 *   await s.live.send({ id: 1, type: "check", tool: "read_file", args: { path: "a.txt" } });
 *   assert.equal((await firstLine(s.live, answerTo(1, "check"))).decision, "allow");
 * } finally {
 *   s.done();
 * }
 * ```
 */
export function serveIn(target: Target, opts: ServeInOptions): LiveServe {
  const cwd = mkdtempSync(join(tmpdir(), opts.prefix));
  opts.prepare?.(cwd);
  writeFileSync(join(cwd, "safe-exec.jsonc"), JSON.stringify(opts.config));
  const live = startLive(target, ["serve", ...(opts.args ?? [])], { cwd });
  const log = (): Msg[] => {
    try {
      return readFileSync(join(cwd, "witness.log"), "utf8").trim().split("\n").filter(Boolean).map((l) =>
        JSON.parse(l)
      );
    } catch {
      return [];
    }
  };
  return {
    live,
    cwd,
    log,
    done: () => {
      killLeftovers();
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

/** The first line `live` wrote that matches `pred`, once it came (rejects after `timeoutMs`, default 30 s). */
export async function firstLine(live: Live, pred: (l: Msg) => boolean, timeoutMs = 30_000): Promise<Msg> {
  await live.waitFor(pred, 1, timeoutMs);
  return live.lines.find(pred)!;
}

/** A predicate for the answer to request `id` (of `type`, where given). */
export const answerTo = (id: unknown, type?: string) => (l: Msg): boolean =>
  l.id === id && (type === undefined || l.type === type);
