/**
 * `copy_file`: copy a file to another place inside the workspace, into it when the destination is a folder (SPEC §2).
 *
 * @module
 */
import { basename, dirname } from "node:path";
import { closeSync, readSync, type Stats, statSync } from "node:fs";
import { ToolError } from "../types.ts";
import { ensureDirs, PERMISSION_BITS, targetMode, writeReplacing } from "./_atomic.ts";
import { O_RDONLY, openPinned, writeAll } from "./_pin.ts";
import type { Workspace } from "./workspace.ts";

/** Copy `args.src` to `args.dst` (replacing a file there), keeping the source's permission bits. */
export function copyFile(ws: Workspace, args: { src: string; dst: string }): string {
  const src = args.src;
  const dst = args.dst;
  const srcReal = ws.resolve(src, "copy");
  let dstReal = ws.resolve(dst, "copy");
  let dstStat: Stats | undefined;
  try {
    dstStat = statSync(dstReal);
  } catch { /* missing: created below */ }
  if (dstStat?.isDirectory()) {
    const name = basename(src.replace(/\/+$/, ""));
    dstReal = ws.resolve(dst.replace(/\/*$/, "/") + name, "copy");
  }
  const [fd, st] = openPinned(ws, srcReal, O_RDONLY, "copy", src);
  try {
    if (dstReal === srcReal) throw new ToolError("invalid_args", `Cannot copy ${JSON.stringify(src)} onto itself`);
    const mode = targetMode(dstReal, "copy", dst);
    if (mode === undefined) ensureDirs(ws, dirname(dstReal), "copy", dst);
    const buf = new Uint8Array(Math.min(Math.max(st.size, 1), 1 << 20));
    writeReplacing(ws, dstReal, mode ?? (st.mode & PERMISSION_BITS), "copy", dst, (out) => {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        writeAll(out, n === buf.length ? buf : buf.subarray(0, n));
      }
    });
  } finally {
    closeSync(fd);
  }
  return `Copied ${src} -> ${dst}`;
}
