/**
 * Private helper of the file tools: the errors they give, worded as the guard words its refusals (`Cannot write
 * "a.txt": …`), and the mapping of a system call's errno to them.
 *
 * @module
 */
import { errCode } from "../_util/errors.ts";
import { PathOutsideWorkspaceError, ToolError } from "../types.ts";

/** What a tool wants to do with a path; used for the wording of errors (and, for `delete`, the resolution). */
export type PathVerb = "read" | "list" | "write" | "append" | "copy" | "delete";

const VERB_WORDS: Readonly<Record<PathVerb, string>> = {
  read: "read",
  list: "list",
  write: "write",
  append: "append to",
  copy: "copy",
  delete: "delete",
};

/**
 * How a verb reads in a message: `append` is "append to".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verbWord } from "./_errors.ts";
 * assert.equal(verbWord("append"), "append to");
 * assert.equal(verbWord("read"), "read");
 * ```
 */
export function verbWord(verb: PathVerb): string {
  return VERB_WORDS[verb] ?? String(verb);
}

/** A path for a message: whole up to 300 characters, else its start and end with its length between. */
export function short(path: string): string {
  return path.length <= 300 ? path : `${path.slice(0, 150)}…(${path.length} characters)…${path.slice(-150)}`;
}

export function swapped(word: string, arg: string): PathOutsideWorkspaceError {
  return new PathOutsideWorkspaceError(
    `Cannot ${word} ${
      JSON.stringify(arg)
    } as it is outside the workspace: the path changed (a symlink was swapped in) during the operation`,
  );
}

export function hardLinked(word: string, arg: string, nlink: number): PathOutsideWorkspaceError {
  return new PathOutsideWorkspaceError(
    `Cannot ${word} ${
      JSON.stringify(arg)
    } as it is outside the workspace: it is a hard link (${nlink} links), and another link may be outside the workspace`,
  );
}

export function isDirError(word: string, arg: string, hint = ""): ToolError {
  return new ToolError("invalid_args", `Cannot ${word} ${JSON.stringify(arg)}: it is a directory${hint}`);
}

export function notFound(word: string, arg: string): ToolError {
  return new ToolError("not_found", `Cannot ${word} ${JSON.stringify(arg)}: no such file or directory`);
}

/** Map an errno from a system call on `arg` to a ToolError (unknown ones are rethrown as they are). */
export function mapErr(e: unknown, word: string, arg: string): unknown {
  if (e instanceof ToolError) return e;
  switch (errCode(e)) {
    case "ENOENT":
      return notFound(word, arg);
    case "ENOTDIR":
      return new ToolError("invalid_args", `Cannot ${word} ${JSON.stringify(arg)}: a parent of it is not a directory`);
    case "EISDIR":
      return isDirError(word, arg);
    case "ELOOP":
      return swapped(word, arg);
    case "ENXIO":
      return new ToolError("invalid_args", `Cannot ${word} ${JSON.stringify(arg)}: it is not a regular file`);
    case "EEXIST":
      return new ToolError("invalid_args", `Cannot ${word} ${JSON.stringify(arg)}: it already exists`);
    case "ENOTEMPTY":
      return new ToolError(
        "invalid_args",
        `Cannot ${word} ${JSON.stringify(arg)}: the directory changed while it was deleted`,
      );
    case "ENOSPC":
      return new ToolError("internal", `Cannot ${word} ${JSON.stringify(arg)}: no space left on the device`);
    case "ENAMETOOLONG":
      return new ToolError(
        "invalid_args",
        `Cannot ${word} ${
          JSON.stringify(short(arg))
        }: the path is longer than the system allows (PATH_MAX, 4096 bytes)`,
      );
    case "EACCES":
    case "EPERM":
      return new ToolError("invalid_args", `Cannot ${word} ${JSON.stringify(arg)}: permission denied (${errCode(e)})`);
    case "EBUSY":
      return new ToolError("invalid_args", `Cannot ${word} ${JSON.stringify(arg)}: it is in use (a mount point?)`);
  }
  // Any other system error (e.g. EINVAL from a path that changed kind mid-call) is still one of ours: say so.
  const code = errCode(e);
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) {
    return new ToolError("internal", `Cannot ${word} ${JSON.stringify(arg)}: ${(e as Error).message}`);
  }
  return e;
}

export function textArg(args: Record<string, unknown>, key: string, tool: string): string {
  const v = args[key];
  if (typeof v !== "string") throw new ToolError("invalid_args", `${tool}: "${key}" must be a string`);
  return v;
}
