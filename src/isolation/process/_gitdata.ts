/**
 * Private helper of the git views: git's data folders are never the host's live folders during a call (red team 2,
 * F1–F3). A view's `refs/` and `logs/` are private copies of the host's, made before the call; its `objects/` is a
 * private, empty object store whose `info/alternates` names the host's `objects/`, bound read-only beside it (at
 * `G/.safe-exec-objects`), so git in the sandbox reads every object and writes new ones privately. Nothing the
 * sandbox plants there (a symlink, a FIFO, `alternates`, a `commit-graph`) is ever seen by the host's git, during
 * the call or after. After the call, {@linkcode mergeObjects} and {@linkcode mergeRefs} bring back what git's own
 * shapes allow: regular files with hex object names or `pack-<hex>.<ext>`, refs and reflogs whose names pass git's
 * `check-ref-format` rules, each written into real folders of the host's git dir (never through a symlink, never
 * over a file the host changed meanwhile; reflogs get the call's appended lines).
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import {
  closeSync,
  constants,
  copyFileSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { hostHiddenRef } from "./_gitreplace.ts";
import { type HostDir, lstatOr, quarantine, readNoFollow, sig, sigOf, writeNew } from "./_gitview_io.ts";

/** Where the host's `objects/` is shown (read-only) inside a view. */
export const HOST_OBJECTS = ".safe-exec-objects";

/** What a private copy of one data folder held when the call started: relative path → host and view signatures. */
export type Snapshot = Map<string, { host: string; view: string; size: number }>;

const MAX_ENTRIES = 20_000;
const MAX_COPY_BYTES = 64 * 1024 * 1024;
const MAX_REF_BYTES = 4096;
const MAX_LOG_BYTES = 64 * 1024 * 1024;
const OBJECT_RE = /^(?:[0-9a-f]{38}|[0-9a-f]{62})$/;
const PACK_RE = /^pack-(?:[0-9a-f]{40}|[0-9a-f]{64})\.(pack|rev|bitmap|mtimes|promisor|keep|idx)$/;
const REF_VALUE_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64}|ref: refs\/[!-~]+)\n?$/;

/**
 * A ref name component is acceptable to `git check-ref-format` (and is no lock file).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { refPathOk } from "./_gitdata.ts";
 * assert.equal(refPathOk("refs/heads/feature/x"), true);
 * assert.equal(refPathOk("refs/heads/a..b"), false);
 * assert.equal(refPathOk("refs/heads/x.lock"), false);
 * assert.equal(refPathOk("refs/heads/.hidden"), false);
 * ```
 */
export function refPathOk(rel: string): boolean {
  if (rel.includes("..") || rel.includes("@{") || rel.endsWith(".") || rel === "@") return false;
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(rel)) return false;
  return rel.split("/").every((c) => c !== "" && !c.startsWith(".") && !c.endsWith(".lock"));
}

/**
 * Before a call: make `view` hold the host folder `src`'s folders and regular files (nothing else is copied: a host
 * FIFO or symlink stays out), reusing what `prev` (the last call's snapshot) shows unchanged on both sides, and
 * removing (into `trash`) whatever else the view holds. Returns the snapshot, or null past the size bounds (the
 * caller then shows the host's folder read-only).
 */
export function copyIn(src: string, view: string, prev: Snapshot | undefined, trash: string): Snapshot | null {
  const snap: Snapshot = new Map();
  let entries = MAX_ENTRIES;
  let bytes = MAX_COPY_BYTES;
  const walk = (rel: string, level: number): boolean => {
    const hostNames = new Set<string>();
    for (const n of readdirSync(join(src, rel))) {
      if (--entries < 0) return false;
      const r = rel === "" ? n : `${rel}/${n}`;
      const st = lstatOr(join(src, r));
      const vst = lstatOr(join(view, r));
      if (st?.isDirectory() && level < 32) {
        hostNames.add(n);
        if (vst && !vst.isDirectory()) quarantine(trash, join(view, r));
        if (!vst?.isDirectory()) mkdirSync(join(view, r));
        if (!walk(r, level + 1)) return false;
      } else if (st?.isFile() && !n.endsWith(".lock")) {
        bytes -= st.size;
        if (bytes < 0) return false;
        const was = prev?.get(r);
        if (was && was.host === sig(st) && was.view === sig(vst)) {
          hostNames.add(n);
          snap.set(r, was);
          continue;
        }
        const data = readNoFollow(join(src, r), st.size);
        if (data === null) continue;
        if (vst) quarantine(trash, join(view, r));
        writeNew(join(view, r), data);
        hostNames.add(n);
        snap.set(r, { host: sig(st)!, view: sigOf(join(view, r))!, size: data.length });
      }
    }
    for (const n of readdirSync(join(view, rel))) {
      if (!hostNames.has(n)) quarantine(trash, join(view, rel, n));
    }
    return true;
  };
  return walk("", 0) ? snap : null;
}

/** Open (creating) the real folders `parts` under `base` (a folder of the host); null when one is not a folder. */
function hostFolder(base: string, parts: readonly string[]): string | null {
  let cur = base;
  for (const p of parts) {
    cur = `${cur}/${p}`;
    let st = lstatOr(cur);
    if (!st) {
      try {
        mkdirSync(cur);
      } catch { /* raced */ }
      st = lstatOr(cur);
    }
    if (!st?.isDirectory()) return null;
  }
  return cur;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * After a call: merge the private copy `view` of the host's data folder `name` (`refs` or `logs`) into the host's
 * git dir `host`. New and changed refs are written when the host did not change them meanwhile; a reflog the call
 * appended to gets the appended lines (after whatever the host appended); what the call deleted is deleted when the
 * host still holds what it held. Anything that is not a regular file with a valid ref name, or a ref that is not an
 * object name or a symbolic ref, is left out with a note.
 */
export function mergeRefs(name: "refs" | "logs", view: string, host: HostDir, snap: Snapshot): string[] {
  const notes: string[] = [];
  const skipped: string[] = [];
  const hidden: string[] = [];
  const seen = new Set<string>();
  const base = host.at(name);
  if (!lstatOr(base)?.isDirectory()) {
    return [`safe-exec: ${host.path}/${name} is not a folder; the call's ${name} were not copied back`];
  }
  const walk = (rel: string, level: number) => {
    for (const n of readdirSync(join(view, rel))) {
      const r = rel === "" ? n : `${rel}/${n}`;
      const st = lstatOr(join(view, r));
      if (st?.isDirectory() && level < 32) {
        walk(r, level + 1);
        continue;
      }
      if (n.endsWith(".lock")) continue;
      seen.add(r);
      const full = name === "refs" ? `refs/${r}` : r;
      if (!st?.isFile() || !(full === "HEAD" ? name === "logs" : refPathOk(full))) {
        skipped.push(r);
        continue;
      }
      const was = snap.get(r);
      if (was && sig(st) === was.view) continue; // unchanged (a replace ref the host already had, too)
      if (hostHiddenRef(full)) {
        hidden.push(r); // a replace ref the call made: it would change what the host's git reads (`_gitreplace.ts`)
        continue;
      }
      const data = readNoFollow(join(view, r), name === "refs" ? MAX_REF_BYTES : MAX_LOG_BYTES);
      if (data === null || (name === "refs" && !REF_VALUE_RE.test(new TextDecoder().decode(data)))) {
        skipped.push(r);
        continue;
      }
      const parts = r.split("/");
      const dir = hostFolder(base, parts.slice(0, -1));
      if (dir === null) {
        notes.push(`safe-exec: ${host.path}/${name}/${r} was not copied back: a folder on its way is not a folder`);
        continue;
      }
      const target = `${dir}/${parts[parts.length - 1]}`;
      const now = lstatOr(target);
      if (now && !now.isFile()) {
        notes.push(`safe-exec: ${host.path}/${name}/${r} was not copied back: the host's is not a regular file`);
        continue;
      }
      if (name === "logs" && was && now && data.length >= was.size) {
        const old = readNoFollow(target, MAX_LOG_BYTES);
        if (old && old.length >= was.size && sameBytes(old.subarray(0, was.size), data.subarray(0, was.size))) {
          const fd = openSync(target, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW);
          try {
            const add = data.subarray(was.size);
            let at = 0;
            while (at < add.length) at += writeSync(fd, add, at, add.length - at);
          } finally {
            closeSync(fd);
          }
          continue;
        }
      }
      if ((was?.host ?? null) !== sig(now)) {
        notes.push(`safe-exec: ${host.path}/${name}/${r} changed on the host during the call; the host's was kept`);
        continue;
      }
      const lock = `${target}.lock`;
      try {
        writeNew(lock, data);
      } catch {
        notes.push(`safe-exec: ${host.path}/${name}/${r} was not copied back: the host's git holds its lock`);
        continue;
      }
      renameSync(lock, target);
    }
  };
  walk("", 0);
  for (const [r, was] of snap) {
    if (seen.has(r)) continue;
    const target = `${base}/${r}`;
    if (sigOf(target) === was.host) {
      try {
        unlinkSync(target);
      } catch { /* gone */ }
    }
  }
  if (hidden.length > 0) {
    notes.push(
      `safe-exec: ${hidden.length} entries of ${host.path}/${name} were not copied back (replace refs change what ` +
        `every git command of the host reads; make them on the host): ${hidden.slice(0, 5).join(", ")}`,
    );
  }
  if (skipped.length > 0) {
    notes.push(
      `safe-exec: ${skipped.length} entries of ${host.path}/${name} were not copied back (not regular files with ` +
        `valid ref names and contents): ${skipped.slice(0, 5).join(", ")}`,
    );
  }
  return notes;
}

/** The alternates file a view's private object store starts with. */
export function alternatesFor(g: string): string {
  return `${g}/${HOST_OBJECTS}\n`;
}

/**
 * Bring a view's private object store at `dir` to its empty shape for the git dir `g`: `info/alternates` naming the
 * host's store, an empty `pack/`, nothing else (what else it holds goes to `trash`).
 */
export function objectsIn(dir: string, g: string, trash: string): void {
  const want = new TextEncoder().encode(alternatesFor(g));
  if (lstatOr(dir) && !lstatOr(dir)?.isDirectory()) quarantine(trash, dir);
  if (!lstatOr(dir)) mkdirSync(dir);
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if ((n === "info" || n === "pack") && lstatOr(p)?.isDirectory()) {
      for (const f of readdirSync(p)) {
        const keep = n === "info" && f === "alternates" &&
          sameBytes(readNoFollow(join(p, f), 4096) ?? new Uint8Array(), want);
        if (!keep) quarantine(trash, join(p, f));
      }
    } else quarantine(trash, p);
  }
  for (const n of ["info", "pack"]) if (!lstatOr(join(dir, n))) mkdirSync(join(dir, n));
  if (!lstatOr(join(dir, "info", "alternates"))) writeNew(join(dir, "info", "alternates"), want);
}

function copyObject(src: string, dstDir: string, name: string): void {
  if (lstatOr(`${dstDir}/${name}`)) return; // content-addressed: the host's copy is the same object
  const tmp = `${dstDir}/tmp_obj_safe-exec-${crypto.randomUUID().slice(0, 8)}`;
  copyFileSync(src, tmp, constants.COPYFILE_EXCL);
  renameSync(tmp, `${dstDir}/${name}`);
}

/**
 * After a call: copy the objects the call wrote into its private store `view` to the host's `objects/`: loose
 * objects (`xx/<hex>`) and packs (`pack/pack-<hex>.<ext>`, the `.idx` last), regular files only. Everything else
 * (`info/alternates` changed, `http-alternates`, `commit-graph`, a multi-pack index, symlinks, FIFOs) stays out.
 */
export function mergeObjects(view: string, host: HostDir, g: string): string[] {
  const base = host.at("objects");
  if (!lstatOr(base)?.isDirectory()) return [`safe-exec: ${host.path}/objects is not a folder; no objects copied back`];
  const skipped: string[] = [];
  for (const n of readdirSync(view)) {
    const p = join(view, n);
    const st = lstatOr(p);
    if (/^[0-9a-f]{2}$/.test(n) && st?.isDirectory()) {
      const files = readdirSync(p);
      if (files.length === 0) continue;
      const dir = hostFolder(base, [n]);
      for (const f of files) {
        if (dir !== null && OBJECT_RE.test(f) && lstatOr(join(p, f))?.isFile()) copyObject(join(p, f), dir, f);
        else skipped.push(`${n}/${f}`);
      }
    } else if (n === "pack" && st?.isDirectory()) {
      const files = readdirSync(p).sort((a, b) => Number(a.endsWith(".idx")) - Number(b.endsWith(".idx")));
      const dir = files.length > 0 ? hostFolder(base, ["pack"]) : null;
      for (const f of files) {
        if (dir !== null && PACK_RE.test(f) && lstatOr(join(p, f))?.isFile()) copyObject(join(p, f), dir, f);
        else skipped.push(`pack/${f}`);
      }
    } else if (n === "info" && st?.isDirectory()) {
      for (const f of readdirSync(p)) {
        const mine = f === "alternates" && sameBytes(
          readNoFollow(join(p, f), 4096) ?? new Uint8Array(),
          new TextEncoder().encode(alternatesFor(g)),
        );
        if (!mine && f !== "packs") skipped.push(`info/${f}`);
      }
    } else skipped.push(n);
  }
  return skipped.length === 0 ? [] : [
    `safe-exec: ${skipped.length} entries of ${host.path}/objects were not copied back (only loose objects and ` +
    `packs are; alternates, commit-graphs, links and special files stay in the sandbox): ` +
    skipped.slice(0, 5).join(", "),
  ];
}
