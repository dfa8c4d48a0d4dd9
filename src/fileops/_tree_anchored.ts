/**
 * Private helper of `_tree.ts`: the anchored walk (Linux with /proc/self/fd: Bun, Node). Names are bytes; every call
 * goes through `/proc/self/fd/N/<name>` from the folder's descriptor with `O_NOFOLLOW`; at most two descriptors are
 * open at any depth. See `_tree.ts` for the whole story.
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
  rmdirSync,
  type Stats,
  unlinkSync,
} from "node:fs";
import { errCode } from "../_util/errors.ts";
import { ToolError } from "../types.ts";
import { escapeNameBytes } from "../_util/names.ts";
import { q, show, step, type TreeContext, TreeRefused } from "./_tree_context.ts";

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = constants;
const O_DIR = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
/** Linux's O_PATH (not in node's constants): a descriptor that names an inode without opening it for I/O. */
const O_PATH = 0o10000000;

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

/** Phase 1: walk the tree; refuse (nothing deleted) what cannot go. */
export function scanAnchored(parentFd: number, top: string, ctx: TreeContext): void {
  walkAnchored(parentFd, top, ctx, true, () => {}, () => {});
}

/** Phase 2: remove it, bottom up. */
export function removeAnchored(parentFd: number, top: string, ctx: TreeContext): void {
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
