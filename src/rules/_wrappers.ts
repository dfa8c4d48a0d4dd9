/**
 * Private helper of the shell analysis: the wrappers that run their arguments as a command (`timeout`, `nice`,
 * `nohup`, `stdbuf`, `command`, `builtin`, `exec`, `time`, `env`, `xargs`), their options, and where the command they
 * run starts. An option that is not known, or a value only known at run time where an option could hide, makes the
 * wrapper unjudgeable (null), so that nothing behind it is lowered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { WRAPPERS, wrapperArgs } from "./_wrappers.ts";
 * const argv = analyzeScript("timeout -s KILL 5 ls -l").commands[0]!.raw;
 * assert.equal(wrapperArgs("timeout", WRAPPERS.timeout!, argv)?.start, 4);
 * const bad = analyzeScript("timeout --bogus 5 ls").commands[0]!.raw;
 * assert.equal(wrapperArgs("timeout", WRAPPERS.timeout!, bad), null);
 * ```
 *
 * @module
 */
import type { ShellWord } from "./shell_types.ts";

/** Options of a wrapper: those that take a value (`-n 5`, `--adjustment=5`) and those that do not. */
export interface WrapperSpec {
  /** Short options taking a value (the value may be attached: `-n5`). */
  short: string;
  /** Short flags without a value. */
  flags: string;
  /** Long options that require a value (`--signal=KILL` or `--signal KILL`). */
  long: readonly string[];
  /** Long options whose value is optional: only an attached `=value` is theirs (`--replace={}`). */
  longOptional?: readonly string[];
  /** Long flags without a value. */
  longFlags: readonly string[];
  /** Positional arguments before the command (`timeout DURATION cmd`). */
  positionals: number;
}

/** The wrappers looked through, and their options. */
export const WRAPPERS: Record<string, WrapperSpec> = {
  timeout: {
    short: "sk",
    flags: "v",
    long: ["--signal", "--kill-after"],
    longFlags: ["--preserve-status", "--foreground", "--verbose"],
    positionals: 1,
  },
  nice: { short: "n", flags: "", long: ["--adjustment"], longFlags: [], positionals: 0 },
  nohup: { short: "", flags: "", long: [], longFlags: [], positionals: 0 },
  stdbuf: { short: "ioe", flags: "", long: ["--input", "--output", "--error"], longFlags: [], positionals: 0 },
  command: { short: "", flags: "p", long: [], longFlags: [], positionals: 0 },
  builtin: { short: "", flags: "", long: [], longFlags: [], positionals: 0 },
  // `exec -a NAME` renames argv[0] (`-a sh` puts bash in POSIX mode) and `-l` makes a login shell: not judged
  exec: { short: "", flags: "c", long: [], longFlags: [], positionals: 0 },
  time: {
    short: "fo",
    flags: "pav",
    long: ["--format", "--output"],
    longFlags: ["--portability", "--append", "--verbose", "--quiet"],
    positionals: 0,
  },
  env: {
    short: "uC",
    flags: "i0v",
    long: ["--unset", "--chdir"],
    longFlags: ["--ignore-environment", "--null", "--debug"],
    positionals: 0,
  },
  xargs: {
    short: "adEeIiLlnPs",
    flags: "0prtx",
    long: ["--arg-file", "--delimiter", "--max-args", "--max-procs", "--max-chars"],
    longOptional: ["--eof", "--replace", "--max-lines"],
    longFlags: ["--null", "--interactive", "--no-run-if-empty", "--verbose", "--exit", "--open-tty", "--show-limits"],
    positionals: 0,
  },
};

/** xargs options whose value is optional and must be attached (`-i{}`, `-l5`, `-e` alone). */
const XARGS_OPTIONAL = new Set(["e", "i", "l"]);

/** Where the command behind a wrapper starts, and what the wrapper's options do to it. */
export interface WrapperArgs {
  /** Index in argv of the command the wrapper runs. */
  start: number;
  /** Assignments it makes (`env A=b`, `env -u A`, `env -i`). */
  assignments: string[];
  /** Files it writes (`time -o FILE`); null: not literal. */
  writes: Array<string | null>;
  /** It changes the working directory (`env -C`). */
  cwd: boolean;
  /** `env -S`: it splits a string into a command (`start` is the -S word). */
  splitString: boolean;
  /** `xargs -I`: the replacement string in the command's words. */
  replace: string | null;
}

/** Parse a wrapper's options; null when they cannot be judged. */
export function wrapperArgs(name: string, spec: WrapperSpec, argv: readonly ShellWord[]): WrapperArgs | null {
  const res: WrapperArgs = { start: 1, assignments: [], writes: [], cwd: false, splitString: false, replace: null };
  let positionals = spec.positionals;
  let i = 1;
  const takeValue = (attached: string): string | null | undefined => {
    if (attached !== "") return attached;
    const w = argv[++i];
    if (!w) return undefined;
    return w.value;
  };
  const onValue = (opt: string, value: string | null): boolean => {
    if ((name === "env" && (opt === "C" || opt === "--chdir"))) res.cwd = true;
    if (name === "env" && (opt === "u" || opt === "--unset")) res.assignments.push(`(unset ${value ?? "?"})`);
    if (name === "time" && (opt === "o" || opt === "--output")) res.writes.push(value);
    if (name === "xargs" && (opt === "I" || opt === "i" || opt === "--replace")) {
      if (value === null) return false;
      res.replace = value === "" ? "{}" : value;
    }
    return true;
  };
  for (; i < argv.length; i++) {
    const w = argv[i]!;
    const v = w.value;
    if (v === null) {
      if (positionals > 0 && !w.mayBeOption) {
        positionals--;
        continue;
      }
      return null;
    }
    if (v === "--") {
      i++;
      break;
    }
    // `--split-string=STR` and its abbreviations (`--sp=STR`, getopt_long takes them) before assignments: the word
    // has a `=` but is the option (red team 7, F2)
    if (
      name === "env" &&
      (v === "-S" || /^--sp(l(i(t(-(s(t(r(i(ng?)?)?)?)?)?)?)?)?)?(=|$)/.test(v) || /^-[i0v]*S/.test(v))
    ) {
      res.splitString = true;
      res.start = i;
      return res;
    }
    if (name === "env" && /^[^=]+=/.test(v) && !v.startsWith("-")) {
      // GNU env takes any word with `=` before the command as an assignment (`BASH_FUNC_ls%%=() {…}` too)
      res.assignments.push(v);
      continue;
    }
    if (name === "env" && v === "-") {
      res.assignments.push("(empty environment)");
      continue;
    }
    if (name === "nice" && /^-\d+$/.test(v)) continue;
    if (v.startsWith("--")) {
      const eq = v.indexOf("=");
      const opt = eq === -1 ? v : v.slice(0, eq);
      if (spec.longFlags.includes(opt) && eq === -1) {
        if (name === "env" && opt === "--ignore-environment") res.assignments.push("(empty environment)");
        continue;
      }
      if (spec.longOptional?.includes(opt)) {
        if (!onValue(opt, eq === -1 ? "" : v.slice(eq + 1))) return null;
        continue;
      }
      if (spec.long.includes(opt)) {
        const value = eq === -1 ? takeValue("") : v.slice(eq + 1);
        if (value === undefined) return null;
        if (!onValue(opt, value)) return null;
        continue;
      }
      return null;
    }
    if (v.startsWith("-") && v.length > 1) {
      let j = 1;
      let ok = true;
      while (j < v.length) {
        const ch = v[j]!;
        if (spec.flags.includes(ch)) {
          if (name === "env" && ch === "i") res.assignments.push("(empty environment)");
          j++;
          continue;
        }
        if (spec.short.includes(ch)) {
          const attached = v.slice(j + 1);
          if (name === "xargs" && XARGS_OPTIONAL.has(ch)) {
            if (!onValue(ch, ch === "i" ? attached : attached || null)) return null;
          } else {
            const value = takeValue(attached);
            if (value === undefined) return null;
            if (!onValue(ch, value)) return null;
          }
          break;
        }
        ok = false;
        break;
      }
      if (!ok) return null;
      continue;
    }
    if (positionals > 0) {
      positionals--;
      continue;
    }
    break;
  }
  if (positionals > 0) return null;
  res.start = i;
  return res;
}
