/**
 * Private helper of the sandbox: git's files inside the sandbox, wherever `.git` points (SPEC §7).
 *
 * A sandboxed process never sees a git dir of the host directly. Each git dir `G` inside a writable folder (the
 * workspace's `.git`, a `.git` file's `gitdir:`, their `commondir`s) is shown through a **view**: a private folder
 * of this server, bound at `G`, that holds
 * - `objects/`, `refs/`, `logs/` (and `lfs/`, `rr-cache/`, `reftable/`): the host's folders, bound writable, so
 *   commits, branches and reflogs land in the host's repository as git writes them;
 * - the data files at the top (`index`, `HEAD`, `ORIG_HEAD`, `packed-refs`, `COMMIT_EDITMSG`, … see
 *   {@linkcode GIT_DATA_FILES}): copies, taken from the host before each call and copied back after it (under git's
 *   own `.lock` protocol) when the call changed them — an index that adds a submodule entry (a gitlink) or a HEAD
 *   that is not a ref is not copied back;
 * - everything else of the host's git dir (`config`, `config.worktree`, `hooks/`, `info/`, `commondir`, `gitdir`,
 *   `modules/`, `worktrees/`, and any name git may read that is not listed as data): bound read-only, a symlink
 *   judged by its target;
 * - and whatever the sandbox creates besides (`.git/commondir`, `.git/modules/x/config`, a new `hooks/`): it stays in
 *   the view, private to the sandbox, and never reaches the host's git dir.
 * Since `G` is a mount point, `.git` cannot be renamed away or replaced. A workspace without `.git` gets an empty
 * view at `.git` for the call (its mount point, an empty folder, is removed afterwards); when the call made a
 * repository there (`git init`), its data is copied to the host with a configuration written by safe-exec (format
 * and object format only), never the sandbox's own.
 *
 * Paths outside the git dirs that git reads (a `.git` file, the target of a symlink in a git dir, `core.hooksPath`,
 * included configs, the `.git` entries of submodules) are bound read-only onto themselves. A `.git` symlink, or a
 * protected path that is missing where the sandbox could create it, refuses the call (`sandbox_unavailable`).
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import {
  closeSync,
  constants,
  copyFileSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  type Stats,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { ToolError } from "../../types.ts";
import {
  GIT_DATA_DIRS,
  GIT_DATA_FILES,
  type GitRootInfo,
  inspectGit,
  isWithin,
  parseGitConfigPaths,
  readSmall,
  whereLeads,
} from "../../git/dirs.ts";
import { scanGitlinks } from "../../git/gitlinks.ts";
import type { GitMount } from "./_plan.ts";

/** The git part of one call: the mounts, and what to do once its processes are gone. */
export interface GitCall {
  /** Mounts after the workspace, in order. */
  mounts: GitMount[];
  /** What was protected, for the witness log and `doctor`. */
  protected: string[];
  /** Copy the call's git data back to the host; returns notes for the call's stderr (empty when all went well). */
  finish(): string[];
}

interface FileRecord {
  real: string | null;
  view: string | null;
}

interface View {
  dir: string;
  fresh: boolean;
  placeholders: Map<string, "file" | "dir">;
  records: Map<string, FileRecord>;
}

const MAX_INDEX_BYTES = 256 * 1024 * 1024;
/** A symbolic ref into refs/ (no `..`, no control characters) or an object name. */
const HEAD_RE = /^(ref: refs\/(?!.*\.\.)[!-~]+|[0-9a-f]{40}|[0-9a-f]{64})\n?$/;

function lstatOr(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

function sig(st: Stats | undefined): string | null {
  return st?.isFile() ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : null;
}

function sigOf(p: string): string | null {
  return sig(lstatOr(p));
}

/**
 * Read a regular file of a view without following a symlink in its last component (a view is the sandbox's to
 * change), or null when it is not a regular file or larger than `max`.
 */
function readNoFollow(p: string, max: number): Uint8Array | null {
  let fd: number;
  try {
    fd = openSync(p, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > max) return null;
    const buf = new Uint8Array(st.size);
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, n);
      if (r <= 0) break;
      n += r;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Copy a view's regular file to a new host file: never through a symlink, never over an existing file. */
function copyNoFollow(src: string, dst: string): boolean {
  let from: number;
  try {
    from = openSync(src, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    if (!fstatSync(from).isFile()) return false;
    const to = openSync(dst, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      const buf = new Uint8Array(1 << 20);
      for (;;) {
        const n = readSync(from, buf, 0, buf.length, null);
        if (n <= 0) break;
        let at = 0;
        while (at < n) at += writeSync(to, buf, at, n - at);
      }
    } finally {
      closeSync(to);
    }
    return true;
  } finally {
    closeSync(from);
  }
}

/** Copy a regular file into place atomically (a temporary name beside it, then rename). */
function copyInto(src: string, dst: string): void {
  const tmp = `${dst}.safe-exec-${crypto.randomUUID().slice(0, 8)}`;
  copyFileSync(src, tmp, constants.COPYFILE_EXCL);
  renameSync(tmp, dst);
}

/** Write a file into a host git dir the way git does: `name.lock` created exclusively, then renamed. */
function lockedWrite(gitDir: string, name: string, data: Uint8Array): "ok" | "locked" {
  const lock = join(gitDir, `${name}.lock`);
  let fd: number;
  try {
    fd = openSync(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  } catch (e) {
    if ((e as { code?: string }).code === "EEXIST") return "locked";
    throw e;
  }
  try {
    let at = 0;
    while (at < data.length) at += writeSync(fd, data, at, data.length - at);
    closeSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(lock, { force: true });
    throw e;
  }
  renameSync(lock, join(gitDir, name));
  return "ok";
}

/**
 * Take an entry out of a view without deleting through it: it is renamed into the views' trash (rename never
 * follows a symlink), which is removed at close.
 */
function quarantine(trash: string, p: string): void {
  try {
    renameSync(p, join(trash, crypto.randomUUID()));
  } catch {
    // gone already
  }
}

function ensurePlaceholder(view: View, trash: string, name: string, kind: "file" | "dir"): void {
  const p = join(view.dir, name);
  const st = lstatOr(p);
  const ok = kind === "dir" ? st?.isDirectory() : st?.isFile();
  if (ok && view.placeholders.get(name) === kind) return;
  if (st) quarantine(trash, p); // the sandbox's own entry of that name, or a placeholder of the other kind
  if (kind === "dir") mkdirSync(p);
  else closeSync(openSync(p, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644));
  view.placeholders.set(name, kind);
  view.records.delete(name);
}

/**
 * Copy a view's tree of folders and regular files to the host (symlinks and other files are skipped; a folder that
 * stopped being the view's own is not entered); returns how many entries were skipped, or -1 over `budget`.
 */
function copyTree(root: string, src: string, dst: string, budget: { entries: number }, depth = 0): number {
  let skipped = 0;
  let real: string;
  try {
    real = realpathSync(src);
  } catch {
    return 1;
  }
  if (!isWithin(real, root)) return 1;
  mkdirSync(dst, { recursive: true });
  for (const name of readdirSync(src)) {
    if (--budget.entries < 0) return -1;
    const s = join(src, name);
    const st = lstatOr(s);
    if (st?.isDirectory() && depth < 64) {
      const n = copyTree(root, s, join(dst, name), budget, depth + 1);
      if (n < 0) return -1;
      skipped += n;
    } else if (st?.isFile()) {
      if (!copyNoFollow(s, join(dst, name))) skipped++;
    } else skipped++;
  }
  return skipped;
}

/** Most entries copied when a repository the sandbox made is brought to the host. */
const MATERIALIZE_ENTRIES = 500_000;

/** The views of one sandbox (one server): private folders under `stateDir`, kept across calls. */
export class GitViews {
  readonly #dir: string;
  readonly #trash: string;
  readonly #views = new Map<string, View>();
  readonly #indexCache = new Map<string, { sig: string; gitlinks: string[] | null }>();

  readonly #privateBytes: number;

  /**
   * Views live in a new folder under `stateDir` (a private folder of the server). What a call adds to a view beside
   * git's data is kept for later calls up to `privateBytes` (default 256 MiB), and dropped past it.
   */
  constructor(stateDir: string, privateBytes = 256 * 1024 * 1024) {
    this.#privateBytes = privateBytes;
    this.#dir = mkdtempSync(join(stateDir, "git-views-"));
    this.#trash = join(this.#dir, "trash");
    mkdirSync(this.#trash);
  }

  #view(key: string, fresh: boolean): View {
    const id = `${fresh ? "fresh" : "repo"}:${key}`;
    let v = this.#views.get(id);
    if (v && lstatOr(v.dir)?.isDirectory()) return v;
    v = { dir: mkdtempSync(join(this.#dir, "v-")), fresh, placeholders: new Map(), records: new Map() };
    this.#views.set(id, v);
    return v;
  }

  #drop(key: string, fresh: boolean): void {
    const id = `${fresh ? "fresh" : "repo"}:${key}`;
    const v = this.#views.get(id);
    if (v) quarantine(this.#trash, v.dir);
    this.#views.delete(id);
  }

  /**
   * Prepare the git part of a call for the writable roots (the workspace first) given what else is shown
   * (read-only roots). Throws `sandbox_unavailable` when git's files cannot be protected.
   */
  prepare(roots: readonly string[], shownReadOnly: readonly string[]): GitCall {
    const mounts: GitMount[] = [];
    const finishers: (() => string[])[] = [];
    const described: string[] = [];
    const shown = (p: string) => roots.some((r) => isWithin(p, r)) || shownReadOnly.some((r) => isWithin(p, r));
    const infos: GitRootInfo[] = roots.map((r) => inspectGit(r, roots, { indexCache: this.#indexCache }));
    for (const info of infos) {
      if (info.refuse !== null) {
        throw new ToolError(
          "sandbox_unavailable",
          `The sandbox cannot protect git's files in ${info.root}: ${info.refuse}`,
        );
      }
    }
    for (const info of infos) {
      const entry = info.entry.path;
      const emptyDir = info.entry.kind === "dir" && readdirSync(entry).length === 0;
      if (info.entry.kind === "missing" || emptyDir) {
        if (info.entry.kind === "missing") mkdirSync(entry);
        this.#drop(entry, false);
        const v = this.#view(entry, true);
        mounts.push({ mode: "rw", src: v.dir, dest: entry });
        described.push(`${entry}: a private view (no repository yet)`);
        finishers.push(() => this.#finishFresh(info, v));
        continue;
      }
      this.#drop(entry, true);
      for (const g of info.gitDirs) {
        const baseline = g === info.gitDirs[0] ? new Set(info.gitlinks) : this.#gitlinksOf(g, info.hashBytes);
        mounts.push(...this.#repoMounts(g, shown));
        described.push(`${g}: a view (data writable, configuration and hooks read-only)`);
        finishers.push(() => this.#syncBack(g, baseline, info.hashBytes));
      }
      for (const p of info.pins) {
        if (info.gitDirs.some((g) => isWithin(p.path, g))) continue;
        if (p.create) mkdirSync(p.path, { recursive: true });
        mounts.push({ mode: "ro", src: p.path, dest: p.path });
        described.push(`${p.path}: read-only (${p.why})`);
      }
    }
    let finished = false;
    return {
      mounts,
      protected: described,
      finish: () => {
        if (finished) return [];
        finished = true;
        const notes: string[] = [];
        for (const f of finishers) {
          try {
            notes.push(...f());
          } catch (e) {
            notes.push(`safe-exec: git data of this call not copied back: ${(e as Error).message}`);
          }
        }
        for (const v of this.#views.values()) notes.push(...this.#capPrivate(v));
        this.#emptyTrash();
        return notes;
      },
    };
  }

  #gitlinksOf(g: string, hashBytes: number): Set<string> | null {
    const data = readSmall(join(g, "index"), MAX_INDEX_BYTES);
    if (data === null) return new Set();
    const scan = scanGitlinks(data, hashBytes);
    return scan.ok ? scan.gitlinks : null;
  }

  #repoMounts(g: string, shown: (p: string) => boolean): GitMount[] {
    const v = this.#view(g, false);
    const mounts: GitMount[] = [{ mode: "rw", src: v.dir, dest: g }];
    const head = lstatOr(join(g, "HEAD"));
    if (head?.isFile() && !lstatOr(join(g, "logs"))) {
      try {
        mkdirSync(join(g, "logs")); // so reflogs land on the host, not in the view
      } catch { /* read-only or raced: the view keeps them */ }
    }
    const names = readdirSync(g);
    const present = new Set(names);
    for (const name of names) {
      if (name.endsWith(".lock")) continue; // a lock of the host's git: not the sandbox's business
      const p = join(g, name);
      const st = lstatOr(p);
      if (!st) continue;
      if (GIT_DATA_DIRS.has(name) && st.isDirectory()) {
        ensurePlaceholder(v, this.#trash, name, "dir");
        mounts.push({ mode: "rw", src: p, dest: p });
      } else if (GIT_DATA_FILES.has(name) && st.isFile()) {
        this.#syncIn(v, g, name);
      } else if (st.isDirectory() || st.isFile()) {
        ensurePlaceholder(v, this.#trash, name, st.isDirectory() ? "dir" : "file");
        mounts.push({ mode: "ro", src: p, dest: p });
      } else if (st.isSymbolicLink()) {
        const target = whereLeads(p);
        const tst = lstatOr(target);
        if (tst && (tst.isDirectory() || tst.isFile()) && shown(target)) {
          ensurePlaceholder(v, this.#trash, name, tst.isDirectory() ? "dir" : "file");
          mounts.push({ mode: "ro", src: target, dest: p });
        } else if (v.placeholders.has(name)) {
          quarantine(this.#trash, join(v.dir, name));
          v.placeholders.delete(name);
        }
      }
    }
    // What the host no longer has: our placeholders go, and so do copies of data files the host removed.
    for (const [name] of v.placeholders) {
      if (!present.has(name)) {
        quarantine(this.#trash, join(v.dir, name));
        v.placeholders.delete(name);
      }
    }
    for (const name of GIT_DATA_FILES) if (!present.has(name)) this.#syncIn(v, g, name);
    return mounts;
  }

  /** Before a call: bring a data file the host changed (or removed) into the view. */
  #syncIn(v: View, g: string, name: string): void {
    const real = sigOf(join(g, name));
    const rec = v.records.get(name);
    if (real !== null && real !== rec?.real) {
      if (v.placeholders.has(name)) v.placeholders.delete(name);
      const vp = join(v.dir, name);
      if (lstatOr(vp) && !lstatOr(vp)?.isFile()) quarantine(this.#trash, vp);
      copyInto(join(g, name), vp);
      v.records.set(name, { real, view: sigOf(vp) });
    } else if (real === null && rec && rec.real !== null) {
      quarantine(this.#trash, join(v.dir, name));
      v.records.set(name, { real: null, view: null });
    }
  }

  /** After a call: copy the data files the call changed back to the host's git dir. */
  #syncBack(g: string, baseline: Set<string> | null, hashBytes: number): string[] {
    const v = this.#views.get(`repo:${g}`);
    if (!v) return [];
    const notes: string[] = [];
    const rel = (name: string) => `${g}/${name}`;
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
        const data = readNoFollow(vp, MAX_INDEX_BYTES);
        const why = data === null
          ? "it is not a regular file of at most 256 MiB"
          : this.#invalid(name, data, baseline, hashBytes);
        if (why !== null || data === null) {
          notes.push(`safe-exec: ${rel(name)} was not copied back to the host: ${why}`);
          v.records.set(name, { real: rec.real, view: vs });
          continue;
        }
        if (lockedWrite(g, name, data) === "locked") {
          notes.push(`safe-exec: ${rel(name)} was not copied back: the host's git holds ${rel(name)}.lock`);
          continue;
        }
        v.records.set(name, { real: sigOf(join(g, name)), view: vs });
      } else if (vs === null && rec.view !== null) {
        if (sigOf(join(g, name)) === rec.real && rec.real !== null) {
          try {
            unlinkSync(join(g, name));
          } catch { /* gone already */ }
        }
        v.records.set(name, { real: sigOf(join(g, name)), view: null });
      }
    }
    return notes;
  }

  #invalid(name: string, data: Uint8Array, baseline: Set<string> | null, hashBytes: number): string | null {
    if (name === "HEAD") {
      const text = new TextDecoder().decode(data.subarray(0, 4096));
      return HEAD_RE.test(text) ? null : `it is not a ref or an object name (${JSON.stringify(text.slice(0, 80))})`;
    }
    if (name !== "index") return null;
    const scan = scanGitlinks(data, hashBytes);
    if (!scan.ok) return `it cannot be checked for submodule entries (${scan.reason})`;
    const added = [...scan.gitlinks].filter((p) => !(baseline?.has(p) ?? false));
    if (added.length === 0) return null;
    return `it adds submodule entries (${added.slice(0, 5).map((p) => JSON.stringify(p)).join(", ")}), which would ` +
      `make the host's git status run git in a folder the sandbox controls; add submodules from the host`;
  }

  /** After a call in a workspace without `.git`: keep a repository the call made (its data), else clean up. */
  #finishFresh(info: GitRootInfo, v: View): string[] {
    const entry = info.entry.path;
    let names: string[];
    try {
      names = readdirSync(entry);
    } catch {
      return [];
    }
    const isRepo = lstatOr(join(v.dir, "HEAD"))?.isFile() && lstatOr(join(v.dir, "objects"))?.isDirectory() &&
      (lstatOr(join(v.dir, "refs"))?.isDirectory() || lstatOr(join(v.dir, "reftable"))?.isDirectory());
    if (names.length > 0) {
      this.#drop(entry, true); // the host made its own repository meanwhile: it wins
      return isRepo
        ? [`safe-exec: ${entry} appeared on the host during the call; the call's repository was dropped`]
        : [];
    }
    if (!isRepo) {
      try {
        rmdirSync(entry);
      } catch { /* not empty or gone */ }
      return [];
    }
    const notes: string[] = [];
    const text = new TextDecoder().decode(readNoFollow(join(v.dir, "config"), 1 << 20) ?? new Uint8Array());
    const sha256 = parseGitConfigPaths(text).objectFormat === "sha256";
    const budget = { entries: MATERIALIZE_ENTRIES };
    for (const name of readdirSync(v.dir)) {
      const p = join(v.dir, name);
      const st = lstatOr(p);
      if (GIT_DATA_DIRS.has(name) && st?.isDirectory()) {
        const skipped = copyTree(v.dir, p, join(entry, name), budget);
        if (skipped < 0) {
          notes.push(
            `safe-exec: the repository made in ${entry} has over ${MATERIALIZE_ENTRIES} files; not all copied`,
          );
          break;
        }
        if (skipped > 0) notes.push(`safe-exec: ${skipped} symlinks or special files in ${name}/ were not copied`);
      } else if (GIT_DATA_FILES.has(name) && st?.isFile()) {
        const data = readNoFollow(p, MAX_INDEX_BYTES);
        const why = data === null
          ? "it is not a regular file of at most 256 MiB"
          : this.#invalid(name, data, new Set(), sha256 ? 32 : 20);
        if (why !== null || data === null) notes.push(`safe-exec: ${entry}/${name} was not copied to the host: ${why}`);
        else writeFileSync(join(entry, name), data, { flag: "wx" });
      }
    }
    writeFileSync(
      join(entry, "config"),
      `[core]\n\trepositoryformatversion = ${sha256 ? 1 : 0}\n\tfilemode = true\n\tbare = false\n` +
        `\tlogallrefupdates = true\n` + (sha256 ? "[extensions]\n\tobjectformat = sha256\n" : ""),
    );
    this.#drop(entry, true);
    notes.push(
      `safe-exec: the repository created in ${entry} was copied to the host with its data only; its configuration, ` +
        `hooks and info/ stayed in the sandbox (the host's git would run them)`,
    );
    return notes;
  }

  /** Drop what the sandbox added to a view beside git's data when it grew past the budget (host /tmp is memory). */
  #capPrivate(v: View): string[] {
    let budget = this.#privateBytes;
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
    for (const name of extra) quarantine(this.#trash, join(v.dir, name));
    return [
      `safe-exec: what the sandbox added to its view of .git grew past ${this.#privateBytes} bytes and was dropped ` +
      `(${extra.slice(0, 5).join(", ")})`,
    ];
  }

  /** Delete what was quarantined (called once the call's processes are gone). */
  #emptyTrash(): void {
    try {
      for (const n of readdirSync(this.#trash)) rmSync(join(this.#trash, n), { recursive: true, force: true });
    } catch {
      // best effort: close() removes the rest
    }
  }

  /** Remove every view. */
  close(): void {
    try {
      rmSync(this.#dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
    this.#views.clear();
  }
}
