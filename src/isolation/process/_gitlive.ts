/**
 * Private helper of the git views: the long-lived sandboxed processes (sandboxed MCP servers, SPEC §8) that can write
 * a folder now, and which repositories each of them is shown through views (red team 8, G3).
 *
 * A `run_bash` call's processes are gone when its walk runs, so a repository that appeared before the call began and
 * that the call did not touch is the operator's. A long-lived process writes whenever it likes (a background job, its
 * own timers), so while one lives that inference is wrong: a repository that appears in a folder it can write may be
 * its own, whatever its times say. Every walk of such a folder (the server's own, `run_bash`'s, another server's)
 * therefore keeps only what it already knew and every live process there was shown through a view (the same
 * `.git`, by identity: one replaced meanwhile is not the one it was shown); anything else is disabled.
 *
 * The record is per process (this module's state: the sandboxes of one safe-exec process share the workspace); a
 * writer is registered once its sandbox's views are planned and removed after its exit walk vouched for the tree.
 *
 * A walk cannot close the time between itself and the next, so a writer is also told when it must be stopped
 * (red team 10, J5; its owner ends its sandbox, and the exit walk runs once its processes are gone): when a walk
 * disables a repository again in a folder where one was disabled before during its life (a loop that makes it again
 * after each rename would keep one live most of the time), and when a walk of its folders goes past its bounds
 * ({@linkcode LIVE_WALK_MAX_DIRS} folders or {@linkcode LIVE_WALK_MAX_MS}: the time between walks grows with theirs,
 * and so would the time a repository it made stays live).
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { lstatSync } from "node:fs";
import { isWithin } from "../../_util/paths.ts";

/** The most folders one walk of a live writer's folder may look at before the writer is stopped. */
export const LIVE_WALK_MAX_DIRS = 100_000;
/** The longest one walk of a live writer's folder may take (ms) before the writer is stopped. */
export const LIVE_WALK_MAX_MS = 2_000;

/** The bounds of the walks of a live writer's folders (defaults {@linkcode LIVE_WALK_MAX_DIRS}, `_MS`). */
export interface LiveWalkBounds {
  /** Folders one walk may look at. */
  maxDirs?: number;
  /** Milliseconds one walk may take. */
  maxMs?: number;
}

/** One long-lived sandboxed process: the folders it can write, and what git's views show it. */
export interface LiveWriter {
  /** Its writable roots (the workspace first). */
  readonly roots: readonly string[];
  /** The `.git` entries and bare repositories it is shown through views, with their identity then. */
  readonly ids: ReadonlyMap<string, string>;
  /** The git dirs it is shown through views (a bare shape strictly inside one is protected with it). */
  readonly gitDirs: readonly string[];
  /** The bounds of the walks of its folders. */
  readonly bounds?: LiveWalkBounds;
  /** The folders (and watched files) where a walk disabled something during its life. */
  readonly disabled?: Set<string>;
  /** Why it must be stopped, once a walk found that it must; else null. */
  stop?: string | null;
}

const writers = new Set<LiveWriter>();

/** Register `w` as live; call the result once it is gone and its exit walk vouched for its roots. */
export function addWriter(w: LiveWriter): () => void {
  writers.add(w);
  return () => {
    writers.delete(w);
  };
}

/**
 * The live writers of `root` (one of whose roots holds it or is inside it), `except` one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addWriter, shownToAll, writersOf } from "./_gitlive.ts";
 * const gone = addWriter({ roots: ["/no/such/ws"], ids: new Map(), gitDirs: [] });
 * assert.equal(writersOf("/no/such/ws/sub").length, 1);
 * assert.equal(shownToAll(writersOf("/no/such/ws"), "/no/such/ws/sub/.git"), false);
 * gone();
 * assert.deepEqual(writersOf("/no/such/ws"), []);
 * ```
 */
export function writersOf(root: string, except?: LiveWriter): LiveWriter[] {
  const out: LiveWriter[] = [];
  for (const w of writers) {
    if (w !== except && w.roots.some((r) => isWithin(root, r) || isWithin(r, root))) out.push(w);
  }
  return out;
}

/**
 * A path's identity (device, inode and birth time, not followed), or null when it is not there. The birth time tells
 * a folder made again apart from the old one when the file system hands out the same inode number (ext4 does at once);
 * where the file system has none (0), the inode alone.
 */
export function identity(p: string): string | null {
  try {
    const st = lstatSync(p, { bigint: true });
    return `${st.dev}:${st.ino}:${st.birthtimeNs}`;
  } catch {
    return null;
  }
}

/** Whether every writer in `live` was shown `path` (a `.git` entry or a bare repository) as it is now. */
export function shownToAll(live: readonly LiveWriter[], path: string): boolean {
  if (live.length === 0) return true;
  const id = identity(path);
  return id !== null &&
    live.every((w) => w.ids.get(path) === id || w.gitDirs.some((g) => path !== g && isWithin(path, g)));
}

function shownPath(root: string, p: string): string {
  return p === root ? "the workspace's top" : p.startsWith(root + "/") ? p.slice(root.length + 1) : p;
}

/**
 * A walk of `root` disabled something at `where` (the folder holding a `.git` entry, the folder of a bare shape, a
 * watched file): for each writer in `live` that can write there, it is remembered, and when it was already disabled
 * once during that writer's life, the writer must be stopped (its `stop` says why).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noteDisabled, type LiveWriter } from "./_gitlive.ts";
 * const w: LiveWriter = { roots: ["/ws"], ids: new Map(), gitDirs: [], disabled: new Set(), stop: null };
 * noteDisabled([w], "/ws", "/ws/sub");
 * assert.equal(w.stop, null);
 * noteDisabled([w], "/ws", "/ws/sub");
 * assert.match(w.stop!, /made again at sub/);
 * ```
 */
export function noteDisabled(live: readonly LiveWriter[], root: string, where: string): void {
  for (const w of live) {
    if (w.disabled === undefined || !w.roots.some((r) => isWithin(where, r))) continue;
    if (!w.disabled.has(where)) {
      w.disabled.add(where);
      continue;
    }
    w.stop ??= `a git repository was made again at ${shownPath(root, where)} after the one there was renamed ` +
      `aside during this server's life (a loop that makes it again after each rename would keep one live between ` +
      `the walks), so its sandbox was ended whole and its folders walked once its processes were gone`;
  }
}

/**
 * A walk of `root` looked at `dirs` folders in `ms`: each writer in `live` whose bounds that passes must be stopped
 * (its `stop` says why).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noteWalk, type LiveWriter } from "./_gitlive.ts";
 * const w: LiveWriter = { roots: ["/ws"], ids: new Map(), gitDirs: [], bounds: { maxDirs: 10 }, stop: null };
 * noteWalk([w], "/ws", 10, 1);
 * assert.equal(w.stop, null);
 * noteWalk([w], "/ws", 11, 1);
 * assert.match(w.stop!, /looked at 11 folders, past the bound of 10/);
 * ```
 */
export function noteWalk(live: readonly LiveWriter[], root: string, dirs: number, ms: number): void {
  for (const w of live) {
    if (w.stop === undefined || w.stop !== null) continue;
    const maxDirs = w.bounds?.maxDirs ?? LIVE_WALK_MAX_DIRS;
    const maxMs = w.bounds?.maxMs ?? LIVE_WALK_MAX_MS;
    const past = dirs > maxDirs
      ? `looked at ${dirs} folders, past the bound of ${maxDirs} folders`
      : ms > maxMs
      ? `took ${Math.round(ms)} ms, past the bound of ${maxMs} ms`
      : null;
    if (past === null) continue;
    w.stop = `the repository walk of ${root} ${past} a walk may take while a sandboxed server can write there (the ` +
      `time between two walks grows with a walk's, and a repository it made would stay live that long), so its ` +
      `sandbox was ended whole and its folders walked once its processes were gone`;
  }
}
