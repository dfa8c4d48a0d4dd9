/**
 * `append_file`: add text to the end of a file, created when missing (SPEC §2).
 *
 * @module
 */
import { basename, dirname } from "node:path";
import { closeSync, fchmodSync, fstatSync, lstatSync, openSync, type Stats } from "node:fs";
import { errCode } from "../_util/errors.ts";
import { ToolError } from "../types.ts";
import { isDirError, mapErr, swapped, textArg } from "./_errors.ts";
import { ensureDirs, PERMISSION_BITS, removeStray, targetMode } from "./_atomic.ts";
import { Dir, O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY, openPinned, writeAll } from "./_pin.ts";
import type { Workspace } from "./workspace.ts";

const encoder = new TextEncoder();

/** Append `args.content` to `args.path`; a setuid or setgid file loses those bits first. */
export function appendFile(ws: Workspace, args: { path: string; content: string }): string {
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
            removeStray(dir.real, basename(real), mine);
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
    let st: Stats;
    try {
      [fd, st] = openPinned(ws, real, O_WRONLY | O_APPEND, "append to", arg);
    } catch (e) {
      if (e instanceof ToolError && e.code === "not_found") continue; // deleted meanwhile: create it
      throw e;
    }
    try {
      // A setuid or setgid file loses those bits before a tool writes to it (the kernel clears them on a write only
      // for a writer without CAP_FSETID; root in the host keeps them).
      if ((st.mode & 0o7000) !== 0) fchmodSync(fd, st.mode & PERMISSION_BITS);
      writeAll(fd, bytes);
    } finally {
      closeSync(fd);
    }
    return `Appended ${content.length} chars`;
  }
  throw new ToolError("internal", `Cannot append to ${JSON.stringify(arg)}: the file kept changing`);
}
