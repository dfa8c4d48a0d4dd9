/**
 * Test helper: a long-lived `safe-exec serve` of one target (tests/_targets.ts), driven request by request over
 * its real stdin/stdout, for tests that change the world between calls (a workspace removed mid-session, a file
 * planted from the host).
 *
 * @module
 */
import { spawnTarget, type Target } from "../_targets.ts";

/** One protocol message. */
export type Msg = Record<string, unknown>;

/** A running server. */
export interface Serve {
  /** The server's pid. */
  readonly pid: number;
  /** Send one request (an `id` is added) and resolve with its answer. */
  send(msg: Msg, timeoutMs?: number): Promise<Msg>;
  /** Send one raw line and resolve with the next message the server writes. */
  raw(line: string, timeoutMs?: number): Promise<Msg>;
  /** Reset the metrics (low fatigue), then call a tool. */
  call(tool: string, args: Msg, timeoutMs?: number): Promise<Msg>;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Close stdin and wait for the exit code. */
  close(): Promise<number>;
}

/** Start `serve` of `target` in `cwd` with extra arguments (and `opts.env` added to its environment). */
export function startServe(
  target: Target,
  cwd: string,
  args: string[] = [],
  opts: { env?: Record<string, string> } = {},
): Serve {
  const child = spawnTarget(target, ["serve", ...args], { cwd, ...opts });
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  const waiting = new Map<string, (m: Msg) => void>();
  const anyWaiting: Array<(m: Msg) => void> = [];
  let errText = "";
  (async () => {
    const decoder = new TextDecoder();
    let parts: string[] = [];
    for await (const chunk of child.stdout) {
      let text = decoder.decode(chunk, { stream: true });
      let nl: number;
      // Look for newlines in the new text only (an answer of many MiB arrives in many chunks).
      while ((nl = text.indexOf("\n")) >= 0) {
        const line = parts.join("") + text.slice(0, nl);
        parts = [];
        text = text.slice(nl + 1);
        const m = JSON.parse(line) as Msg;
        const next = anyWaiting.shift();
        if (next) {
          next(m);
          continue;
        }
        const key = JSON.stringify(m.id);
        const w = waiting.get(key);
        if (w) {
          waiting.delete(key);
          w(m);
        }
      }
      if (text) parts.push(text);
    }
  })().catch(() => {});
  (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) errText += decoder.decode(chunk, { stream: true });
  })().catch(() => {});
  let nextId = 1;
  const wait = (register: (resolve: (m: Msg) => void) => void, what: string, timeoutMs: number) =>
    new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer to ${what.slice(0, 200)} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      register((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  const send = (msg: Msg, timeoutMs = 60_000): Promise<Msg> => {
    const id = nextId++;
    const p = wait((r) => waiting.set(JSON.stringify(id), r), JSON.stringify(msg), timeoutMs);
    writer.write(encoder.encode(JSON.stringify({ id, ...msg }) + "\n"));
    return p;
  };
  return {
    pid: child.pid,
    send,
    raw(line: string, timeoutMs = 60_000) {
      const p = wait((r) => anyWaiting.push(r), line, timeoutMs);
      writer.write(encoder.encode(line + "\n"));
      return p;
    },
    async call(tool: string, args: Msg, timeoutMs?: number) {
      await send({ type: "reset" });
      return await send({ tool, args }, timeoutMs);
    },
    stderr: () => errText,
    async close() {
      await writer.close().catch(() => {});
      const status = await child.status;
      return status.code;
    },
  };
}
