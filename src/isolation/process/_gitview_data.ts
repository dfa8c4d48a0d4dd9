/**
 * Private helper of the git views: a view's data folders for one call (see `_gitdata.ts`). Before the call,
 * {@linkcode privateData} makes the view's `refs/` and `logs/` private copies of the host's and its `objects/` a
 * private store reading the host's through alternates; `lfs/`, `rr-cache/` and `reftable/` (and a `refs/` or
 * `logs/` too large to copy) are shown read-only: git's writes there fail in the sandbox rather than reach the host
 * live (fail closed). After it, {@linkcode mergeData} merges the call's objects first, then its refs and reflogs.
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { copyIn, mergeObjects, mergeRefs, objectsIn } from "./_gitdata.ts";
import { type HostDir, lstatOr, quarantine } from "./_gitview_io.ts";
import type { View } from "./_gitview_sync.ts";
import type { GitMount } from "./_plan.ts";

function fresh(v: View, trash: string, name: string): string {
  const vp = join(v.dir, name);
  if (lstatOr(vp)) quarantine(trash, vp);
  mkdirSync(vp);
  v.placeholders.set(name, "dir");
  v.records.delete(name);
  return vp;
}

/**
 * Before a call: the view's data folder `name` of the git dir `g` (a folder on the host). Returns the mounts it
 * needs (none for a private copy; the host's folder read-only otherwise).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { privateData } from "./_gitview_data.ts";
 * const base = realpathSync(mkdtempSync(join(tmpdir(), "gvd-")));
 * const g = join(base, "g");
 * mkdirSync(join(g, "refs", "heads"), { recursive: true });
 * writeFileSync(join(g, "refs", "heads", "main"), "1".repeat(40) + "\n");
 * symlinkSync("/etc", join(g, "refs", "tags")); // a host symlink is not copied
 * const v = { dir: join(base, "v"), fresh: false, placeholders: new Map(), records: new Map() };
 * mkdirSync(v.dir);
 * mkdirSync(join(base, "trash"));
 * assert.deepEqual(privateData(v, join(base, "trash"), g, "refs"), []);
 * assert.equal(readFileSync(join(v.dir, "refs", "heads", "main"), "utf8"), "1".repeat(40) + "\n");
 * assert.deepEqual(privateData(v, join(base, "trash"), g, "lfs"), [{ mode: "ro", src: join(g, "lfs"), dest: join(g, "lfs") }]);
 * rmSync(base, { recursive: true });
 * ```
 */
export function privateData(v: View, trash: string, g: string, name: string): GitMount[] {
  const p = join(g, name);
  v.data ??= new Map();
  const vp = join(v.dir, name);
  const own = () => {
    v.placeholders.set(name, "dir");
    v.records.delete(name);
  };
  if (name === "objects") {
    objectsIn(vp, g, trash);
    own();
    v.objects = true;
    return [];
  }
  if (name === "refs" || name === "logs") {
    if (lstatOr(vp) && !lstatOr(vp)?.isDirectory()) quarantine(trash, vp);
    if (!lstatOr(vp)) mkdirSync(vp);
    own();
    const snap = copyIn(p, vp, v.data.get(name), trash);
    v.pending = [...(v.pending ?? []).filter((n) => n !== name), ...(snap ? [name] : [])];
    if (snap !== null) {
      v.data.set(name, snap);
      return [];
    }
    v.data.delete(name);
    v.notes = [
      ...(v.notes ?? []),
      `safe-exec: ${p} is too large to copy for the call; it was shown read-only (git writes there failed)`,
    ];
  }
  fresh(v, trash, name);
  return [{ mode: "ro", src: p, dest: p }];
}

/** After a call: merge the view's objects, then its refs and reflogs, into the host's git dir `g` (pinned `host`). */
export function mergeData(v: View, trash: string, host: HostDir, g: string): string[] {
  const notes = [...(v.notes ?? [])];
  v.notes = [];
  const pending = v.pending ?? [];
  v.pending = [];
  if (v.objects) {
    v.objects = false;
    const vp = join(v.dir, "objects");
    try {
      notes.push(...mergeObjects(vp, host, g));
    } catch (e) {
      notes.push(`safe-exec: the call's objects were not copied back: ${(e as Error).message}`);
      pending.length = 0; // refs naming objects the host lacks would break its repository
    }
    objectsIn(vp, g, trash); // empty again: the call's objects are the host's now
  }
  for (const name of ["refs", "logs"] as const) {
    const snap = v.data?.get(name);
    if (!snap || !pending.includes(name)) continue;
    notes.push(...mergeRefs(name, join(v.dir, name), host, snap));
  }
  return notes;
}
