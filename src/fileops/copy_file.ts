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

/**
 * The name a copy into a folder gets: the last name of `src`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { copyIntoName } from "./copy_file.ts";
 * assert.equal(copyIntoName("src/ci.yml"), "ci.yml");
 * assert.equal(copyIntoName("notes/"), "notes");
 * ```
 */
export function copyIntoName(src: string): string {
  return basename(src.replace(/\/+$/, ""));
}

/**
 * Where copy_file writes: the real path of `dst`, or of `dst/<name of src>` when `dst` is a folder (through
 * symlinks, as the copy resolves it). The rules judge the same path (targets.ts). Throws as `Workspace.resolve`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { Workspace } from "./workspace.ts";
 * import { copyDestination } from "./copy_file.ts";
 * const ws = Workspace.open(mkdtempSync(join(tmpdir(), "ws-")));
 * mkdirSync(join(ws.root, "out"));
 * assert.deepEqual(copyDestination(ws, "a/b.txt", "out"), { real: join(ws.root, "out", "b.txt"), intoFolder: true });
 * assert.deepEqual(copyDestination(ws, "a/b.txt", "c.txt"), { real: join(ws.root, "c.txt"), intoFolder: false });
 * rmSync(ws.root, { recursive: true });
 * ```
 */
export function copyDestination(ws: Workspace, src: string, dst: string): { real: string; intoFolder: boolean } {
  const real = ws.resolve(dst, "copy");
  let st: Stats | undefined;
  try {
    st = statSync(real);
  } catch { /* missing: created by the copy */ }
  if (!st?.isDirectory()) return { real, intoFolder: false };
  return { real: ws.resolve(dst.replace(/\/*$/, "/") + copyIntoName(src), "copy"), intoFolder: true };
}

/** Copy `args.src` to `args.dst` (replacing a file there), keeping the source's permission bits. */
export function copyFile(ws: Workspace, args: { src: string; dst: string }): string {
  const src = args.src;
  const dst = args.dst;
  const srcReal = ws.resolve(src, "copy");
  const dstReal = copyDestination(ws, src, dst).real;
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
