/**
 * Private helper of `delete_dir`: removing a folder tree that was already renamed to a quarantine name, in two
 * phases so that a tree that cannot be removed is found out before anything is deleted.
 *
 * 1. **Scan**: walk the whole tree; a mount point inside (another file system), a folder that cannot be read even
 *    after giving it `u+rwx`, or a folder swapped for something else while we walk stops here, with nothing deleted.
 * 2. **Remove**: empty and remove every folder, bottom up.
 *
 * If the removal still fails half-way (an immutable file, a file system error), the caller puts what is left back
 * under the folder's name, so no hidden `.safe-exec-del-…` folder stays behind.
 *
 * Two ways to walk:
 * - **Anchored** (Linux with /proc/self/fd: Bun, Node): names are bytes (a name that is not UTF-8 is removed like any
 *   other), every call goes through `/proc/self/fd/N/<name>` from the folder's descriptor with `O_NOFOLLOW`, a child
 *   is opened and checked to be the inode just seen, and the walk goes back up through `..` checked against the
 *   parent's inode: at most two descriptors are open at any depth (a tree deeper than the descriptor limit or than
 *   PATH_MAX is no problem). Unreadable folders get `u+rwx` through an `O_PATH` descriptor (never through a path a
 *   racer could swap); the scan gives them their mode back.
 * - **Portable** (Deno, whose file APIs take UTF-8 paths only): the scan walks by paths and fixes the modes of
 *   folders it cannot read or write (giving them back when the scan fails); the removal walks by paths too, one
 *   listing at a time with no descriptor held across levels, lifting a folder whose path nears PATH_MAX to a short
 *   one next to the quarantine; what has a name that is not UTF-8 (Deno hands those over with U+FFFD) is left to the
 *   runtime's recursive remove (Rust's `remove_dir_all`: by bytes, `openat`, never following a symlink, but one
 *   descriptor per level, so such a subtree deeper than the descriptor limit fails, and is put back).
 *
 * Runtime-free (`node:fs` and `node:buffer`).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  type Stats,
  unlinkSync,
} from "node:fs";
import { ToolError } from "../types.ts";
import { realpath } from "./_realpath.ts";
import { escapeLossyName, escapeNameBytes } from "./_names.ts";

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = constants;
const O_DIR = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
/** Linux's O_PATH (not in node's constants): a descriptor that names an inode without opening it for I/O. */
const O_PATH = 0o10000000;

const q = JSON.stringify;

function errCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;
}

/** How a failure is worded: the tool's verb and the agent's path of the folder. */
export interface TreeContext {
  /** "delete". */
  word: string;
  /** The folder as the agent named it. */
  arg: string;
}

/** Thrown by the scan: nothing was deleted. */
export class TreeRefused extends ToolError {
  /** Make one. */
  constructor(message: string) {
    super("invalid_args", message);
  }
}

function show(ctx: TreeContext, names: string[]): string {
  return q([ctx.arg.replace(/\/+$/, ""), ...names].join("/"));
}

function errText(e: unknown): string {
  const code = errCode(e);
  return code ?? (e as Error)?.message ?? String(e);
}

// ---------------------------------------------------------------------------------------------------------------
// Anchored

const fdPath = (fd: number) => `/proc/self/fd/${fd}`;
const at = (fd: number, name: Buffer) => Buffer.concat([Buffer.from(`/proc/self/fd/${fd}/`), name]);
const list = (fd: number) => readdirSync(fdPath(fd), { encoding: "buffer" }) as unknown as Buffer[];

/** Give the folder `name` of `fd` `u+rwx` through an O_PATH descriptor; returns its mode before. */
function openUp(fd: number, name: Buffer): number {
  const p = openSync(at(fd, name), O_PATH | O_NOFOLLOW | O_DIRECTORY);
  try {
    const mode = fstatSync(p).mode & 0o7777;
    chmodSync(fdPath(p), mode | 0o700);
    return mode;
  } finally {
    closeSync(p);
  }
}

function setMode(fd: number, name: Buffer, mode: number): void {
  const p = openSync(at(fd, name), O_PATH | O_NOFOLLOW | O_DIRECTORY);
  try {
    chmodSync(fdPath(p), mode);
  } finally {
    closeSync(p);
  }
}

interface Frame {
  name: Buffer;
  shown: string;
  dev: number;
  ino: number;
  entries: Buffer[];
  next: number;
}

/**
 * Walk the tree `name` of the pinned folder `parentFd`, depth first with two descriptors at most. `file(fd, name)`
 * is called for every entry that is not a folder; `leave(fd, frame)` after a folder's entries, with `fd` its parent
 * (the folder itself is `frame.name` there). In the scan, unreadable folders get their mode back after listing.
 */
function walkAnchored(
  parentFd: number,
  top: string,
  ctx: TreeContext,
  scan: boolean,
  file: (fd: number, name: Buffer, shown: string[]) => void,
  leave: (fd: number, frame: Frame, shown: string[]) => void,
): void {
  const topName = Buffer.from(top);
  const topSt = lstatSync(at(parentFd, topName));
  const stack: Frame[] = [];
  const shown = () => stack.slice(1).map((f) => f.shown);
  const enter = (fd: number, name: Buffer, st: Stats, label: string): number => {
    let child: number;
    let restore: number | null = null;
    try {
      child = openSync(at(fd, name), O_DIR);
    } catch (e) {
      if (errCode(e) !== "EACCES") throw e;
      restore = openUp(fd, name);
      child = openSync(at(fd, name), O_DIR);
    }
    let entries: Buffer[];
    try {
      const cst = fstatSync(child);
      if (cst.ino !== st.ino || cst.dev !== st.dev) {
        throw new TreeRefused(
          `Cannot ${ctx.word} ${show(ctx, [...shown(), label])}: it changed while it was deleted; nothing was deleted`,
        );
      }
      entries = list(child);
    } catch (e) {
      closeSync(child);
      throw e;
    }
    if (restore !== null && scan) setMode(fd, name, restore);
    stack.push({ name, shown: label, dev: st.dev, ino: st.ino, entries, next: 0 });
    return child;
  };
  let cur = enter(parentFd, topName, topSt, "");
  try {
    for (;;) {
      const f = stack[stack.length - 1] as Frame;
      if (f.next < f.entries.length) {
        const name = f.entries[f.next++] as Buffer;
        let st: Stats;
        try {
          st = lstatSync(at(cur, name));
        } catch (e) {
          if (errCode(e) === "ENOENT") continue; // removed meanwhile
          throw e;
        }
        const label = escapeNameBytes(name);
        if (st.isDirectory()) {
          if (st.dev !== topSt.dev) {
            throw new TreeRefused(
              `Cannot ${ctx.word} ${q(ctx.arg)}: ${
                show(ctx, [...shown(), label])
              } is a mount point (another file system is mounted there); nothing was deleted`,
            );
          }
          const child = enter(cur, name, st, label);
          closeSync(cur);
          cur = child;
        } else {
          file(cur, name, [...shown(), label]);
        }
        continue;
      }
      // Done with this folder: back to its parent through "..", checked to be the folder we came from.
      const names = shown();
      stack.pop();
      const parent = stack[stack.length - 1];
      if (!parent) {
        closeSync(cur);
        cur = -1;
        leave(parentFd, f, names);
        return;
      }
      const up = openSync(`${fdPath(cur)}/..`, O_DIR);
      const ust = fstatSync(up);
      if (ust.ino !== parent.ino || ust.dev !== parent.dev) {
        closeSync(up);
        throw new ToolError(
          "invalid_args",
          `Cannot ${ctx.word} ${show(ctx, names)}: a folder above it was moved while it was deleted`,
        );
      }
      closeSync(cur);
      cur = up;
      leave(cur, f, names);
    }
  } finally {
    if (cur >= 0) closeSync(cur);
  }
}

/** Retry `fn` once after giving the folder `fd` u+rwx (a folder we may not write to). */
function withWrite(fd: number, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (errCode(e) !== "EACCES" && errCode(e) !== "EPERM") throw e;
    fchmodSync(fd, (fstatSync(fd).mode & 0o7777) | 0o700);
    fn();
  }
}

function scanAnchored(parentFd: number, top: string, ctx: TreeContext): void {
  walkAnchored(parentFd, top, ctx, true, () => {}, () => {});
}

/** Run a removal step; a failure names the entry (`names` below the folder) and the error code. */
function step(ctx: TreeContext, names: string[], fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof ToolError) throw e;
    throw new ToolError(
      errCode(e) === "ENOSPC" ? "internal" : "invalid_args",
      `Cannot ${ctx.word} ${q(ctx.arg)}: ${show(ctx, names)} cannot be removed (${errText(e)})`,
    );
  }
}

function removeAnchored(parentFd: number, top: string, ctx: TreeContext): void {
  walkAnchored(
    parentFd,
    top,
    ctx,
    false,
    (fd, name, names) => step(ctx, names, () => withWrite(fd, () => unlinkSync(at(fd, name)))),
    // The quarantine itself is removed from the agent's folder as it is (never chmod'ed: it is not ours to change).
    (fd, frame, names) =>
      step(
        ctx,
        names,
        () => fd === parentFd ? rmdirSync(at(fd, frame.name)) : withWrite(fd, () => rmdirSync(at(fd, frame.name))),
      ),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Portable

interface Fixed {
  path: string;
  mode: number;
}

/** Scan by paths; returns the folders whose mode it raised to u+rwx (for the removal; given back on failure). */
function scanPortable(parentReal: string, top: string, ctx: TreeContext): Fixed[] {
  const fixed: Fixed[] = [];
  const topPath = `${parentReal}/${top}`;
  const topSt = lstatSync(topPath);
  const stack: Array<{ path: string; names: string[] }> = [{ path: topPath, names: [] }];
  try {
    while (stack.length > 0) {
      const { path, names } = stack.pop() as { path: string; names: string[] };
      let st: Stats;
      try {
        st = lstatSync(path);
      } catch (e) {
        if (errCode(e) === "ENOENT" || errCode(e) === "ENAMETOOLONG") continue;
        throw e;
      }
      if (!st.isDirectory()) continue;
      if (st.dev !== topSt.dev) {
        throw new TreeRefused(
          `Cannot ${ctx.word} ${q(ctx.arg)}: ${
            show(ctx, names)
          } is a mount point (another file system is mounted there); nothing was deleted`,
        );
      }
      if ((st.mode & 0o700) !== 0o700) {
        chmodSync(path, (st.mode & 0o7777) | 0o700);
        fixed.push({ path, mode: st.mode & 0o7777 });
        const again = lstatSync(path);
        if (again.ino !== st.ino || again.dev !== st.dev || !again.isDirectory()) {
          throw new TreeRefused(
            `Cannot ${ctx.word} ${show(ctx, names)}: it changed while it was deleted; nothing was deleted`,
          );
        }
      }
      let entries: string[];
      try {
        entries = readdirSync(path);
      } catch (e) {
        if (errCode(e) === "ENAMETOOLONG") continue; // past PATH_MAX: the removal walks by descriptors
        throw new TreeRefused(
          `Cannot ${ctx.word} ${q(ctx.arg)}: ${show(ctx, names)} cannot be read (${errText(e)}); nothing was deleted`,
        );
      }
      for (const name of entries) {
        // A name that is not UTF-8 reaches us with U+FFFD and cannot be looked up: the removal handles it.
        stack.push({
          path: `${path}/${name}`,
          names: [...names, name.includes("\uFFFD") ? escapeLossyName(name) : name],
        });
      }
    }
  } catch (e) {
    restore(fixed);
    throw e;
  }
  return fixed;
}

function restore(fixed: Fixed[]): void {
  for (const f of fixed.reverse()) {
    try {
      if (lstatSync(f.path).isDirectory()) chmodSync(f.path, f.mode);
    } catch { /* gone or out of reach: nothing to give back */ }
  }
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Remove the quarantined folder `top` of a pinned folder: `parentFd` (anchored) or `parentReal` (portable, with
 * `verify` re-checking the parent before the removal). Throws {@linkcode TreeRefused} when the scan finds the tree
 * cannot go (nothing was deleted), or the removal's error (part of it may be gone).
 *
 * @example
 * ```ts ignore
 * removeTree({ parentFd: -1, parentReal: "/ws", verify: () => {} }, ".safe-exec-del-…", { word: "delete", arg: "t" });
 * ```
 */
export function removeTree(
  parent: { parentFd: number; parentReal: string; verify: () => void },
  top: string,
  ctx: TreeContext,
): void {
  if (parent.parentFd >= 0) {
    scanAnchored(parent.parentFd, top, ctx);
    removeAnchored(parent.parentFd, top, ctx);
    return;
  }
  const fixed = scanPortable(parent.parentReal, top, ctx);
  try {
    parent.verify();
    removeByPath(parent.parentReal, top, ctx);
  } catch (e) {
    restore(fixed);
    throw e;
  }
}

/**
 * Portable removal of everything reachable by a path, bottom up, one folder listing at a time: no descriptor is
 * held across levels, so the depth is not bounded by the descriptor limit (Rust's `remove_dir_all`, which the
 * runtime's recursive remove is, keeps one open per level). A folder whose path grows past `LIFT_AT` bytes is first
 * renamed next to the quarantine (a short path again) and removed from there, so trees deeper than PATH_MAX go too.
 * Each folder is checked to still be itself (its real path) before anything in it is unlinked. Entries it cannot
 * name (not UTF-8) stay, for the runtime's removal. On an error, lifted folders are put back where they were.
 */
function removeByPath(parentReal: string, top: string, ctx: TreeContext): void {
  const lifted: Array<{ from: string; to: string }> = [];
  const tops = [`${parentReal}/${top}`];
  try {
    for (let t = 0; t < tops.length; t++) {
      removeOne(tops[t] as string, t === 0, ctx, (path) => {
        const to = `${parentReal}/.safe-exec-del-${hex()}`;
        renameSync(path, to);
        lifted.push({ from: path, to });
        tops.push(to);
      });
    }
    // What is left could not be named (not UTF-8): the runtime's removal walks by bytes.
    for (const path of tops.reverse()) if (exists(path)) rmSync(path, { recursive: true, force: false });
  } catch (e) {
    for (const { from, to } of lifted.reverse()) {
      try {
        if (exists(to)) renameSync(to, from);
      } catch { /* best effort: it stays beside the quarantine */ }
    }
    throw e;
  }
}

/** Paths longer than this (bytes, about) are lifted to a short one before their folder is walked. */
const LIFT_AT = 3000;

function hex(): string {
  let h = "";
  for (const x of crypto.getRandomValues(new Uint8Array(12))) h += x.toString(16).padStart(2, "0");
  return h;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function removeOne(topPath: string, isTop: boolean, ctx: TreeContext, lift: (path: string) => void): void {
  const frames: Array<{ path: string; names: string[]; entries: string[]; next: number }> = [];
  const verify = (path: string, names: string[]) => {
    let now = "";
    try {
      now = realpath(path);
    } catch { /* refused below */ }
    if (now !== path) {
      throw new ToolError(
        "path_outside_workspace",
        `Cannot ${ctx.word} ${show(ctx, names)}: it changed (a symlink was swapped in) while it was deleted`,
      );
    }
  };
  const open = (path: string, names: string[]) => {
    verify(path, names);
    frames.push({ path, names, entries: readdirSync(path), next: 0 });
  };
  open(topPath, []);
  while (frames.length > 0) {
    const f = frames[frames.length - 1] as (typeof frames)[number];
    if (f.next < f.entries.length) {
      const name = f.entries[f.next++] as string;
      const path = `${f.path}/${name}`;
      let st: Stats;
      try {
        st = lstatSync(path);
      } catch {
        continue; // not UTF-8 (its name came with U+FFFD), or gone: left for the runtime's removal
      }
      if (st.isDirectory()) {
        if (Buffer.byteLength(path) > LIFT_AT) lift(path);
        else open(path, [...f.names, name]);
        continue;
      }
      verify(f.path, f.names);
      step(ctx, [...f.names, name], () => unlinkSync(path));
      continue;
    }
    frames.pop();
    if (frames.length === 0 && isTop) return; // the quarantine itself goes last (see removeByPath)
    step(ctx, f.names, () => {
      try {
        rmdirSync(f.path);
      } catch (e) {
        if (errCode(e) !== "ENOTEMPTY" && errCode(e) !== "EEXIST") throw e; // what could not be named stays
      }
    });
  }
}
