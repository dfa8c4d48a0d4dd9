/**
 * The built-in set of read-only commands (SPEC §1.1): a simple command that only reads files or prints, judged on
 * its parsed words, with every option that would make it write a file or run a program refused — including GNU's
 * abbreviated long options (`sort --out=x` is `--output`), clustered short options (`sed -ni`), and arguments the
 * shell only fills in at run time (`$x`, globs, `xargs`) where an option could hide in them. The list and the
 * reasons are in docs/rules.md; the table is in _readonly_commands.ts.
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
import { findProblem } from "./_find.ts";
import { parseOptions } from "./_getopt.ts";
import { gitProblem } from "./_git.ts";
import { COMMANDS } from "./_readonly_commands.ts";
import type { ShellWord, SimpleCommand } from "./shell_types.ts";

/** What the built-in set says of one simple command. */
export interface ReadOnlyVerdict {
  /** It only reads and prints (apart from `writes`). */
  readonly readOnly: boolean;
  /** Why it is or is not read-only, for the rationale. */
  readonly reason: string;
  /** Files it writes by its arguments (`tee FILE`), judged like output redirections; null: not literal. */
  readonly writes: ReadonlyArray<string | null>;
}

/** The names in the built-in read-only set, for docs and `check`. */
export const READ_ONLY_COMMANDS: readonly string[] = Object.keys(COMMANDS).sort();

/**
 * Whether one simple command only reads (SPEC §1.1 built-in set). Assignments in front of a command, a command word
 * that is not a plain literal name (`./ls`, `$CMD`), and arguments that could turn into a refused option at run
 * time are refused. Redirections are not judged here (the rule engine classifies them).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkReadOnly } from "./readonly.ts";
 * import { analyzeScript } from "./shell.ts";
 * const verdict = (s: string) => checkReadOnly(analyzeScript(s).commands[0]!);
 * assert.deepEqual(verdict("wc -l a.txt"), { readOnly: true, reason: "wc only reads", writes: [] });
 * assert.equal(verdict("sort --out=x in").reason, "sort --output writes its output to a file");
 * assert.equal(verdict("sort $opts in").readOnly, false); // $opts could be -o FILE
 * ```
 */
export function checkReadOnly(cmd: SimpleCommand): ReadOnlyVerdict {
  const no = (reason: string): ReadOnlyVerdict => ({ readOnly: false, reason, writes: [] });
  if (cmd.dynamic) return no(cmd.dynamic);
  if (cmd.argv.length === 0) {
    // only assignments or only redirections
    for (const a of cmd.assignments) {
      // plain lowercase names only: never PATH, IFS, …, and no `a[i]=` (the index is evaluated as arithmetic)
      if (!/^[a-z_][a-z0-9_]*\+?=/.test(a)) return no(`the assignment ${a} may set a variable the shell reads`);
      // `x=([k]=v)`: an indexed array's subscripts are arithmetic, which runs `$(…)` held in a variable's value
      if (/^[a-z_][a-z0-9_]*\+?=\(/.test(a)) {
        return no(`the array assignment ${a} may evaluate subscripts as arithmetic`);
      }
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
  const parsed = parseOptions(name, args, spec.options ?? {});
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
    const r = findProblem(args);
    if (r) return no(r);
  } else if (name === "git") {
    const r = gitProblem(args);
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
