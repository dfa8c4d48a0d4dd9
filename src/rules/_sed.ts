/**
 * Private helper of the read-only check: sed only reads when its script is literal and holds no command or flag
 * that runs a program or writes a file (`e`, `w`, `W`, `r`, `R`, `s///e`, `s///w`), and no `-f` script file is
 * given. `--sandbox` is ignored (it only covers the scripts after it): the script is judged all the same.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sedScriptProblem } from "./_sed.ts";
 * assert.equal(sedScriptProblem("s/a/b/g;/^#/d"), null);
 * assert.equal(sedScriptProblem("1e date"), "the e command runs commands or writes files");
 * assert.equal(sedScriptProblem("s/x/y/w out"), "the s///w flag runs commands or writes files");
 * ```
 *
 * @module
 */
import type { Parsed } from "./_getopt.ts";
import type { ShellWord } from "./shell_types.ts";

const SED_BAD = "runs commands or writes files";

/** sed: -i refused by the option table; the script itself must not hold `e`, `w`, `W`, `r`… commands or flags. */
export function checkSed(p: Parsed): string | null {
  // `--sandbox` is not trusted: GNU sed compiles each `-e` as it meets it, so a later `--sandbox` protects nothing
  if (p.options.some((o) => o.name === "-f" || o.name === "--file")) return "sed -f reads a script that is not judged";
  const scripts: ShellWord[] = [];
  for (const o of p.options) if ((o.name === "-e" || o.name === "--expression") && o.value) scripts.push(o.value);
  const operands = [...p.operands];
  if (scripts.length === 0) {
    const first = operands.shift();
    if (!first) return "sed without a script";
    scripts.push(first);
  }
  for (const s of scripts) {
    if (s.value === null) return `sed's script ${s.text} is only known at run time`;
    const r = sedScriptProblem(s.value);
    if (r) return `sed script ${JSON.stringify(s.value)}: ${r}`;
  }
  return null;
}

/**
 * A conservative reader of a sed script: addresses, then commands from a set that neither runs nor writes
 * (`p d q Q = n N l s y h H g G x b t T : D P z F { } !`), `s` flags from `g p i I m M` and digits. Anything else
 * (`e`, `w`, `W`, `r`, `R`, an `s///e` or `s///w`) is refused.
 */
export function sedScriptProblem(script: string): string | null {
  return _readSed(script, null);
}

/**
 * The commands a sed script runs (`e COMMAND`), for rules that raise risk, and why some cannot be known (`e` alone
 * runs the pattern space, `s///e` the replaced line, a script that is not read): the same reader as
 * {@linkcode sedScriptProblem}, reading past the commands that only write or read files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sedExecs } from "./_sed.ts";
 * assert.deepEqual(sedExecs("1e rm -rf x\np"), { commands: ["rm -rf x"], unknown: null });
 * assert.match(sedExecs("s/a/b/e").unknown!, /s\/\/\/e/);
 * ```
 */
export function sedExecs(script: string): { commands: string[]; unknown: string | null } {
  const commands: string[] = [];
  const r = _readSed(script, commands);
  return { commands, unknown: r === null ? null : `sed script ${JSON.stringify(script)}: ${r}` };
}

/**
 * The files a sed script writes or reads by name (`w F`, `W F`, `r F`, `R F`, `s///w F`), and why some cannot be
 * known (a script the reader cannot follow, which may hide such a command). `/dev/stdout` and `/dev/stderr` are
 * sed's own names for its output, not files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sedFiles } from "./_sed.ts";
 * assert.deepEqual(sedFiles("p;w out.txt\ns/a/b/gw log"), { files: ["out.txt", "log"], unknown: null });
 * assert.deepEqual(sedFiles("s/a/b/g"), { files: [], unknown: null });
 * ```
 */
export function sedFiles(script: string): { files: string[]; unknown: string | null } {
  const files: string[] = [];
  const r = _readSed(script, [], files);
  const unknown = r === null ? null : `sed script ${JSON.stringify(script)}: ${r}`;
  return { files: files.filter((f) => f !== "/dev/stdout" && f !== "/dev/stderr"), unknown };
}

/**
 * The scripts of a sed command line (`-e S`, `--expression=S` and its abbreviations, `-neS`, else the first
 * operand; null: only known at run time), and why one is read from a file the gate does not read (`-f F`,
 * `--file=F`, `--fi F`, `-nf F`), or null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { sedScripts } from "./_sed.ts";
 * const args = (s: string) => analyzeScript(s).commands[0]!.argv.slice(1);
 * assert.deepEqual(sedScripts(args("sed -n -e p --expr='w o' f")).scripts, ["p", "w o"]);
 * assert.match(sedScripts(args("sed --fi=prog.sed f")).file!, /script file/);
 * ```
 */
export function sedScripts(args: readonly ShellWord[]): { scripts: Array<string | null>; file: string | null } {
  const scripts: Array<string | null> = [];
  let file: string | null = null;
  const fromFile = (v: string) => {
    file ??= `sed ${v} reads a script file the gate does not read, which may write, read or run anything`;
  };
  let operandScript = true;
  const operands: ShellWord[] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const v = w.value;
    if (v === null || v === "-" || !v.startsWith("-")) {
      operands.push(w);
      continue;
    }
    if (v === "--") {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (v.startsWith("--")) {
      const eq = v.indexOf("=");
      const opt = eq === -1 ? v : v.slice(0, eq);
      const value = eq !== -1 ? v.slice(eq + 1) : null;
      // getopt_long: any prefix GNU sed accepts (`--e`, `--fi`); `--f` is ambiguous there, judged as `--file`
      if (opt.length > 2 && "--expression".startsWith(opt)) {
        scripts.push(eq !== -1 ? value : args[++i]?.value ?? null);
        operandScript = false;
      } else if (opt.length > 2 && "--file".startsWith(opt)) {
        fromFile(v);
        operandScript = false;
        if (eq === -1) i++;
      } else if (opt.length > 3 && "--line-length".startsWith(opt) && eq === -1) i++;
      continue;
    }
    // a cluster: -n, -ne SCRIPT, -nf FILE, -l N, -s
    for (let j = 1; j < v.length; j++) {
      const ch = v[j]!;
      if (ch === "i") break; // `-i.bak`, `-ief`: the rest is the backup suffix
      if (ch !== "e" && ch !== "f" && ch !== "l") continue;
      const attached = v.slice(j + 1);
      const value = attached !== "" ? attached : args[++i]?.value ?? null;
      if (ch === "e") scripts.push(value);
      if (ch === "f") fromFile(v);
      if (ch !== "l") operandScript = false;
      break;
    }
  }
  if (operandScript && operands[0]) scripts.push(operands[0].value);
  return { scripts, file };
}

/**
 * Read a sed script; with `execs`, `e` commands are collected and `w`/`r` files skipped instead of refused; with
 * `files`, the names of `w`/`W`/`r`/`R` and `s///w` are collected.
 */
function _readSed(script: string, execs: string[] | null, files: string[] | null = null): string | null {
  let i = 0;
  const n = script.length;
  const skipSpace = () => {
    while (i < n && /[ \t;\n]/.test(script[i]!)) i++;
  };
  const readDelimited = (delim: string, regex: boolean): boolean => {
    // reads up to an unescaped delim; i is after the opening delimiter
    while (i < n) {
      const ch = script[i]!;
      if (ch === "\\") {
        i += 2;
        continue;
      }
      if (ch === "\n" && delim !== "\n") return false;
      if (ch === "[" && regex) {
        // GNU sed does not end a regex inside a bracket expression (`s/a[/]b/c/w f`): one that holds the
        // delimiter, a backslash or a newline, or does not close, is not judged
        const end = _bracketEnd(script, i);
        if (end === -1) return false;
        const inside = script.slice(i + 1, end);
        if (inside.includes(delim) || inside.includes("\\") || inside.includes("\n")) return false;
        i = end + 1;
        continue;
      }
      i++;
      if (ch === delim) return true;
    }
    return false;
  };
  const readAddress = (): boolean => {
    if (i >= n) return true;
    const ch = script[i]!;
    if (/\d/.test(ch)) {
      while (i < n && /[\d~]/.test(script[i]!)) i++;
      return true;
    }
    if (ch === "$") {
      i++;
      return true;
    }
    if (ch === "/" || ch === "\\") {
      let delim = "/";
      if (ch === "\\") {
        delim = script[i + 1] ?? "";
        i += 2;
      } else i++;
      if (!readDelimited(delim, true)) return false;
      while (i < n && /[IM]/.test(script[i]!)) i++;
      return true;
    }
    return true;
  };
  for (let guard = 0; guard < 10_000; guard++) {
    skipSpace();
    if (i >= n) return null;
    if (!readAddress()) return "an address is not closed";
    if (script[i] === ",") {
      i++;
      if (script[i] === "+" || script[i] === "~") i++;
      if (!readAddress()) return "an address is not closed";
    }
    while (script[i] === " " || script[i] === "!") i++;
    const cmd = script[i];
    if (cmd === undefined) return "an address without a command";
    i++;
    if ("pdqQ=nNlhHgGxDPzF{}".includes(cmd)) {
      if ((cmd === "q" || cmd === "Q" || cmd === "l") && /\d/.test(script[i] ?? "")) {
        while (i < n && /\d/.test(script[i]!)) i++;
      }
      continue;
    }
    if (cmd === "#") {
      while (i < n && script[i] !== "\n") i++;
      continue;
    }
    if (cmd === "b" || cmd === "t" || cmd === "T" || cmd === ":") {
      // GNU sed ends a label at whitespace or `;` and reads a command after it (`:x e cmd` runs cmd): the label
      // is read as short as any sed reads it, and what follows is judged as commands
      while (i < n && (script[i] === " " || script[i] === "\t")) i++;
      while (i < n && !/[;\s]/.test(script[i]!)) i++;
      continue;
    }
    if (cmd === "s" || cmd === "y") {
      const delim = script[i];
      if (delim === undefined || delim === "\\" || delim === "\n") return `${cmd} without a delimiter`;
      i++;
      if (!readDelimited(delim, cmd === "s") || !readDelimited(delim, false)) return `${cmd} is not closed`;
      if (cmd === "s") {
        while (i < n && /[gpiImM0-9]/.test(script[i]!)) i++;
        const f = script[i];
        if (f === "e") return `the s///e flag ${SED_BAD}`;
        if (f === "w" || f === "W") {
          if (execs === null) return `the s///w flag ${SED_BAD}`;
          const start = ++i;
          while (i < n && script[i] !== "\n") i++;
          files?.push(script.slice(start, i).replace(/^[ \t]+/, ""));
        }
      }
      continue;
    }
    if ("aic".includes(cmd)) {
      // a text, i text, c text: output only; the text runs to the end of the line
      while (i < n && script[i] !== "\n") i++;
      continue;
    }
    if (execs !== null && "wWrR".includes(cmd)) {
      // a file name to the end of the line: writes or reads, runs nothing
      const start = i;
      while (i < n && script[i] !== "\n") i++;
      files?.push(script.slice(start, i).replace(/^[ \t]+/, ""));
      continue;
    }
    if (execs !== null && cmd === "e") {
      let end = i;
      while (end < n && script[end] !== "\n") end++;
      const text = script.slice(i, end).trim();
      if (text === "") return `the e command ${SED_BAD}: it runs the pattern space`;
      execs.push(text);
      i = end;
      continue;
    }
    return `the ${cmd} command ${SED_BAD}`;
  }
  return "the script is too long to judge";
}

/** Where the bracket expression opening at `start` (`[`) closes (POSIX: `]` first is literal; `[:…:]`…), or -1. */
function _bracketEnd(script: string, start: number): number {
  let j = start + 1;
  if (script[j] === "^") j++;
  if (script[j] === "]") j++;
  for (; j < script.length; j++) {
    const ch = script[j]!;
    if (ch === "]") return j;
    if (ch === "[" && /[:=.]/.test(script[j + 1] ?? "")) {
      const close = script.indexOf(script[j + 1]! + "]", j + 2);
      if (close === -1) return -1;
      j = close + 1;
    }
  }
  return -1;
}
