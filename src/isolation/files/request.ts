/**
 * One file request, as the restricted workers and the confined file server both take it: `{id, op, root, args}` is
 * answered with `{id, ok: true, value}` or `{id, ok: false, code, message}`, where `code` is the ToolError code
 * (`internal` for anything else; a permission refusal of the runtime becomes `path_outside_workspace`).
 *
 * Only relative imports of runtime-free code, so that a build step can embed it.
 *
 * @module
 */
import { resolve } from "node:path";
import { isWithin } from "../../_util/paths.ts";
import { verbWord } from "../../fileops/workspace.ts";
import { FILE_OPS, type FileOpOptions, fsOps, type FsToolName, runFileOp } from "../../fileops/ops.ts";

/**
 * The last argument bubblewrap's command line gives the server (`confined.ts`): it runs in the confined
 * mount namespace, so reads may trust it (`FileOpOptions.confinedReads`).
 */
export const CONFINED_FLAG = "--confined";

export { FILE_SERVER_ARG } from "../../runtime/file_server.ts";

/** A request to the worker. */
export interface FsRequest {
  /** Matches the response to the request. */
  id: number;
  /** The file operation. */
  op: FsToolName;
  /** The workspace root (a real path). */
  root: string;
  /** Validated arguments. */
  args: Record<string, unknown>;
}

/** The worker's answer. */
export type FsResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; code: string; message: string; output?: unknown };

/** Errors of the runtime's permission system (Deno 2: NotCapable; Deno 1: PermissionDenied). */
const PERMISSION_ERRORS = new Set(["NotCapable", "PermissionDenied"]);

/**
 * Run one request and build the response (never throws).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { handleRequest } from "./request.ts";
 * const r = handleRequest({ id: 1, op: "read_file", root: "/nonexistent-root", args: { path: "a" } });
 * assert.ok(r.id === 1 && r.ok === false);
 * ```
 */
export function handleRequest(req: FsRequest, options: FileOpOptions = {}): FsResponse {
  try {
    if (!Object.hasOwn(fsOps, req.op)) {
      return { id: req.id, ok: false, code: "internal", message: `Unknown file operation ${JSON.stringify(req.op)}` };
    }
    return { id: req.id, ok: true, value: runFileOp(req.op, req.root, req.args, options) };
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown; name?: unknown; output?: unknown };
    const message = String(err?.message ?? e);
    const denied = (typeof err?.name === "string" && PERMISSION_ERRORS.has(err.name)) ||
      /\bNotCapable\b|Requires (read|write) access/.test(message);
    if (denied) {
      return {
        id: req.id,
        ok: false,
        code: "path_outside_workspace",
        message: outsideMessage(req) ?? `Refused by the file worker's permissions (workspace only): ${message}`,
      };
    }
    if (err?.name === "ToolError" || err?.name === "PathOutsideWorkspaceError" || isToolCode(err?.code)) {
      const r: FsResponse = { id: req.id, ok: false, code: String(err.code), message };
      if (err.output !== undefined) r.output = err.output;
      return r;
    }
    return { id: req.id, ok: false, code: "internal", message: `${String(err?.name ?? "Error")}: ${message}` };
  }
}

/**
 * The guard's own wording for an argument that lies outside the workspace before any symlink is followed (the
 * permission system refused to let the guard even look at it).
 */
function outsideMessage(req: FsRequest): string | null {
  if (!Object.hasOwn(FILE_OPS, req.op)) return null;
  const info = FILE_OPS[req.op];
  for (const key of info?.paths ?? []) {
    const arg = req.args[key];
    if (typeof arg !== "string") continue;
    const abs = resolve(req.root, arg);
    if (!isWithin(abs, req.root)) {
      return `Cannot ${verbWord(info.verb)} ${JSON.stringify(arg)} as it is outside the workspace: resolved to ${
        JSON.stringify(abs)
      }`;
    }
  }
  return null;
}

const TOOL_CODES = new Set([
  "invalid_args",
  "path_outside_workspace",
  "not_found",
  "internal",
]);

function isToolCode(code: unknown): boolean {
  return typeof code === "string" && TOOL_CODES.has(code);
}
