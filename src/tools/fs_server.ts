/**
 * The confined file server: the file tools as a child process that speaks JSON lines on stdin/stdout
 * (`{id, op, root, args}` in, the same answers as the worker out). safe-exec starts it under bubblewrap with only
 * the workspace mounted writable (see `confined_backend.ts`), so that even a path swapped for a symlink between a
 * check and its use cannot reach anything outside: outside does not exist in its mount namespace.
 *
 * Runtime-free; started as `safe-exec __fs-server ROOT` (compiled binaries) or `fs_server_main.ts ROOT` (Deno).
 *
 * @module
 */
import { readLines } from "../lines.ts";
import type { Runtime } from "../runtime/types.ts";
import { type FsRequest, type FsResponse, handleRequest } from "./fs_worker.ts";

/** Longest request line (a write_file of up to the protocol's own line cap). */
const MAX_REQUEST_BYTES = 17 * 1024 * 1024;

/**
 * Answer one request line for the server of `root` (never throws).
 *
 * @example
 * ```ts
 * import { answerLine } from "./fs_server.ts";
 * const r = answerLine("/ws", '{"id":1,"op":"read_file","root":"/elsewhere","args":{"path":"a"}}');
 * console.assert(r.ok === false && r.code === "path_outside_workspace");
 * ```
 */
export function answerLine(root: string, line: string): FsResponse {
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
  return handleRequest(req);
}

/** Serve requests on stdin until EOF; resolves to the exit code. */
export async function runFileServer(runtime: Runtime, root: string | undefined): Promise<number> {
  if (!root) {
    runtime.writeStderr("safe-exec __fs-server: needs the workspace root");
    return 2;
  }
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  for await (const item of readLines(runtime.stdin(), MAX_REQUEST_BYTES)) {
    const r: FsResponse = "line" in item
      ? answerLine(root, decoder.decode(item.line))
      : { id: -1, ok: false, code: "invalid_args", message: `request of ${item.tooLong} bytes is too long` };
    await runtime.writeStdout(encoder.encode(JSON.stringify(r) + "\n"));
  }
  return 0;
}
