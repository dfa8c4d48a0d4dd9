/**
 * The built-in set of read-only commands (SPEC §1.1): a simple command that only reads files or prints, judged on
 * its parsed words, with every option that would make it write a file or run a program refused — including GNU's
 * abbreviated long options (`sort --out=x` is `--output`), clustered short options (`sed -ni`), and arguments the
 * shell only fills in at run time (`$x`, globs, `xargs`) where an option could hide in them. The list and the
 * reasons are in docs/rules.md.
 *
 * Pure: no I/O, no runtime APIs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { checkReadOnly } from "./readonly.ts";
 * const verdict = (s: string) => checkReadOnly(analyzeScript(s).commands[0]!);
 * assert.equal(verdict("grep -rn TODO src").readOnly, true);
 * assert.equal(verdict("sort -o out.txt in.txt").readOnly, false);
 * assert.equal(verdict("find . -name '*.tmp' -delete").reason, "find -delete deletes files");
 * assert.deepEqual(verdict("tee log.txt").writes, ["log.txt"]);
 * ```
 *
 * @module
 */
import type { ShellWord, SimpleCommand } from "./shell.ts";

/** What the built-in set says of one simple command. */
export interface ReadOnlyVerdict {
  /** It only reads and prints (apart from `writes`). */
  readonly readOnly: boolean;
  /** Why it is or is not read-only, for the rationale. */
  readonly reason: string;
  /** Files it writes by its arguments (`tee FILE`), judged like output redirections; null: not literal. */
  readonly writes: ReadonlyArray<string | null>;
}

/**
 * Options of a command, as far as they matter. Only options whose value is *required* may be listed as taking a
 * value: listing an option whose value is optional (`--group[=M]`) or that takes none would let the next word (a
 * refused option, or an operand) hide as its value.
 */
interface OptionSpec {
  /** Short options that require a value (attached `-n5` or the next word). */
  readonly shortValue?: string;
  /** Long options that require a value (`--max-count=5` or the next word). */
  readonly longValue?: readonly string[];
  /** Short options refused, with the reason. */
  readonly badShort?: Readonly<Record<string, string>>;
  /** Long options refused (also any unambiguous abbreviation of them), with the reason. */
  readonly badLong?: Readonly<Record<string, string>>;
}

interface CommandSpec {
  /** Some option is refused, so an argument only known at run time (it could be that option) is refused too. */
  readonly sensitive?: boolean;
  /** Options that matter; absent: the command has no option that writes or runs anything. */
  readonly options?: OptionSpec;
  /** A further check of the parsed arguments; returns a refusal or null. */
  readonly check?: (args: Parsed) => string | null;
  /** Files written, from the parsed arguments. */
  readonly writes?: (args: Parsed) => Array<string | null>;
}

/** The words of a command split into options (with values) and operands, as GNU getopt_long would. */
interface Parsed {
  /** The command name. */
  readonly name: string;
  /** Options in order: `-n`, `--max-count`, with the value when the option takes one. */
  readonly options: ReadonlyArray<{ name: string; value: ShellWord | null }>;
  /** Operands (non-options), in order. */
  readonly operands: readonly ShellWord[];
}

const NO_OPTIONS_THAT_MATTER: CommandSpec = {};

function _onlyFlags(...allowed: string[]): (p: Parsed) => string | null {
  return (p) => {
    for (const o of p.options) if (!allowed.includes(o.name)) return `${p.name} ${o.name} is not judged read-only`;
    return null;
  };
}

const GIT_READ_SUBCOMMANDS = new Set(["status", "diff", "log", "show", "ls-files", "rev-parse", "blame"]);
/** Git global options that change nothing but output. */
const GIT_GLOBAL_FLAGS = new Set([
  "--no-pager",
  "-P",
  "--no-optional-locks",
  "--literal-pathspecs",
  "--no-replace-objects",
]);
const GIT_BAD_LONG: Record<string, string> = {
  "--output": "writes a file",
  "--ext-diff": "runs the external diff program named in git's config",
  "--textconv": "runs the text-conversion programs named in git's config",
  "--open-files-in-pager": "runs a pager",
  "--exec": "runs a program",
  "--upload-pack": "runs a program",
  "--receiver-pack": "runs a program",
};

const SED_BAD = "runs commands or writes files";

const AWK_OPTIONS: OptionSpec = {
  shortValue: "Fvf",
  longValue: ["--field-separator", "--assign", "--file"],
};

/** The built-in read-only commands and what each one must not be given. */
const COMMANDS: Record<string, CommandSpec> = {
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
    check: _checkSed,
  },
  awk: { options: AWK_OPTIONS, check: _checkAwk },
  gawk: { options: AWK_OPTIONS, check: _checkAwk },
  mawk: { options: AWK_OPTIONS, check: _checkAwk },
  tee: { sensitive: true, writes: (p) => p.operands.map((w) => w.value) },
  git: { sensitive: true },
};

/** The names in the built-in read-only set, for docs and `check`. */
export const READ_ONLY_COMMANDS: readonly string[] = Object.keys(COMMANDS).sort();

/**
 * Whether one simple command only reads (SPEC §1.1 built-in set). Assignments in front of a command, a command word
 * that is not a plain literal name (`./ls`, `$CMD`), and arguments that could turn into a refused option at run
 * time are refused. Redirections are not judged here (the rule engine classifies them).
 */
export function checkReadOnly(cmd: SimpleCommand): ReadOnlyVerdict {
  const no = (reason: string): ReadOnlyVerdict => ({ readOnly: false, reason, writes: [] });
  if (cmd.dynamic) return no(cmd.dynamic);
  if (cmd.argv.length === 0) {
    // only assignments or only redirections
    for (const a of cmd.assignments) {
      // plain lowercase names only: never PATH, IFS, …, and no `a[i]=` (the index is evaluated as arithmetic)
      if (!/^[a-z_][a-z0-9_]*\+?=/.test(a)) return no(`the assignment ${a} may set a variable the shell reads`);
    }
    return { readOnly: true, reason: cmd.assignments.length > 0 ? "a shell variable" : "a redirection", writes: [] };
  }
  if (cmd.assignments.length > 0) {
    return no(`${cmd.assignments.join(" ")} in front of a command changes what it does`);
  }
  if (cmd.lookedThrough) {
    return { readOnly: true, reason: `${cmd.argv[0]?.value} -c runs a script judged on its own`, writes: [] };
  }

  const name = cmd.argv[0]!.value!;
  const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!spec) {
    if (name.includes("/")) return no(`${name} is a program named by its path, not a read-only command`);
    return no(`${name} is not a read-only command`);
  }
  const args = cmd.argv.slice(1);
  const parsed = _parse(name, args, spec.options ?? {});
  if (typeof parsed === "string") return no(parsed);
  if (spec.sensitive || spec.options || spec.check) {
    // arguments only known at run time may turn into a refused option
    const hasDashDash = args.some((w) => w.value === "--");
    if (cmd.extraArgs && !hasDashDash) return no(`${name} is given further arguments at run time (xargs)`);
    for (const w of args) {
      if (w.value === null && w.mayBeOption && !_afterDashDash(args, w)) {
        return no(`${name}'s argument ${w.text} is only known at run time and could be an option`);
      }
    }
  }
  if (name === "find") {
    const r = _checkFind(args);
    if (r) return no(r);
  } else if (name === "git") {
    const r = _checkGit(args);
    if (r) return no(r);
  }
  const r = spec.check?.(parsed) ?? null;
  if (r) return no(r);
  const writes = spec.writes?.(parsed) ?? [];
  return { readOnly: true, reason: `${name} only reads`, writes };
}

function _afterDashDash(args: readonly ShellWord[], w: ShellWord): boolean {
  const dd = args.findIndex((x) => x.value === "--");
  return dd !== -1 && args.indexOf(w) > dd;
}

function _parse(name: string, args: readonly ShellWord[], spec: OptionSpec): Parsed | string {
  const options: Array<{ name: string; value: ShellWord | null }> = [];
  const operands: ShellWord[] = [];
  const shortValue = spec.shortValue ?? "";
  const longValue = spec.longValue ?? [];
  const badShort = spec.badShort ?? {};
  const badLong = spec.badLong ?? {};
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
      for (const [bad, why] of Object.entries(badLong)) {
        // getopt_long accepts any unambiguous abbreviation: refuse every prefix of a refused option
        if (opt.length > 2 && bad.startsWith(opt)) return `${name} ${bad} ${why}`;
      }
      // an abbreviation of a known option with a value is that option (`sed --expr=…` is `--expression`)
      const full = longValue.includes(opt) ? opt : longValue.filter((l) => opt.length > 2 && l.startsWith(opt));
      const known = typeof full === "string" ? full : full.length === 1 ? full[0]! : null;
      let value: ShellWord | null = null;
      if (eq !== -1) value = { ...w, value: v.slice(eq + 1), text: v.slice(eq + 1) };
      else if (known !== null) value = args[++i] ?? null;
      options.push({ name: known ?? opt, value });
      continue;
    }
    // a cluster of short options: -abc, -n5, -o file
    for (let j = 1; j < v.length; j++) {
      const ch = v[j]!;
      if (Object.hasOwn(badShort, ch)) return `${name} -${ch} ${badShort[ch]}`;
      if (shortValue.includes(ch)) {
        const attached = v.slice(j + 1);
        const value = attached !== "" ? { ...w, value: attached, text: attached } : args[++i] ?? null;
        options.push({ name: `-${ch}`, value });
        break;
      }
      options.push({ name: `-${ch}`, value: null });
    }
  }
  return { name, options, operands };
}

const FIND_BAD: Record<string, string> = {
  "-exec": "runs a command",
  "-execdir": "runs a command",
  "-ok": "runs a command",
  "-okdir": "runs a command",
  "-delete": "deletes files",
  "-fprint": "writes a file",
  "-fprint0": "writes a file",
  "-fprintf": "writes a file",
  "-fls": "writes a file",
};

function _checkFind(args: readonly ShellWord[]): string | null {
  for (const w of args) {
    const v = w.value;
    if (v === null) continue; // a non-literal word that could be an option was refused before
    if (Object.hasOwn(FIND_BAD, v)) return `find ${v} ${FIND_BAD[v]}`;
  }
  return null;
}

function _checkGit(args: readonly ShellWord[]): string | null {
  let i = 0;
  for (; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null) return "git with an argument only known at run time is not judged read-only";
    if (!v.startsWith("-")) break;
    if (!GIT_GLOBAL_FLAGS.has(v)) {
      if (v === "-c" || v.startsWith("--config-env")) return `git ${v} sets configuration, which can run programs`;
      if (v === "-C" || v.startsWith("--git-dir") || v.startsWith("--work-tree")) {
        return `git ${v} uses another repository, whose configuration can run programs`;
      }
      return `git ${v} is not judged read-only`;
    }
  }
  const sub = args[i]?.value;
  if (sub === undefined || sub === null) return "git without a subcommand is not judged read-only";
  if (!GIT_READ_SUBCOMMANDS.has(sub)) return `git ${sub} is not a read-only git command`;
  for (const w of args.slice(i + 1)) {
    const v = w.value!;
    if (v === "--") break;
    if (!v.startsWith("--")) continue;
    const opt = v.includes("=") ? v.slice(0, v.indexOf("=")) : v;
    for (const [bad, why] of Object.entries(GIT_BAD_LONG)) {
      // git accepts unambiguous abbreviations of long options
      if (opt.length > 2 && bad.startsWith(opt)) return `git ${sub} ${bad} ${why}`;
    }
  }
  return null;
}

/** sed: -i refused by the option table; the script itself must not hold `e`, `w`, `W`, `r`… commands or flags. */
function _checkSed(p: Parsed): string | null {
  if (p.options.some((o) => o.name === "--sandbox")) return null; // GNU sed refuses e, w and r itself
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
    const r = _sedScript(s.value);
    if (r) return `sed script ${JSON.stringify(s.value)}: ${r}`;
  }
  return null;
}

/**
 * A conservative reader of a sed script: addresses, then commands from a set that neither runs nor writes
 * (`p d q Q = n N l s y h H g G x b t T : D P z F { } !`), `s` flags from `g p i I m M` and digits. Anything else
 * (`e`, `w`, `W`, `r`, `R`, an `s///e` or `s///w`) is refused.
 */
export function _sedScript(script: string): string | null {
  let i = 0;
  const n = script.length;
  const skipSpace = () => {
    while (i < n && /[ \t;\n]/.test(script[i]!)) i++;
  };
  const readDelimited = (delim: string): boolean => {
    // reads up to an unescaped delim; i is after the opening delimiter
    while (i < n) {
      const ch = script[i]!;
      if (ch === "\\") {
        i += 2;
        continue;
      }
      if (ch === "\n" && delim !== "\n") return false;
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
      if (!readDelimited(delim)) return false;
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
      while (i < n && script[i] !== ";" && script[i] !== "\n") i++;
      continue;
    }
    if (cmd === "s" || cmd === "y") {
      const delim = script[i];
      if (delim === undefined || delim === "\\" || delim === "\n") return `${cmd} without a delimiter`;
      i++;
      if (!readDelimited(delim) || !readDelimited(delim)) return `${cmd} is not closed`;
      if (cmd === "s") {
        while (i < n && /[gpiImM0-9]/.test(script[i]!)) i++;
        const f = script[i];
        if (f === "e") return `the s///e flag ${SED_BAD}`;
        if (f === "w" || f === "W") return `the s///w flag ${SED_BAD}`;
      }
      continue;
    }
    if ("aic".includes(cmd)) {
      // a text, i text, c text: output only; the text runs to the end of the line
      while (i < n && script[i] !== "\n") i++;
      continue;
    }
    return `the ${cmd} command ${SED_BAD}`;
  }
  return "the script is too long to judge";
}

/** awk: the program must be literal and free of `system`, pipes, `getline`, output redirection and extensions. */
function _checkAwk(p: Parsed): string | null {
  for (const o of p.options) {
    if (o.name === "-F" || o.name === "-v" || o.name === "--field-separator" || o.name === "--assign") continue;
    return `${p.name} ${o.name} is not judged read-only`;
  }
  const program = p.operands[0];
  if (!program) return `${p.name} without a program`;
  if (program.value === null) return `${p.name}'s program ${program.text} is only known at run time`;
  const r = _awkProgram(program.value);
  return r ? `${p.name} program: ${r}` : null;
}

/** Refuse an awk program that could run a command or write a file (see {@linkcode _checkAwk}). */
export function _awkProgram(program: string): string | null {
  // strings and regex literals cannot run anything: blank them out, then look at the code
  let code = "";
  for (let i = 0; i < program.length; i++) {
    const ch = program[i]!;
    if (ch === '"') {
      code += '""';
      for (i++; i < program.length && program[i] !== '"'; i++) if (program[i] === "\\") i++;
      continue;
    }
    code += ch;
  }
  if (/\bsystem\s*\(/.test(code)) return "system() runs a command";
  if (/\bgetline\b/.test(code)) return "getline can read from a command";
  if (/\|/.test(code.replace(/\|\|/g, ""))) return "a pipe runs a command";
  if (code.includes("@")) return "@ loads an extension or calls a function by name (@f() can be system)";
  // print and printf up to the end of their statement: a `>` there redirects (or compares: refused all the same).
  // A `/` starts what may be a regular expression, which can hold `;` or `}`: skipped to its closing `/`, so a
  // statement is only ever read as longer than it is.
  const flat = code.replace(/\\\r?\n/g, " ");
  for (const m of flat.matchAll(/\bprintf?\b/g)) {
    for (let i = m.index + m[0].length; i < flat.length; i++) {
      const ch = flat[i]!;
      if (ch === ";" || ch === "}" || ch === "\n") break;
      if (ch === ">") return "print > FILE writes a file";
      if (ch === "/") {
        for (i++; i < flat.length && flat[i] !== "/"; i++) if (flat[i] === "\\") i++;
      }
    }
  }
  return null;
}
