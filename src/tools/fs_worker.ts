/**
 * The file-tool worker module. The host starts it as a module worker whose permissions grant read and write on
 * the workspace only (see `worker_pool.ts`); it answers `{id, op, root, args}` with `{id, ok: true, value}` or
 * `{id, ok: false, code, message}`, where `code` is the ToolError code (`internal` for anything else; a
 * permission refusal of the runtime becomes `path_outside_workspace`).
 *
 * A plain module with only relative imports of runtime-free code, so that a build step can embed it.
 *
 * @module
 */
import { resolve, sep } from "node:path";
import { fsOps, type FsToolName } from "./fs_ops.ts";
import { checkProtected } from "./_protected.ts";

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
 * import { handleRequest } from "./fs_worker.ts";
 * const r = handleRequest({ id: 1, op: "read_file", root: "/nonexistent-root", args: { path: "a" } });
 * console.assert(r.id === 1 && r.ok === false);
 * ```
 */
export function handleRequest(req: FsRequest): FsResponse {
  try {
    const fn = fsOps[req.op] as ((root: string, args: unknown) => unknown) | undefined;
    if (typeof fn !== "function") {
      return { id: req.id, ok: false, code: "internal", message: `Unknown file operation ${JSON.stringify(req.op)}` };
    }
    checkProtected(req.root, req.op, req.args);
    return { id: req.id, ok: true, value: fn(req.root, req.args) };
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

const VERBS: Record<string, string> = {
  read_file: "read",
  list_dir: "list",
  write_file: "write",
  append_file: "append to",
  copy_file: "copy",
  delete_file: "delete",
  delete_dir: "delete",
};

/**
 * The guard's own wording for an argument that lies outside the workspace before any symlink is followed (the
 * permission system refused to let the guard even look at it).
 */
function outsideMessage(req: FsRequest): string | null {
  for (const key of ["path", "src", "dst"]) {
    const arg = req.args[key];
    if (typeof arg !== "string") continue;
    const abs = resolve(req.root, arg);
    if (abs !== req.root && !abs.startsWith(req.root + sep)) {
      return `Cannot ${VERBS[req.op] ?? "use"} ${JSON.stringify(arg)} as it is outside the workspace: resolved to ${
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

interface WorkerScope {
  onmessage: ((e: MessageEvent<FsRequest>) => void) | null;
  postMessage(message: FsResponse): void;
}

// Only inside a worker (a `postMessage` without `window`/`document` and with `WorkerGlobalScope`).
const scope = globalThis as unknown as WorkerScope & { WorkerGlobalScope?: unknown };
if (typeof scope.WorkerGlobalScope !== "undefined" && typeof scope.postMessage === "function") {
  scope.onmessage = (e) => scope.postMessage(handleRequest(e.data));
}
