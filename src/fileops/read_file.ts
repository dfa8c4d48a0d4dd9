/**
 * `read_file`: a UTF-8 text file inside the workspace, at most 10 MiB (SPEC §2).
 *
 * @module
 */
import { closeSync, readSync } from "node:fs";
import { ToolError } from "../types.ts";
import { O_RDONLY, openPinned } from "./_pin.ts";
import type { Workspace } from "./workspace.ts";

/**
 * The largest file `read_file` returns, in bytes (10 MiB).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MAX_READ_BYTES } from "./read_file.ts";
 * assert.equal(MAX_READ_BYTES, 10 * 1024 * 1024);
 * ```
 */
export const MAX_READ_BYTES = 10 * 1024 * 1024;

/** How the file tools run in this process. */
export interface FileOpOptions {
  /**
   * The process runs in the confined file server's mount namespace (only the workspace, writable, and the runtime,
   * read-only): `read_file` then skips the path re-check after `open`, since a folder swapped for a symlink can only
   * lead it to files the agent may read anyway. Writes and deletes keep every check. Never in the host or a worker.
   */
  confinedReads?: boolean;
}

const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Read the file `args.path`; with `confinedReads` (the confined file server) the path is not checked again after open. */
export function readFile(ws: Workspace, args: { path: string }, options: FileOpOptions = {}): string {
  const arg = args.path;
  const real = ws.resolve(arg, "read");
  // In the confined file server a path swapped under us can only lead to files the agent may read anyway (its
  // mount namespace holds the workspace and the read-only runtime): the re-check after open adds nothing there.
  const [fd, st] = openPinned(ws, real, O_RDONLY, "read", arg, !options.confinedReads);
  try {
    if (st.size > MAX_READ_BYTES) {
      throw new ToolError(
        "invalid_args",
        `Cannot read ${
          JSON.stringify(arg)
        }: it is ${st.size} bytes, larger than the limit of ${MAX_READ_BYTES} bytes (10 MiB)`,
      );
    }
    return decoder.decode(readAll(fd, st.size, MAX_READ_BYTES, "read", arg));
  } finally {
    closeSync(fd);
  }
}

/** Read a whole file of `size` bytes (as fstat said) from `fd`, refusing more than `limit`. */
function readAll(fd: number, size: number, limit: number, word: string, arg: string): Uint8Array {
  let buf = new Uint8Array(Math.min(size, limit) + 1);
  let len = 0;
  for (;;) {
    if (len === buf.length) {
      if (len > limit) break;
      const bigger = new Uint8Array(Math.min(buf.length * 2, limit + 1));
      bigger.set(buf);
      buf = bigger;
    }
    const want = buf.length - len;
    const n = readSync(fd, buf, len, want, null);
    len += n;
    // A regular file reads short only at its end: no extra read(2) just to see 0.
    if (n < want) break;
  }
  if (len > limit) {
    throw new ToolError(
      "invalid_args",
      `Cannot ${word} ${
        JSON.stringify(arg)
      }: it is larger than the limit of ${limit} bytes (${MAX_READ_BYTES} = 10 MiB)`,
    );
  }
  return buf.subarray(0, len);
}
