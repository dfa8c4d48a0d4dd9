/**
 * Private helper of `delete_dir`: removing a folder tree that was already renamed to a quarantine name, in two
 * phases so that a tree that cannot be removed is found out before anything is deleted.
 *
 * 1. **Scan**: walk the whole tree; a mount point inside (another file system), a folder that cannot be read even
 *    after giving it `u+rwx`, or a folder swapped for something else while we walk stops here, with nothing deleted.
 * 2. **Remove**: empty and remove every folder, bottom up.
 *
 * If the removal still fails half-way (an immutable file, a file system error), the caller puts what is left back
 * under the folder's name, so no hidden `.safe-exec-del-…` folder stays behind.
 *
 * Two ways to walk:
 * - **Anchored** (Linux with /proc/self/fd: Bun, Node): names are bytes (a name that is not UTF-8 is removed like any
 *   other), every call goes through `/proc/self/fd/N/<name>` from the folder's descriptor with `O_NOFOLLOW`, a child
 *   is opened and checked to be the inode just seen, and the walk goes back up through `..` checked against the
 *   parent's inode: at most two descriptors are open at any depth (a tree deeper than the descriptor limit or than
 *   PATH_MAX is no problem). Unreadable folders get `u+rwx` through an `O_PATH` descriptor (never through a path a
 *   racer could swap); the scan gives them their mode back.
 * - **Portable** (Deno, whose file APIs take UTF-8 paths only): the scan walks by paths and fixes the modes of
 *   folders it cannot read or write (giving them back when the scan fails); the removal walks by paths too, one
 *   listing at a time with no descriptor held across levels, lifting a folder whose path nears PATH_MAX to a short
 *   one next to the quarantine; what has a name that is not UTF-8 (Deno hands those over with U+FFFD) is left to the
 *   runtime's recursive remove (Rust's `remove_dir_all`: by bytes, `openat`, never following a symlink, but one
 *   descriptor per level, so such a subtree deeper than the descriptor limit fails, and is put back).
 *
 * Runtime-free (`node:fs` and `node:buffer`).
 *
 * @module
 */
import { removeAnchored, scanAnchored } from "./_tree_anchored.ts";
import { removeByPath, restore, scanPortable } from "./_tree_portable.ts";
import type { TreeContext } from "./_tree_context.ts";

export { type TreeContext, TreeRefused } from "./_tree_context.ts";

/**
 * Remove the quarantined folder `top` of a pinned folder: `parentFd` (anchored) or `parentReal` (portable, with
 * `verify` re-checking the parent before the removal). Throws {@linkcode TreeRefused} when the scan finds the tree
 * cannot go (nothing was deleted), or the removal's error (part of it may be gone).
 *
 * @example
 * ```ts ignore
 * removeTree({ parentFd: -1, parentReal: "/ws", verify: () => {} }, ".safe-exec-del-…", { word: "delete", arg: "t" });
 * ```
 */
export function removeTree(
  parent: { parentFd: number; parentReal: string; verify: () => void },
  top: string,
  ctx: TreeContext,
): void {
  if (parent.parentFd >= 0) {
    scanAnchored(parent.parentFd, top, ctx);
    removeAnchored(parent.parentFd, top, ctx);
    return;
  }
  const fixed = scanPortable(parent.parentReal, top, ctx);
  try {
    parent.verify();
    removeByPath(parent.parentReal, top, ctx);
  } catch (e) {
    restore(fixed);
    throw e;
  }
}
