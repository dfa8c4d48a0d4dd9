/**
 * The two kinds of glob in rules (SPEC §1.1): tool-name globs (`github__*`) and gitignore-style path globs on
 * workspace-relative paths (`src/**`, `*.md`, `/build/`, `!keep.md`).
 *
 * Gitignore semantics: a pattern without a slash (other than a trailing one) matches a name at any depth; one with a
 * slash is anchored at the workspace root (a leading `/` only anchors); `*` and `?` never match `/`; `**` matches
 * any number of folders; a trailing `/` matches a folder and everything in it; a pattern that matches a folder
 * matches everything inside it; `!pattern` re-includes, and the last pattern that matches decides.
 *
 * Pure: no I/O, no runtime APIs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePathGlobs, compileToolGlob } from "./glob.ts";
 * const m = compilePathGlobs(["src/**", "!src/secret/**", "*.md"]);
 * assert.equal(m("src/a/b.ts"), true);
 * assert.equal(m("src/secret/key.pem"), false);
 * assert.equal(m("docs/deep/README.md"), true);
 * assert.equal(m("lib/x.ts"), false);
 * assert.equal(compileToolGlob("github__*")("github__create_issue"), true);
 * ```
 *
 * @module
 */

/**
 * A glob that cannot be compiled; the message says what is wrong with it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePathGlobs, GlobError } from "./glob.ts";
 * assert.throws(() => compilePathGlobs(["src/**x"]), GlobError);
 * ```
 */
export class GlobError extends Error {
  /** Make one. */
  constructor(message: string) {
    super(message);
    this.name = "GlobError";
  }
}

/** Tool names (SPEC §2.1) with the glob characters `*` and `?`. */
const TOOL_GLOB = /^[A-Za-z0-9_*?-]{1,64}$/;

/**
 * A matcher for a tool name or tool glob (`*` any characters, `?` one). Throws {@linkcode GlobError} for a
 * pattern with characters no tool name has.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileToolGlob } from "./glob.ts";
 * const m = compileToolGlob("github__get_?");
 * assert.equal(m("github__get_x"), true);
 * assert.equal(m("github__get_xy"), false);
 * assert.throws(() => compileToolGlob("github/*"), /tool names have 1 to 64/);
 * ```
 */
export function compileToolGlob(pattern: string): (name: string) => boolean {
  if (!TOOL_GLOB.test(pattern)) {
    throw new GlobError(
      `tool names have 1 to 64 of the characters A-Z a-z 0-9 _ - (and * ? as globs); got ${JSON.stringify(pattern)}`,
    );
  }
  if (!/[*?]/.test(pattern)) return (name) => name === pattern;
  const re = new RegExp("^" + pattern.replace(/[*?-]/g, (c) => (c === "*" ? ".*" : c === "?" ? "." : "\\-")) + "$");
  return (name) => re.test(name);
}

/** One compiled gitignore-style pattern. */
interface PathPattern {
  readonly negate: boolean;
  readonly re: RegExp;
}

function _translate(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "\\") {
      const next = glob[i + 1];
      if (next === undefined) throw new GlobError(`${JSON.stringify(glob)} ends with a lone backslash`);
      out += _escape(next);
      i++;
    } else if (ch === "*") {
      if (glob[i + 1] === "*") {
        const before = i === 0 || glob[i - 1] === "/";
        const after = i + 2 === glob.length || glob[i + 2] === "/";
        if (!before || !after) {
          throw new GlobError(`${JSON.stringify(glob)}: "**" must be a whole path segment (like "a/**/b")`);
        }
        if (i + 2 === glob.length) out += ".*"; // trailing /**: everything inside
        else {
          out += "(?:[^/]*/)*"; // **/: zero or more folders
          i++; // skip the slash
        }
        i++;
      } else out += "[^/]*";
    } else if (ch === "?") out += "[^/]";
    else if (ch === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end === -1) throw new GlobError(`${JSON.stringify(glob)} has an unclosed "["`);
      let body = glob.slice(i + 1, end);
      let neg = false;
      if (body.startsWith("!") || body.startsWith("^")) {
        neg = true;
        body = body.slice(1);
      }
      out += `[${neg ? "^" : ""}${body.replace(/[\\\]^]/g, (c) => "\\" + c)}]`;
      i = end;
    } else out += _escape(ch);
  }
  return out;
}

function _escape(ch: string): string {
  return /[.*+?^${}()|[\]\\/-]/.test(ch) ? "\\" + ch : ch;
}

/** Compile one gitignore-style pattern; throws {@linkcode GlobError}. */
function _compile(pattern: string): PathPattern {
  let p = pattern;
  if (p.trim() === "") throw new GlobError("an empty pattern matches nothing");
  let negate = false;
  if (p.startsWith("!")) {
    negate = true;
    p = p.slice(1);
  } else if (p.startsWith("\\!")) p = p.slice(1);
  if (p === "" || p === "/") throw new GlobError(`${JSON.stringify(pattern)} matches nothing`);
  if (p.includes("\0")) throw new GlobError(`${JSON.stringify(pattern)} has a NUL byte`);
  if (p.endsWith("/")) p = p.slice(0, -1); // a folder: it and everything inside (a path cannot say what it is)
  const anchored = p.startsWith("/") || p.includes("/");
  if (p.startsWith("/")) p = p.slice(1);
  if (p.split("/").some((seg) => seg === ".." || seg === ".")) {
    throw new GlobError(`${JSON.stringify(pattern)}: paths are workspace-relative and resolved; no "." or ".."`);
  }
  const body = _translate(p);
  // the pattern matches the path itself or any folder above it (so "build" matches "build/x/y")
  const src = `^${anchored ? "" : "(?:[^/]*/)*"}${body}(?:/.*)?$`;
  return { negate, re: new RegExp(src, "s") };
}

/**
 * A matcher for a list of gitignore-style patterns on workspace-relative paths (`a/b.txt`, no leading `./`).
 * Throws {@linkcode GlobError} naming the first bad pattern.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePathGlobs } from "./glob.ts";
 * const m = compilePathGlobs(["/build/", "*.log", "!keep.log"]);
 * assert.equal(m("build/out/a.js"), true);
 * assert.equal(m("src/build/a.js"), false); // a leading "/" anchors at the root
 * assert.equal(m("logs/x.log"), true);
 * assert.equal(m("keep.log"), false); // the last match decides
 * ```
 */
export function compilePathGlobs(patterns: readonly string[]): (relativePath: string) => boolean {
  const compiled = patterns.map((p) => _compile(p));
  return (path) => {
    const rel = path.replace(/^\.\/+/, "").replace(/\/+$/, "");
    let hit = false;
    for (const c of compiled) if (c.re.test(rel)) hit = !c.negate;
    return hit;
  };
}

/**
 * Check one pattern; returns the problem or null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathGlobProblem } from "./glob.ts";
 * assert.equal(pathGlobProblem("src/**"), null);
 * assert.equal(pathGlobProblem("../etc"), '"../etc": paths are workspace-relative and resolved; no "." or ".."');
 * ```
 */
export function pathGlobProblem(pattern: string): string | null {
  try {
    _compile(pattern);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
