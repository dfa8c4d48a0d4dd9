/**
 * The one vocabulary of argument names that carry a path, read the same everywhere a tool's arguments are searched
 * for paths: the gateway's upstream tools (the names in their input schemas), the gate's path rules (any argument at
 * any depth), and hook mode (an agent's tool input, where a file is told from a folder).
 *
 * A name is read as words: camelCase, kebab-case and snake_case alike, case ignored (`inputFile`, `input-file` and
 * `INPUT_FILE` are `input_file`). Its last word says whether it is a path (`path`, `file`, `dir`, `source`, `uri`,
 * …); the word before a `path`, `name` or `uri` says which kind (`dir_path` is a folder, `file_name` a file).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPathName, pathNameKind } from "./path_names.ts";
 * assert.equal(isPathName("input_file"), true);
 * assert.equal(isPathName("fileName"), true);
 * assert.equal(isPathName("content"), false);
 * assert.equal(pathNameKind("target_file"), "file");
 * assert.equal(pathNameKind("dir_path"), "folder");
 * assert.equal(pathNameKind("path"), "path");
 * assert.equal(pathNameKind("name"), null);
 * ```
 *
 * @module
 */

/** What a path-like argument's name says it holds: a file, a folder, or a path that may be either. */
export type PathNameKind = "file" | "folder" | "path";

/** Last words that name a file (or files). */
const _FILE_WORDS: ReadonlySet<string> = new Set(["file", "files", "filename", "filenames", "filepath", "filepaths"]);
/** Last words that name a folder (or folders). */
const _FOLDER_WORDS: ReadonlySet<string> = new Set([
  "dir",
  "dirs",
  "directory",
  "directories",
  "folder",
  "folders",
  "root",
  "roots",
  "cwd",
  "workdir",
  "dirname",
  "dirpath",
]);
/** Last words that name a path that may be a file or a folder. */
const _PATH_WORDS: ReadonlySet<string> = new Set([
  "path",
  "paths",
  "pathname",
  "pathnames",
  "location",
  "uri",
  "uris",
  "src",
  "dst",
  "dest",
  "source",
  "sources",
  "destination",
  "target",
  "targets",
]);
/** Last words that are a path only after a word saying which (`file_name`, `dir_name`, `notebook_path`). */
const _QUALIFIED_WORDS: ReadonlySet<string> = new Set(["name", "names"]);
/** Words before a last `path`/`name`/`uri` word that say it is a file. */
const _FILE_QUALIFIERS: ReadonlySet<string> = new Set([..._FILE_WORDS, "notebook"]);

/**
 * An argument's name as snake_case words: `inputFile`, `input-file` and `INPUT_FILE` all give `input_file`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { argNameWords } from "./path_names.ts";
 * assert.deepEqual(argNameWords("targetDirectory"), ["target", "directory"]);
 * assert.deepEqual(argNameWords("dir-path"), ["dir", "path"]);
 * assert.deepEqual(argNameWords("FILE_NAME"), ["file", "name"]);
 * ```
 */
export function argNameWords(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z])([A-Z][a-z])/g, "$1_$2").toLowerCase().split(
    /[-_\s.]+/,
  ).filter((w) => w !== "");
}

/**
 * What an argument's name says it holds: `file`, `folder`, `path` (either), or null when it names no path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathNameKind } from "./path_names.ts";
 * assert.equal(pathNameKind("file_name"), "file");
 * assert.equal(pathNameKind("notebook_path"), "file");
 * assert.equal(pathNameKind("targetDirectory"), "folder");
 * assert.equal(pathNameKind("source"), "path");
 * assert.equal(pathNameKind("old_string"), null);
 * ```
 */
export function pathNameKind(name: string): PathNameKind | null {
  const words = argNameWords(name);
  const last = words[words.length - 1];
  if (last === undefined) return null;
  const before = words[words.length - 2];
  if (_FILE_WORDS.has(last)) return "file";
  if (_FOLDER_WORDS.has(last)) return "folder";
  const qualified = _QUALIFIED_WORDS.has(last);
  if (!qualified && !_PATH_WORDS.has(last)) return null;
  if (before !== undefined && _FILE_QUALIFIERS.has(before)) return "file";
  if (before !== undefined && _FOLDER_WORDS.has(before)) return "folder";
  return qualified ? null : "path";
}

/**
 * Whether an argument's name says it holds a path (a file, a folder, or either).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPathName } from "./path_names.ts";
 * assert.equal(isPathName("absolute_path"), true);
 * assert.equal(isPathName("file_name"), true);
 * assert.equal(isPathName("name"), false);
 * ```
 */
export function isPathName(name: string): boolean {
  return pathNameKind(name) !== null;
}

/**
 * A path argument's value as the path it names: a `file:` URI as its decoded path, another string as it is; null
 * when it is no string, empty, or a `file:` URI that does not parse.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathOfValue } from "./path_names.ts";
 * assert.equal(pathOfValue("file:///p/my%20notes.md"), "/p/my notes.md");
 * assert.equal(pathOfValue("src/a.ts"), "src/a.ts");
 * assert.equal(pathOfValue(3), null);
 * ```
 */
export function pathOfValue(value: unknown): string | null {
  if (typeof value !== "string" || value === "") return null;
  if (!/^file:/i.test(value)) return value;
  try {
    return decodeURIComponent(new URL(value).pathname);
  } catch {
    return null;
  }
}
