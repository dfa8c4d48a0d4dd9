/**
 * `write_file`: create or replace a text file (missing parent folders are made), atomically (SPEC §2).
 *
 * @module
 */
import { dirname } from "node:path";
import { isDirError, textArg } from "./_errors.ts";
import { ensureDirs, targetMode, writeReplacing } from "./_atomic.ts";
import { writeAll } from "./_pin.ts";
import type { Workspace } from "./workspace.ts";

const encoder = new TextEncoder();

/** Write `args.content` to `args.path`; the file's permission bits are kept (never setuid, setgid, sticky). */
export function writeFile(ws: Workspace, args: { path: string; content: string }): string {
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
