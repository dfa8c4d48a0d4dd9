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

/** One path segment of an anchored pattern: a name matcher, or `**` (zero or more folders). */
type Segment = RegExp | "**";

/** One compiled gitignore-style pattern. */
interface PathPattern {
  readonly negate: boolean;
  readonly re: RegExp;
  /** Matches a name at any depth (no slash in the pattern). */
  readonly anchored: boolean;
  /**
   * The anchored pattern as segments, a trailing `**` written as one name then `**` (it needs at least one);
   * null when the pattern cannot be split at its slashes (a slash inside `[…]` or escaped): judged conservatively.
   */
  readonly segments: readonly Segment[] | null;
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
  return { negate, re: new RegExp(src, "s"), anchored, segments: anchored ? _segments(p) : null };
}

const ANY_NAME = /^/;

function _segments(p: string): Segment[] | null {
  const out: Segment[] = [];
  const parts = p.split("/");
  for (let i = 0; i < parts.length; i++) {
    const seg = parts[i]!;
    if (seg === "**") {
      if (i === parts.length - 1) out.push(ANY_NAME); // a trailing "/**" is everything *inside*: one name at least
      out.push("**");
      continue;
    }
    try {
      out.push(new RegExp(`^${_translate(seg)}$`, "s"));
    } catch {
      return null; // "[a/b]" or "a\\/b" split at the slash: not a segment on its own
    }
  }
  return out;
}

/**
 * Whether one compiled pattern may match a path strictly below `dir`, at most `depth` names down. Exact for
 * anchored patterns made of segments; true (the conservative answer) for the others.
 */
function _mayMatchBelow(c: PathPattern, dir: string, depth: number): boolean {
  if (depth < 1) return false;
  const rel = _normal(dir);
  if (rel !== "." && c.re.test(rel)) return true; // the folder itself or one above it: all of it
  if (!c.anchored || c.segments === null) return true; // a name at any depth: some name below may be it
  const segs = c.segments;
  const closure = (states: Set<number>): Set<number> => {
    for (const i of states) if (segs[i] === "**") states.add(i + 1); // "**" may match no folder
    return states;
  };
  let states = closure(new Set([0]));
  for (const name of rel === "." ? [] : rel.split("/")) {
    const next = new Set<number>();
    for (const i of states) {
      const seg = segs[i];
      if (seg === undefined) continue; // the pattern ended above dir (re.test said no: a negation-free miss)
      if (seg === "**") next.add(i);
      else if (seg.test(name)) next.add(i + 1);
    }
    if (next.size === 0) return false;
    states = closure(next);
  }
  for (const i of states) {
    if (i >= segs.length) continue; // the pattern is used up at dir itself: re.test answered that
    const names = segs.slice(i).filter((s) => s !== "**").length;
    if (Math.max(names, 1) <= depth) return true;
  }
  return false;
}

function _normal(path: string): string {
  const rel = path.replace(/^\.\/+/, "").replace(/\/+$/, "");
  return rel === "" ? "." : rel;
}

/**
 * Whether a gitignore-style pattern may match a path strictly below the folder `dir` (workspace-relative, `.` for
 * the root), at most `depth` names down (default: any depth). A tool that acts on a whole tree (delete_dir) or on a
 * folder's entries (list_dir) touches every such path, so a floor rule protecting `src/important/**` must apply to
 * `delete_dir src`. Conservative: a pattern without a slash (a name at any depth) may always match below, and so may
 * a pattern that matches `dir` or a folder above it; a negated pattern is judged as its positive part.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { globMayMatchBelow } from "./glob.ts";
 * assert.equal(globMayMatchBelow("src/important/**", "src"), true);
 * assert.equal(globMayMatchBelow("src/important/**", "."), true);
 * assert.equal(globMayMatchBelow("src/important/**", "lib"), false);
 * assert.equal(globMayMatchBelow("src/important/**", "src/other"), false);
 * assert.equal(globMayMatchBelow(".github/workflows/**", ".github/workflows", 1), true);
 * assert.equal(globMayMatchBelow(".github/workflows/**", ".", 1), false); // the entries of "." are not inside it
 * assert.equal(globMayMatchBelow("*.yml", "anything"), true);
 * ```
 */
export function globMayMatchBelow(glob: string, dir: string, depth = Infinity): boolean {
  return _mayMatchBelow(_compile(glob), dir, depth);
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
 * assert.equal(compilePathGlobs(["s\u00e9crets/**"])("se\u0301crets/k"), true); // the same name in NFC
 * ```
 */
export function compilePathGlobs(patterns: readonly string[]): PathMatcher {
  // names are compared in Unicode NFC too (red team 12, K2): a server may open `sécrets/k` for `se\u0301crets/k`
  // (NFD) or `Keys/k` for `\u212aeys/k` (KELVIN SIGN), so a pattern and a path that are the same name in NFC match
  const compiled = patterns.flatMap((p) => _forms(p)).map((p) => _compile(p));
  const test = (rel: string) => {
    let hit = false;
    for (const c of compiled) if (c.re.test(rel)) hit = !c.negate;
    return hit;
  };
  const match = (path: string) => {
    const rel = path.replace(/^\.\/+/, "").replace(/\/+$/, "");
    if (test(rel)) return true;
    const nfc = _NON_ASCII.test(rel) ? rel.normalize("NFC") : rel;
    return nfc !== rel && test(nfc);
  };
  const below = (c: PathPattern, dir: string, depth: number) =>
    _mayMatchBelow(c, dir, depth) || (_NON_ASCII.test(dir) && _mayMatchBelow(c, dir.normalize("NFC"), depth));
  const mayMatchBelow = (dir: string, depth = Infinity) =>
    match(dir) || compiled.some((c) => !c.negate && below(c, dir, depth));
  const matchesAllBelow = (dir: string, depth = Infinity) =>
    match(dir) && !compiled.some((c) => c.negate && below(c, dir, depth));
  return Object.assign(match, { mayMatchBelow, matchesAllBelow });
}

const _NON_ASCII = /[\u0080-\uffff]/;

/** A pattern, then its Unicode NFC form when that differs. */
function _forms(p: string): string[] {
  if (!_NON_ASCII.test(p)) return [p];
  const n = p.normalize("NFC");
  return n === p ? [p] : [p, n];
}

/**
 * A compiled list of path patterns: called on a path, whether the list matches it; and for a call that acts on a
 * folder's tree (delete_dir) or entries (list_dir, `depth` 1), whether the list may match anything there (what a
 * floor or a raising rule needs) or surely matches all of it (what a lowering rule needs: the folder matches and no
 * negation may match below it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePathGlobs } from "./glob.ts";
 * const m = compilePathGlobs(["src/**", "!src/generated/**"]);
 * assert.equal(m("src/a.ts"), true);
 * assert.equal(m.mayMatchBelow("."), true);
 * assert.equal(m.matchesAllBelow("src/lib"), true);
 * assert.equal(m.matchesAllBelow("src"), false); // "src" itself is not inside "src/**"
 * assert.equal(m.matchesAllBelow("src/generated"), false);
 * ```
 */
export interface PathMatcher {
  /** Whether the list matches this workspace-relative path. */
  (relativePath: string): boolean;
  /** Whether the list matches `dir`, or one of its positive patterns may match a path below it (to `depth`). */
  mayMatchBelow(dir: string, depth?: number): boolean;
  /** Whether the list matches `dir` and no negation may match it or a path below it (to `depth`). */
  matchesAllBelow(dir: string, depth?: number): boolean;
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
