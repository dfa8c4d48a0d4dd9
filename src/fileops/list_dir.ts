/**
 * `list_dir`: a folder's entries with their type (by lstat, a symlink is never followed) and size; names that are
 * not UTF-8 are shown escaped (SPEC §2).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { lstatSync, readdirSync, type Stats } from "node:fs";
import { ToolError } from "../types.ts";
import { mapErr, swapped } from "./_errors.ts";
import { escapeLossyName, escapeNameBytes, utf8Name } from "../_util/names.ts";
import { Dir } from "./_pin.ts";
import type { Workspace } from "./workspace.ts";

/**
 * One entry of `list_dir`: the name, the type from `lstat` (a symlink is never followed) and the size in bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DirEntry } from "./list_dir.ts";
 * const e: DirEntry = { name: "a.txt", type: "file", size: 3 };
 * assert.equal(e.type, "file");
 * ```
 */
export interface DirEntry {
  /** The entry's name (escaped when `escaped` is true). */
  name: string;
  /** What it is (by lstat). */
  type: "file" | "dir" | "symlink" | "other";
  /** Its size in bytes (lstat); null only for a name the runtime could not look up (not UTF-8, under Deno). */
  size: number | null;
  /**
   * Present (true) when the name is not valid UTF-8: `name` then shows each byte that is not part of a valid UTF-8
   * sequence as `\xHH` and each backslash as `\\` (`\x??` where the runtime could not read the byte: Deno).
   */
  escaped?: true;
}

function entryType(st: Stats): DirEntry["type"] {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "dir";
  if (st.isSymbolicLink()) return "symlink";
  return "other";
}

/** List the folder `args.path` (default the workspace root), sorted by name. */
export function listDir(ws: Workspace, args: { path?: string }): DirEntry[] {
  const arg = args.path === undefined || args.path === "" ? "." : args.path;
  const real = ws.resolve(arg, "list");
  let st: Stats;
  try {
    st = lstatSync(real);
  } catch (e) {
    throw mapErr(e, "list", arg);
  }
  if (!st.isDirectory()) {
    throw new ToolError("invalid_args", `Cannot list ${JSON.stringify(arg)}: it is not a directory`);
  }
  const dir = Dir.open(ws, real, () => swapped("list", arg).message);
  try {
    const names = readdirSync(dir.self());
    const out: DirEntry[] = [];
    let undecoded = false;
    for (const name of names) {
      if (name.includes("\uFFFD")) {
        undecoded = true; // maybe not UTF-8: looked at by its bytes below
        continue;
      }
      let e: Stats;
      try {
        e = lstatSync(dir.at(name));
      } catch {
        continue; // removed meanwhile
      }
      out.push({ name, type: entryType(e), size: e.size });
    }
    if (undecoded) out.push(...undecodedEntries(dir));
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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

/**
 * The entries of `dir` whose names came back with U+FFFD: by their bytes where the runtime gives them (anchored
 * mode), escaped and flagged when they are not UTF-8; where it does not (Deno), a name that cannot be looked up is
 * flagged with its bytes unknown, its type from the folder entry and no size.
 */
function undecodedEntries(dir: Dir): DirEntry[] {
  const out: DirEntry[] = [];
  if (dir.anchored) {
    const prefix = Buffer.from(`/proc/self/fd/${dir.fd}/`);
    for (const raw of readdirSync(dir.self(), { encoding: "buffer" }) as unknown as Buffer[]) {
      const text = utf8Name(raw);
      if (text !== null && !text.includes("\uFFFD")) continue; // listed already
      let e: Stats;
      try {
        e = lstatSync(Buffer.concat([prefix, raw]));
      } catch {
        continue;
      }
      out.push(
        text !== null
          ? { name: text, type: entryType(e), size: e.size }
          : { name: escapeNameBytes(raw), type: entryType(e), size: e.size, escaped: true },
      );
    }
    return out;
  }
  for (const d of readdirSync(dir.self(), { withFileTypes: true })) {
    if (!d.name.includes("\uFFFD")) continue;
    let e: Stats | undefined;
    try {
      e = lstatSync(dir.at(d.name));
    } catch { /* not UTF-8: its bytes are lost */ }
    if (e) {
      out.push({ name: d.name, type: entryType(e), size: e.size });
      continue;
    }
    const type: DirEntry["type"] = d.isFile()
      ? "file"
      : d.isDirectory()
      ? "dir"
      : d.isSymbolicLink()
      ? "symlink"
      : "other";
    out.push({ name: escapeLossyName(d.name), type, size: null, escaped: true });
  }
  return out;
}
