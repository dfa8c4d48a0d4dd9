/**
 * Private helper of `_tree.ts`: the portable walk (Deno, whose file APIs take UTF-8 paths only), by paths, one
 * listing at a time. See `_tree.ts` for the whole story.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { chmodSync, lstatSync, readdirSync, renameSync, rmdirSync, rmSync, type Stats, unlinkSync } from "node:fs";
import { errCode } from "../_util/errors.ts";
import { ToolError } from "../types.ts";
import { realpath } from "./_realpath.ts";
import { escapeLossyName } from "../_util/names.ts";
import { errText, q, show, step, type TreeContext, TreeRefused } from "./_tree_context.ts";

/** A folder whose mode the scan raised, and its mode before. */
export interface Fixed {
  path: string;
  mode: number;
}

/** Scan by paths; returns the folders whose mode it raised to u+rwx (for the removal; given back on failure). */
export function scanPortable(parentReal: string, top: string, ctx: TreeContext): Fixed[] {
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

/** Give the folders the scan opened up their modes back. */
export function restore(fixed: Fixed[]): void {
  for (const f of fixed.reverse()) {
    try {
      if (lstatSync(f.path).isDirectory()) chmodSync(f.path, f.mode);
    } catch { /* gone or out of reach: nothing to give back */ }
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
export function removeByPath(parentReal: string, top: string, ctx: TreeContext): void {
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
