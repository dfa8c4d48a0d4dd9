/**
 * Private helper of the file tools: pinning what a tool touches, so that a folder swapped for a symlink between the
 * guard's check and the system call cannot redirect it. The tools are plain synchronous functions over `node:fs`, so
 * they run in the host, in a permission-restricted worker and in the confined file server alike, under Deno, Bun
 * and Node.
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
import { closeSync, constants, fstatSync, openSync, readlinkSync, type Stats, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { errCode } from "../_util/errors.ts";
import { PathOutsideWorkspaceError, ToolError } from "../types.ts";
import { hardLinked, isDirError, mapErr, swapped } from "./_errors.ts";
import { realpath } from "./_realpath.ts";
import type { Workspace } from "./workspace.ts";

/** The open(2) flags the file tools use. */
export const { O_RDONLY, O_WRONLY, O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = constants;
/** A folder, never through a symlink. */
export const O_DIR: number = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;

let anchored: boolean | undefined;

/** Whether `/proc/self/fd/N` works here (decided once per process; never probed under Deno, see module doc). */
export function useAnchors(root: string): boolean {
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

/** A real folder inside the workspace, pinned (anchored mode) or re-checkable (portable mode). */
export class Dir {
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
      now = realpath(this.real);
    } catch { /* refused below */ }
    if (now !== this.real || !this.#ws.contains(now)) throw new PathOutsideWorkspaceError(this.#msg());
  }

  /** Whether the folder is held by a descriptor (anchored mode). */
  get anchored(): boolean {
    return this.#fd >= 0;
  }

  /** The pinned descriptor (anchored mode), or -1. */
  get fd(): number {
    return this.#fd;
  }

  /** Release the descriptor. */
  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
  }
}

/**
 * Open an existing file at the real path `real` with `flags` (O_NOFOLLOW added) and prove the descriptor is the
 * file inside the workspace: anchored, by the kernel's path of the descriptor; portable, by stat of the path having
 * the same device/inode and realpath of the path being unchanged (skipped when `recheck` is false). Returns the
 * descriptor and its fstat.
 */
export function openPinned(
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
    if (!st.isFile()) {
      throw new ToolError("invalid_args", `Cannot ${word} ${JSON.stringify(arg)}: it is not a regular file`);
    }
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
        now = realpath(real);
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

/** Write all of `bytes` to `fd`. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}
