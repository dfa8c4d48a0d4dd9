/**
 * Private helper of the file tools: changing the workspace without a window in which a swapped folder redirects
 * the change. Writes fill a fresh temp file beside the target and rename it over; deletes rename the entry to a
 * quarantine name first, verify, and only then remove it; missing folders are made top down from a pinned parent.
 *
 * @module
 */
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, renameSync, type Stats, unlinkSync } from "node:fs";
import { basename, dirname, join, sep } from "node:path";
import { errCode } from "../_util/errors.ts";
import { ToolError } from "../types.ts";
import { hardLinked, isDirError, mapErr, swapped } from "./_errors.ts";
import { Dir, O_CREAT, O_DIR, O_EXCL, O_NOFOLLOW, O_WRONLY } from "./_pin.ts";
import { realpath } from "./_realpath.ts";
import { TreeRefused } from "./_tree.ts";
import type { Workspace } from "./workspace.ts";

/** Permission bits a file tool may give a file: never setuid, setgid or sticky (SPEC §7). */
export const PERMISSION_BITS = 0o777;

/** A random hidden name in a folder: `.safe-exec-<kind>-<24 hex digits>`. */
export function randomName(kind: string): string {
  const b = crypto.getRandomValues(new Uint8Array(12));
  let h = "";
  for (const x of b) h += x.toString(16).padStart(2, "0");
  return `.safe-exec-${kind}-${h}`;
}

/** Check an existing write target: a regular file with one link (or missing). Returns its mode or undefined. */
export function targetMode(real: string, word: string, arg: string): number | undefined {
  let st: Stats;
  try {
    st = lstatSync(real);
  } catch (e) {
    if (errCode(e) === "ENOENT") return undefined;
    throw mapErr(e, word, arg);
  }
  if (st.isDirectory()) throw isDirError(word, arg);
  if (st.isSymbolicLink()) throw swapped(word, arg); // the guard returned a realpath: a link appeared since
  if (!st.isFile()) {
    throw new ToolError("invalid_args", `Cannot ${word} ${JSON.stringify(arg)}: it is not a regular file`);
  }
  if (st.nlink > 1) throw hardLinked(word, arg, st.nlink);
  // The file's permission bits are kept; setuid, setgid and sticky never are (a tool must not leave a setuid file).
  return st.mode & PERMISSION_BITS;
}

/**
 * Create the missing folders of `realDir` (inside the workspace), top down. Anchored: each one is made in its
 * parent's descriptor and opened with O_NOFOLLOW from it, so no swap can move it (one descriptor at a time, any
 * depth). Portable: made by path, the deepest existing folder verified before and `realDir` verified once after,
 * so the cost stays linear in the depth (a swap in between is refused; see the module doc for what it may leave).
 */
export function ensureDirs(ws: Workspace, realDir: string, word: string, arg: string): void {
  if (sep !== "/") {
    // Windows: no pinning there; create by path and check where it landed.
    try {
      mkdirSync(realDir, { recursive: true });
    } catch (e) {
      throw mapErr(e, word, arg);
    }
    if (realpath(realDir) !== realDir) throw swapped(word, arg);
    return;
  }
  const parts = realDir.slice(ws.root.length + 1).split("/").filter((p) => p !== "");
  if (realDir === ws.root) parts.length = 0;
  // The deepest existing prefix: a binary search (a prefix exists whenever a longer one does).
  const prefix = (k: number) => k === 0 ? ws.root : `${ws.root}/${parts.slice(0, k).join("/")}`;
  let lo = 0;
  let hi = parts.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    let st: Stats | undefined;
    try {
      st = lstatSync(prefix(mid));
    } catch (e) {
      const code = errCode(e);
      if (code !== "ENOENT" && code !== "ENOTDIR") throw mapErr(e, word, arg);
    }
    if (st) lo = mid;
    else hi = mid - 1;
  }
  if (lo === parts.length) {
    if (!lstatSync(realDir).isDirectory()) {
      throw new ToolError(
        "invalid_args",
        `Cannot ${word} ${JSON.stringify(arg)}: ${JSON.stringify(ws.relative(realDir))} is not a directory`,
      );
    }
    return;
  }
  const base = prefix(lo);
  const baseSt = lstatSync(base);
  if (!baseSt.isDirectory()) {
    throw new ToolError(
      "invalid_args",
      `Cannot ${word} ${JSON.stringify(arg)}: ${JSON.stringify(ws.relative(base))} is not a directory`,
    );
  }
  const missing = parts.slice(lo);
  const dir = Dir.open(ws, base, () => swapped(word, arg).message);
  try {
    dir.verify();
    if (dir.anchored) {
      let fd = -1;
      try {
        let parent = dir.fd;
        for (const name of missing) {
          try {
            mkdirSync(`/proc/self/fd/${parent}/${name}`);
          } catch (e) {
            if (errCode(e) !== "EEXIST") throw mapErr(e, word, arg);
          }
          let next: number;
          try {
            next = openSync(`/proc/self/fd/${parent}/${name}`, O_DIR);
          } catch (e) {
            const code = errCode(e);
            if (code === "ELOOP" || code === "ENOTDIR") throw swapped(word, arg);
            throw mapErr(e, word, arg);
          }
          if (fd >= 0) closeSync(fd);
          fd = next;
          parent = fd;
        }
      } finally {
        if (fd >= 0) closeSync(fd);
      }
      return;
    }
    let cur = base;
    for (const name of missing) {
      cur = `${cur}/${name}`;
      try {
        mkdirSync(cur);
      } catch (e) {
        if (errCode(e) !== "EEXIST") throw mapErr(e, word, arg);
      }
    }
    let now = "";
    try {
      now = realpath(realDir);
    } catch { /* refused below */ }
    if (now !== realDir) throw swapped(word, arg);
  } finally {
    dir.close();
  }
}

/**
 * Write `real` atomically: fill a fresh temp file beside it, then rename it over the target. `fill` writes the
 * content through the temp's descriptor.
 */
export function writeReplacing(
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
      fd = openSync(dir.at(tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode & PERMISSION_BITS);
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
          removeStray(dir.real, tmp, mine);
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
export function removeStray(realDir: string, name: string, mine: Stats): void {
  const p = join(realDir, name);
  try {
    const st = lstatSync(p);
    if (st.ino === mine.ino && st.dev === mine.dev) unlinkSync(p);
  } catch { /* gone, or out of reach */ }
}

/**
 * Rename `entry` in its pinned folder to a quarantine name, verify, and hand the quarantine name to `remove`. When
 * `remove` fails, what is left goes back under the entry's name (never a hidden quarantine folder left behind).
 */
export function quarantineAndRemove(
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
      // Not what we meant to rename (a folder was swapped): the name only exists where we renamed it, so give it
      // back there, whatever holds its old name now.
      try {
        renameSync(dir.at(qname), dir.at(name));
      } catch { /* best effort */ }
      throw swapped(word, arg);
    }
    try {
      remove(dir, qname);
    } catch (e) {
      let gone = false;
      try {
        lstatSync(dir.at(qname));
      } catch (e2) {
        gone = errCode(e2) === "ENOENT";
      }
      if (gone) return; // it went after all (a concurrent removal finished it)
      const back = putBack(dir, qname, name);
      if (e instanceof TreeRefused) throw e;
      const err = mapErr(e, word, arg);
      const why = err instanceof Error ? err.message.replace(/^Cannot [^:]*: /, "") : String(e);
      throw new ToolError(
        err instanceof ToolError ? err.code : "internal",
        `Cannot ${word} ${JSON.stringify(arg)}: ${why}; part of it may be gone, ` +
          (back
            ? `the rest is back at ${JSON.stringify(arg)}`
            : `the rest is at ${JSON.stringify(ws.relative(join(dir.real, qname)))}`),
      );
    }
  } finally {
    dir.close();
  }
}

/** Rename the quarantine back to `name` unless something took that name meanwhile; whether it did. */
function putBack(dir: Dir, qname: string, name: string): boolean {
  try {
    lstatSync(dir.at(name));
    return false; // taken: leave the quarantine where it is rather than replace what is there now
  } catch { /* free */ }
  try {
    renameSync(dir.at(qname), dir.at(name));
    return true;
  } catch {
    return false;
  }
}
