/**
 * Private helper of the git views: every folder between a writable root and a protected path becomes a mount point
 * of its own (a writable bind of itself). A mount point cannot be renamed or removed (EBUSY), so a process cannot
 * move a protected mount away by renaming a parent and then recreate the path with its own git config, hooks or
 * include file; the workspace root itself is a mount point already.
 *
 * Pure: paths in, mounts out (no file system access), tested against exact vectors.
 *
 * @module
 */
import { dirname, sep } from "node:path";
import { isWithin } from "../../_util/paths.ts";
import type { GitMount } from "./_plan.ts";

function depth(p: string): number {
  return p.split(sep).length;
}

/**
 * `mounts` with a writable self-bind added for each folder strictly between a root of `roots` and a mount's
 * destination (skipping folders already mounted, inside a read-only mount, or inside a view), ordered parents first
 * (a stable sort by depth, so a view's own data binds stay after it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withAncestors } from "./_gitpins.ts";
 * const out = withAncestors(
 *   [
 *     { mode: "rw", src: "/views/v1", dest: "/ws/meta/repo" },
 *     { mode: "rw", src: "/ws/meta/repo/objects", dest: "/ws/meta/repo/objects" },
 *     { mode: "ro", src: "/ws/lib/a/.git", dest: "/ws/lib/a/.git" },
 *   ],
 *   ["/ws"],
 * );
 * assert.deepEqual(out.map((m) => `${m.mode} ${m.dest}`), [
 *   "rw /ws/meta",
 *   "rw /ws/lib",
 *   "rw /ws/lib/a",
 *   "rw /ws/meta/repo",
 *   "rw /ws/meta/repo/objects",
 *   "ro /ws/lib/a/.git",
 * ]);
 * ```
 */
export function withAncestors(mounts: readonly GitMount[], roots: readonly string[]): GitMount[] {
  const dests = new Set(mounts.map((m) => m.dest));
  const sealed = mounts.filter((m) => m.mode === "ro" || m.src !== m.dest).map((m) => m.dest);
  const extra: GitMount[] = [];
  for (const m of mounts) {
    const root = roots.filter((r) => r !== m.dest && isWithin(m.dest, r)).sort((a, b) => b.length - a.length)[0];
    if (root === undefined) continue;
    const chain: string[] = [];
    for (let p = dirname(m.dest); p !== root && isWithin(p, root); p = dirname(p)) chain.unshift(p);
    for (const p of chain) {
      if (dests.has(p)) continue;
      if (sealed.some((s) => isWithin(p, s))) continue;
      dests.add(p);
      extra.push({ mode: "rw", src: p, dest: p });
    }
  }
  return [...extra, ...mounts].map((m, i) => ({ m, i, d: depth(m.dest) })).sort((a, b) => a.d - b.d || a.i - b.i)
    .map((x) => x.m);
}
