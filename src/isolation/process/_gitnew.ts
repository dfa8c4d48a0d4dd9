/**
 * Private helper of the git views: what a call left behind that the host's git would run, found once its processes
 * are gone, and disabled (renamed aside, never deleted: the agent's files stay). A repository the call made outside
 * `.git` (a nested `git init`, a `gitdir:` file, a bare repository, the workspace turned into one), a file a
 * protected hook hands over to that did not exist (lefthook.yml), and a symlink planted in a git dir's `refs/` or
 * `logs/` (the host's git appends reflog lines through it). Mounts cannot stop a process from making these; the
 * call's result says what was disabled.
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { readdirSync, readlinkSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { GIT_DATA_DIRS, GIT_DATA_FILES, pythonInits, pythonTargets, stemNames } from "../../git/dirs.ts";
import { withShortPath } from "../../git/scan.ts";
import { lstatOr } from "./_gitview_io.ts";

function aside(p: string | Buffer): string | Buffer {
  const tail = `.safe-exec-disabled-${crypto.randomUUID().slice(0, 8)}`;
  if (typeof p === "string") {
    renameSync(p, `${p}${tail}`);
    return `${p}${tail}`;
  }
  // By bytes, through descriptors when the path is long (a repository nested past PATH_MAX).
  const slash = p.lastIndexOf(0x2f);
  const dir = p.subarray(0, slash);
  const name = p.subarray(slash + 1);
  withShortPath(dir, (d) => {
    renameSync(
      Buffer.concat([d, Buffer.from("/"), name]),
      Buffer.concat([d, Buffer.from("/"), name, Buffer.from(tail)]),
    );
  });
  return Buffer.concat([p, Buffer.from(tail)]);
}

function rel(root: string, p: string): string {
  return p === root ? "." : p.startsWith(root + "/") ? p.slice(root.length + 1) : p;
}

const slash = (p: string | Buffer, name: string) =>
  typeof p === "string" ? join(p, name) : Buffer.concat([p, Buffer.from(`/${name}`)]);

/**
 * Disable a repository a call made: its `.git` entry (a folder, a `gitdir:` file or a symlink) is renamed aside, or,
 * for a folder shaped like a bare repository, its `HEAD`. `path` is text, or bytes (a path that is not UTF-8, then
 * `shown` names it); `made` says whose it is taken for. Returns the note for the call's result, and whether it was
 * disabled.
 */
export function disableRepo(
  root: string,
  kind: "entry" | "bare",
  path: string | Buffer,
  shown?: string,
  made = "a git repository this call made",
): { ok: boolean; note: string } {
  const target = kind === "entry" ? path : slash(path, "HEAD");
  const show = (p: string | Buffer) =>
    rel(root, typeof p === "string" ? p : `${shown ?? ""}${p.subarray(typeof path === "string" ? 0 : path.length)}`);
  const named = shown === undefined
    ? ""
    : ", at a path the sandbox cannot name as text (not UTF-8, or past PATH_MAX), so it could not protect it later";
  try {
    const to = aside(target);
    // A disabled .git folder keeps its files, but not the shape of a repository (a bare one, to git run inside it).
    const look = (p: string | Buffer) => typeof p === "string" ? lstatOr(p) : withShortPath(p, (q) => lstatOr(q));
    if (kind === "entry" && look(to)?.isDirectory() && look(slash(to, "HEAD"))) aside(slash(to, "HEAD"));
    return {
      ok: true,
      note: `safe-exec: ${show(target)} (${made}${named}) was renamed to ${show(to)}: the ` +
        `host's git would run its configuration and hooks. Repositories inside the workspace are made from the ` +
        `host (or the workspace's own .git, whose data reaches the host)`,
    };
  } catch (e) {
    // The entry cannot be renamed (its folder immutable, say): what makes it a repository to git, inside it, can be.
    const inner = insideAside(kind, path);
    if (inner !== null) {
      return {
        ok: true,
        note: `safe-exec: ${show(target)} (${made}${named}) could not be renamed ` +
          `(${(e as Error).message}); ${inner.map((p) => show(p)).join(" and ")} inside it ${
            inner.length === 1 ? "was" : "were"
          } renamed aside instead, so the host's git does not take it for a repository nor read its configuration`,
      };
    }
    return {
      ok: false,
      note: `safe-exec: could not disable the repository this call made at ${show(target)}: ${(e as Error).message}`,
    };
  }
}

/**
 * When a repository's `.git` folder cannot be renamed (its parent immutable, say): rename aside what git needs inside
 * it to take it for a repository (`HEAD`) and what it would read or run (`config`, `commondir`, `hooks`). The paths
 * renamed when `HEAD` was, else null (a bare repository's own folder is where its `HEAD` could not be renamed).
 */
function insideAside(kind: "entry" | "bare", path: string | Buffer): (string | Buffer)[] | null {
  const look = (p: string | Buffer) => typeof p === "string" ? lstatOr(p) : withShortPath(p, (q) => lstatOr(q));
  if (kind !== "entry" || !look(path)?.isDirectory()) return null;
  const done: (string | Buffer)[] = [];
  for (const n of ["HEAD", "config", "commondir", "hooks"]) {
    const p = slash(path, n);
    if (!look(p)) continue;
    try {
      aside(p);
      done.push(p);
    } catch { /* the next one may still go */ }
  }
  return done.some((p) => String(p).endsWith("/HEAD")) ? done : null;
}

/**
 * Every part of a `.git` entry (or git dir) that git reads as configuration or code changed before `since` (a file
 * system time taken as the call started, so the same coarse clock; a change in the same tick counts as the call's):
 * then it is the operator's, made between two calls, not the call's. Data (objects, refs, logs, index, HEAD, …) is
 * not looked at; for a `.git` file, its own time (its git dir, when inside a writable root, is a repository found
 * by the walk itself).
 */
export function untouchedSince(path: string, since: number): boolean {
  const limit = since;
  let budget = 2000;
  const old = (p: string, level: number, top: boolean): boolean => {
    if (--budget < 0) return false;
    const st = lstatOr(p);
    // Listed but not there: gone, or a name this runtime decoded (U+FFFD) and cannot name: not vouched for.
    if (!st) return level === 0 || !p.includes("\uFFFD");
    if (Math.max(st.ctimeMs, st.mtimeMs) >= limit) return false;
    if (!st.isDirectory() || level > 8) return true;
    let names: string[];
    try {
      names = readdirSync(p);
    } catch {
      return false;
    }
    return names.every((n) =>
      (top && (GIT_DATA_DIRS.has(n) || GIT_DATA_FILES.has(n))) || old(join(p, n), level + 1, false)
    );
  };
  const st = lstatOr(path);
  if (st?.isFile()) {
    if (Math.max(st.ctimeMs, st.mtimeMs) >= limit) return false;
    return true; // its gitdir, when it is inside a writable root, is walked as a repository of its own
  }
  if (st?.isSymbolicLink()) return Math.max(st.ctimeMs, st.mtimeMs) < limit;
  return old(path, 0, true);
}

/**
 * Rename aside the watched paths (missing before the call) that the call created, and the watched links on the way to
 * a hook's delegate that the call changed; each one to `onDisabled` too.
 */
export function disableWatched(
  root: string,
  watched: readonly {
    path: string;
    why: string;
    stem?: readonly string[];
    python?: { names: readonly string[]; targets: readonly string[] };
    link?: string;
  }[],
  onDisabled?: (path: string) => void,
): string[] {
  const notes: string[] = [];
  const off = (p: string, why: string) => {
    try {
      const to = aside(p);
      onDisabled?.(p);
      notes.push(
        `safe-exec: ${rel(root, p)} (${why}) was made by this call and renamed to ${rel(root, String(to))}: a ` +
          `protected git hook would run what it names`,
      );
    } catch (e) {
      notes.push(`safe-exec: could not disable ${rel(root, p)}: ${(e as Error).message}`);
    }
  };
  for (const w of watched) {
    if (w.python !== undefined) {
      // a top where a hook runs python first on sys.path: a new import target (`yaml.py`, `yaml/` with its
      // `__init__.py`), or an `__init__.*` the call put into a top-level folder that was none (red team 12, K6)
      const names = new Set(w.python.names);
      const targets = new Set(w.python.targets);
      for (const n of pythonTargets(w.path)) {
        if (targets.has(n)) continue; // pinned read-only for the call: as it was
        if (!names.has(n)) off(join(w.path, n), w.why);
        else for (const i of pythonInits(join(w.path, n))) off(join(w.path, n, i), w.why);
      }
      continue;
    }
    if (w.stem !== undefined) {
      // a stem (a command's word at a worktree's top): every new name it covers (`fsmon.js` for `node fsmon`)
      const before = new Set(w.stem);
      for (const n of stemNames(w.path)) if (!before.has(n)) off(join(dirname(w.path), n), w.why);
      continue;
    }
    const st = lstatOr(w.path);
    if (!st) continue;
    if (w.link !== undefined) {
      // a link on the way to a hook's delegate (red team 12, K4): kept while it still leads where it did
      let now: string | null = null;
      try {
        if (st.isSymbolicLink()) now = readlinkSync(w.path);
      } catch { /* raced away */ }
      if (now === w.link) continue;
      try {
        const to = aside(w.path);
        onDisabled?.(w.path);
        notes.push(
          `safe-exec: ${rel(root, w.path)} (${w.why}) was changed by this call and renamed to ` +
            `${rel(root, String(to))}: it led to what a protected git hook runs`,
        );
      } catch (e) {
        notes.push(`safe-exec: could not disable ${rel(root, w.path)}: ${(e as Error).message}`);
      }
      continue;
    }
    off(w.path, w.why);
  }
  return notes;
}

/**
 * A git dir's `objects/`, `refs/` or `logs/` hold a symlink or a special file (or more entries than are looked at):
 * a repository that was not viewed during a call (the operator made it between two calls) and holds one is not
 * adopted, since the host's git would write through it (red team 2, F1); nor one whose `objects/info/alternates`
 * changed since `since`.
 */
export function hasDataLinks(g: string, since: number): boolean {
  let budget = 20_000;
  const bad = (d: string, level: number): boolean => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return false;
    }
    for (const n of names) {
      if (--budget < 0) return true;
      const st = lstatOr(join(d, n));
      if (!st) {
        if (n.includes("\uFFFD")) return true; // a name this runtime cannot name: not vouched for
        continue;
      }
      if (st.isDirectory()) {
        if (level > 32 || bad(join(d, n), level + 1)) return true;
      } else if (!st.isFile()) return true;
    }
    return false;
  };
  if (!lstatOr(g)?.isDirectory()) return false;
  const alt = lstatOr(join(g, "objects", "info", "alternates"));
  return ["objects", "refs", "logs"].some((d) => bad(join(g, d), 0)) ||
    (alt !== undefined && Math.max(alt.ctimeMs, alt.mtimeMs) >= since);
}
