/**
 * The confined file server: the file tools as a child process that speaks JSON lines on stdin/stdout
 * (`{id, op, root, args}` in, the same answers as the worker out). safe-exec starts it under bubblewrap with only
 * the workspace mounted writable (see `confined_backend.ts`), so that even a path swapped for a symlink between a
 * check and its use cannot reach anything outside: outside does not exist in its mount namespace.
 *
 * Runtime-free; started as `safe-exec __fs-server ROOT --confined` (compiled binaries) or
 * `isolation/files/server_main.ts ROOT --confined` (Deno) under bubblewrap.
 *
 * @module
 */
import { readSync, writeSync } from "node:fs";
import { errCode } from "../../_util/errors.ts";
import { type LineItem, LineSplitter } from "../../_util/lines.ts";
import type { Runtime } from "../../runtime/types.ts";
import { type FileOpOptions, ownWorkingDirectory } from "../../fileops/ops.ts";
import { CONFINED_FLAG, type FsRequest, type FsResponse, handleRequest } from "./request.ts";

export { CONFINED_FLAG } from "./request.ts";

/** Longest request line (a write_file of up to the protocol's own line cap). */
const MAX_REQUEST_BYTES = 17 * 1024 * 1024;

/**
 * Answer one request line for the server of `root` (never throws).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { answerLine } from "./server.ts";
 * const r = answerLine("/ws", '{"id":1,"op":"read_file","root":"/elsewhere","args":{"path":"a"}}');
 * assert.ok(r.ok === false && r.code === "path_outside_workspace");
 * ```
 */
export function answerLine(root: string, line: string, options: FileOpOptions = {}): FsResponse {
  let req: FsRequest;
  try {
    req = JSON.parse(line);
  } catch (e) {
    return { id: -1, ok: false, code: "internal", message: `file server: bad request line (${(e as Error).message})` };
  }
  if (req.root !== root) {
    return {
      id: req.id,
      ok: false,
      code: "path_outside_workspace",
      message: `file server for "${root}" was asked about the workspace "${String(req.root)}"`,
    };
  }
  return handleRequest(req, options);
}

function answerItem(root: string, item: LineItem, decoder: TextDecoder, options: FileOpOptions): string {
  const r: FsResponse = "line" in item
    ? answerLine(root, decoder.decode(item.line), options)
    : { id: -1, ok: false, code: "invalid_args", message: `request of ${item.tooLong} bytes is too long` };
  try {
    return JSON.stringify(r) + "\n";
  } catch (e) {
    // Past what one string can hold (hundreds of MiB): say so instead of dying without an answer.
    const message = `the answer is too large to send (${(e as Error).message})`;
    return JSON.stringify({ id: r.id, ok: false, code: "invalid_args", message } satisfies FsResponse) + "\n";
  }
}

/**
 * Serve requests on stdin until EOF; resolves to the exit code.
 *
 * The loop blocks in `read(2)` on stdin and answers with `write(2)` on stdout: no event loop between a request and
 * its answer (measured: about 35 µs less per call than stream reads under Deno). The server has nothing else to do,
 * so blocking costs nothing; a stdin that is non-blocking (EAGAIN) falls back to the runtime's stdin reader.
 */
export async function runFileServer(
  runtime: Runtime,
  root: string | undefined,
  flag?: string,
): Promise<number> {
  if (!root) {
    runtime.writeStderr("safe-exec __fs-server: needs the workspace root");
    return 2;
  }
  const options: FileOpOptions = { confinedReads: flag === CONFINED_FLAG };
  if (flag !== undefined && !options.confinedReads) {
    runtime.writeStderr(`safe-exec __fs-server: unknown argument ${JSON.stringify(flag)}, expected ${CONFINED_FLAG}`);
    return 2;
  }
  // Nothing else in this process uses the working directory: resolve paths through it (linear in their depth).
  ownWorkingDirectory();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const splitter = new LineSplitter(MAX_REQUEST_BYTES);
  const buf = new Uint8Array(256 * 1024);
  const writeOut = (text: string) => {
    const bytes = encoder.encode(text);
    let written = 0;
    while (written < bytes.length) written += writeSync(1, bytes, written, bytes.length - written);
  };
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      if (errCode(e) === "EAGAIN") break; // non-blocking stdin: the async reader below takes over
      if (errCode(e) === "EINTR") continue;
      throw e;
    }
    if (n === 0) {
      const last = splitter.end().map((item) => answerItem(root, item, decoder, options)).join("");
      if (last) writeOut(last);
      return 0;
    }
    const answers = splitter.push(buf.subarray(0, n));
    if (answers.length > 0) writeOut(answers.map((item) => answerItem(root, item, decoder, options)).join(""));
  }
  for (let chunk = await runtime.readStdin(); chunk !== null; chunk = await runtime.readStdin()) {
    for (const item of splitter.push(chunk)) {
      await runtime.writeStdout(encoder.encode(answerItem(root, item, decoder, options)));
    }
  }
  for (const item of splitter.end()) {
    await runtime.writeStdout(encoder.encode(answerItem(root, item, decoder, options)));
  }
  return 0;
}
