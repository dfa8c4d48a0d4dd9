/**
 * `delete_file`: delete one file (or a symlink itself, never its target) inside the workspace (SPEC §2).
 *
 * @module
 */
import { lstatSync, type Stats, unlinkSync } from "node:fs";
import { hardLinked, isDirError, mapErr } from "./_errors.ts";
import { quarantineAndRemove } from "./_atomic.ts";
import type { Workspace } from "./workspace.ts";

/** Delete `args.path`: renamed to a quarantine name, verified, then unlinked; a hard link is refused. */
export function deleteFile(ws: Workspace, args: { path: string }): string {
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
