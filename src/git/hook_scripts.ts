/**
 * The worktree paths an installed hook script runs or sources (red team 9, H12). A hook in the hooks folder (or
 * `core.hooksPath`) is protected, but it is only as safe as the files it executes: lefthook's stub runs
 * `$dir/node_modules/lefthook-<os>-<arch>/bin/lefthook` (and three other `node_modules` fall-backs), a hand-written
 * hook runs `./scripts/check.sh`, pre-commit's runs `INSTALL_PYTHON=<venv>/bin/python`. The rule is structural:
 * every word of a hook script (they are small shell scripts) that names a path inside the worktree is protected,
 * whether it exists yet or not (the stub tries each fall-back in turn, so a missing one must not be created).
 *
 * How a word is read:
 * - `$dir`/`${dir}` where the script sets `dir=$(git rev-parse --show-toplevel)` (or `$(pwd)`), and `$PWD`, are the
 *   top of the worktree; `${0%/*}` and `$(dirname "$0")` are the hooks folder (already protected as a whole);
 * - a variable whose name says OS or CPU architecture (lefthook's `osArch`, `cpuArch`) takes this host's values;
 *   any other variable, a command substitution or a glob left in the word makes it unreadable: it is skipped;
 * - absolute paths, `./x`, `../x` and relative words with a `/` (taken from the top, where git runs hooks) count;
 *   a relative word whose first folder does not exist is skipped (`s/aarch64/arm64/` is a sed expression);
 * - what is protected: below `node_modules` (the last one), the whole package (`node_modules/<name>` or `node_modules/@s/<name>`:
 *   a binary or `index.js` loads its package's other files); a `<venv>/bin/python*` protects the venv; else the path;
 *   a unit that is a symlink (pnpm's `node_modules/<name>`) protects the link and where it leads. A word that names
 *   a folder otherwise (`eslint src/`) is skipped: the hook reads it, and protecting `src/` would stop all work.
 *
 * Each hook file is parsed once per (size, mtime, inode): the protection set is computed per call from the cache.
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { lstatSync, readdirSync } from "node:fs";
import { isAbsolute, join, resolve, sep } from "node:path";
import process from "node:process";
import { isWithin, realPathLoose } from "../_util/paths.ts";
import { lstatOr, readText } from "./_fs.ts";

/** A worktree path a hook script runs, as {@linkcode hookScriptPaths} returns it. */
export interface HookScriptPath {
  /** The path (absolute; a real path as far as it exists). */
  path: string;
  /** Protected as a folder (a package, a venv) or a file. */
  kind: "file" | "dir";
  /** Why, for messages. */
  why: string;
}

/** A word of a hook script, as parsed: where it is anchored and the rest of the path. */
export interface HookScriptWord {
  base: "top" | "hooks" | "abs" | "rel";
  rest: string;
}

const MAX_FILES = 64;
const MAX_WORDS = 256;
const TOP = "\u0000TOP\u0000";
const HOOKS = "\u0000HOOKS\u0000";

const _cache = new Map<string, { sig: string; words: HookScriptWord[] }>();

function _os(): string {
  return process.platform;
}

function _arch(): string {
  return process.arch === "arm64" ? "arm64" : process.arch === "x64" ? "x64" : process.arch;
}

/**
 * The path words of one hook script's text (exported for tests).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hookScriptWords } from "./hook_scripts.ts";
 * const text = 'dir="$(git rev-parse --show-toplevel)"\n"$dir/node_modules/x/bin/x" "$@"\n./scripts/check.sh\n';
 * assert.deepEqual(hookScriptWords(text), [
 *   { base: "top", rest: "node_modules/x/bin/x" },
 *   { base: "rel", rest: "./scripts/check.sh" },
 * ]);
 * ```
 */
export function hookScriptWords(text: string): HookScriptWord[] {
  const topVars = new Set(["PWD"]);
  for (const m of text.matchAll(/\b([A-Za-z_]\w*)=["']?\$\(\s*(?:git\s+rev-parse\s+--show-toplevel|pwd)\s*\)/g)) {
    topVars.add(m[1]!);
  }
  let t = text
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    .join("\n")
    .replace(/\$\(\s*dirname\s+(?:--\s+)?["']?\$0["']?\s*\)/g, HOOKS)
    .replace(/\$\{0%\/\*\}/g, HOOKS)
    .replace(/\$\(\s*(?:git\s+rev-parse\s+--show-toplevel|pwd)\s*\)/g, TOP);
  t = t.replace(/\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)/g, (all, a?: string, b?: string) => {
    const name = (a ?? b)!;
    if (topVars.has(name)) return TOP;
    if (/os/i.test(name) && !/host/i.test(name)) return _os();
    if (/arch|cpu/i.test(name)) return _arch();
    return all;
  });
  const out: HookScriptWord[] = [];
  const seen = new Set<string>();
  for (const raw of t.split(/[\s;|&()<>`=]+/)) {
    const w = raw.replace(/["']/g, "");
    if (w === "" || w.startsWith("-") || /[$*?[\]{}\\]/.test(w)) continue;
    let word: HookScriptWord | null = null;
    if (w.startsWith(TOP)) word = { base: "top", rest: w.slice(TOP.length).replace(/^\/+/, "") };
    else if (w.startsWith(HOOKS)) word = { base: "hooks", rest: w.slice(HOOKS.length).replace(/^\/+/, "") };
    else if (w.includes("\u0000")) continue;
    else if (isAbsolute(w)) word = { base: "abs", rest: w };
    else if (w.includes("/") && /^[\w.@+-][\w.@+/-]*$/.test(w) && !w.includes("//")) word = { base: "rel", rest: w };
    if (word === null || word.rest === "") continue;
    const key = `${word.base}:${word.rest}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(word);
    if (out.length >= MAX_WORDS) break;
  }
  return out;
}

function _sig(p: string): string | null {
  try {
    const st = lstatSync(p);
    return st.isFile() ? `${st.size}:${st.mtimeMs}:${st.ino}` : null;
  } catch {
    return null;
  }
}

function _exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** What to protect for `p`: its npm package, its venv, or itself. */
function _unit(root: string, p: string): { path: string; kind: "file" | "dir" } | null {
  const parts = p.slice(root.length + 1).split(sep);
  const nm = parts.lastIndexOf("node_modules", parts.length - 2);
  if (nm >= 0 && nm + 1 < parts.length - 1) {
    const end = parts[nm + 1]!.startsWith("@") ? nm + 3 : nm + 2;
    if (end <= parts.length) return { path: join(root, ...parts.slice(0, end)), kind: "dir" };
  }
  const py = /^(.*)\/bin\/python[\d.]*$/.exec(p);
  if (py && py[1] !== root && _exists(join(py[1]!, "pyvenv.cfg"))) return { path: py[1]!, kind: "dir" };
  // a folder the hook names (`eslint src/`) is what it reads, not code it runs: not protected (see the notes)
  if (p.endsWith(sep)) return null;
  try {
    if (lstatSync(p).isDirectory()) return null;
  } catch { /* missing: a file */ }
  return { path: p, kind: "file" };
}

/**
 * The worktree paths the hook scripts in `hookDir` run or source, for the worktree `root` (see the module's notes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { hookScriptPaths } from "./hook_scripts.ts";
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "hs-")));
 * mkdirSync(join(root, "hooks"));
 * writeFileSync(join(root, "hooks", "pre-commit"), '#!/bin/sh\nd="$(git rev-parse --show-toplevel)"\n"$d/node_modules/lefthook/bin/index.js"\n');
 * assert.deepEqual(hookScriptPaths(root, join(root, "hooks")).map((p) => [p.path.slice(root.length), p.kind]), [
 *   ["/node_modules/lefthook", "dir"],
 * ]);
 * rmSync(root, { recursive: true });
 * ```
 */
export function hookScriptPaths(root: string, hookDir: string): HookScriptPath[] {
  let names: string[];
  try {
    names = readdirSync(hookDir).filter((n) => !n.endsWith(".sample")).sort().slice(0, MAX_FILES);
  } catch {
    return [];
  }
  const out: HookScriptPath[] = [];
  const gitEntry = join(root, ".git");
  for (const n of names) {
    const file = join(hookDir, n);
    const sig = _sig(file);
    if (sig === null) continue;
    let hit = _cache.get(file);
    if (hit?.sig !== sig) {
      const text = readText(file);
      hit = { sig, words: text === null ? [] : hookScriptWords(text) };
      if (_cache.size > 1024) _cache.clear();
      _cache.set(file, hit);
    }
    for (const w of hit.words) {
      const base = w.base === "top" || w.base === "rel" ? root : w.base === "hooks" ? hookDir : "/";
      const p0 = resolve(base, w.rest);
      if (!isWithin(p0, root) || p0 === root || isWithin(p0, gitEntry) || isWithin(p0, hookDir)) continue;
      if (w.base === "rel" && !w.rest.startsWith(".")) {
        // a bare relative word: a path only when its first folder is there (not a sed expression, a URL path)
        const first = w.rest.split("/")[0]!;
        if (!_exists(join(root, first))) continue;
      }
      // the unit (package, venv, file) as the hook names it, then where it leads (pnpm links packages)
      const named = _unit(root, p0);
      if (named === null) continue;
      const real = realPathLoose(named.path);
      for (const path of real === named.path ? [real] : [named.path, real]) {
        if (!isWithin(path, root) || path === root || out.some((o) => o.path === path)) continue;
        const kind = path === named.path ? named.kind : lstatOr(real)?.isDirectory() ? "dir" : "file";
        out.push({ path, kind, why: `run by the hook ${JSON.stringify(file)}` });
      }
    }
  }
  return out;
}
