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
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { lstatSync } from "node:fs";
import { isWithin } from "../../_util/paths.ts";

/** One long-lived sandboxed process: the folders it can write, and what git's views show it. */
export interface LiveWriter {
  /** Its writable roots (the workspace first). */
  readonly roots: readonly string[];
  /** The `.git` entries and bare repositories it is shown through views, with their identity then. */
  readonly ids: ReadonlyMap<string, string>;
  /** The git dirs it is shown through views (a bare shape strictly inside one is protected with it). */
  readonly gitDirs: readonly string[];
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
