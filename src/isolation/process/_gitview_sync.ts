/**
 * Private helper of the git views: a view's data files, copied in from the host before a call and copied back
 * after it (under git's own `.lock` protocol, through the {@linkcode HostDir} pinned before the call) when the call
 * changed them, validated first: an index that adds a submodule entry (a gitlink) or a HEAD that is not a ref is not
 * copied back. And a repository made in a workspace that had none: its data reaches the host with a configuration
 * written by safe-exec, never the sandbox's own.
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { mkdirSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GIT_DATA_DIRS, GIT_DATA_FILES, parseGitConfigPaths } from "../../git/dirs.ts";
import { scanGitlinks } from "../../git/gitlinks.ts";
import { mergeObjects, mergeRefs, type Snapshot } from "./_gitdata.ts";
import { dataFileInvalid } from "./_gitdatafiles.ts";
import { hiddenIndexPaths, revealIndex } from "./_gitindex.ts";
import { withoutHiddenPackedRefs } from "./_gitreplace.ts";
import {
  copyInto,
  copyTree,
  type HostDir,
  lstatOr,
  quarantine,
  readNoFollow,
  sig,
  sigOf,
  writeNew,
} from "./_gitview_io.ts";

/** What the view and the host held of one data file after the last sync. */
export interface FileRecord {
  real: string | null;
  view: string | null;
}

/** One view: a private folder shown at a git dir. */
export interface View {
  dir: string;
  fresh: boolean;
  placeholders: Map<string, "file" | "dir">;
  records: Map<string, FileRecord>;
  /** This call's private copies of `refs/` and `logs/` (what they held when it started). */
  data?: Map<string, Snapshot>;
  /** This call has a private object store. */
  objects?: boolean;
  /** The data folders of this call still to merge back. */
  pending?: string[];
  /** Notes of the preparation, said after the call. */
  notes?: string[];
}

const MAX_INDEX_BYTES = 256 * 1024 * 1024;
/** A symbolic ref into refs/ (no `..`, no control characters) or an object name. */
const HEAD_RE = /^(ref: refs\/(?!.*\.\.)[!-~]+|[0-9a-f]{40}|[0-9a-f]{64})\n?$/;

/** Before a call: bring a data file the host changed (or removed) into the view. */
export function syncIn(v: View, trash: string, g: string, name: string): void {
  const real = sigOf(join(g, name));
  const rec = v.records.get(name);
  if (real !== null && real !== rec?.real) {
    if (v.placeholders.has(name)) v.placeholders.delete(name);
    const vp = join(v.dir, name);
    if (lstatOr(vp) && !lstatOr(vp)?.isFile()) quarantine(trash, vp);
    copyInto(join(g, name), vp);
    v.records.set(name, { real, view: sigOf(vp) });
  } else if (real === null && rec && rec.real !== null) {
    quarantine(trash, join(v.dir, name));
    v.records.set(name, { real: null, view: null });
  }
}

/** Why a data file must not reach the host, or null. */
export function invalid(
  name: string,
  data: Uint8Array,
  baseline: Set<string> | null,
  hashBytes: number,
  objects: string | null = null,
): string | null {
  if (name === "HEAD") {
    const text = new TextDecoder().decode(data.subarray(0, 4096));
    return HEAD_RE.test(text) ? null : `it is not a ref or an object name (${JSON.stringify(text.slice(0, 80))})`;
  }
  if (name !== "index") return objects === null ? null : dataFileInvalid(name, data, objects, hashBytes);
  const scan = scanGitlinks(data, hashBytes);
  if (!scan.ok) return `it cannot be checked for submodule entries (${scan.reason})`;
  const added = [...scan.gitlinks].filter((p) => !(baseline?.has(p) ?? false));
  if (added.length === 0) return null;
  return `it adds submodule entries (${added.slice(0, 5).map((p) => JSON.stringify(p)).join(", ")}), which would ` +
    `make the host's git status run git in a folder the sandbox controls; add submodules from the host`;
}

/**
 * The bytes of a view's data file `name` to copy to the host: `packed-refs` without the replace refs the host's
 * (`hostPacked`) did not already hold (H16); the
 * index without the bits and extensions that make git look away from files (J4, _gitindex.ts) that `hostIndex` (the
 * host's index now, or null) did not already have (an index that cannot be read comes back as it is, and
 * {@linkcode invalid} refuses it).
 */
function hostData(
  name: string,
  data: Uint8Array | null,
  where: string,
  notes: string[],
  hostIndex: Uint8Array | null,
  hashBytes: number,
  hostPacked: Uint8Array | null = null,
): Uint8Array | null {
  if (name === "index" && data !== null) {
    const before = hostIndex === null ? new Set<string>() : hiddenIndexPaths(hostIndex, hashBytes) ?? new Set();
    const r = revealIndex(data, hashBytes, (p) => before.has(p));
    if (!r.ok) return data; // not copied back: invalid() says why
    if (r.cleared.length > 0) {
      notes.push(
        `safe-exec: ${where}: the assume-unchanged and skip-worktree bits of ${r.cleared.length} files were cleared ` +
          `(they hide changes from the host's git status; set them on the host): ` +
          r.cleared.slice(0, 5).map((p) => JSON.stringify(p)).join(", "),
      );
    }
    return r.data;
  }
  if (name !== "packed-refs" || data === null) return data;
  const r = withoutHiddenPackedRefs(data, hostPacked);
  if (r.dropped.length > 0) {
    notes.push(
      `safe-exec: ${r.dropped.length} refs of ${where} were not copied back (replace refs change what every git ` +
        `command of the host reads; make them on the host): ${r.dropped.slice(0, 5).join(", ")}`,
    );
  }
  return r.data;
}

/** Write a file into a host git dir the way git does: `name.lock` created exclusively, then renamed. */
function lockedWrite(host: HostDir, name: string, data: Uint8Array): "ok" | "locked" {
  const lock = host.at(`${name}.lock`);
  try {
    writeNew(lock, data);
  } catch (e) {
    if ((e as { code?: string }).code === "EEXIST") return "locked";
    rmSync(lock, { force: true });
    throw e;
  }
  renameSync(lock, host.at(name));
  return "ok";
}

/** After a call: copy the data files the call changed back to the host's git dir. */
export function syncBack(v: View, host: HostDir, baseline: Set<string> | null, hashBytes: number): string[] {
  const notes: string[] = [];
  const rel = (name: string) => `${host.path}/${name}`;
  for (const name of GIT_DATA_FILES) {
    const rec = v.records.get(name) ?? { real: null, view: null };
    const vp = join(v.dir, name);
    const vst = lstatOr(vp);
    const vs = sig(vst);
    if (vst && !vst.isFile()) {
      if (rec.view !== "not-a-file") {
        notes.push(`safe-exec: ${rel(name)} was not copied back: it is not a regular file`);
      }
      v.records.set(name, { real: rec.real, view: "not-a-file" });
      continue;
    }
    if (vs !== null && vs !== rec.view) {
      const mine = name === "index" || name === "packed-refs" ? readNoFollow(host.at(name), MAX_INDEX_BYTES) : null;
      const data = hostData(name, readNoFollow(vp, MAX_INDEX_BYTES), rel(name), notes, mine, hashBytes, mine);
      const why = data === null
        ? "it is not a regular file of at most 256 MiB"
        : invalid(name, data, baseline, hashBytes, host.at("objects"));
      if (why !== null || data === null) {
        notes.push(`safe-exec: ${rel(name)} was not copied back to the host: ${why}`);
        rmSync(vp, { force: true }); // the next call starts from the host's (a bad shallow would break its git)
        v.records.delete(name);
        continue;
      }
      if (lockedWrite(host, name, data) === "locked") {
        notes.push(`safe-exec: ${rel(name)} was not copied back: the host's git holds ${rel(name)}.lock`);
        continue;
      }
      v.records.set(name, { real: sigOf(host.at(name)), view: vs });
    } else if (vs === null && rec.view !== null) {
      if (sigOf(host.at(name)) === rec.real && rec.real !== null) {
        try {
          unlinkSync(host.at(name));
        } catch { /* gone already */ }
      }
      v.records.set(name, { real: sigOf(host.at(name)), view: null });
    }
  }
  return notes;
}

/** Most entries copied when a repository the sandbox made is brought to the host. */
const MATERIALIZE_ENTRIES = 500_000;

/**
 * After a call in a workspace without `.git`: bring the data of a repository the call made in the view to the host's
 * `.git` (pinned as `host`, an empty folder made before the call) with a configuration written by safe-exec.
 */
export function materialize(v: View, host: HostDir): string[] {
  const entry = host.path;
  const notes: string[] = [];
  const text = new TextDecoder().decode(readNoFollow(join(v.dir, "config"), 1 << 20) ?? new Uint8Array());
  const sha256 = parseGitConfigPaths(text).objectFormat === "sha256";
  const budget = { entries: MATERIALIZE_ENTRIES };
  // Folders first: the files that name objects are checked against the objects copied.
  const names = readdirSync(v.dir).sort((a, b) => Number(GIT_DATA_DIRS.has(b)) - Number(GIT_DATA_DIRS.has(a)));
  for (const name of names) {
    const p = join(v.dir, name);
    const st = lstatOr(p);
    if ((name === "objects" || name === "refs" || name === "logs") && st?.isDirectory()) {
      mkdirSync(host.at(name));
      notes.push(...(name === "objects" ? mergeObjects(p, host, "") : mergeRefs(name, p, host, new Map())));
    } else if (GIT_DATA_DIRS.has(name) && st?.isDirectory()) {
      const skipped = copyTree(v.dir, p, host.at(name), budget);
      if (skipped < 0) {
        notes.push(`safe-exec: the repository made in ${entry} has over ${MATERIALIZE_ENTRIES} files; not all copied`);
        break;
      }
      if (skipped > 0) notes.push(`safe-exec: ${skipped} symlinks or special files in ${name}/ were not copied`);
    } else if (GIT_DATA_FILES.has(name) && st?.isFile()) {
      const data = hostData(name, readNoFollow(p, MAX_INDEX_BYTES), `${entry}/${name}`, notes, null, sha256 ? 32 : 20);
      const why = data === null
        ? "it is not a regular file of at most 256 MiB"
        : invalid(name, data, new Set(), sha256 ? 32 : 20, host.at("objects"));
      if (why !== null || data === null) notes.push(`safe-exec: ${entry}/${name} was not copied to the host: ${why}`);
      else writeNew(host.at(name), data);
    }
  }
  writeFileSync(
    host.at("config"),
    `[core]\n\trepositoryformatversion = ${sha256 ? 1 : 0}\n\tfilemode = true\n\tbare = false\n` +
      `\tlogallrefupdates = true\n` + (sha256 ? "[extensions]\n\tobjectformat = sha256\n" : ""),
    { flag: "wx" },
  );
  notes.push(
    `safe-exec: the repository created in ${entry} was copied to the host with its data only; its configuration, ` +
      `hooks and info/ stayed in the sandbox (the host's git would run them)`,
  );
  return notes;
}

/** A view holds a repository (HEAD, objects/, refs/ or reftable/). */
export function holdsRepo(dir: string): boolean {
  return lstatOr(join(dir, "HEAD"))?.isFile() === true && lstatOr(join(dir, "objects"))?.isDirectory() === true &&
    (lstatOr(join(dir, "refs"))?.isDirectory() === true || lstatOr(join(dir, "reftable"))?.isDirectory() === true);
}

/**
 * git's state of an operation in progress that a view keeps from one call to the next though it never reaches the
 * host: a rebase, `am`, cherry-pick or revert sequence, a bisection. git only reads these as data (`git status`
 * describes them); the commands that carry the operation on are not read-only.
 */
const GIT_STATE_DIRS: ReadonlySet<string> = new Set(["rebase-merge", "rebase-apply", "sequencer"]);
const GIT_STATE_FILES: ReadonlySet<string> = new Set([
  "BISECT_LOG",
  "BISECT_START",
  "BISECT_TERMS",
  "BISECT_EXPECTED_REV",
  "BISECT_ANCESTORS_OK",
  "BISECT_NAMES",
  "BISECT_FIRST_PARENT",
  "BISECT_HEAD",
]);

/**
 * After a call: remove from the top of a view everything the call added that is not a host entry's placeholder, one
 * of git's data files (a regular file) or git's state of an operation in progress (see `GIT_STATE_DIRS`). Git
 * follows names a process can write there (`commondir`, `config.worktree`, `gitdir`, `worktrees/*`): kept, the
 * next call's git (a read-only `git status`, lowered because git's configuration is protected) would take its
 * configuration from a folder of the agent's (red team 5, F1). Returns a note naming what was removed (locks aside).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { dropAdded } from "./_gitview_sync.ts";
 * const base = mkdtempSync(join(tmpdir(), "gvs-"));
 * const v = { dir: join(base, "v"), fresh: false, placeholders: new Map([["config", "file" as const]]), records: new Map() };
 * mkdirSync(join(v.dir, "rebase-merge"), { recursive: true });
 * mkdirSync(join(base, "trash"));
 * for (const f of ["config", "HEAD", "index.lock", "commondir", "config.worktree"]) writeFileSync(join(v.dir, f), "");
 * assert.match(dropAdded(v, join(base, "trash"))[0]!, /"commondir", "config.worktree" added to .git by this call/);
 * assert.deepEqual(readdirSync(v.dir).sort(), ["HEAD", "config", "rebase-merge"]);
 * assert.deepEqual(dropAdded(v, join(base, "trash")), []);
 * assert.ok(!existsSync(join(v.dir, "commondir")));
 * rmSync(base, { recursive: true });
 * ```
 */
export function dropAdded(v: View, trash: string): string[] {
  let names: string[];
  try {
    names = readdirSync(v.dir);
  } catch {
    return [];
  }
  const dropped: string[] = [];
  for (const name of names) {
    if (v.placeholders.has(name)) continue;
    const st = lstatOr(join(v.dir, name));
    if (!st) continue;
    if ((GIT_DATA_FILES.has(name) || GIT_STATE_FILES.has(name)) && st.isFile()) continue;
    if (GIT_STATE_DIRS.has(name) && st.isDirectory()) continue;
    quarantine(trash, join(v.dir, name));
    v.records.delete(name); // a data file of the wrong kind: the next call copies the host's in again
    if (!name.endsWith(".lock")) dropped.push(name);
  }
  if (dropped.length === 0) return [];
  return [
    `safe-exec: ${dropped.slice(0, 5).map((n) => JSON.stringify(n)).join(", ")}${dropped.length > 5 ? ", …" : ""} ` +
    `added to .git by this call ${dropped.length === 1 ? "was" : "were"} removed from the sandbox's view: only ` +
    `git's data and the state of an operation in progress stay from one call to the next`,
  ];
}

/** Drop what the sandbox added to a view beside git's data when it grew past `max` bytes (host /tmp is memory). */
export function capPrivate(v: View, trash: string, max: number): string[] {
  let budget = max;
  const extra: string[] = [];
  let names: string[];
  try {
    names = readdirSync(v.dir);
  } catch {
    return [];
  }
  const walk = (p: string, level: number): void => {
    const st = lstatOr(p);
    if (!st) return;
    budget -= st.isFile() ? st.size : 4096;
    if (budget < 0 || !st.isDirectory() || level > 64) return;
    for (const n of readdirSync(p)) {
      walk(join(p, n), level + 1);
      if (budget < 0) return;
    }
  };
  for (const name of names) {
    if (v.placeholders.has(name)) continue;
    if (GIT_DATA_FILES.has(name) && lstatOr(join(v.dir, name))?.isFile()) continue;
    extra.push(name);
    if (budget >= 0) walk(join(v.dir, name), 0);
  }
  if (budget >= 0) return [];
  for (const name of extra) quarantine(trash, join(v.dir, name));
  return [
    `safe-exec: what the sandbox added to its view of .git grew past ${max} bytes and was dropped ` +
    `(${extra.slice(0, 5).join(", ")})`,
  ];
}
