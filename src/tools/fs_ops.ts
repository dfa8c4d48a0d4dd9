/**
 * The seven built-in file tools (SPEC §2) as plain synchronous functions over `node:fs`, so they run in the host
 * and in a permission-restricted worker alike, under Deno, Bun and Node.
 *
 * Every path goes through {@linkcode Workspace.resolve} first. Because a concurrent process (say a `run_bash`
 * left running in the background) may swap a folder for a symlink between that check and the system call, each
 * tool also pins what it touches:
 *
 * - **Anchored mode** (Linux with `/proc/self/fd` readable: Bun, Node; not Deno, where that needs `--allow-all`
 *   and could prompt): a folder is opened with `O_DIRECTORY|O_NOFOLLOW`, the kernel's own path of the descriptor
 *   (`readlink /proc/self/fd/N`) must be the expected real path, and every further call goes through
 *   `/proc/self/fd/N/<name>`, which the kernel resolves from that folder's inode like `openat(2)`/`renameat(2)`:
 *   no later swap can redirect it. Files are pinned the same way (open, then the descriptor's kernel path).
 * - **Portable mode** (everything else): reads and appends open with `O_NOFOLLOW`, `fstat` the descriptor, then
 *   re-check that `stat` of the path is the same device/inode and that `realpath` of the path is unchanged, and only
 *   then read or write through the descriptor. Writes go to a fresh `O_CREAT|O_EXCL|O_NOFOLLOW` temp file with a
 *   random name in the real folder, are checked (folder realpath unchanged, temp is our inode), then `rename`d onto
 *   the target (rename replaces a symlink rather than following it, and the random name exists only in the real
 *   folder, so a swapped folder makes the rename fail instead of landing outside). Deletes rename the target to a
 *   random quarantine name first, verify, and only then unlink (or restore and refuse).
 *
 * Residual risks (portable mode; anchored mode closes all but the last two):
 * - An attacker that flips a folder twice inside the few microseconds between our re-checks can defeat the
 *   path-based verification (the checks are not atomic). A racer that spawns processes is far too slow (2000
 *   rounds of all tools: nothing read, written or left outside), but a tight native loop using
 *   `renameat2(RENAME_EXCHANGE)` (~200k swaps/s) was measured to win for writes and deletes: it got an outside
 *   file overwritten, quarantined (renamed) and empty temp files left outside. Reads never leaked in that test
 *   (the device/inode + realpath re-check held). Use anchored mode (Bun or Node on Linux) when untrusted code
 *   can run concurrently with the file tools.
 * - If a folder is swapped at the instant a temp file is created, an empty randomly named temp file or folder
 *   can appear outside; it is detected and removed when the swap is still in place, otherwise it may stay.
 * - `rename(2)` looks up the source and target folders separately; a swap between the two lookups (nanoseconds)
 *   could move our temp file outside. Deletes may transiently rename an outside entry and rename it back.
 * - A recursive delete verifies each folder before emptying it, but a swap between that check and the unlinks
 *   could redirect them (the `remove_dir_all` race, CVE-2022-21658).
 * - Anyone who can rename the workspace's folders to places outside (write access outside) is not stopped; nor
 *   is a bind mount inside the workspace. Hard links inside a folder given to `delete_dir` are unlinked (which
 *   never changes the other link's content); `delete_file` refuses them.
 *
 * @module
 */

import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  realpathSync,
  renameSync,
  rmdirSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { PathOutsideWorkspaceError, ToolError } from "../types.ts";
import { Workspace } from "../workspace.ts";

/**
 * The largest file `read_file` returns, in bytes (10 MiB).
 *
 * @example
 * ```ts
 * import { MAX_READ_BYTES } from "./fs_ops.ts";
 * console.assert(MAX_READ_BYTES === 10 * 1024 * 1024);
 * ```
 */
export const MAX_READ_BYTES = 10 * 1024 * 1024;

/**
 * One entry of `list_dir`: the name, the type from `lstat` (a symlink is never followed) and the size in bytes.
 *
 * @example
 * ```ts
 * import type { DirEntry } from "./fs_ops.ts";
 * const e: DirEntry = { name: "a.txt", type: "file", size: 3 };
 * console.assert(e.type === "file");
 * ```
 */
export interface DirEntry {
  /** The entry's name. */
  name: string;
  /** What it is (by lstat). */
  type: "file" | "dir" | "symlink" | "other";
  /** Its size in bytes (lstat). */
  size: number;
}

const { O_RDONLY, O_WRONLY, O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = constants;
const O_DIR = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;

const q = JSON.stringify;
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const encoder = new TextEncoder();

function errCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;
}

function randomName(kind: string): string {
  const b = crypto.getRandomValues(new Uint8Array(12));
  let h = "";
  for (const x of b) h += x.toString(16).padStart(2, "0");
  return `.safe-exec-${kind}-${h}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Workspace cache and mode detection

const workspaces = new Map<string, Workspace>();

function workspaceOf(root: string): Workspace {
  let ws = workspaces.get(root);
  if (ws) return ws;
  ws = Workspace.open(root);
  if (ws.root !== root) throw new RangeError(`The workspace root ${q(root)} is not a real path (${q(ws.root)})`);
  if (workspaces.size >= 64) workspaces.clear();
  workspaces.set(root, ws);
  return ws;
}

let anchored: boolean | undefined;
let readsConfined = false;

/**
 * Tell the file tools that this process runs in the confined file server's mount namespace (only the workspace,
 * writable, and the runtime, read-only): `read_file` then skips the path re-check after `open`, since a folder
 * swapped for a symlink can only lead it to files the agent may read anyway. Writes and deletes keep every check.
 * Called by `fs_server.ts` when bubblewrap started it (`--confined`); never in the host or a worker.
 *
 * @example
 * ```ts ignore
 * import { trustConfinedNamespaceForReads } from "./fs_ops.ts";
 * trustConfinedNamespaceForReads(); // only inside the confined file server
 * ```
 */
export function trustConfinedNamespaceForReads(): void {
  readsConfined = true;
}

/** Whether `/proc/self/fd/N` works here (decided once per process; never probed under Deno, see module doc). */
function useAnchors(root: string): boolean {
  if (anchored !== undefined) return anchored;
  anchored = false;
  const ua = typeof navigator === "object" ? String(navigator.userAgent ?? "") : "";
  if (ua.startsWith("Deno/")) return false;
  let fd = -1;
  try {
    fd = openSync(root, O_DIR);
    anchored = readlinkSync(`/proc/self/fd/${fd}`) === root && statSync(`/proc/self/fd/${fd}/.`).isDirectory();
  } catch {
    anchored = false;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  return anchored;
}

// ---------------------------------------------------------------------------------------------------------------
// Pinned folders

/** A real folder inside the workspace, pinned (anchored mode) or re-checkable (portable mode). */
class Dir {
  readonly real: string;
  readonly #fd: number;
  readonly #ws: Workspace;
  readonly #msg: () => string;

  private constructor(ws: Workspace, real: string, fd: number, msg: () => string) {
    this.#ws = ws;
    this.real = real;
    this.#fd = fd;
    this.#msg = msg;
  }

  /** Pin `real` (a path the guard just resolved); `msg` words a refusal. */
  static open(ws: Workspace, real: string, msg: () => string): Dir {
    if (!useAnchors(ws.root)) return new Dir(ws, real, -1, msg);
    let fd: number;
    try {
      fd = openSync(real, O_DIR);
    } catch (e) {
      const code = errCode(e);
      if (code === "ELOOP" || code === "ENOTDIR") throw new PathOutsideWorkspaceError(msg());
      throw e;
    }
    let where = "";
    try {
      where = readlinkSync(`/proc/self/fd/${fd}`);
    } catch { /* fall through to the refusal */ }
    if (where !== real) {
      closeSync(fd);
      throw new PathOutsideWorkspaceError(msg());
    }
    return new Dir(ws, real, fd, msg);
  }

  /** The path to use in a system call for `name` inside this folder. */
  at(name: string): string {
    return this.#fd >= 0 ? `/proc/self/fd/${this.#fd}/${name}` : join(this.real, name);
  }

  /** The folder itself, as a path for a system call. */
  self(): string {
    return this.#fd >= 0 ? `/proc/self/fd/${this.#fd}` : this.real;
  }

  /** Portable mode: refuse if the folder is no longer the real path it was (a symlink was swapped in). */
  verify(): void {
    if (this.#fd >= 0) return;
    let now = "";
    try {
      now = realpathSync.native(this.real);
    } catch { /* refused below */ }
    if (now !== this.real || !this.#ws.contains(now)) throw new PathOutsideWorkspaceError(this.#msg());
  }

  get anchored(): boolean {
    return this.#fd >= 0;
  }

  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Checks shared by the tools

function swapped(word: string, arg: string): PathOutsideWorkspaceError {
  return new PathOutsideWorkspaceError(
    `Cannot ${word} ${
      q(arg)
    } as it is outside the workspace: the path changed (a symlink was swapped in) during the operation`,
  );
}

function hardLinked(word: string, arg: string, nlink: number): PathOutsideWorkspaceError {
  return new PathOutsideWorkspaceError(
    `Cannot ${word} ${
      q(arg)
    } as it is outside the workspace: it is a hard link (${nlink} links), and another link may be outside the workspace`,
  );
}

function isDirError(word: string, arg: string, hint = ""): ToolError {
  return new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: it is a directory${hint}`);
}

function notFound(word: string, arg: string): ToolError {
  return new ToolError("not_found", `Cannot ${word} ${q(arg)}: no such file or directory`);
}

/** Map an errno from a system call on `arg` to a ToolError (unknown ones are rethrown as they are). */
function mapErr(e: unknown, word: string, arg: string): unknown {
  if (e instanceof ToolError) return e;
  switch (errCode(e)) {
    case "ENOENT":
      return notFound(word, arg);
    case "ENOTDIR":
      return new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: a parent of it is not a directory`);
    case "EISDIR":
      return isDirError(word, arg);
    case "ELOOP":
      return swapped(word, arg);
    case "ENXIO":
      return new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: it is not a regular file`);
    case "EEXIST":
      return new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: it already exists`);
    case "ENOTEMPTY":
      return new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: the directory changed while it was deleted`);
    case "ENOSPC":
      return new ToolError("internal", `Cannot ${word} ${q(arg)}: no space left on the device`);
  }
  // Any other system error (e.g. EINVAL from a path that changed kind mid-call) is still one of ours: say so.
  const code = errCode(e);
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) {
    return new ToolError("internal", `Cannot ${word} ${q(arg)}: ${(e as Error).message}`);
  }
  return e;
}

/**
 * Open an existing file at the real path `real` with `flags` (O_NOFOLLOW added) and prove the descriptor is the
 * file inside the workspace: anchored, by the kernel's path of the descriptor; portable, by stat of the path having
 * the same device/inode and realpath of the path being unchanged (skipped when `recheck` is false). Returns the
 * descriptor and its fstat.
 */
function openPinned(
  ws: Workspace,
  real: string,
  flags: number,
  word: string,
  arg: string,
  recheck = true,
): [number, Stats] {
  let fd: number;
  try {
    fd = openSync(real, flags | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    throw mapErr(e, word, arg);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw isDirError(word, arg);
    if (!st.isFile()) throw new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: it is not a regular file`);
    if (!recheck) {
      // The caller vouches that a swapped path cannot lead anywhere that matters (see readFile).
    } else if (useAnchors(ws.root)) {
      let where = "";
      try {
        where = readlinkSync(`/proc/self/fd/${fd}`);
      } catch { /* refused below */ }
      if (where !== real) throw swapped(word, arg);
    } else {
      let st2: Stats;
      try {
        st2 = statSync(real);
      } catch {
        throw swapped(word, arg);
      }
      if (st2.ino !== st.ino || st2.dev !== st.dev) throw swapped(word, arg);
      let now = "";
      try {
        now = realpathSync.native(real);
      } catch { /* refused below */ }
      if (now !== real) throw swapped(word, arg);
    }
    if (st.nlink > 1) throw hardLinked(word, arg, st.nlink);
    return [fd, st];
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function readAll(fd: number, size: number, limit: number, word: string, arg: string): Uint8Array {
  let buf = new Uint8Array(Math.min(size, limit) + 1);
  let len = 0;
  for (;;) {
    if (len === buf.length) {
      if (len > limit) break;
      const bigger = new Uint8Array(Math.min(buf.length * 2, limit + 1));
      bigger.set(buf);
      buf = bigger;
    }
    const want = buf.length - len;
    const n = readSync(fd, buf, len, want, null);
    len += n;
    // A regular file reads short only at its end: no extra read(2) just to see 0.
    if (n < want) break;
  }
  if (len > limit) {
    throw new ToolError(
      "invalid_args",
      `Cannot ${word} ${q(arg)}: it is larger than the limit of ${limit} bytes (${MAX_READ_BYTES} = 10 MiB)`,
    );
  }
  return buf.subarray(0, len);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** Create the missing folders of `realDir` (inside the workspace) one at a time, each under a pinned parent. */
function ensureDirs(ws: Workspace, realDir: string, word: string, arg: string): void {
  const missing: string[] = [];
  let cur = realDir;
  for (;;) {
    try {
      if (!lstatSync(cur).isDirectory()) {
        throw new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: ${q(ws.relative(cur))} is not a directory`);
      }
      break;
    } catch (e) {
      if (errCode(e) !== "ENOENT") throw e instanceof ToolError ? e : mapErr(e, word, arg);
    }
    missing.unshift(basename(cur));
    cur = dirname(cur);
    if (!ws.contains(cur)) throw swapped(word, arg);
  }
  for (const name of missing) {
    const dir = Dir.open(ws, cur, () => swapped(word, arg).message);
    try {
      dir.verify();
      try {
        mkdirSync(dir.at(name));
      } catch (e) {
        if (errCode(e) !== "EEXIST") throw mapErr(e, word, arg);
      }
      dir.verify();
    } finally {
      dir.close();
    }
    cur = join(cur, name);
  }
}

/**
 * Write `real` atomically: fill a fresh temp file beside it, then rename it over the target. `fill` writes the
 * content through the temp's descriptor.
 */
function writeReplacing(
  ws: Workspace,
  real: string,
  mode: number,
  word: string,
  arg: string,
  fill: (fd: number) => void,
): void {
  const dir = Dir.open(ws, dirname(real), () => swapped(word, arg).message);
  const name = basename(real);
  const tmp = randomName("tmp");
  let created = false;
  try {
    let fd: number;
    try {
      fd = openSync(dir.at(tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
    } catch (e) {
      throw mapErr(e, word, arg);
    }
    created = true;
    try {
      if (!dir.anchored) {
        const mine = fstatSync(fd);
        let st: Stats | undefined;
        try {
          st = lstatSync(dir.at(tmp));
        } catch { /* refused below */ }
        if (!st || st.ino !== mine.ino || st.dev !== mine.dev) {
          created = false; // not where we meant it: leave the name alone in the real folder
          removeStray(ws, dir.real, tmp, mine);
          throw swapped(word, arg);
        }
        dir.verify();
      }
      fill(fd);
    } finally {
      closeSync(fd);
    }
    dir.verify();
    try {
      renameSync(dir.at(tmp), dir.at(name));
    } catch (e) {
      if (errCode(e) === "ENOENT") throw swapped(word, arg);
      throw mapErr(e, word, arg);
    }
    created = false;
  } finally {
    if (created) {
      try {
        unlinkSync(dir.at(tmp));
      } catch { /* best effort */ }
    }
    dir.close();
  }
}

/** A temp file was created through a swapped folder: remove it wherever the folder path points now, if it is ours. */
function removeStray(ws: Workspace, realDir: string, name: string, mine: Stats): void {
  const p = join(realDir, name);
  try {
    const st = lstatSync(p);
    if (st.ino === mine.ino && st.dev === mine.dev) unlinkSync(p);
  } catch { /* gone, or out of reach */ }
  void ws;
}

/** Rename `entry` in its pinned folder to a quarantine name, verify, and hand the quarantine path to `remove`. */
function quarantineAndRemove(
  ws: Workspace,
  entry: string,
  before: Stats,
  word: string,
  arg: string,
  remove: (dir: Dir, qname: string) => void,
): void {
  const dir = Dir.open(ws, dirname(entry), () => swapped(word, arg).message);
  const name = basename(entry);
  const qname = randomName("del");
  try {
    dir.verify();
    try {
      renameSync(dir.at(name), dir.at(qname));
    } catch (e) {
      throw mapErr(e, word, arg);
    }
    let ok = true;
    try {
      dir.verify();
      const st = lstatSync(dir.at(qname));
      ok = st.ino === before.ino && st.dev === before.dev;
      dir.verify();
    } catch {
      ok = false;
    }
    if (!ok) {
      try {
        renameSync(dir.at(qname), dir.at(name));
      } catch { /* best effort: the name only exists where we renamed it */ }
      throw swapped(word, arg);
    }
    remove(dir, qname);
  } finally {
    dir.close();
  }
}

/** Empty and remove the folder `name` of `parent`, pinning (or re-verifying) each folder before touching it. */
function removeTree(ws: Workspace, parent: Dir, name: string, word: string, arg: string): void {
  const dir = Dir.open(ws, join(parent.real, name), () => swapped(word, arg).message);
  try {
    dir.verify();
    for (const child of readdirSync(dir.self())) {
      let st: Stats;
      try {
        st = lstatSync(dir.at(child));
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        removeTree(ws, dir, child, word, arg);
      } else {
        dir.verify();
        unlinkSync(dir.at(child));
      }
    }
  } finally {
    dir.close();
  }
  parent.verify();
  rmdirSync(parent.at(name));
}

function textArg(args: Record<string, unknown>, key: string, tool: string): string {
  const v = args[key];
  if (typeof v !== "string") throw new ToolError("invalid_args", `${tool}: "${key}" must be a string`);
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// The tools

function readFile(root: string, args: { path: string }): string {
  const ws = workspaceOf(root);
  const arg = args.path;
  const real = ws.resolve(arg, "read");
  // In the confined file server a path swapped under us can only lead to files the agent may read anyway (its
  // mount namespace holds the workspace and the read-only runtime): the re-check after open adds nothing there.
  const [fd, st] = openPinned(ws, real, O_RDONLY, "read", arg, !readsConfined);
  try {
    if (st.size > MAX_READ_BYTES) {
      throw new ToolError(
        "invalid_args",
        `Cannot read ${q(arg)}: it is ${st.size} bytes, larger than the limit of ${MAX_READ_BYTES} bytes (10 MiB)`,
      );
    }
    return decoder.decode(readAll(fd, st.size, MAX_READ_BYTES, "read", arg));
  } finally {
    closeSync(fd);
  }
}

function entryType(st: Stats): DirEntry["type"] {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "dir";
  if (st.isSymbolicLink()) return "symlink";
  return "other";
}

function listDir(root: string, args: { path?: string }): DirEntry[] {
  const ws = workspaceOf(root);
  const arg = args.path === undefined || args.path === "" ? "." : args.path;
  const real = ws.resolve(arg, "list");
  let st: Stats;
  try {
    st = lstatSync(real);
  } catch (e) {
    throw mapErr(e, "list", arg);
  }
  if (!st.isDirectory()) throw new ToolError("invalid_args", `Cannot list ${q(arg)}: it is not a directory`);
  const dir = Dir.open(ws, real, () => swapped("list", arg).message);
  try {
    const names = readdirSync(dir.self()).sort();
    const out: DirEntry[] = [];
    for (const name of names) {
      let e: Stats;
      try {
        e = lstatSync(dir.at(name));
      } catch {
        continue; // removed meanwhile
      }
      out.push({ name, type: entryType(e), size: e.size });
    }
    if (!dir.anchored) {
      dir.verify();
      let after: Stats | undefined;
      try {
        after = lstatSync(real);
      } catch { /* refused below */ }
      if (!after || after.ino !== st.ino || after.dev !== st.dev) throw swapped("list", arg);
    }
    return out;
  } finally {
    dir.close();
  }
}

/** Check an existing write target: a regular file with one link (or missing). Returns its mode or undefined. */
function targetMode(real: string, word: string, arg: string): number | undefined {
  let st: Stats;
  try {
    st = lstatSync(real);
  } catch (e) {
    if (errCode(e) === "ENOENT") return undefined;
    throw mapErr(e, word, arg);
  }
  if (st.isDirectory()) throw isDirError(word, arg);
  if (st.isSymbolicLink()) throw swapped(word, arg); // the guard returned a realpath: a link appeared since
  if (!st.isFile()) throw new ToolError("invalid_args", `Cannot ${word} ${q(arg)}: it is not a regular file`);
  if (st.nlink > 1) throw hardLinked(word, arg, st.nlink);
  return st.mode & 0o7777;
}

function writeFile(root: string, args: { path: string; content: string }): string {
  const ws = workspaceOf(root);
  const arg = args.path;
  const content = textArg(args, "content", "write_file");
  const real = ws.resolve(arg, "write");
  if (real === ws.root) throw isDirError("write", arg);
  const mode = targetMode(real, "write", arg);
  if (mode === undefined) ensureDirs(ws, dirname(real), "write", arg);
  const bytes = encoder.encode(content);
  writeReplacing(ws, real, mode ?? 0o666, "write", arg, (fd) => writeAll(fd, bytes));
  return `Written ${content.length} chars`;
}

function appendFile(root: string, args: { path: string; content: string }): string {
  const ws = workspaceOf(root);
  const arg = args.path;
  const content = textArg(args, "content", "append_file");
  const real = ws.resolve(arg, "append");
  if (real === ws.root) throw isDirError("append to", arg);
  const bytes = encoder.encode(content);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (targetMode(real, "append to", arg) === undefined) {
      ensureDirs(ws, dirname(real), "append to", arg);
      const dir = Dir.open(ws, dirname(real), () => swapped("append to", arg).message);
      let fd = -1;
      try {
        dir.verify();
        try {
          fd = openSync(dir.at(basename(real)), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW, 0o666);
        } catch (e) {
          if (errCode(e) === "EEXIST") continue; // created meanwhile: append to it
          throw mapErr(e, "append to", arg);
        }
        const mine = fstatSync(fd);
        if (!dir.anchored) {
          let st: Stats | undefined;
          try {
            st = lstatSync(real);
            dir.verify();
          } catch {
            st = undefined;
          }
          if (!st || st.ino !== mine.ino || st.dev !== mine.dev) {
            removeStray(ws, dir.real, basename(real), mine);
            throw swapped("append to", arg);
          }
        }
        writeAll(fd, bytes);
        return `Appended ${content.length} chars`;
      } finally {
        if (fd >= 0) closeSync(fd);
        dir.close();
      }
    }
    let fd: number;
    try {
      [fd] = openPinned(ws, real, O_WRONLY | O_APPEND, "append to", arg);
    } catch (e) {
      if (e instanceof ToolError && e.code === "not_found") continue; // deleted meanwhile: create it
      throw e;
    }
    try {
      writeAll(fd, bytes);
    } finally {
      closeSync(fd);
    }
    return `Appended ${content.length} chars`;
  }
  throw new ToolError("internal", `Cannot append to ${q(arg)}: the file kept changing`);
}

function copyFile(root: string, args: { src: string; dst: string }): string {
  const ws = workspaceOf(root);
  const src = args.src;
  const dst = args.dst;
  const srcReal = ws.resolve(src, "copy");
  let dstReal = ws.resolve(dst, "copy");
  let dstStat: Stats | undefined;
  try {
    dstStat = statSync(dstReal);
  } catch { /* missing: created below */ }
  if (dstStat?.isDirectory()) {
    const name = basename(src.replace(/\/+$/, ""));
    dstReal = ws.resolve(dst.replace(/\/*$/, "/") + name, "copy");
  }
  const [fd, st] = openPinned(ws, srcReal, O_RDONLY, "copy", src);
  try {
    if (dstReal === srcReal) throw new ToolError("invalid_args", `Cannot copy ${q(src)} onto itself`);
    const mode = targetMode(dstReal, "copy", dst);
    if (mode === undefined) ensureDirs(ws, dirname(dstReal), "copy", dst);
    const buf = new Uint8Array(Math.min(Math.max(st.size, 1), 1 << 20));
    writeReplacing(ws, dstReal, mode ?? (st.mode & 0o777), "copy", dst, (out) => {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        writeAll(out, n === buf.length ? buf : buf.subarray(0, n));
      }
    });
  } finally {
    closeSync(fd);
  }
  return `Copied ${src} -> ${dst}`;
}

function deleteFile(root: string, args: { path: string }): string {
  const ws = workspaceOf(root);
  const arg = args.path;
  const entry = ws.resolve(arg, "delete");
  if (entry === ws.root) throw isDirError("delete", arg, " (the workspace root is never deleted)");
  let st: Stats;
  try {
    st = lstatSync(entry);
  } catch (e) {
    throw mapErr(e, "delete", arg);
  }
  if (st.isDirectory()) throw isDirError("delete", arg, "; use delete_dir");
  if (st.isFile() && st.nlink > 1) throw hardLinked("delete", arg, st.nlink);
  quarantineAndRemove(ws, entry, st, "delete", arg, (dir, qname) => {
    try {
      unlinkSync(dir.at(qname));
    } catch (e) {
      throw mapErr(e, "delete", arg);
    }
  });
  return `Deleted ${arg}`;
}

function deleteDir(root: string, args: { path: string }): string {
  const ws = workspaceOf(root);
  const arg = args.path;
  const entry = ws.resolve(arg, "delete");
  if (entry === ws.root) {
    throw new ToolError("invalid_args", `Cannot delete ${q(arg)}: the workspace root is never deleted`);
  }
  let st: Stats;
  try {
    st = lstatSync(entry);
  } catch (e) {
    throw mapErr(e, "delete", arg);
  }
  if (st.isSymbolicLink()) {
    throw new ToolError("invalid_args", `Cannot delete ${q(arg)}: it is a symlink, not a directory; use delete_file`);
  }
  if (!st.isDirectory()) {
    throw new ToolError("invalid_args", `Cannot delete ${q(arg)}: it is not a directory; use delete_file`);
  }
  quarantineAndRemove(ws, entry, st, "delete", arg, (dir, qname) => {
    try {
      removeTree(ws, dir, qname, "delete", arg);
    } catch (e) {
      throw mapErr(e, "delete", arg);
    }
  });
  return `Deleted ${arg}`;
}

/**
 * The file tools. Each takes the workspace root (a real path, as {@linkcode Workspace.root}) and the validated
 * arguments, returns the SPEC §2 output, and throws {@linkcode ToolError} (`invalid_args`, `not_found`,
 * `path_outside_workspace`) on failure.
 *
 * @example
 * ```ts
 * import { fsOps } from "./fs_ops.ts";
 * import { mkdtempSync, realpathSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "ws-")));
 * console.assert(fsOps.write_file(root, { path: "notes/a.txt", content: "hi" }) === "Written 2 chars");
 * console.assert(fsOps.append_file(root, { path: "notes/a.txt", content: "!" }) === "Appended 1 chars");
 * console.assert(fsOps.read_file(root, { path: "notes/a.txt" }) === "hi!");
 * console.assert(fsOps.copy_file(root, { src: "notes/a.txt", dst: "b.txt" }) === "Copied notes/a.txt -> b.txt");
 * console.assert(JSON.stringify(fsOps.list_dir(root, {}).map((e) => e.name)) === '["b.txt","notes"]');
 * console.assert(fsOps.delete_file(root, { path: "b.txt" }) === "Deleted b.txt");
 * console.assert(fsOps.delete_dir(root, { path: "notes" }) === "Deleted notes");
 * try {
 *   fsOps.read_file(root, { path: "../etc/passwd" });
 *   throw new Error("unreachable");
 * } catch (e) {
 *   console.assert((e as { code?: string }).code === "path_outside_workspace");
 * }
 * ```
 */
export const fsOps: {
  read_file(root: string, args: { path: string }): string;
  list_dir(root: string, args: { path?: string }): DirEntry[];
  write_file(root: string, args: { path: string; content: string }): string;
  append_file(root: string, args: { path: string; content: string }): string;
  copy_file(root: string, args: { src: string; dst: string }): string;
  delete_file(root: string, args: { path: string }): string;
  delete_dir(root: string, args: { path: string }): string;
} = {
  read_file: (root, args) => mapped("read", args.path, () => readFile(root, args)),
  list_dir: (root, args) => mapped("list", args.path ?? ".", () => listDir(root, args)),
  write_file: (root, args) => mapped("write", args.path, () => writeFile(root, args)),
  append_file: (root, args) => mapped("append to", args.path, () => appendFile(root, args)),
  copy_file: (root, args) => mapped("copy", args.src, () => copyFile(root, args)),
  delete_file: (root, args) => mapped("delete", args.path, () => deleteFile(root, args)),
  delete_dir: (root, args) => mapped("delete", args.path, () => deleteDir(root, args)),
};

/** Run a tool, turning a leftover errno (a file vanishing under a concurrent process) into a ToolError. */
function mapped<T>(word: string, arg: unknown, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw mapErr(e, word, String(arg));
  }
}

/**
 * The name of a file tool.
 *
 * @example
 * ```ts
 * import type { FsToolName } from "./fs_ops.ts";
 * const name: FsToolName = "read_file";
 * console.assert(name === "read_file");
 * ```
 */
export type FsToolName = keyof typeof fsOps;
