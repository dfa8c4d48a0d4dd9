/**
 * What a shell script would run, found by parsing it (with `unbash`, see docs/shell-parser.md), never by reading
 * its text: every simple command in pipelines, lists, subshells, functions, `$(…)`, backticks, process
 * substitutions, heredocs, `bash -c` / `sh -c` strings (recursively), `eval`/`trap` strings and `find -exec`, with
 * the wrappers that run their arguments (`timeout`, `nice`, `env`, `command`, `xargs`, `nohup`, `stdbuf`, `time`,
 * `exec`, `builtin`) looked through, every redirection classified, and everything that makes a script's effect
 * unknowable before it runs marked, so that it is never lowered.
 *
 * Pure: no I/O, no runtime APIs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * const a = analyzeScript("timeout 5 grep -n TODO src/a.ts | head -3 > out.txt; echo $(whoami)");
 * assert.equal(a.ok, true);
 * assert.deepEqual(a.commands.map((c) => c.argv.map((w) => w.value ?? "?").join(" ")), [
 *   "grep -n TODO src/a.ts",
 *   "head -3",
 *   "echo ?",
 *   "whoami",
 * ]);
 * assert.deepEqual(a.commands[0]!.wrappers, ["timeout"]);
 * assert.equal(a.commands[1]!.redirects[0]!.kind, "write");
 * assert.equal(analyzeScript("echo 'unclosed").ok, false);
 * ```
 *
 * @module
 */
import { forEachChild, parse, type SyntaxNode, type Word } from "unbash";

/** One word of a command as the shell would pass it. */
export interface ShellWord {
  /** The word after quote removal, or null when it is only known at run time (`$x`, `$(…)`, `~`, globs, braces). */
  readonly value: string | null;
  /** The word as written. */
  readonly text: string;
  /** Null value only: whether the run-time value could start with `-` (false after a literal prefix like `src/`). */
  readonly mayBeOption: boolean;
  /** A glob or brace expansion: the shell may turn it into several words (or file names). */
  readonly expands: boolean;
}

/** How a redirection touches files. */
export type RedirectKind =
  /** Reads a file (`<`, `<<<`, heredocs). */
  | "read"
  /** Writes or truncates a file (`>`, `>>`, `>|`, `&>`, `<>`, `>&file`). */
  | "write"
  /** To or from `/dev/null`, `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`: not a write. */
  | "null"
  /** A descriptor duplication or close (`2>&1`, `>&-`): not a write. */
  | "dup";

/** One redirection of a command. */
export interface ShellRedirect {
  /** The operator (`>`, `>>`, `2>&1` is `>&` with fd 2). */
  readonly op: string;
  /** The descriptor written before the operator, if any. */
  readonly fd: number | null;
  /** What it does. */
  readonly kind: RedirectKind;
  /** The literal target (a path for read/write), or null when it is not literal. */
  readonly target: string | null;
}

/** One simple command the script would run. */
export interface SimpleCommand {
  /** argv after the wrappers were looked through (`timeout 5 ls -l` → `ls -l`); empty for a bare redirection. */
  readonly argv: readonly ShellWord[];
  /** The argv as written, wrappers included. */
  readonly raw: readonly ShellWord[];
  /** The wrappers looked through, outermost first. */
  readonly wrappers: readonly string[];
  /** `NAME=value` in front of the command, or given to `env`: they change what the command does. */
  readonly assignments: readonly string[];
  /** Its redirections (for a wrapped command, those of the wrapper). */
  readonly redirects: readonly ShellRedirect[];
  /** Files the command itself writes, known from its arguments (`tee FILE`, `time -o FILE`); null = not literal. */
  readonly writes: ReadonlyArray<string | null>;
  /** Why what runs is not known from the script (`$CMD`, `eval`, `source`, `bash -c "$x"`), else null. */
  readonly dynamic: string | null;
  /** More arguments are added at run time (`xargs`, `find -exec … {}`). */
  readonly extraArgs: boolean;
  /**
   * The command only runs a script that was parsed and judged on its own (`bash -c 'ls'`): its simple commands
   * follow it in {@linkcode ShellAnalysis.commands}.
   */
  readonly lookedThrough: boolean;
  /** Where it sits: `script`, `$(…)`, `<(…)`, `bash -c`, `eval`, `trap`, `xargs`, `find -exec`, … (outermost first). */
  readonly context: string;
  /** The command's source text. */
  readonly text: string;
}

/** Everything a script would run. */
export interface ShellAnalysis {
  /** Parsed without error (also every nested `bash -c` string). A script that is not ok is never lowered. */
  readonly ok: boolean;
  /** Parse errors, with their offsets. */
  readonly errors: readonly string[];
  /** Every simple command, in source order (a substitution after the command that holds it). */
  readonly commands: readonly SimpleCommand[];
  /** Constructs whose effect cannot be judged from the text (arithmetic evaluation, `${x@P}`, …): never lowered. */
  readonly hazards: readonly string[];
  /** Some command may change the working directory (`cd`, `pushd`, `env -C`), so relative paths are unresolved. */
  readonly cwdChanged: boolean;
}

/** How deep `bash -c "bash -c '…'"` strings are followed before the script counts as unparsable. */
export const MAX_NESTING = 8;

const SHELLS = new Set(["bash", "sh", "dash", "ksh", "rbash"]);
const NULL_DEVICES = /^\/dev\/(null|stdout|stderr|stdin|fd\/\d+)$/;
const CWD_COMMANDS = new Set(["cd", "pushd", "popd"]);
const SYSTEM_PATH = /^\/(usr\/)?(local\/)?s?bin\/[^/]+$/;

interface Collector {
  commands: SimpleCommand[];
  errors: string[];
  hazards: Set<string>;
  cwdChanged: boolean;
}

/**
 * Parse a script and list everything it would run. Never throws: a script that cannot be parsed comes back with
 * `ok: false` and whatever could be recovered.
 */
export function analyzeScript(script: string): ShellAnalysis {
  const c: Collector = { commands: [], errors: [], hazards: new Set(), cwdChanged: false };
  _analyzeInto(script, "script", 0, c);
  return {
    ok: c.errors.length === 0,
    errors: c.errors,
    commands: c.commands,
    hazards: [...c.hazards],
    cwdChanged: c.cwdChanged,
  };
}

function _analyzeInto(script: string, context: string, depth: number, c: Collector): void {
  if (depth > MAX_NESTING) {
    c.errors.push(`${context}: nested more than ${MAX_NESTING} levels deep`);
    return;
  }
  if (script.includes("\0")) {
    c.errors.push(`${context}: the script contains a NUL byte`);
    return;
  }
  let ast;
  try {
    ast = parse(script);
  } catch (e) {
    c.errors.push(`${context}: the parser failed: ${(e as Error).message}`);
    return;
  }
  const visit = (node: SyntaxNode, ctx: string): void => {
    switch (node.type) {
      case "Script": {
        for (const err of node.errors ?? []) c.errors.push(`${ctx}: ${err.message} at offset ${err.pos}`);
        break;
      }
      case "Command": {
        const src = node.pos >= 0 && node.end <= script.length ? script.slice(node.pos, node.end) : "";
        _command(node, src, ctx, depth, c);
        break;
      }
      case "Redirected": {
        // redirections of a compound command (`{ …; } > f`, `for …; done > f`): judged like a bare redirection
        const src = node.pos >= 0 && node.end <= script.length ? script.slice(node.pos, node.end) : "";
        c.commands.push({
          argv: [],
          raw: [],
          wrappers: [],
          assignments: [],
          redirects: node.redirects.map(_redirect),
          writes: [],
          dynamic: null,
          extraArgs: false,
          lookedThrough: false,
          context: `${ctx} > ${node.command.type}`,
          text: src,
        });
        break;
      }
      case "ArithmeticCommand":
      case "ArithmeticFor":
      case "ArithmeticExpansion":
      case "ArithmeticCommandExpansion":
        _hazard(c, `arithmetic evaluation (${_snippet(script, node)}) can run code hidden in variable values`);
        break;
      case "ParameterExpansion": {
        if (node.index || node.operation?.type === "Slice") {
          _hazard(c, `an array index or slice (${node.text}) is evaluated as arithmetic`);
        }
        if (node.prefix === "!") _hazard(c, `indirect expansion (${node.text}) can run code hidden in a value`);
        if (
          node.operation?.type === "Default" && (node.operation.operator === "=" || node.operation.operator === ":=") &&
          !_plainName(node.parameter)
        ) {
          _hazard(c, `${node.text} may assign a variable the shell or a command reads`);
        }
        if (node.operation?.type === "Transform") {
          _hazard(c, `the transformation ${node.text} can expand a value as a prompt or as code`);
        }
        break;
      }
      case "TestBinary":
        if (/^-(eq|ne|lt|le|gt|ge)$/.test(node.operator)) {
          _hazard(c, `[[ … ${node.operator} … ]] evaluates its operands as arithmetic`);
        }
        break;
      case "TestUnary":
        if (node.operator === "-v" || node.operator === "-R") {
          _hazard(c, `[[ ${node.operator} … ]] evaluates an array index as arithmetic`);
        }
        break;
      case "For":
      case "Select":
        if (!_plainName(node.name.value)) {
          _hazard(c, `the loop variable ${node.name.value} may be one the shell or a command reads`);
        }
        break;
    }
    forEachChild(node, (child) => {
      let next = ctx;
      if (child.type === "CommandExpansion") next = `${ctx} > ${child.text.startsWith("`") ? "`…`" : "$(…)"}`;
      else if (child.type === "ProcessSubstitution") next = `${ctx} > ${child.operator}(…)`;
      else if (child.type === "Function") next = `${ctx} > function ${child.name.value}`;
      visit(child, next);
    });
  };
  try {
    visit(ast, context);
  } catch (e) {
    // unbash resolves substitutions lazily: a script nested too deeply can exhaust the stack here
    c.errors.push(`${context}: the script could not be analysed: ${(e as Error).message}`);
  }
}

function _snippet(script: string, node: { pos: number; end: number }): string {
  const s = script.slice(node.pos, node.end);
  return s.length > 40 ? s.slice(0, 37) + "..." : s;
}

function _hazard(c: Collector, why: string): void {
  c.hazards.add(why);
}

/** A shell variable name that neither bash nor a common program reads from the environment: lowercase only. */
function _plainName(name: string): boolean {
  return /^[a-z_][a-z0-9_]*$/.test(name) && name !== "_";
}

/** A word as the shell would pass it. */
export function shellWord(w: Word): ShellWord {
  const parts = w.parts;
  if (!parts) {
    if (w.text.startsWith("~")) return { value: null, text: w.text, mayBeOption: false, expands: false };
    return { value: w.value, text: w.text, mayBeOption: w.value.startsWith("-"), expands: false };
  }
  let literal = true;
  let expands = false;
  for (const p of parts) {
    if (p.type === "Literal" || p.type === "SingleQuoted" || p.type === "AnsiCQuoted") continue;
    if ((p.type === "DoubleQuoted" || p.type === "LocaleString") && p.parts.every((x) => x.type === "Literal")) {
      continue;
    }
    literal = false;
    if (p.type === "Glob" || p.type === "ExtendedGlob" || p.type === "BraceExpansion") expands = true;
  }
  const first = parts[0]!;
  if (first.type === "Literal" && first.text.startsWith("~")) literal = false;
  if (literal) return { value: w.value, text: w.text, mayBeOption: w.value.startsWith("-"), expands: false };
  // the run-time value starts with a literal prefix when the first part is literal text
  let prefix: string | null = null;
  if (first.type === "Literal" || first.type === "SingleQuoted" || first.type === "AnsiCQuoted") prefix = first.value;
  const mayBeOption = prefix === null || prefix === "" || prefix.startsWith("-");
  return { value: null, text: w.text, mayBeOption, expands };
}

function _redirect(
  r: { type: string; operator: string; descriptor?: unknown; target?: Word | undefined },
): ShellRedirect {
  const d = r.descriptor as { type: string; value?: number } | undefined;
  const fd = d?.type === "FileDescriptor" ? d.value ?? null : null;
  if (r.type === "HereDoc" || r.type === "HereString") return { op: r.operator, fd, kind: "read", target: null };
  const target = r.target ? shellWord(r.target) : null;
  const value = target?.value ?? null;
  const op = r.operator;
  if ((op === ">&" || op === "<&") && value !== null && /^(\d+|-|\d+-)$/.test(value)) {
    return { op, fd, kind: "dup", target: value };
  }
  // bash opens a network connection for /dev/tcp/HOST/PORT and /dev/udp/…, reading or writing: never lowered
  if (value !== null && /^\/dev\/(tcp|udp)\//.test(value)) return { op, fd, kind: "write", target: value };
  if (value !== null && NULL_DEVICES.test(value)) return { op, fd, kind: "null", target: value };
  if (op === "<") return { op, fd, kind: "read", target: value };
  if (op === "<&") return { op, fd, kind: "read", target: value }; // `<&word` with a non-number: bash refuses
  return { op, fd, kind: "write", target: value };
}

function _command(
  node: Extract<SyntaxNode, { type: "Command" }>,
  text: string,
  context: string,
  depth: number,
  c: Collector,
): void {
  const raw: ShellWord[] = [];
  const assignments: string[] = [];
  const redirects: ShellRedirect[] = [];
  for (const p of node.prefix) {
    if (p.type === "Assignment") assignments.push(p.text);
    else redirects.push(_redirect(p));
  }
  if (node.name) raw.push(shellWord(node.name));
  for (const s of node.suffix) {
    if (s.type === "Word") raw.push(shellWord(s));
    else if (s.type === "Assignment") {
      // `declare x=1`, `export A=b`: an argument that looks like an assignment
      raw.push({ value: null, text: s.text, mayBeOption: false, expands: false });
    } else redirects.push(_redirect(s));
  }
  _build(raw, assignments, redirects, context, text, depth, c);
}

function _build(
  raw: ShellWord[],
  assignments: string[],
  redirects: ShellRedirect[],
  context: string,
  text: string,
  depth: number,
  c: Collector,
  extraArgs = false,
): void {
  const u = _unwrap(raw);
  if (u.cwd) c.cwdChanged = true;
  const cmd: SimpleCommand = {
    argv: u.argv,
    raw,
    wrappers: u.wrappers,
    assignments: [...assignments, ...u.assignments],
    redirects,
    writes: u.writes,
    dynamic: u.dynamic,
    extraArgs: extraArgs || u.extraArgs,
    lookedThrough: u.lookedThrough,
    context,
    text,
  };
  const name = cmd.argv[0]?.value ?? null;
  if (name !== null && CWD_COMMANDS.has(name)) c.cwdChanged = true;
  c.commands.push(cmd);
  for (const n of u.nested) _analyzeInto(n.script, `${context} > ${n.how}`, depth + 1, c);
  for (const inner of u.inner) {
    if (depth + 1 > MAX_NESTING) {
      c.errors.push(`${context}: nested more than ${MAX_NESTING} levels deep`);
      continue;
    }
    const innerText = inner.argv.map((w) => w.text).join(" ");
    _build(inner.argv, [], [], `${context} > ${inner.how}`, innerText, depth + 1, c, true);
  }
}

interface Unwrapped {
  argv: ShellWord[];
  wrappers: string[];
  assignments: string[];
  writes: Array<string | null>;
  dynamic: string | null;
  extraArgs: boolean;
  cwd: boolean;
  lookedThrough: boolean;
  nested: Array<{ script: string; how: string }>;
  inner: Array<{ argv: ShellWord[]; how: string }>;
}

/** Options of a wrapper: those that take a value (`-n 5`, `--adjustment=5`) and those that do not. */
interface WrapperSpec {
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

const WRAPPERS: Record<string, WrapperSpec> = {
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
  exec: { short: "a", flags: "cl", long: [], longFlags: [], positionals: 0 },
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

function _unwrap(raw: ShellWord[]): Unwrapped {
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
    if (SHELLS.has(name)) {
      const r = _shellC(argv);
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
    const spec = WRAPPERS[name];
    if (!spec) break;
    if (name === "command" && argv.slice(1).some((w) => w.value === "-v" || w.value === "-V")) break; // lookup only
    const r = _wrapperArgs(name, spec, argv);
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
  return out;
}

/** The command string of `bash -c STRING …`, null when it is not literal, or why it cannot be followed. */
function _shellC(argv: readonly ShellWord[]): string | null | "not -c" | "unknown option" {
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

function _wrapperArgs(name: string, spec: WrapperSpec, argv: readonly ShellWord[]): {
  start: number;
  assignments: string[];
  writes: Array<string | null>;
  cwd: boolean;
  splitString: boolean;
  replace: string | null;
} | null {
  const res = {
    start: 1,
    assignments: [] as string[],
    writes: [] as Array<string | null>,
    cwd: false,
    splitString: false,
    replace: null as string | null,
  };
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
    if (name === "env" && /^[A-Za-z_][A-Za-z0-9_]*=/.test(v)) {
      res.assignments.push(v);
      continue;
    }
    if (name === "env" && (v === "-S" || v.startsWith("--split-string") || /^-[i0v]*S/.test(v))) {
      res.splitString = true;
      res.start = i;
      return res;
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
