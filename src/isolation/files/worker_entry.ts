/**
 * The file-tool worker module: the host starts it as a module worker whose permissions grant read and write on the
 * workspace only (`workers.ts`), and it answers each request with `handleRequest`.
 *
 * Only relative imports of runtime-free code, so that a build step can embed it (`build.ts` includes it in the
 * Deno binary).
 *
 * @module
 */
import { type FsRequest, type FsResponse, handleRequest } from "./request.ts";

interface WorkerScope {
  onmessage: ((e: MessageEvent<FsRequest>) => void) | null;
  postMessage(message: FsResponse): void;
}

// Only inside a worker (a `postMessage` without `window`/`document` and with `WorkerGlobalScope`).
const scope = globalThis as unknown as WorkerScope & { WorkerGlobalScope?: unknown };
if (typeof scope.WorkerGlobalScope !== "undefined" && typeof scope.postMessage === "function") {
  scope.onmessage = (e) => scope.postMessage(handleRequest(e.data));
}
