/**
 * What the rule engine may ask the file system while it judges a script's `path` floors (red team 6, F4/F6): the
 * caller (the gate) gathers these facts, the engine stays pure and only reads them. Every path here is
 * workspace-relative and real (symlinks resolved, as the gate's `resolveWrite` returns them; `.` is the root).
 *
 * - a literal word naming a regular file with more than one hard link is protected when its inode is that of a
 *   file a floor names (the floor's literal matches are stat'ed once per call; a pattern that cannot be listed
 *   cheaply makes such a file "may apply");
 * - a reader that follows links while it recurses (`grep -R`, `find -L`, `ls -LR`, `cp -rL`, `tar -h`, …) into a
 *   folder is judged on what the walk reaches through a link (bounded; too large a walk "may apply");
 * - a path through a link the sandbox resolves otherwise (through `/proc`, `/dev`, or outside the workspace: red
 *   team 16, N2) may name any file: the floors may apply, and apply to what the sandbox reads it as;
 * - git commands that print contents from history without a pathspec naming them "may apply" when there is a
 *   repository (without facts, one is assumed); every git command may apply when the repository holds notes or
 *   replace refs (_git_history.ts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PathFacts } from "./path_facts.ts";
 * const none: PathFacts = { stat: () => null, list: () => null, gitRepository: () => false };
 * assert.equal(none.stat("a"), null);
 * ```
 *
 * @module
 */

/** What a path is, links followed. */
export interface PathStat {
  /** A regular file, a folder, or anything else. */
  readonly kind: "file" | "dir" | "other";
  /** Its hard-link count. */
  readonly nlink: number;
  /** Its identity (`dev:ino`). */
  readonly id: string;
}

/** One entry of a folder. */
export interface PathEntry {
  /** The entry's path (the folder's real path joined with the name); null when its name is not valid UTF-8. */
  readonly path: string | null;
  /** Whether the entry is a symlink. */
  readonly link: boolean;
  /** For a link: the real path it resolves to; null when it leads outside the workspace or nowhere. */
  readonly target: string | null;
  /** For a link: its target could not be represented (a name that is not valid UTF-8 on the way). */
  readonly unrepresentable?: boolean;
  /** What it is (a link: what it resolves to); null when it cannot be looked at. Ask `stat` for its links. */
  readonly kind: PathStat["kind"] | null;
  /** For a link: the sandbox may resolve it otherwise than the host (red team 16, N2); absent: it resolves alike. */
  readonly elsewhere?: LinkedElsewhere;
}

/**
 * A path that passes through a link the sandbox may resolve otherwise than the host (a target through `/proc` or
 * `/dev`, or outside the workspace where the sandbox shows other files: red team 16, N2).
 */
export interface LinkedElsewhere {
  /** Why (the link and where it leads). */
  readonly why: string;
  /** It may name any file of the workspace: no reading below covers it all. */
  readonly anywhere: boolean;
  /** The workspace paths (relative, real) the sandbox may read it as (`/proc/self/cwd/k` as `k`). */
  readonly paths: readonly string[];
}

/** The facts the engine may ask for. */
export interface PathFacts {
  /** What `path` is (links followed), or null when it is missing or cannot be looked at. */
  stat(path: string): PathStat | null;
  /** The entries of the folder `path`, or null when it cannot be read. */
  list(path: string): readonly PathEntry[] | null;
  /** Whether git run in the workspace finds a repository (a `.git` there, or the workspace shaped like a bare one). */
  gitRepository(): boolean;
  /**
   * Why the repository redirects what git prints (it holds notes or replace refs: red team 9, H15), or null when
   * it holds none. Absent: none are assumed (the commands that make them are judged on their words).
   */
  gitHistoryRefs?(): string | null;
  /**
   * Whether git reads the revision `name` as a branch (`refs/heads/<name>`, which holds a commit), and as nothing
   * before it (a tag, a file in the git folder): red team 13, L3. Absent: no name is known to be a branch.
   */
  gitBranch?(name: string): boolean;
  /**
   * The keys of the repository's own config (`core.worktree`, `alias.st`, lowercased but for subsections), or why
   * they cannot be read: red team 14. Absent: none are assumed.
   */
  gitConfigKeys?(): readonly string[] | string;
  /**
   * Whether `word` (a path as a script names it: relative to the folder it runs in, or absolute) passes through a
   * link the sandbox may resolve otherwise than the host, and what it may name then (red team 16, N2); null when it
   * does not. Absent: no link is assumed to.
   */
  linkedElsewhere?(word: string): LinkedElsewhere | null;
}
