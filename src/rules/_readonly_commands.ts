/**
 * Private helper of the read-only check: the table of the built-in read-only commands (SPEC §1.1), each with the
 * options that matter and a further check of its arguments. docs/rules.md lists them with the reasons.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { COMMANDS } from "./_readonly_commands.ts";
 * assert.ok(Object.hasOwn(COMMANDS, "grep"));
 * assert.equal(COMMANDS.sort!.options!.badShort!.o, "writes its output to a file");
 * assert.equal(Object.hasOwn(COMMANDS, "rm"), false);
 * ```
 *
 * @module
 */
import { checkAwk } from "./_awk.ts";
import type { OptionSpec, Parsed } from "./_getopt.ts";
import { checkSed } from "./_sed.ts";

/** How one read-only command is judged. */
export interface CommandSpec {
  /** Some option is refused, so an argument only known at run time (it could be that option) is refused too. */
  readonly sensitive?: boolean;
  /** Options that matter; absent: the command has no option that writes or runs anything. */
  readonly options?: OptionSpec;
  /** A further check of the parsed arguments; returns a refusal or null. */
  readonly check?: (args: Parsed) => string | null;
  /** Files written, from the parsed arguments. */
  readonly writes?: (args: Parsed) => Array<string | null>;
}

const NO_OPTIONS_THAT_MATTER: CommandSpec = {};

function _onlyFlags(...allowed: string[]): (p: Parsed) => string | null {
  return (p) => {
    for (const o of p.options) if (!allowed.includes(o.name)) return `${p.name} ${o.name} is not judged read-only`;
    return null;
  };
}

const AWK_OPTIONS: OptionSpec = {
  shortValue: "Fvf",
  longValue: ["--field-separator", "--assign", "--file"],
};

/** The built-in read-only commands and what each one must not be given. */
export const COMMANDS: Record<string, CommandSpec> = {
  // print or read only; no option writes a file or runs a program
  ls: NO_OPTIONS_THAT_MATTER,
  cat: NO_OPTIONS_THAT_MATTER,
  head: NO_OPTIONS_THAT_MATTER,
  tail: NO_OPTIONS_THAT_MATTER,
  wc: NO_OPTIONS_THAT_MATTER,
  grep: NO_OPTIONS_THAT_MATTER,
  egrep: NO_OPTIONS_THAT_MATTER,
  fgrep: NO_OPTIONS_THAT_MATTER,
  nl: NO_OPTIONS_THAT_MATTER,
  tac: NO_OPTIONS_THAT_MATTER,
  rev: NO_OPTIONS_THAT_MATTER,
  cut: NO_OPTIONS_THAT_MATTER,
  tr: NO_OPTIONS_THAT_MATTER,
  paste: NO_OPTIONS_THAT_MATTER,
  fold: NO_OPTIONS_THAT_MATTER,
  column: NO_OPTIONS_THAT_MATTER,
  comm: NO_OPTIONS_THAT_MATTER,
  diff: NO_OPTIONS_THAT_MATTER,
  cmp: NO_OPTIONS_THAT_MATTER,
  od: NO_OPTIONS_THAT_MATTER,
  hexdump: NO_OPTIONS_THAT_MATTER,
  strings: NO_OPTIONS_THAT_MATTER,
  base64: NO_OPTIONS_THAT_MATTER,
  md5sum: NO_OPTIONS_THAT_MATTER,
  sha1sum: NO_OPTIONS_THAT_MATTER,
  sha256sum: NO_OPTIONS_THAT_MATTER,
  sha512sum: NO_OPTIONS_THAT_MATTER,
  stat: NO_OPTIONS_THAT_MATTER,
  du: NO_OPTIONS_THAT_MATTER,
  df: NO_OPTIONS_THAT_MATTER,
  basename: NO_OPTIONS_THAT_MATTER,
  dirname: NO_OPTIONS_THAT_MATTER,
  realpath: NO_OPTIONS_THAT_MATTER,
  readlink: NO_OPTIONS_THAT_MATTER,
  pwd: NO_OPTIONS_THAT_MATTER,
  echo: NO_OPTIONS_THAT_MATTER,
  true: NO_OPTIONS_THAT_MATTER,
  false: NO_OPTIONS_THAT_MATTER,
  ":": NO_OPTIONS_THAT_MATTER,
  sleep: NO_OPTIONS_THAT_MATTER,
  seq: NO_OPTIONS_THAT_MATTER,
  which: NO_OPTIONS_THAT_MATTER,
  type: NO_OPTIONS_THAT_MATTER,
  whoami: NO_OPTIONS_THAT_MATTER,
  id: NO_OPTIONS_THAT_MATTER,
  uname: NO_OPTIONS_THAT_MATTER,
  nproc: NO_OPTIONS_THAT_MATTER,
  printenv: NO_OPTIONS_THAT_MATTER,
  jq: NO_OPTIONS_THAT_MATTER,
  cd: NO_OPTIONS_THAT_MATTER,
  pushd: NO_OPTIONS_THAT_MATTER,
  popd: NO_OPTIONS_THAT_MATTER,
  dirs: NO_OPTIONS_THAT_MATTER,
  exit: NO_OPTIONS_THAT_MATTER,
  // `read` sets shell variables: only plain lowercase names (never PATH, IFS, …)
  read: {
    options: { shortValue: "adinNptu" },
    check: (p) => {
      const names = [...p.operands, ...p.options.filter((o) => o.name === "-a").map((o) => o.value)];
      for (const w of names) {
        if (!w || w.value === null || !/^[a-z_][a-z0-9_]*$/.test(w.value)) {
          return `read into ${w?.text ?? "?"} may set a variable the shell reads`;
        }
      }
      return null;
    },
  },
  // `env` alone prints the environment; with a command it is a wrapper (shell.ts), with NAME=value an assignment
  env: { check: (p) => (p.options.length > 0 ? "env with options is not judged read-only" : null) },
  command: { check: _onlyFlags("-v", "-V") },
  hostname: {
    check: (p) => (p.operands.length > 0 || p.options.length > 0 ? "hostname with arguments sets it" : null),
  },
  printf: { options: { badShort: { v: "assigns a shell variable" } } },
  test: { options: { badShort: { v: "evaluates an array index as arithmetic", R: "evaluates a name" } } },
  "[": { options: { badShort: { v: "evaluates an array index as arithmetic", R: "evaluates a name" } } },
  set: {
    options: { shortValue: "o" },
    check: (p) => {
      for (const w of p.operands) {
        if (w.value === null || !/^\+[euxv]+$/.test(w.value)) return "set with operands is not judged read-only";
      }
      for (const o of p.options) {
        if (!/^-[euxv]$/.test(o.name) && o.name !== "-o") return `set ${o.name} is not judged read-only`;
        if (o.name === "-o" && !/^(pipefail|errexit|nounset|xtrace|verbose)$/.test(o.value?.value ?? "")) {
          return `set -o ${o.value?.text ?? ""} is not judged read-only`;
        }
      }
      return null;
    },
  },
  date: {
    options: {
      shortValue: "dfr",
      longValue: ["--date", "--file", "--reference"],
      badShort: { s: "sets the clock" },
      badLong: { "--set": "sets the clock" },
    },
    check: (p) => {
      for (const w of p.operands) {
        if (w.value === null || !w.value.startsWith("+")) return "date MMDDhhmm sets the clock";
      }
      return null;
    },
  },
  file: { options: { badShort: { C: "compiles a magic file (writes)" }, badLong: { "--compile": "writes a file" } } },
  tree: {
    options: {
      shortValue: "LPIoH",
      badShort: { o: "writes its output to a file", R: "writes HTML files into every folder" },
      badLong: { "--output": "writes a file" },
    },
  },
  uniq: {
    // --all-repeated[=M] and --group[=M] take their value only attached: not listed
    options: { shortValue: "fsw", longValue: ["--skip-fields", "--skip-chars", "--check-chars"] },
    check: (p) => (p.operands.length > 1 ? "uniq INPUT OUTPUT writes OUTPUT" : null),
  },
  sort: {
    options: {
      shortValue: "kStT",
      longValue: ["--key", "--buffer-size", "--field-separator", "--temporary-directory", "--batch-size", "--parallel"],
      badShort: { o: "writes its output to a file" },
      badLong: {
        "--output": "writes its output to a file",
        "--compress-program": "runs a program",
      },
    },
  },
  find: { sensitive: true },
  rg: {
    options: {
      shortValue: "ABCEefgjMmrTt",
      longValue: [
        "--after-context",
        "--before-context",
        "--context",
        "--encoding",
        "--regexp",
        "--file",
        "--glob",
        "--iglob",
        "--threads",
        "--max-columns",
        "--max-count",
        "--replace",
        "--type",
        "--type-not",
        "--type-add",
        "--type-clear",
        "--max-depth",
        "--max-filesize",
        "--ignore-file",
        "--sort",
        "--sortr",
        "--color",
        "--colors",
        "--context-separator",
        "--field-match-separator",
        "--field-context-separator",
        "--path-separator",
        "--dfa-size-limit",
        "--regex-size-limit",
        "--engine",
        "--hyperlink-format",
      ],
      badLong: {
        "--pre": "runs a program on every file",
        "--pre-glob": "chooses files for --pre",
        "--hostname-bin": "runs a program",
        "--search-zip": "runs decompression programs",
      },
      badShort: { z: "runs decompression programs" },
    },
  },
  sed: {
    options: {
      shortValue: "efl",
      longValue: ["--expression", "--file", "--line-length"],
      badShort: { i: "edits files in place" },
      badLong: { "--in-place": "edits files in place", "--file": "reads a script that is not judged" },
    },
    check: checkSed,
  },
  awk: { options: AWK_OPTIONS, check: checkAwk },
  gawk: { options: AWK_OPTIONS, check: checkAwk },
  mawk: { options: AWK_OPTIONS, check: checkAwk },
  tee: { sensitive: true, writes: (p) => p.operands.map((w) => w.value) },
  git: { sensitive: true },
};
