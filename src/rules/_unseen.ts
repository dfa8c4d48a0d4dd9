/**
 * Private helper of the rule engine (_match.ts): commands that may run code the gate cannot see, for the floors
 * that then *may* apply (asked, never answered by a remembered approval of the whole tool; red team 7).
 *
 * - {@linkcode operandsRun} (F2): a program the gate does not know to be inert may run the words after its name as a
 *   command (`valgrind -q rm -rf x`, `fakeroot …`, `perf stat …`, `sg root -c 'rm -rf x'`): the wrapper table
 *   (_wrappers.ts) is a closed list, so any other program whose words hold a floor's words may run them. Known
 *   wrappers and runners keep their precise handling.
 * - {@linkcode unseenCode} (F8): a command word that is a path (`./s.sh`, `sub/x`, `/tmp/x`: a file the agent may
 *   have written) or a program not known to be inert (`node s.js`, `perl`, `rake`, `./gradlew`, `jest`, `tox`, `ld.so`):
 *   it may run code from a file or the project, which may run any command and open any file. The inert programs are
 *   {@linkcode INERT_PROGRAMS}: the built-in read-only commands, shell builtins and common file utilities.
 * - {@linkcode environmentCode} (F10): a variable set in front of a command, given to `env`, or exported (`export`,
 *   `declare -x`, `set -a`) whose name is not known to be inert ({@linkcode inertVariable}: `LANG`, `LC_*`, `TZ`,
 *   `TERM`, …): programs read many as code or options (`GIT_CONFIG_PARAMETERS`, `GIT_CONFIG_COUNT`, `TAR_OPTIONS`,
 *   `NODE_OPTIONS`, `PERL5OPT`, `LD_PRELOAD`, `PATH`, `FCEDIT`), and unknown names fail closed. A plain shell
 *   variable that is not exported (`n=1; echo $n`) reaches no program.
 * - {@linkcode linksMade} (F3): a command that may create files or links (anything but the read-only commands and a
 *   few utilities that make none) followed by a command that reads a literal name: the gate's link facts describe
 *   the tree before the call, so the name may lead to a protected file by then.
 *
 * Pure: no I/O, no runtime APIs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { environmentCode, linksMade, unseenCode } from "./_unseen.ts";
 * const cmd = (s: string) => analyzeScript(s).commands[0]!;
 * assert.match(unseenCode(cmd("node s.js"))!, /node is not a program the gate knows/);
 * assert.match(unseenCode(cmd("./s.sh"))!, /\.\/s\.sh is a file/);
 * assert.equal(unseenCode(cmd("ls -la")), null);
 * assert.match(environmentCode(analyzeScript("TAR_OPTIONS=-v tar xf t.tar"))!, /TAR_OPTIONS=-v/);
 * assert.equal(environmentCode(analyzeScript("n=1; LANG=C ls")), null);
 * assert.match(linksMade(analyzeScript("tar xf t.tar && cat h"))!, /tar xf t\.tar may create links/);
 * assert.equal(linksMade(analyzeScript("cat a; tar xf t.tar")), null);
 * ```
 *
 * @module
 */
import { COMMANDS } from "./_readonly_commands.ts";
import { CODE_PROGRAMS } from "./_embedded.ts";
import { RUNNERS } from "./runners.ts";
import type { ShellAnalysis, ShellWord, SimpleCommand } from "./shell_types.ts";
import { checkReadOnly } from "./readonly.ts";
import { variableCode } from "./_evaluated.ts";
import { PROGRAM_OPTIONS } from "./_options.ts";

/** A program named by a system path (`/usr/bin/rm`): that program. */
const SYSTEM_PATH = /^\/(usr\/)?(local\/)?s?bin\/[^/]+$/;

/**
 * Shell builtins known not to run code from their operands, a file the agent wrote or the project: with the
 * built-in read-only commands (_readonly_commands.ts), the programs whose code-running options the analysis reads
 * (git, sed, awk, tar, find, sort, rg: _embedded.ts) and the file utilities with their known options
 * (_options.ts `PROGRAM_OPTIONS`: any other option of theirs is judged by `strayOption`). Any other program may (F8).
 */
const INERT: readonly string[] = [
  // shell builtins (the ones that evaluate or run code are judged in _evaluated.ts: let, alias, hash, fc, jobs -x …)
  "export",
  "declare",
  "typeset",
  "local",
  "readonly",
  "unset",
  "shift",
  "return",
  "break",
  "continue",
  "shopt",
  "umask",
  "wait",
  "getopts",
  "times",
  "history",
  "disown",
  "jobs",
  "caller",
  "help",
  "logout",
  "kill",
  "let",
  "ulimit",
  "alias",
  "unalias",
  "hash",
  "mapfile",
  "readarray",
  "compgen",
  "complete",
  "compopt",
  "bind",
  "fc",
  "enable",
  "suspend",
  "trap",
];

/** The programs {@linkcode unseenCode} and {@linkcode operandsRun} take as inert. */
export const INERT_PROGRAMS: ReadonlySet<string> = new Set([
  ...Object.keys(COMMANDS),
  ...CODE_PROGRAMS,
  ...INERT,
  ...Object.keys(PROGRAM_OPTIONS),
]);

function _basename(v: string): string {
  return v.slice(v.lastIndexOf("/") + 1);
}

/** The program's name (`/usr/bin/rm` is `rm`), or null when it is a file named by another path (`./x`). */
function _program(head: string): string | null {
  if (!head.includes("/")) return head;
  return SYSTEM_PATH.test(head) ? _basename(head) : null;
}

/**
 * Why a command may run code from a file the agent can write or from the project, which the gate cannot inspect
 * (F8), or null: its command word is a path (`./s.sh`), or its program is not known to be inert (`node s.js`,
 * `rake`). Commands judged elsewhere are left out: dynamic ones, shells given a string to look through.
 */
export function unseenCode(c: SimpleCommand): string | null {
  const head = c.argv[0]?.value;
  if (c.dynamic || c.lookedThrough || head === null || head === undefined) return null;
  const name = _program(head);
  if (name === null) {
    return `${head} is a file the agent may have written (${_shown(c)}), whose code the gate cannot inspect`;
  }
  // busybox's applet and ssh's remote command are commands of their own in the analysis (_evaluated.ts): judged there
  if (INERT_PROGRAMS.has(name) || name === "busybox" || name === "ssh") return null;
  return `${name} is not a program the gate knows (${_shown(c)}): it may run code from a file or the project, which ` +
    "the gate cannot inspect";
}

/** The places {@linkcode operandsRun} tries a prefix at in one command before it says the program may run it. */
const MAX_STARTS = 32;

/**
 * Why a command may run the words after its name as a command (F2), or null: its program is not a known wrapper,
 * runner or inert program, and `matches` holds for the words from some position after the name where a word is one
 * of `heads` (the prefixes' program names) or only known at run time (a quoted string is split into words too:
 * `sg root -c 'rm -rf x'`).
 */
export function operandsRun(
  c: SimpleCommand,
  heads: readonly string[],
  matches: (argv: readonly ShellWord[]) => boolean,
): string | null {
  const head = c.argv[0]?.value;
  if (c.dynamic || c.lookedThrough || head === null || head === undefined) return null;
  const name = _program(head) ?? head;
  if (INERT_PROGRAMS.has(name) || RUNNERS.has(name)) return null;
  const words: ShellWord[] = [];
  for (const w of c.argv.slice(1)) {
    if (w.value !== null && /\s/.test(w.value.trim())) {
      for (const part of w.value.trim().split(/\s+/)) {
        words.push({ value: part, text: part, mayBeOption: part.startsWith("-"), expands: false });
      }
    } else words.push(w);
  }
  const why = `${_basename(name)} may run the words after it as a command`;
  // only where a word could start the prefix (its name, or a word only known at run time); past MAX_STARTS such
  // places the command may run anything, which keeps a long command linear (red team 7, F11)
  let starts = 0;
  for (let k = 0; k < words.length; k++) {
    const v = words[k]!.value;
    if (v !== null && !heads.includes(v) && !heads.includes(_basename(v))) continue;
    if (++starts > MAX_STARTS || matches(words.slice(k))) return why;
  }
  return null;
}

/** Names of variables no program reads as code or options: locale, time zone, terminal and colour settings. */
const INERT_VARIABLE =
  /^(LANG|LANGUAGE|LC_[A-Z_]+|TZ|TERM|COLORTERM|NO_COLOR|FORCE_COLOR|CLICOLOR|CLICOLOR_FORCE|CI|COLUMNS|LINES|DEBIAN_FRONTEND|PYTHONUNBUFFERED|PYTHONDONTWRITEBYTECODE|PYTHONIOENCODING|NODE_ENV|RUST_BACKTRACE|RUST_LOG|CARGO_TERM_COLOR|SOURCE_DATE_EPOCH|NO_UPDATE_NOTIFIER|NPM_CONFIG_UPDATE_NOTIFIER)$/;

/** Whether programs are known not to read the variable `name` as code or options (`LANG`, `LC_ALL`, `TZ`, …). */
export function inertVariable(name: string): boolean {
  return INERT_VARIABLE.test(name);
}

/** Not inert, and not one whose value the analysis extracts and judges (`GIT_PAGER`, `BASH_ENV`: _evaluated.ts). */
function _handsCode(name: string): boolean {
  return !inertVariable(name) && variableCode(name, null) === null;
}

/** The name of an assignment (`X=1`, `X+=1`, `a[0]=1`), or null for the wrappers' notes (`(unset X)`). */
function _assignedName(a: string): string | null {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?\+?=/.exec(a);
  return m ? m[1]! : null;
}

const EXPORTING = new Set(["export", "declare", "typeset", "local"]);

/**
 * Why a variable the script hands to programs may carry code or options (F10), or null: an assignment in front of
 * a command or given to `env`, or an exported one (`export X=…`, `export X`, `declare -x`, assignments after
 * `set -a`/`set -o allexport`), whose name is not {@linkcode inertVariable}. Variables whose value the analysis
 * extracts as a command or file (`GIT_PAGER`, `BASH_ENV`: _evaluated.ts `variableCode`) are judged there instead.
 */
export function environmentCode(a: ShellAnalysis): string | null {
  let allexport = false;
  for (const c of a.commands) {
    const head = c.argv[0]?.value;
    if (c.argv.length > 0 || allexport) {
      for (const x of c.assignments) {
        const name = _assignedName(x);
        if (name === null || !_handsCode(name)) continue;
        const to = head ? ` in front of ${head}` : " (exported by set -a)";
        return `${_clip(x)}${to} may hand a program code or options through the environment`;
      }
    }
    if (head === "set") {
      for (let i = 1; i < c.argv.length; i++) {
        const v = c.argv[i]!.value;
        if (v === null || /^-[A-Za-z]*a/.test(v) || (v === "-o" && c.argv[i + 1]?.value === "allexport")) {
          allexport = true;
        }
      }
    }
    if (head !== undefined && head !== null && EXPORTING.has(head)) {
      const args = c.argv.slice(1);
      const exports = head === "export" ||
        args.some((w) => w.value === null ? w.assignment === undefined : /^-[A-Za-z]*x/.test(w.value));
      if (!exports) continue;
      for (const w of args) {
        const text = w.assignment ?? w.value ?? w.text;
        if (w.value !== null && w.value.startsWith("-")) continue;
        const name = _assignedName(text) ?? (/^[A-Za-z_][A-Za-z0-9_]*$/.test(text) ? text : null);
        if (name !== null && !_handsCode(name)) continue;
        return `${head} ${_clip(text)} may hand programs code or options through the environment`;
      }
    }
  }
  return null;
}

/** Programs that make no links and no files an extractor could shape (the read-only commands aside). */
const NO_LINKS = new Set(["mkdir", "rmdir", "touch", "rm", "unlink", "chmod", "chown", "chgrp", "truncate", "sleep"]);

/**
 * Why a literal name the script reads may lead elsewhere by the time it is read (F3), or null: an earlier command
 * may create files or links (`tar xf t.tar`, `unzip`, `git apply`, `ln`, `cp -a`, `mv`, an unknown program) and a
 * later command names a word or reads a redirection.
 */
export function linksMade(a: ShellAnalysis): string | null {
  let maker: SimpleCommand | null = null;
  for (const c of a.commands) {
    if (maker !== null && (c.argv.length > 1 || c.redirects.some((r) => r.kind === "read" && r.target !== null))) {
      return `${_shown(maker)} may create links before ${_shown(c)} reads a name, which the gate's link facts ` +
        "(read before the call) do not show";
    }
    if (maker === null && _mayMakeLinks(c)) maker = c;
  }
  return null;
}

function _mayMakeLinks(c: SimpleCommand): boolean {
  if (c.argv.length === 0) return false; // an assignment or a bare redirection: a plain file at most
  const head = c.argv[0]!.value;
  if (head !== null && NO_LINKS.has(_program(head) ?? "")) return false;
  return !checkReadOnly(c).readOnly;
}

function _shown(c: SimpleCommand): string {
  return _clip(c.argv.slice(0, 3).map((w) => w.value ?? w.text).join(" "));
}

function _clip(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + "..." : s;
}
