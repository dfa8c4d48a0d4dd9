/**
 * What a shell script would run, found by parsing it (with `unbash`, see docs/shell-parser.md), never by reading
 * its text: every simple command in pipelines, lists, subshells, functions, `$(…)`, backticks, process
 * substitutions, heredocs, `bash -c` / `sh -c` strings (recursively), `eval`/`trap` strings and `find -exec`, with
 * the wrappers that run their arguments (`timeout`, `nice`, `env`, `command`, `xargs`, `nohup`, `stdbuf`, `time`,
 * `exec`, `builtin`) looked through, every redirection classified, and everything that makes a script's effect
 * unknowable before it runs marked, so that it is never lowered.
 *
 * The words and redirections are classified in shell_word.ts and _redirect.ts, the wrappers looked through in
 * _unwrap.ts; the types are in shell_types.ts.
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
import { type ArithmeticExpression, forEachChild, parse, type SyntaxNode } from "unbash";
import { classifyRedirect } from "./_redirect.ts";
import { unwrap } from "./_unwrap.ts";
import type { ShellAnalysis, ShellRedirect, ShellWord, SimpleCommand } from "./shell_types.ts";
import { shellWord } from "./shell_word.ts";
import { plainReference, variableCode } from "./_evaluated.ts";

/** How deep `bash -c "bash -c '…'"` strings are followed before the script counts as unparsable. */
export const MAX_NESTING = 8;

const CWD_COMMANDS = new Set(["cd", "pushd", "popd"]);

interface Collector {
  commands: SimpleCommand[];
  errors: string[];
  hazards: Set<string>;
  cwdChanged: boolean;
  parameters: Set<string>;
  functions: string[];
  /** Nodes visited, and when the analysis gives up (`performance.now()`). */
  visited: number;
  deadline: number;
}

/**
 * The most time one script's analysis may take, in ms: past it the script is not analysed (so never lowered, and
 * every `command` floor applies with its own decision). Real scripts take milliseconds; a crafted one (a hundred
 * thousand unclosed `$(`) must not hold a hook past its agent's timeout (red team 7, F11).
 */
export const ANALYSIS_BUDGET_MS = 2000;

class _OverBudget extends Error {}

/**
 * Parse a script and list everything it would run. Never throws: a script that cannot be parsed comes back with
 * `ok: false` and whatever could be recovered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * const a = analyzeScript(`bash -c "rm -rf build" && eval "$CMD"`);
 * assert.deepEqual(a.commands.map((c) => c.context), ["script", "script > bash -c", "script"]);
 * assert.match(a.commands[2]!.dynamic!, /eval runs a string that is not known before run time/);
 * assert.equal(analyzeScript("echo $((x))").hazards.length, 1);
 * ```
 */
export function analyzeScript(script: string): ShellAnalysis {
  const c: Collector = {
    commands: [],
    errors: [],
    hazards: new Set(),
    cwdChanged: false,
    parameters: new Set(),
    functions: [],
    visited: 0,
    deadline: performance.now() + ANALYSIS_BUDGET_MS,
  };
  _analyzeInto(script, "script", 0, c);
  return {
    ok: c.errors.length === 0,
    errors: c.errors,
    commands: c.commands,
    hazards: [...c.hazards],
    cwdChanged: c.cwdChanged,
    parameters: [...c.parameters],
    functions: c.functions,
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
  const quoted = _quotedParameterWord(script);
  if (quoted) _hazard(c, `${context}: ${quoted}`);
  let ast;
  try {
    ast = parse(script);
  } catch (e) {
    c.errors.push(`${context}: the parser failed: ${(e as Error).message}`);
    return;
  }
  const visit = (node: SyntaxNode, ctx: string): void => {
    if ((++c.visited & 63) === 0 && performance.now() > c.deadline) throw new _OverBudget();
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
          redirects: node.redirects.map(classifyRedirect),
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
      case "ArithmeticCommandExpansion": {
        const why = `arithmetic evaluation (${_snippet(script, node)}) can run code hidden in variable values`;
        _hazard(c, why);
        // arithmetic on anything but literal numbers evaluates code only known at run time (red team 6, F2)
        const exprs = node.type === "ArithmeticFor"
          ? [node.initialize, node.test, node.update]
          : node.type === "ArithmeticCommandExpansion"
          ? [undefined]
          : [node.expression];
        if (!exprs.every((e) => e === undefined ? node.type === "ArithmeticFor" : _literalArithmetic(e))) {
          _evaluates(c, ctx, _snippet(script, node), why);
        }
        break;
      }
      case "Function":
        c.functions.push(node.name.value);
        break;
      case "SimpleExpansion":
        _parameter(c, node.text.slice(1));
        break;
      case "ParameterExpansion": {
        _parameter(c, node.parameter);
        if (node.index || node.operation?.type === "Slice") {
          _hazard(c, `an array index or slice (${node.text}) is evaluated as arithmetic`);
          const sub = node.index ? [node.index] : [];
          if (node.operation?.type === "Slice") {
            sub.push(node.operation.offset, ...(node.operation.length ? [node.operation.length] : []));
          }
          const literal = sub.every((w) => {
            const v = shellWord(w).value;
            return v !== null && (v === "@" || v === "*" || /^\s*[-+]?\d+\s*$/.test(v));
          });
          if (!literal) {
            _evaluates(
              c,
              ctx,
              node.text,
              `an array index or slice (${node.text}) is evaluated as arithmetic, which can run code`,
            );
          }
        }
        if (node.prefix === "!") {
          _hazard(c, `indirect expansion (${node.text}) can run code hidden in a value`);
          if (node.operation?.type !== "Names" && !node.index) {
            _evaluates(c, ctx, node.text, `indirect expansion (${node.text}) evaluates a subscript hidden in a value`);
          }
        }
        if (
          node.operation?.type === "Default" && (node.operation.operator === "=" || node.operation.operator === ":=") &&
          !_plainName(node.parameter)
        ) {
          _hazard(c, `${node.text} may assign a variable the shell or a command reads`);
          if (variableCode(node.parameter, null)) {
            _evaluates(
              c,
              ctx,
              node.text,
              `${node.text} may assign ${node.parameter}, whose value bash or a program runs`,
            );
          }
        }
        if (node.operation?.type === "Transform") {
          _hazard(c, `the transformation ${node.text} can expand a value as a prompt or as code`);
          if (!/^@[QEAaUuLK]$/.test(script.slice(node.operation.pos, node.operation.end).trim())) {
            _evaluates(
              c,
              ctx,
              node.text,
              `the transformation ${node.text} expands a value as a prompt, which runs $(…)`,
            );
          }
        }
        break;
      }
      case "TestBinary":
        if (/^-(eq|ne|lt|le|gt|ge)$/.test(node.operator)) {
          _hazard(c, `[[ … ${node.operator} … ]] evaluates its operands as arithmetic`);
          const literal = [node.left, node.right].every((w) => {
            const v = shellWord(w).value;
            return v !== null && /^\s*[-+]?\d+\s*$/.test(v);
          });
          if (!literal) {
            _evaluates(
              c,
              ctx,
              _snippet(script, node),
              `[[ … ${node.operator} … ]] evaluates its operands as arithmetic, which can run code`,
            );
          }
        }
        break;
      case "TestUnary":
        if (node.operator === "-v" || node.operator === "-R") {
          _hazard(c, `[[ ${node.operator} … ]] evaluates an array index as arithmetic`);
          const v = shellWord(node.operand).value;
          if (v === null || !plainReference(v)) {
            _evaluates(
              c,
              ctx,
              _snippet(script, node),
              `[[ ${node.operator} ${node.operand.text} ]] evaluates an array index as arithmetic, which can run code`,
            );
          }
        }
        break;
      case "Assignment": {
        // `a[i]=x`, `x=([i]=y)`: the index is arithmetic; `GIT_PAGER='…' git log`, `BASH_ENV=f`: code in a value
        const idx = node.index ? shellWord(node.index).value : "0";
        if (idx === null || !plainReference(`${node.name}[${idx}]`)) {
          _evaluates(
            c,
            ctx,
            node.text,
            `the assignment ${node.text} evaluates its index as arithmetic, which can run code`,
          );
        }
        if (node.value.type === "ArrayValue") {
          for (const el of node.value.elements) {
            const m = /^\[([^\]]*)\]/.exec(shellWord(el).value ?? el.text);
            if (m && !/^\s*\d+\s*$/.test(m[1]!)) {
              _evaluates(c, ctx, node.text, `the array element ${el.text} has an index bash evaluates as arithmetic`);
            }
          }
        } else {
          const code = variableCode(node.name, shellWord(node.value).value);
          if (code?.unknown) _evaluates(c, ctx, node.text, code.unknown);
          else if (code?.nested != null) _analyzeInto(code.nested, `${ctx} > ${node.name}=`, depth + 1, c);
        }
        break;
      }
      case "Redirect": {
        // `{name}<f`, `exec {PATH}>f`: bash assigns the new descriptor's number to the variable, evaluating an array
        // index as arithmetic (`{a[$(cmd)]}`, or an index read from another variable)
        const d = (node as { descriptor?: { type?: string; name?: string } }).descriptor;
        if (d?.type === "FileDescriptorVariable") {
          _hazard(c, `the redirection {${d.name}} assigns a variable the shell or a command may read`);
          if (d.name === undefined || !plainReference(d.name) || variableCode(d.name, null)) {
            _evaluates(c, ctx, `{${d.name}}`, `the redirection {${d.name}} evaluates an array index as arithmetic`);
          }
        }
        break;
      }
      case "Coproc":
        // `coproc NAME …` assigns the array NAME (and NAME_PID); without a name, COPROC
        _hazard(c, "coproc assigns variables (its name, or COPROC) and runs its command in the background");
        break;
      case "For":
      case "Select":
        if (!_plainName(node.name.value)) {
          _hazard(c, `the loop variable ${node.name.value} may be one the shell or a command reads`);
          const code = variableCode(node.name.value, null);
          if (code) _evaluates(c, ctx, node.name.value, code.unknown ?? `the loop variable ${node.name.value} is run`);
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
    if (e instanceof _OverBudget) {
      if (!c.errors.some((m) => m.includes("analysis budget"))) {
        c.errors.push(
          `${context}: the script could not be analysed within the analysis budget (${ANALYSIS_BUDGET_MS} ms)`,
        );
      }
      return;
    }
    // unbash resolves substitutions lazily: a script nested too deeply can exhaust the stack here
    c.errors.push(`${context}: the script could not be analysed: ${(e as Error).message}`);
  }
}

/**
 * A `${…}` whose text holds a quote, a backtick or a parenthesis, found in the raw text (wherever it sits, even
 * inside single quotes): in double quotes, `$"…"` and unquoted heredoc bodies bash treats `'…'` and `$'…'` in the
 * word of `${x:-…}`, `${x=…}`, `${x+…}`, `${x?…}` as literal characters, so a `$(…)` between them runs while a
 * parser that takes them as quotes sees only text. Judging which context each one is in is exactly what went
 * wrong, so any such expansion refuses lowering. The scan skips escaped characters and counts every brace, so
 * it reads a `${…}` as at least as long as bash does.
 */
function _quotedParameterWord(script: string): string | null {
  // One pass (red team 7, F11: a scan per `${` was quadratic): `open` holds, innermost last, the brace balance
  // before each `${` still open; every `${` is found, an escaped one too, and each closes where its own scan would.
  const open: Array<{ at: number; balance: number }> = [];
  let balance = 0;
  for (let j = 0; j < script.length; j++) {
    const ch = script[j]!;
    if (ch === "\\") {
      if (script[j + 1] === "$" && script[j + 2] === "{") open.push({ at: j + 1, balance });
      j++;
      continue;
    }
    if (ch === "$" && script[j + 1] === "{") open.push({ at: j, balance });
    else if (ch === "{") balance++;
    else if (ch === "}") {
      balance--;
      while (open.length > 0 && open[open.length - 1]!.balance === balance) open.pop();
    } else if (open.length > 0 && (ch === "'" || ch === '"' || ch === "`" || ch === "(")) {
      const i = open[0]!.at;
      const end = script.indexOf("}", j);
      const text = script.slice(i, end === -1 ? script.length : end + 1);
      return `the expansion ${text.length > 40 ? text.slice(0, 37) + "..." : text} has a quote, backtick or ` +
        "parenthesis in it, which bash reads differently in double quotes and heredocs";
    }
  }
  return null;
}

function _snippet(script: string, node: { pos: number; end: number }): string {
  const s = script.slice(node.pos, node.end);
  return s.length > 40 ? s.slice(0, 37) + "..." : s;
}

/** Records a named parameter the script expands (a special one, `$?`, `$1`, `$@`, …, is not recorded). */
function _parameter(c: Collector, name: string): void {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && name !== "_") c.parameters.add(name);
}

function _hazard(c: Collector, why: string): void {
  c.hazards.add(why);
}

/**
 * Code bash evaluates where the parse shows a word (an arithmetic operand, a subscript, a value bash runs): a
 * command of its own whose code is only known at run time, so every `command` floor applies with its own decision
 * (like a command that cannot be extracted, _embedded.ts) and a `path` floor may apply (red team 6, F2).
 */
function _evaluates(c: Collector, context: string, text: string, why: string): void {
  c.commands.push({
    argv: [],
    raw: [],
    wrappers: [],
    assignments: [],
    redirects: [],
    writes: [],
    dynamic: why,
    extraArgs: false,
    lookedThrough: false,
    context: `${context} > evaluated`,
    text,
  });
}

/** An arithmetic expression made only of decimal numbers and operators: it evaluates no variable and no code. */
function _literalArithmetic(e: ArithmeticExpression | undefined): boolean {
  if (e === undefined) return false;
  switch (e.type) {
    case "ArithmeticWord":
      return /^\d+$/.test(e.value) && (e.parts ?? []).every((p) => p.type === "Literal");
    case "ArithmeticBinary":
      return _literalArithmetic(e.left) && _literalArithmetic(e.right);
    case "ArithmeticUnary":
      return !/^(\+\+|--)$/.test(e.operator) && _literalArithmetic(e.operand);
    case "ArithmeticTernary":
      return _literalArithmetic(e.test) && _literalArithmetic(e.consequent) && _literalArithmetic(e.alternate);
    case "ArithmeticGroup":
      return _literalArithmetic(e.expression);
    default:
      return false;
  }
}

/** A shell variable name that neither bash nor a common program reads from the environment: lowercase only. */
function _plainName(name: string): boolean {
  return /^[a-z_][a-z0-9_]*$/.test(name) && name !== "_";
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
    else redirects.push(classifyRedirect(p));
  }
  if (node.name) raw.push(shellWord(node.name));
  for (const s of node.suffix) {
    if (s.type === "Word") raw.push(shellWord(s));
    else if (s.type === "Assignment") {
      // `declare x=1`, `export A=b`: an argument that looks like an assignment
      const v = s.value.type === "Word" ? shellWord(s.value).value : null;
      const assignment = v === null || s.index ? null : `${s.name}${s.append ? "+" : ""}=${v}`;
      raw.push({ value: null, text: s.text, mayBeOption: false, expands: false, assignment });
    } else redirects.push(classifyRedirect(s));
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
  const u = unwrap(raw);
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
    runsCode: u.code,
    lookedThrough: u.lookedThrough,
    context,
    text,
  };
  const name = cmd.argv[0]?.value ?? null;
  if (name !== null && CWD_COMMANDS.has(name)) c.cwdChanged = true;
  c.commands.push(cmd);
  // `env BASH_ENV=f bash -c …`, `env GIT_PAGER='…' git log`: code in a value a wrapper sets (red team 6, F2)
  for (const a of u.assignments) {
    const eq = a.indexOf("=");
    if (eq <= 0) continue;
    const code = variableCode(a.slice(0, eq), a.slice(eq + 1));
    if (code?.unknown) _evaluates(c, context, a, code.unknown);
    else if (code?.nested != null) _analyzeInto(code.nested, `${context} > ${a.slice(0, eq)}=`, depth + 1, c);
  }
  for (const n of u.nested) _analyzeInto(n.script, `${context} > ${n.how}`, depth + 1, c);
  for (const inner of u.inner) {
    if (depth + 1 > MAX_NESTING) {
      c.errors.push(`${context}: nested more than ${MAX_NESTING} levels deep`);
      continue;
    }
    const innerText = inner.argv.map((w) => w.text).join(" ");
    _build(inner.argv, [], [], `${context} > ${inner.how}`, innerText, depth + 1, c, inner.extraArgs ?? true);
  }
}
