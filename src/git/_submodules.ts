/**
 * Private helper of the git protection: the submodules the root's index lists (gitlinks). The host's `git status`
 * runs git inside each populated one, reading `<sub>/.git` and the git dir it names; an unpopulated one could be
 * populated by a process with a planted git dir. So their `.git` entries (and the folder of one not checked out)
 * are pinned.
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { realPathLoose } from "../_util/paths.ts";
import { lstatOr, noLinkBelow, readSmall, readText } from "./_fs.ts";
import { scanGitlinks } from "./gitlinks.ts";

/** What the submodules of one repository need. */
export interface SubmodulePins {
  /** The gitlink paths (relative to the root), sorted; empty when the index could not be read. */
  gitlinks: string[];
  /** Paths to keep read-only (`create`: a missing submodule folder to make empty first). */
  pins: { path: string; kind: "dir" | "file"; why: string; create?: boolean }[];
  /** More paths the file tools must not change (the git dirs the submodules' `.git` files name). */
  trees: string[];
  /** Why process tools must be refused, or null. */
  refuse: string | null;
}

/**
 * The pins of the submodules of the repository at `root` whose git dir is `gitDir`; `writable` says what the agent
 * can change; `cache` keeps the last scan per index file while its size and times are the same.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { submodulePins } from "./_submodules.ts";
 * const none = submodulePins("/nonexistent", "/nonexistent/.git", 20, () => true);
 * assert.deepEqual(none, { gitlinks: [], pins: [], trees: [], refuse: null });
 * ```
 */
export function submodulePins(
  root: string,
  gitDir: string,
  hashBytes: number,
  writable: (p: string) => boolean,
  cache?: Map<string, { sig: string; gitlinks: string[] | null }>,
): SubmodulePins {
  const out: SubmodulePins = { gitlinks: [], pins: [], trees: [], refuse: null };
  const indexPath = join(gitDir, "index");
  const ist = lstatOr(indexPath);
  const sig = ist?.isFile() ? `${ist.dev}:${ist.ino}:${ist.size}:${ist.mtimeMs}:${ist.ctimeMs}` : "";
  if (sig === "") return out;
  let gitlinks: string[] | null;
  const cached = cache?.get(indexPath);
  if (cached && cached.sig === sig) gitlinks = cached.gitlinks;
  else {
    const index = readSmall(indexPath, 256 * 1024 * 1024);
    const scan = index === null ? null : scanGitlinks(index, hashBytes);
    gitlinks = scan?.ok ? [...scan.gitlinks].sort() : null;
    cache?.set(indexPath, { sig, gitlinks });
  }
  if (gitlinks === null) return out;
  out.gitlinks = gitlinks;
  for (const sub of gitlinks) {
    const dir = join(root, sub);
    const subGit = join(dir, ".git");
    if (!noLinkBelow(root, dir)) {
      out.refuse ??= `the submodule path ${
        JSON.stringify(sub)
      } passes through a symlink; the sandbox cannot pin its .git`;
      continue;
    }
    const st = lstatOr(subGit);
    if (st === undefined) {
      // Not checked out: a process could create <sub>/.git and the host's git status would run git there.
      // The (empty) submodule folder is kept read-only, made when missing, as git's own checkout makes it.
      out.trees.push(subGit);
      const dst = lstatOr(dir);
      if (dst === undefined) out.pins.push({ path: dir, kind: "dir", why: `the submodule ${sub}`, create: true });
      else if (dst.isDirectory() || dst.isFile()) {
        out.pins.push({
          path: dir,
          kind: dst.isDirectory() ? "dir" : "file",
          why: `the submodule ${sub} (not checked out)`,
        });
      }
      continue;
    }
    if (st.isSymbolicLink()) {
      out.refuse ??= `the submodule's ${JSON.stringify(`${sub}/.git`)} is a symlink; the sandbox cannot pin it`;
    } else if (st.isDirectory() || st.isFile()) {
      out.pins.push({ path: subGit, kind: st.isDirectory() ? "dir" : "file", why: `the .git of submodule ${sub}` });
      if (st.isFile()) {
        const m = /^gitdir:\s*(.+?)\s*$/m.exec(readText(subGit) ?? "");
        const g = m ? realPathLoose(resolve(dir, m[1] as string)) : null;
        if (g !== null && writable(g) && lstatOr(g)?.isDirectory()) {
          out.trees.push(g);
          out.pins.push({ path: g, kind: "dir", why: `the git dir of submodule ${sub}` });
        }
      }
    }
  }
  return out;
}
