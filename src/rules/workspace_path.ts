/**
 * Where a redirection target of a script lands, judged on its text alone (no file system): the default the rule
 * engine uses when the caller gives no resolver of its own.
 *
 * @module
 */

/**
 * A workspace-relative path for a redirection target, judged on its text: a relative path that stays inside (after
 * `.` and `..`) is inside; an absolute path is inside when it is under `root`; anything else is null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lexicalWorkspacePath } from "./workspace_path.ts";
 * assert.equal(lexicalWorkspacePath("out/./a.txt"), "out/a.txt");
 * assert.equal(lexicalWorkspacePath("../x"), null);
 * assert.equal(lexicalWorkspacePath("/ws/a", "/ws"), "a");
 * assert.equal(lexicalWorkspacePath("/ws-evil/a", "/ws"), null);
 * ```
 */
export function lexicalWorkspacePath(target: string, root?: string): string | null {
  if (target === "" || target.includes("\0")) return null;
  let rel = target;
  if (target.startsWith("/")) {
    if (!root) return null;
    const r = root.replace(/\/+$/, "");
    if (target !== r && !target.startsWith(r + "/")) return null;
    rel = target.slice(r.length + 1);
  }
  const out: string[] = [];
  for (const seg of rel.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(seg);
  }
  return out.length === 0 ? "." : out.join("/");
}
