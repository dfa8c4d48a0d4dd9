/**
 * `delete_dir`: delete a folder and everything in it, inside the workspace, never the workspace itself (SPEC §2).
 *
 * @module
 */
import { lstatSync, type Stats } from "node:fs";
import { ToolError } from "../types.ts";
import { mapErr } from "./_errors.ts";
import { quarantineAndRemove } from "./_atomic.ts";
import { removeTree } from "./_tree.ts";
import type { Workspace } from "./workspace.ts";

/** Delete the folder `args.path`: renamed to a quarantine name, verified, then removed tree-wise (`_tree.ts`). */
export function deleteDir(ws: Workspace, args: { path: string }): string {
  const arg = args.path;
  const entry = ws.resolve(arg, "delete");
  if (entry === ws.root) {
    throw new ToolError("invalid_args", `Cannot delete ${JSON.stringify(arg)}: the workspace root is never deleted`);
  }
  let st: Stats;
  try {
    st = lstatSync(entry);
  } catch (e) {
    throw mapErr(e, "delete", arg);
  }
  if (st.isSymbolicLink()) {
    throw new ToolError(
      "invalid_args",
      `Cannot delete ${JSON.stringify(arg)}: it is a symlink, not a directory; use delete_file`,
    );
  }
  if (!st.isDirectory()) {
    throw new ToolError("invalid_args", `Cannot delete ${JSON.stringify(arg)}: it is not a directory; use delete_file`);
  }
  quarantineAndRemove(ws, entry, st, "delete", arg, (dir, qname) => {
    removeTree({ parentFd: dir.fd, parentReal: dir.real, verify: () => dir.verify() }, qname, {
      word: "delete",
      arg,
    });
  });
  return `Deleted ${arg}`;
}
