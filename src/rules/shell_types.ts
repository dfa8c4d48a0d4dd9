/**
 * The vocabulary of the shell analysis (shell.ts): the words, redirections and simple commands a script would
 * run, and the analysis of a whole script.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import type { SimpleCommand } from "./shell_types.ts";
 * const [cmd]: readonly SimpleCommand[] = analyzeScript("cat < in.txt").commands;
 * assert.equal(cmd!.redirects[0]!.kind, "read");
 * ```
 *
 * @module
 */

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
  /**
   * An argument that is an assignment (`declare x=1`, `alias l='ls -l'`; its `value` is null): `name=value` after
   * quote removal, or null when the value is only known at run time.
   */
  readonly assignment?: string | null;
  /**
   * Null value only: the word is literal but its bytes have no faithful string form (`$'k\xff'` is the byte 0xff,
   * which is not UTF-8), so the gate cannot look it up as the program will open it.
   */
  readonly lossy?: boolean;
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
   * Why the command runs code given in its own arguments (`git -c alias.x=!…`, `sed e`, awk `system`, tar
   * `--checkpoint-action=exec=`, `find -exec`), else null or absent: a rule that lowers risk never matches it.
   */
  readonly runsCode?: string | null;
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
  /**
   * The named parameters the script expands anywhere (`$TOKEN`, `${HOME:-x}`, in words, here-strings, heredoc
   * bodies, `[[ … ]]`, `case` subjects, nested `bash -c` strings), first occurrence first; special parameters
   * (`$?`, `$1`, `$@`, …) are left out. On the host these may be the environment's secrets (red team 10, J11).
   */
  readonly parameters: readonly string[];
  /** The functions the script defines (`f() { …; }`, `function f { …; }`), in source order. */
  readonly functions: readonly string[];
}
