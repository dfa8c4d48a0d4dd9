/**
 * Private helper of shell.ts: look through what a simple command runs. Wrappers (_wrappers.ts) are peeled off,
 * `bash -c STRING` and literal `eval`/`trap` strings are handed back to be parsed on their own, `find -exec`
 * commands are handed back as inner commands, and whatever makes the command unknown before it runs (`$CMD`,
 * `source`, `bash script.sh`, an option that is not judged) is named in `dynamic`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { unwrap } from "./_unwrap.ts";
 * const raw = (s: string) => [...analyzeScript(s).commands[0]!.raw];
 * const u = unwrap(raw("nice -n 5 bash -c 'rm -rf x'"));
 * assert.deepEqual(u.wrappers, ["nice"]);
 * assert.deepEqual(u.nested, [{ script: "rm -rf x", how: "bash -c" }]);
 * assert.match(unwrap(raw("source ./env.sh")).dynamic!, /source runs code/);
 * ```
 *
 * @module
 */
import type { ShellWord } from "./shell_types.ts";
import { embedded } from "./_embedded.ts";
import { wrapperArgs, WRAPPERS } from "./_wrappers.ts";

/** Shells whose `-c` string is parsed: only bash, the grammar of the parser. */
const BASH = new Set(["bash"]);
/**
 * Other shells: their `-c` strings are never lowered, since their grammar is not bash's (`/bin/sh` is dash here: no
 * `$'…'`, and `cmd &>f rest` is `cmd &` then `>f rest`). The string is still parsed, as bash, for rules that raise risk.
 */
const OTHER_SHELLS = new Set([
  "sh",
  "dash",
  "ash",
  "ksh",
  "ksh93",
  "mksh",
  "pdksh",
  "oksh",
  "lksh",
  "posh",
  "yash",
  "zsh",
  "rbash",
  "csh",
  "tcsh",
  "fish",
]);
const SYSTEM_PATH = /^\/(usr\/)?(local\/)?s?bin\/[^/]+$/;

/** What a simple command runs once its wrappers are looked through. */
export interface Unwrapped {
  /** argv after the wrappers (`timeout 5 ls -l` → `ls -l`). */
  argv: ShellWord[];
  /** The wrappers looked through, outermost first. */
  wrappers: string[];
  /** Assignments the wrappers make (`env A=b`). */
  assignments: string[];
  /** Files the wrappers write (`time -o FILE`); null: not literal. */
  writes: Array<string | null>;
  /** Why what runs is not known before run time, else null. */
  dynamic: string | null;
  /** More arguments are added at run time (`xargs`). */
  extraArgs: boolean;
  /** A wrapper changes the working directory (`env -C`). */
  cwd: boolean;
  /** The command only runs a script handed back in `nested` (`bash -c '…'`). */
  lookedThrough: boolean;
  /** Scripts to parse on their own: `bash -c` strings, literal `eval` and `trap` strings. */
  nested: Array<{ script: string; how: string }>;
  /** Commands run by the command itself, to judge as commands (`find -exec`). */
  inner: Array<{ argv: ShellWord[]; how: string; extraArgs?: boolean }>;
  /** Why the command runs code given in its arguments (`git -c`, `sed e`, awk `system`): never lowered. */
  code: string | null;
}

/** Look through the wrappers of a command's words. */
export function unwrap(raw: ShellWord[]): Unwrapped {
  const out: Unwrapped = {
    argv: raw,
    wrappers: [],
    assignments: [],
    writes: [],
    dynamic: null,
    extraArgs: false,
    cwd: false,
    lookedThrough: false,
    nested: [],
    inner: [],
    code: null,
  };
  let argv = raw;
  for (let guard = 0; guard < 16; guard++) {
    const head = argv[0];
    if (!head) break;
    if (head.value === null) {
      out.dynamic = `the command word ${head.text} is not known before run time`;
      break;
    }
    // a wrapper named by its system path (/usr/bin/env) is still that wrapper
    const name = SYSTEM_PATH.test(head.value) ? head.value.slice(head.value.lastIndexOf("/") + 1) : head.value;
    if (name === "eval" || name === "source" || name === "." || name === "trap") {
      if (name !== "trap") out.dynamic = `${name} runs code that is not part of the parsed script`;
      // literal eval/trap strings are parsed too, so that rules that raise risk see what they would run
      const code = name === "trap" ? argv.slice(1, 2) : argv.slice(1);
      if (name === "eval" || name === "trap") {
        if (code.length > 0 && code.every((w) => w.value !== null)) {
          out.nested.push({ script: code.map((w) => w.value).join(" "), how: name });
        } else if (code.length > 0) out.dynamic = `${name} runs a string that is not known before run time`;
      }
      break;
    }
    if (out.extraArgs && (Object.hasOwn(WRAPPERS, name) || BASH.has(name) || OTHER_SHELLS.has(name))) {
      // under xargs, a wrapper's command (and a shell's options or string) can be supplied at run time
      if (argv.length === 1 || name === "xargs") {
        out.dynamic = `${name} under xargs runs a command that is only supplied at run time`;
        break;
      }
    }
    if (OTHER_SHELLS.has(name)) {
      const r = _shellCString(argv);
      if (typeof r === "string" && r !== "not -c" && r !== "unknown option") {
        out.nested.push({ script: r, how: `${name} -c` });
      }
      out.dynamic = r === "not -c"
        ? `${name} runs a script that is not part of the parsed script`
        : `${name} -c strings are not lowered: ${name}'s grammar is not bash's, which the parser reads`;
      break;
    }
    if (BASH.has(name)) {
      const r = _shellCString(argv);
      if (r === "not -c") {
        out.dynamic = `${name} runs a script that is not part of the parsed script`;
      } else if (r === "unknown option") {
        out.dynamic = `${name} is given an option whose effect is not judged (${
          argv.slice(1).map((w) => w.text).join(" ")
        })`;
      } else if (r === null) {
        out.dynamic = `${name} -c is given a string that is not known before run time`;
      } else {
        out.nested.push({ script: r, how: `${name} -c` });
        out.lookedThrough = true;
      }
      break;
    }
    if (name === "find") {
      _findExec(argv, out);
      break;
    }
    const spec = Object.hasOwn(WRAPPERS, name) ? WRAPPERS[name] : undefined; // own entries: an inherited name is no wrapper
    if (!spec) break;
    if (name === "command" && _commandLookup(argv)) break; // `command -v NAME`: a lookup, runs nothing
    const r = wrapperArgs(name, spec, argv);
    if (r === null) {
      out.dynamic = `${name} is given arguments whose effect is not judged (${
        argv.slice(1).map((w) => w.text).join(" ")
      })`;
      break;
    }
    out.wrappers.push(name);
    if (r.assignments.length > 0) out.assignments.push(...r.assignments);
    if (r.cwd) out.cwd = true;
    if (r.writes.length > 0) out.writes.push(...r.writes);
    if (r.splitString) {
      out.dynamic = `${name} -S splits a string into a command`;
      break;
    }
    argv = argv.slice(r.start);
    out.argv = argv;
    if (argv.length === 0 && out.extraArgs) {
      out.dynamic = `${name} under xargs runs a command that is only supplied at run time`;
      break;
    }
    if (name === "xargs") {
      out.extraArgs = true;
      if (argv.length === 0) {
        // xargs with no command runs echo
        out.argv = [{ value: "echo", text: "echo", mayBeOption: false, expands: false }];
        break;
      }
      if (r.replace !== null) {
        const rep = r.replace;
        argv = argv.map((
          w,
        ) => (w.value !== null && w.value.includes(rep) ? { ...w, value: null, mayBeOption: true } : w));
        out.argv = argv;
      }
    }
  }
  if (out.dynamic === null) {
    // commands the program runs from its own arguments (_embedded.ts): judged too; unextractable ones make it dynamic
    const e = embedded(out.argv, out.extraArgs);
    out.code = e.code;
    if (e.unknown !== null) out.dynamic = e.unknown;
    out.nested.push(...e.nested);
    out.inner.push(...e.inner);
  }
  return out;
}

/** `command -v NAME` / `command -pV NAME`: only the options before the name count (`command printf -v x` runs). */
function _commandLookup(argv: readonly ShellWord[]): boolean {
  for (let i = 1; i < argv.length; i++) {
    const v = argv[i]!.value;
    if (v === null || v === "--" || !/^-[pvV]+$/.test(v)) return false;
    if (/[vV]/.test(v)) return true;
  }
  return false;
}

/** The command string of `bash -c STRING …`, null when it is not literal, or why it cannot be followed. */
function _shellCString(argv: readonly ShellWord[]): string | null | "not -c" | "unknown option" {
  // bash reads every option first (also after -c), up to `--` or `-`; the first other word is the command string
  let sawC = false;
  let optionsDone = false;
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i]!;
    const v = w.value;
    if (v === null) return sawC ? null : "unknown option";
    if (optionsDone || !/^[-+]/.test(v)) return sawC ? v : "not -c";
    if (v === "--" || v === "-") {
      optionsDone = true;
      continue;
    }
    // --login, -l and -i read startup files (~/.profile, ~/.bashrc) that the workspace may hold: not followed
    if (v === "--norc" || v === "--noprofile") continue;
    if (v === "-o" || v === "+o") {
      const opt = argv[++i]?.value;
      if (opt === undefined || opt === null || !/^(pipefail|errexit|nounset|xtrace|verbose|noglob)$/.test(opt)) {
        return "unknown option";
      }
      continue;
    }
    if (/^[-+][a-zA-Z]+$/.test(v)) {
      for (const ch of v.slice(1)) {
        if (ch === "c" && v[0] === "-") sawC = true;
        else if (!"euxvfB".includes(ch)) return "unknown option";
      }
      continue;
    }
    return "unknown option";
  }
  return sawC ? null : "not -c";
}

/** `find … -exec CMD … ;` (and -execdir, -ok, -okdir): the commands find would run, for rules that raise risk. */
function _findExec(argv: readonly ShellWord[], out: Unwrapped): void {
  for (let i = 1; i < argv.length; i++) {
    const v = argv[i]!.value;
    if (v !== "-exec" && v !== "-execdir" && v !== "-ok" && v !== "-okdir") continue;
    const inner: ShellWord[] = [];
    let j = i + 1;
    for (; j < argv.length; j++) {
      const x = argv[j]!.value;
      if (x === ";" || x === "+") break;
      inner.push(x !== null && x.includes("{}") ? { ...argv[j]!, value: null, mayBeOption: true } : argv[j]!);
    }
    if (inner.length > 0) out.inner.push({ argv: inner, how: `find ${v}` });
    i = j;
  }
}
