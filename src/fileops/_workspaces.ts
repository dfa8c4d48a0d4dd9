/**
 * Private helper of the file tools: the one cache of opened workspaces in this process (the tools and the git
 * protection share it).
 *
 * @module
 */
import { Workspace } from "./workspace.ts";

const cache = new Map<string, Workspace>();

/**
 * The workspace at `root`, which must be its real path, opened once per process (the file tools and the git
 * protection share this cache; at most 64 are kept).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { openWorkspace } from "./_workspaces.ts";
 * const dir = realpathSync(mkdtempSync(join(tmpdir(), "ws-")));
 * const root = join(dir, "real");
 * mkdirSync(root);
 * symlinkSync(root, join(dir, "link"));
 * assert.equal(openWorkspace(root), openWorkspace(root));
 * assert.throws(() => openWorkspace(join(dir, "link")), RangeError); // a symlink to it is not its real path
 * rmSync(dir, { recursive: true });
 * ```
 */
export function openWorkspace(root: string): Workspace {
  let ws = cache.get(root);
  if (ws) return ws;
  ws = Workspace.open(root);
  if (ws.root !== root) {
    throw new RangeError(`The workspace root ${JSON.stringify(root)} is not a real path (${JSON.stringify(ws.root)})`);
  }
  if (cache.size >= 64) cache.clear();
  cache.set(root, ws);
  return ws;
}
