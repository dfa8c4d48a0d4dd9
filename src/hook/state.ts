/**
 * Hook mode's memory between processes (SPEC §9): each hook event is its own short process, so the fatigue of an
 * agent's session (when it started, its failed calls, the context it last showed, the gate lines of its tool calls)
 * is kept in one JSON state file outside the agent's project, by default `$XDG_STATE_HOME/safe-exec/` (else
 * `~/.local/state/safe-exec/`). Every event holds an exclusive `flock(2)` lock on `hook-state.lock` beside it from
 * reading the state to writing it back (concurrent hooks of one agent, or of several, take turns; a lock that cannot
 * be had fails the call closed), and the file is replaced atomically (written aside, then renamed). Sessions not
 * seen for {@linkcode PRUNE_AFTER_MS} are dropped, and at most {@linkcode MAX_SESSIONS} are kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { HookStateStore } from "./state.ts";
 * const dir = mkdtempSync(join(tmpdir(), "hook-state-"));
 * const store = new HookStateStore(dir);
 * await store.update((state) => {
 *   const s = state.session("claude-code", "s1", 1000);
 *   s.errors.push(1500);
 * }, 2000);
 * await store.update((state) => assert.deepEqual(state.session("claude-code", "s1", 3000).errors, [1500]), 3000);
 * rmSync(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { errCode } from "../_util/errors.ts";
import { openAppendFile } from "../runtime/log_file.ts";
import type { Decision } from "../types.ts";
import type { HookAgent } from "./types.ts";
import { MAX_OPEN_CALLS, type OpenCall } from "./open_calls.ts";

/** Sessions not seen for this long are dropped (7 days). */
export const PRUNE_AFTER_MS = 7 * 24 * 3600 * 1000;
/** At most this many sessions are kept (the most recently seen). */
export const MAX_SESSIONS = 500;
/** At most this many failed-call times are kept per session. */
export const MAX_ERROR_TIMES = 1000;
/** At most this many tool calls' gate lines are remembered per session (for their outcomes). */
export const MAX_GATES = 64;

/** The gate line of one tool call, kept until its outcome is recorded. */
export interface GateMemo {
  /** The gate line's seq in the witness log. */
  seq: number;
  /** The tool's name. */
  tool: string;
  /** The decision. */
  decision: Decision;
}

/** What the tokenizer counted of a transcript so far (counted again only from where it stopped). */
export interface CountedTranscript {
  /** The transcript's path. */
  path: string;
  /** Bytes counted. */
  bytes: number;
  /** Tokens in them. */
  tokens: number;
  /** The tokenizer's name. */
  tokenizer: string;
}

/** One agent session's fatigue signals. */
export interface SessionState {
  /** Wall-clock ms of the session's first event (or its last reset). */
  startedAt: number;
  /** Wall-clock ms of its latest event. */
  lastSeen: number;
  /** Wall-clock ms of each failed tool call since the start or the last reset, oldest first. */
  errors: number[];
  /** The context size last seen, in tokens. */
  contextTokens: number;
  /** Where it came from: `usage` (a model turn's), `compact` (a compaction), `event` (the hook event's), `tokenizer`. */
  contextSource: string | null;
  /** The message or response the usage belongs to, when known. */
  messageId: string | null;
  /** The transcript's tokens counted so far, for the tokenizer fallback. */
  counted: CountedTranscript | null;
  /** The gate lines of recent tool calls, by the agent's tool-use id. */
  gates: Record<string, GateMemo>;
  /** The calls started and not ended yet, oldest first (open_calls.ts). */
  running: OpenCall[];
  /** The session ended (a SessionEnd came). */
  ended: boolean;
  /**
   * The project's root the session started in, when its events name none (hook/_project.ts): the floors stay
   * anchored there when a later event's `cwd` is a subfolder its shell moved to (red team 9, H8).
   */
  root?: string;
}

/** The state file's content. */
export interface HookStateData {
  /** The format's version. */
  version: 1;
  /** Sessions by `agent:session_id`. */
  sessions: Record<string, SessionState>;
}

/** The state while the lock is held. */
export interface HookState {
  /** The data (changed in place). */
  readonly data: HookStateData;
  /** The session of an agent, created (started at `now`) when it is new. */
  session(agent: HookAgent, sessionId: string, now: number): SessionState;
  /** Whether the session was created by {@linkcode HookState.session} in this update. */
  isNew(agent: HookAgent, sessionId: string): boolean;
}

/** The state file cannot be read, locked or written: the hook fails closed with this message. */
export class HookStateError extends Error {
  /** Make one. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HookStateError";
  }
}

/**
 * The state folder: `$XDG_STATE_HOME/safe-exec` (an absolute XDG_STATE_HOME only, as the XDG spec says), else
 * `$HOME/.local/state/safe-exec`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultStateDir } from "./state.ts";
 * assert.equal(defaultStateDir({ XDG_STATE_HOME: "/x/state", HOME: "/h" }), "/x/state/safe-exec");
 * assert.equal(defaultStateDir({ XDG_STATE_HOME: "rel", HOME: "/h" }), "/h/.local/state/safe-exec");
 * ```
 */
export function defaultStateDir(env: Readonly<Record<string, string | undefined>>): string {
  const xdg = env.XDG_STATE_HOME;
  if (xdg !== undefined && xdg.startsWith("/")) return join(xdg, "safe-exec");
  const home = env.HOME;
  if (home === undefined || !home.startsWith("/")) {
    throw new HookStateError(
      `Cannot find a folder for the hook's state: neither XDG_STATE_HOME nor HOME is an absolute path (HOME is ${
        JSON.stringify(home ?? null)
      }); pass --state DIR`,
    );
  }
  return join(home, ".local", "state", "safe-exec");
}

function _emptySession(now: number): SessionState {
  return {
    startedAt: now,
    lastSeen: now,
    errors: [],
    contextTokens: 0,
    contextSource: null,
    messageId: null,
    counted: null,
    gates: {},
    running: [],
    ended: false,
  };
}

function _num(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

/** A session read from the file, each field checked (a wrong one gets its default). */
function _readSession(v: unknown, now: number): SessionState {
  const o = (typeof v === "object" && v !== null ? v : {}) as Record<string, unknown>;
  const s = _emptySession(_num(o.startedAt, now));
  s.lastSeen = _num(o.lastSeen, s.startedAt);
  s.errors = Array.isArray(o.errors) ? o.errors.filter((e): e is number => typeof e === "number") : [];
  s.contextTokens = Math.max(0, _num(o.contextTokens, 0));
  s.contextSource = typeof o.contextSource === "string" ? o.contextSource : null;
  s.messageId = typeof o.messageId === "string" ? o.messageId : null;
  const c = o.counted as Record<string, unknown> | null | undefined;
  if (c && typeof c.path === "string" && typeof c.tokenizer === "string") {
    s.counted = { path: c.path, bytes: _num(c.bytes, 0), tokens: _num(c.tokens, 0), tokenizer: c.tokenizer };
  }
  if (typeof o.gates === "object" && o.gates !== null) {
    for (const [id, g] of Object.entries(o.gates as Record<string, Record<string, unknown>>)) {
      if (typeof g?.seq === "number" && typeof g.tool === "string" && typeof g.decision === "string") {
        s.gates[id] = { seq: g.seq, tool: g.tool, decision: g.decision as Decision };
      }
    }
  }
  if (Array.isArray(o.running)) {
    for (const c of o.running as Record<string, unknown>[]) {
      if (typeof c?.key === "string" && typeof c.at === "number" && Number.isFinite(c.at)) {
        s.running.push({ key: c.key, at: c.at });
      }
    }
    if (s.running.length > MAX_OPEN_CALLS) s.running = s.running.slice(-MAX_OPEN_CALLS);
  }
  s.ended = o.ended === true;
  if (typeof o.root === "string" && o.root.startsWith("/")) s.root = o.root;
  return s;
}

/**
 * Drop what is old: sessions not seen for {@linkcode PRUNE_AFTER_MS}, then all but the {@linkcode MAX_SESSIONS}
 * seen last; in each session, all but the newest {@linkcode MAX_ERROR_TIMES} error times and
 * {@linkcode MAX_GATES} gate lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pruneState, PRUNE_AFTER_MS } from "./state.ts";
 * const s = (lastSeen: number) => ({ startedAt: 0, lastSeen, errors: [], contextTokens: 0, contextSource: null, messageId: null, counted: null, gates: {}, running: [], ended: false });
 * const data = { version: 1 as const, sessions: { "codex:old": s(0), "codex:new": s(PRUNE_AFTER_MS) } };
 * pruneState(data, PRUNE_AFTER_MS + 1);
 * assert.deepEqual(Object.keys(data.sessions), ["codex:new"]);
 * ```
 */
export function pruneState(data: HookStateData, now: number): void {
  const keep = Object.entries(data.sessions)
    .filter(([, s]) => now - s.lastSeen < PRUNE_AFTER_MS)
    .sort((a, b) => b[1].lastSeen - a[1].lastSeen)
    .slice(0, MAX_SESSIONS);
  data.sessions = {};
  for (const [k, s] of keep) {
    if (s.errors.length > MAX_ERROR_TIMES) s.errors = s.errors.slice(-MAX_ERROR_TIMES);
    const ids = Object.keys(s.gates);
    if (ids.length > MAX_GATES) {
      const kept: Record<string, GateMemo> = {};
      for (const id of ids.sort((a, b) => s.gates[a]!.seq - s.gates[b]!.seq).slice(-MAX_GATES)) kept[id] = s.gates[id]!;
      s.gates = kept;
    }
    data.sessions[k] = s;
  }
}

/** The updates of this process, one after the other (a second flock of the same file would wait on the first). */
let _queue: Promise<unknown> = Promise.resolve();

/** The state file of one folder, read and written under its lock. */
export class HookStateStore {
  /** The folder. */
  readonly dir: string;
  /** The state file. */
  readonly file: string;
  /** The lock file beside it. */
  readonly lockFile: string;

  /** A store in `dir` (created, mode 0700, on the first update). */
  constructor(dir: string) {
    this.dir = dir;
    this.file = join(dir, "hook-state.json");
    this.lockFile = join(dir, "hook-state.lock");
  }

  /**
   * Lock, read, let `fn` change the state, prune, write back, unlock. Throws {@linkcode HookStateError} when the
   * folder cannot be made, the lock cannot be had, or the file cannot be read (it is not this format) or written;
   * an error `fn` throws is passed on and nothing is written.
   */
  update<T>(fn: (state: HookState) => T | Promise<T>, now: number): Promise<T> {
    const run = _queue.then(() => this.#update(fn, now));
    _queue = run.catch(() => {});
    return run;
  }

  async #update<T>(fn: (state: HookState) => T | Promise<T>, now: number): Promise<T> {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new HookStateError(`Cannot make the hook's state folder ${JSON.stringify(this.dir)}: ${_why(e)}`, {
        cause: e,
      });
    }
    let lock;
    try {
      lock = openAppendFile(this.lockFile);
      lock.lock();
    } catch (e) {
      lock?.close();
      throw new HookStateError(`Cannot lock the hook's state ${JSON.stringify(this.lockFile)}: ${_why(e)}`, {
        cause: e,
      });
    }
    try {
      const data = this.#read(now);
      const created = new Set<string>();
      const state: HookState = {
        data,
        session(agent, sessionId, at) {
          const key = `${agent}:${sessionId}`;
          let s = Object.hasOwn(data.sessions, key) ? data.sessions[key] : undefined;
          if (s === undefined) {
            s = _emptySession(at);
            data.sessions[key] = s;
            created.add(key);
          }
          return s;
        },
        isNew: (agent, sessionId) => created.has(`${agent}:${sessionId}`),
      };
      const out = await fn(state);
      pruneState(data, now);
      this.#write(data);
      return out;
    } finally {
      try {
        lock.unlock();
      } finally {
        lock.close();
      }
    }
  }

  #read(now: number): HookStateData {
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch (e) {
      if (errCode(e) === "ENOENT") return { version: 1, sessions: {} };
      throw new HookStateError(`Cannot read the hook's state ${JSON.stringify(this.file)}: ${_why(e)}`, { cause: e });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new HookStateError(
        `Cannot read the hook's state ${JSON.stringify(this.file)}: it is not JSON (${
          (e as Error).message
        }); remove it to start every session afresh`,
      );
    }
    const o = raw as Record<string, unknown> | null;
    if (typeof o !== "object" || o === null || o.version !== 1 || typeof o.sessions !== "object" || !o.sessions) {
      throw new HookStateError(
        `Cannot read the hook's state ${
          JSON.stringify(this.file)
        }: expected {"version":1,"sessions":{…}}; remove it to start every session afresh`,
      );
    }
    const sessions: Record<string, SessionState> = {};
    for (const [k, v] of Object.entries(o.sessions as Record<string, unknown>)) sessions[k] = _readSession(v, now);
    return { version: 1, sessions };
  }

  #write(data: HookStateData): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      const fd = openSync(tmp, "w", 0o600);
      try {
        const bytes = new TextEncoder().encode(JSON.stringify(data));
        let off = 0;
        while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
    } catch (e) {
      throw new HookStateError(`Cannot write the hook's state ${JSON.stringify(this.file)}: ${_why(e)}`, {
        cause: e,
      });
    }
  }
}

function _why(e: unknown): string {
  const code = errCode(e);
  const message = e instanceof Error ? e.message : String(e);
  return code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
}
