/**
 * Whether a workspace path is inside a git object store, or a folder that holds
 * one (red team 13, L5). An object store holds the content of every committed file (loose objects zlib-compressed,
 * packs deltified), a floored one too, under names no path floor names: a read of it (`base64
 * .git/objects/e0/21b4…`, a server's `read_media_file`) is a read of every floored file, so a path floor "may
 * apply" (at least ask).
 *
 * Inside a store: a path with an `objects` segment below a `.git` segment (`.git/objects/…`,
 * `.git/modules/x/objects/…`, `sub/.git/objects/…`); a path with a `.safe-exec-objects` segment (the sandbox's view
 * of the host's store, isolation/process/_gitdata.ts); a file shaped as git names an object (`e0/<38 hex>`, a
 * SHA-256 `<2>/<62 hex>`) or a pack (`pack-<hex>.pack`, `.idx`, …) anywhere, which covers a store `alternates` names
 * and a copied one; and, with the file system's facts, an `objects` segment whose parent holds `HEAD` (a bare
 * repository, a git folder under another name). A folder that holds one: a `.git` (and `.git/modules/…`), and with
 * the facts, a folder holding `HEAD` and `objects` (a git folder) or a `.git`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { objectStorePath } from "./object_store.ts";
 * assert.notEqual(objectStorePath(".git/objects/e0/21b4d2666559b8761ac9f88fd2e0bef9f46ff4"), null);
 * assert.notEqual(objectStorePath(".git/.safe-exec-objects/pack/pack-1.pack"), null);
 * assert.notEqual(objectStorePath("sub/.git"), null);
 * assert.equal(objectStorePath(".git/HEAD"), null);
 * assert.equal(objectStorePath("src/objects/a.ts"), null);
 * ```
 *
 * @module
 */
import type { PathFacts } from "./path_facts.ts";

/** A loose object's folder and file (SHA-1 or SHA-256), or a pack's file. */
const _LOOSE = /(^|\/)[0-9a-f]{2}\/(?:[0-9a-f]{38}|[0-9a-f]{62})$/;
const _PACK = /(^|\/)pack-[0-9a-f]{40}(?:[0-9a-f]{24})?\.[a-z]+$/;

/**
 * Why the workspace-relative `path` is inside a git object store or a folder holding one (see the module), or null.
 * `holds`: a folder that holds a store counts too (a reader of the folder's tree); false for a file or a listing.
 */
export function objectStorePath(path: string, facts?: PathFacts, holds = true): string | null {
  const inside = `${JSON.stringify(path)} is inside a git object store, which holds the content of every ` +
    `committed file`;
  if (_LOOSE.test(path) || _PACK.test(path)) return inside;
  const segs = path.split("/");
  const git = segs.indexOf(".git");
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if (s === ".safe-exec-objects") return inside;
    if (s !== "objects") continue;
    if (git !== -1 && git < i) return inside;
    // a bare repository or a git folder under another name: its parent holds HEAD
    const parent = i === 0 ? "." : segs.slice(0, i).join("/");
    if (facts && facts.stat(parent === "." ? "HEAD" : `${parent}/HEAD`) !== null) return inside;
  }
  if (!holds) return null;
  const folder = `${JSON.stringify(path)} may be a folder holding a git object store, which holds the content of ` +
    `every committed file`;
  // `.git`, `sub/.git`, `.git/modules/x`: a git folder, or the folder of a submodule's
  if (git !== -1 && (git === segs.length - 1 || segs[git + 1] === "modules")) return folder;
  if (facts && path !== ".") {
    const st = facts.stat(path);
    if (st?.kind !== "dir") return null;
    if (facts.stat(`${path}/.git`) !== null) return folder;
    if (facts.stat(`${path}/HEAD`)?.kind === "file" && facts.stat(`${path}/objects`)?.kind === "dir") return folder;
  }
  return null;
}
