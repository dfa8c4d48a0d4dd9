/**
 * Private helper of the git protection: what a command line that git (or a hook manager) hands to `sh -c` on the
 * host may run out of the workspace. A configured command is a program plus words, and the program may resolve any
 * word to many files (node: `x` → `x.js`, `x/index.js`, `x/package.json`'s `main`; python: `x` → `x/__main__.py`,
 * `-m a.b` → `a/__init__.py`, `a/b.py`; a `cd X &&` changes what every later word means). So the rule is structural,
 * never a list of interpreter rules (red team 9, H3):
 *
 * - every word (and every piece of it between quotes, parentheses, `=`, `:`, `,`, `;`: `--require=./x`,
 *   `PYTHONPATH=a:b`, `-e "require('./x')"`), taken from the top of the worktree and from every folder a `cd`/`pushd`
 *   of the line enters, names a path; a dotted name (`a.b.c`, a python module) names `a/b/c` too;
 * - a path in a folder below the top protects that whole folder (`tools/fsmon` protects `tools/`, so `tools/fsmon.js`
 *   and the files it loads beside it); a path at the top protects itself as a tree and its `name.*` siblings (`fsmon`
 *   protects `fsmon`, `fsmon/`, `fsmon.js`, `fsmon.py`), never the whole worktree; a `cd X` protects `X/`;
 * - the program word of a simple command is skipped when it has no `/` (`sh` finds it on `PATH`), and so are options
 *   (`-m`, `--`), but not the value after an `=`;
 * - words are read as `sh` reads them (quotes, backslashes, `&&`, `||`, `;`, `|`, `&`, parentheses, redirections, a
 *   `#` comment); a word that is itself a command (`sh -c 'cd lib && sh run.sh'`) is read again. `$PWD`, `$(pwd)` and
 *   `$(git rev-parse --show-toplevel)` are the top, `~` and `$HOME` the home folder, and other variables
 *   (`${X:-default}` too) take this process's environment;
 * - a value that cannot be read so (an unset variable, `$1`, another command substitution, a glob or a `{a,b}` at the
 *   top of the worktree, a word that names the top itself, an unbalanced quote) is "unreadable": its user fails
 *   closed (the git protection refuses every change in that worktree and process tools until it is changed).
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { dirname, isAbsolute, join, resolve } from "node:path";
import process from "node:process";

/** What a command line may run out of the worktree. */
export interface CommandReach {
  /** Paths (absolute, existing or not) each protected with its whole tree. */
  trees: string[];
  /** Paths at the top of the worktree whose `name.*` siblings are protected too. */
  stems: string[];
  /** Why the line cannot be read as words (its user fails closed), or null. */
  unreadable: string | null;
}

/** A word of a command line: its text once quotes are removed, and whether part of it was a glob outside quotes. */
interface Word {
  text: string;
  glob: boolean;
}

/** One command line read as `sh` does: its simple commands (words), or why it cannot be read. */
interface Parsed {
  commands: Word[][];
  unreadable: string | null;
}

const OPERATORS = new Set([";", "&", "|", "(", ")", "\n", "<", ">"]);
const MAX_DEPTH = 4;

function env(name: string): string | undefined {
  try {
    return process.env[name];
  } catch {
    return undefined; // no access to the environment: as if unset
  }
}

/**
 * Expand the `$…` at `s[i]` (a `$`); returns the text and the index after it, or a reason it cannot be read.
 */
function _dollar(s: string, i: number, top: string, depth: number): { text: string; end: number } | string {
  const rest = s.slice(i + 1);
  const sub = /^\(\s*(pwd|git\s+rev-parse\s+--show-toplevel)\s*\)/.exec(rest);
  if (sub) return { text: top, end: i + 1 + sub[0].length };
  if (rest.startsWith("(")) return `the command substitution ${JSON.stringify(s.slice(i, i + 30))}`;
  const vars = (name: string): string | null => (name === "PWD" ? top : env(name) ?? null);
  const plain = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
  if (plain) {
    const v = vars(plain[0]);
    return v === null ? `the variable $${plain[0]}, which is not set here` : { text: v, end: i + 1 + plain[0].length };
  }
  const braced = /^\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=])([^{}]*))?\}/.exec(rest);
  if (braced) {
    const v = vars(braced[1] as string);
    const end = i + 1 + braced[0].length;
    if (v !== null && (v !== "" || braced[2] === undefined || !braced[2].startsWith(":"))) return { text: v, end };
    if (braced[2] === undefined) return `the variable \${${braced[1]}}, which is not set here`;
    const d = _words(braced[3] as string, top, depth + 1);
    if (d.unreadable !== null) return d.unreadable;
    return { text: d.commands.flat().map((w) => w.text).join(" "), end };
  }
  if (rest === "" || /^[\s"]/.test(rest)) return { text: "$", end: i + 1 };
  return `${JSON.stringify(s.slice(i, i + 12))}, which depends on how the line is run`;
}

/** Read a command line into simple commands of words, as `sh -c` does (see the module's notes). */
function _words(s: string, top: string, depth = 0): Parsed {
  const commands: Word[][] = [[]];
  let cur: Word | null = null;
  const flush = () => {
    if (cur !== null) (commands[commands.length - 1] as Word[]).push(cur);
    cur = null;
  };
  const add = (t: string, glob = false) => {
    cur ??= { text: "", glob: false };
    cur.text += t;
    if (glob) cur.glob = true;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === " " || c === "\t" || c === "\r") {
      flush();
      continue;
    }
    if (OPERATORS.has(c)) {
      flush();
      if (c === "<" || c === ">") {
        // a redirection: the file after it is a word of the same command
        while (s[i + 1] === ">" || s[i + 1] === "&" || s[i + 1] === "|") i++;
        continue;
      }
      commands.push([]);
      continue;
    }
    if (c === "#" && cur === null) {
      const nl = s.indexOf("\n", i);
      if (nl < 0) break;
      i = nl - 1;
      continue;
    }
    if (c === "\\") {
      if (i + 1 < s.length && s[i + 1] !== "\n") add(s[i + 1] as string);
      i++;
      continue;
    }
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return { commands, unreadable: "an unbalanced single quote" };
      add(s.slice(i + 1, end));
      i = end;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        const d = s[j] as string;
        if (d === "\\" && j + 1 < s.length && '"\\$`\n'.includes(s[j + 1] as string)) {
          if (s[j + 1] !== "\n") add(s[j + 1] as string);
          j++;
        } else if (d === "$") {
          const x = _dollar(s, j, top, depth);
          if (typeof x === "string") return { commands, unreadable: x };
          add(x.text);
          j = x.end - 1;
        } else if (d === "`") return { commands, unreadable: "a command substitution (`…`)" };
        else add(d);
      }
      if (j >= s.length) return { commands, unreadable: "an unbalanced double quote" };
      add("");
      i = j;
      continue;
    }
    if (c === "`") {
      const end = s.indexOf("`", i + 1);
      if (end > 0 && /^\s*pwd\s*$/.test(s.slice(i + 1, end))) {
        add(top);
        i = end;
        continue;
      }
      return { commands, unreadable: "a command substitution (`…`)" };
    }
    if (c === "$") {
      const x = _dollar(s, i, top, depth);
      if (typeof x === "string") return { commands, unreadable: x };
      add(x.text);
      i = x.end - 1;
      continue;
    }
    if (c === "~" && cur === null && (s[i + 1] === "/" || s[i + 1] === undefined || /[\s;&|)]/.test(s[i + 1]!))) {
      const home = env("HOME");
      if (!home) return { commands, unreadable: "a ~ with no home folder set" };
      add(home);
      continue;
    }
    add(c, c === "*" || c === "?" || c === "[" || c === "{");
  }
  flush();
  return { commands: commands.filter((c) => c.length > 0), unreadable: null };
}

/** The pieces of a word that may each name a path: the word, and what lies between quotes, `=`, `:` and the like. */
function _pieces(text: string): string[] {
  const out = new Set<string>();
  const consider = (t: string) => {
    if (t === "" || t.startsWith("-")) return;
    out.add(t);
    // a python module (`-m a.b.c`): a/b/c
    if (/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(t)) out.add(t.replaceAll(".", "/"));
  };
  consider(text);
  const eq = text.indexOf("=");
  if (text.startsWith("-") && eq > 0) consider(text.slice(eq + 1));
  for (const piece of text.split(/[\s'"`()[\]{},;=:<>|&!]+/)) consider(piece);
  return [...out];
}

/**
 * What the command line `value` (run by `sh -c` in the worktree `top`) may run out of the worktree: see the
 * module's notes. `inside` says whether a path is one the agent can write (only those are listed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { commandReach } from "./_command.ts";
 * const inside = (p: string) => p.startsWith("/ws/");
 * assert.deepEqual(commandReach("node tools/fsmon", "/ws", inside).trees, ["/ws/tools"]);
 * assert.ok(commandReach("cd tools && sh fsmon.sh", "/ws", inside).trees.includes("/ws/tools"));
 * assert.deepEqual(commandReach("python3 -m a.b", "/ws", inside).trees, ["/ws/a.b", "/ws/a"]);
 * assert.deepEqual(commandReach("rs-git-fsmonitor", "/ws", inside).trees, []);
 * assert.match(commandReach('sh "$1"', "/ws", inside).unreadable ?? "", /\$1/);
 * ```
 */
export function commandReach(value: string, top: string, inside: (p: string) => boolean): CommandReach {
  const out: CommandReach = { trees: [], stems: [], unreadable: null };
  const cwds = [top];
  const protect = (p: string, word: string) => {
    if (!inside(p)) return;
    const d = dirname(p);
    if (p === top || !inside(d) && d !== top) {
      out.unreadable ??= `the word ${
        JSON.stringify(word)
      } names the top of the worktree, where a program may load any file`;
      return;
    }
    if (d !== top) {
      if (!out.trees.some((t) => t === d || d.startsWith(t + "/"))) out.trees.push(d);
    } else {
      if (!out.trees.includes(p)) out.trees.push(p);
      if (!out.stems.includes(p)) out.stems.push(p);
    }
  };
  const paths = (text: string, from: readonly string[]): string[] => {
    if (text.includes("\0")) return [];
    return isAbsolute(text) ? [resolve(text)] : from.map((c) => resolve(c, text));
  };
  const read = (line: string, depth: number) => {
    const parsed = _words(line, top, depth);
    if (parsed.unreadable !== null) {
      out.unreadable ??= parsed.unreadable;
      return;
    }
    for (const words of parsed.commands) {
      let program = true;
      let cd = false;
      for (const w of words) {
        const text = w.text;
        if (program && /^[A-Za-z_][A-Za-z0-9_]*=/.test(text)) {
          // an assignment before the program (`PYTHONPATH=tools python3 x`): its pieces are words
        } else if (program) {
          program = false;
          cd = text === "cd" || text === "pushd";
          if (!text.includes("/")) continue; // found on PATH
        } else if (cd && !text.startsWith("-")) {
          cd = false;
          if (w.glob) {
            out.unreadable ??= `the folder ${JSON.stringify(text)} a cd enters is a pattern`;
            continue;
          }
          for (const p of paths(text, [...cwds])) {
            if (inside(p) && p !== top) {
              if (!out.trees.includes(p)) out.trees.push(p);
            }
            if (!cwds.includes(p)) cwds.push(p);
          }
          continue;
        }
        if (/[\s;&|\n]/.test(text)) {
          // a word that is a command itself (`sh -c '…'`, `-e '…'`): read again, as a line
          if (depth < MAX_DEPTH) read(text, depth + 1);
          else out.unreadable ??= `commands nested more than ${MAX_DEPTH} deep`;
          continue;
        }
        if (w.glob) {
          // a pattern: the folder before its first patterned part, whole
          const parts = text.split("/");
          const at = parts.findIndex((p) => /[*?[{]/.test(p));
          const folder = parts.slice(0, at).join("/");
          if (folder === "" && !isAbsolute(text)) {
            out.unreadable ??= `the pattern ${JSON.stringify(text)} matches files at the top of the worktree`;
            continue;
          }
          for (const p of paths(folder || "/", cwds)) protect(join(p, "x"), text);
          continue;
        }
        for (const piece of _pieces(text)) for (const p of paths(piece, cwds)) protect(p, piece);
      }
    }
  };
  read(value, 0);
  return out;
}

/** `core.fsmonitor` values that are not a command: the built-in daemon (`true`) or off. */
export function isBooleanValue(value: string): boolean {
  return /^(true|false|yes|no|on|off|0|1|)$/i.test(value.trim());
}
