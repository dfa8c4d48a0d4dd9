/**
 * Private helper of the shell analysis (_embedded.ts, shell.ts): code that bash, or a program, evaluates from a
 * command's arguments or from a variable's value, where the parse shows only a word (red team 6, F2).
 *
 * - Builtins that evaluate an array subscript as arithmetic (`test -v 'a[$(cmd)]'`, `printf -v`, `read`, `unset`,
 *   `declare`/`local`/`typeset`/`readonly`/`export` with a subscript, `-n` namerefs or `-i` integers, `let`,
 *   `ulimit`, `caller EXPR`), or that make later words run other code (`alias`, `hash -p`, `enable`, `mapfile -C`,
 *   `compgen -C`, `complete -C`, `bind -x`, `fc`; `jobs -x CMD` runs CMD, judged as a command). Arithmetic runs
 *   `$(…)` hidden in a subscript, and the value of every variable it names is evaluated again as arithmetic, so the
 *   code it runs is not known: `unknown`.
 * - Variables whose value bash or a program runs: `BASH_ENV`, `ENV` (a file), the prompts `PS0`…`PS4` (expanded
 *   with `set -x` too), exported functions `BASH_FUNC_*`, and command-valued ones (`PROMPT_COMMAND`, `GIT_PAGER`,
 *   `PAGER`, `EDITOR`, …): a literal command value is extracted (`nested`), anything else is `unknown`.
 * - Programs that run code given as an argument: interpreters' `-c`/`-e` strings (python, perl, node, ruby, lua,
 *   php, Rscript, tclsh), `expect`, `at`/`batch` (commands from stdin), `vim -c`/`+cmd`, `gdb -ex`, `sqlite3`
 *   dot-commands, `emacs --eval`, `make --eval`/`-E`: the code is not shell, so it is `unknown`; `ssh HOST WORDS`
 *   (the remote shell runs the joined words) and `ssh -o ProxyCommand=…`, `parallel` templates and `:::` commands
 *   are shell and are extracted; `busybox APPLET …` is that applet (`inner`).
 *
 * `unknown` makes the command dynamic (_unwrap.ts), so every `command` floor applies with its own decision, as for
 * any code that cannot be extracted (F8); `nested` strings are parsed and judged like `bash -c` strings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { evaluated, variableCode } from "./_evaluated.ts";
 * const argv = (s: string) => analyzeScript(s).commands[0]!.raw;
 * assert.match(evaluated(argv("test -v 'a[$(rm x)]'"))!.unknown!, /arithmetic/);
 * assert.equal(evaluated(argv("test -v a")), null);
 * assert.deepEqual(evaluated(argv("ssh host 'rm -rf x'"))!.nested, [{ script: "rm -rf x", how: "ssh" }]);
 * assert.deepEqual(variableCode("GIT_PAGER", "rm -rf x"), { nested: "rm -rf x", unknown: null });
 * assert.equal(variableCode("pager", "less"), null);
 * ```
 *
 * @module
 */
import type { ShellWord } from "./shell_types.ts";

/** What a command evaluates from its arguments. */
export interface Evaluated {
  /** Why it runs code that is not extracted, or null. */
  unknown: string | null;
  /** Shell command strings it runs, extracted. */
  nested: Array<{ script: string; how: string }>;
  /** Commands it runs as words (`busybox rm -rf x`), with no arguments added at run time. */
  inner: Array<{ argv: ShellWord[]; how: string; extraArgs: false }>;
}

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A subscript or arithmetic operand that evaluates to itself: a decimal number, `@` or `*` for a subscript. */
const LITERAL_NUMBER = /^\s*[-+]?\d+\s*$/;

function _basename(v: string): string {
  return v.slice(v.lastIndexOf("/") + 1);
}

/**
 * Whether a variable reference (`a`, `a[1]`, `a[@]`) evaluates no code: a name, with no subscript or a literal one.
 * `a[i]` evaluates `i` as arithmetic, and `i`'s value may itself be `b[$(cmd)]`.
 */
export function plainReference(ref: string): boolean {
  const b = ref.indexOf("[");
  if (b === -1) return PLAIN_NAME.test(ref);
  if (!ref.endsWith("]") || !PLAIN_NAME.test(ref.slice(0, b))) return false;
  const sub = ref.slice(b + 1, -1);
  return sub === "@" || sub === "*" || LITERAL_NUMBER.test(sub);
}

/** Variables whose value bash runs as a file or expands as a prompt: never extracted. */
const FILE_OR_PROMPT_VARS =
  /^(BASH_ENV|ENV|PS[0-4]|BASH_FUNC_.*|SHELLOPTS|BASHOPTS|BASH_XTRACEFD|BASH_LOADABLES_PATH)$/;
/** Variables whose value a shell or a common program runs as a command string. */
const COMMAND_VARS = new Set([
  "PROMPT_COMMAND",
  "GIT_PAGER",
  "GIT_EDITOR",
  "GIT_SEQUENCE_EDITOR",
  "GIT_SSH_COMMAND",
  "GIT_SSH",
  "GIT_EXTERNAL_DIFF",
  "GIT_ASKPASS",
  "GIT_PROXY_COMMAND",
  "SSH_ASKPASS",
  "SUDO_ASKPASS",
  "PAGER",
  "MANPAGER",
  "SYSTEMD_PAGER",
  "EDITOR",
  "VISUAL",
  "SHELL",
  "LESSOPEN",
  "LESSCLOSE",
  "BROWSER",
  "TAR_RSH",
  "RSYNC_RSH",
  "CVS_RSH",
]);

/**
 * The code a variable assignment hands to bash or a program (`NAME=value` in front of a command, on its own, or given
 * to `export`/`declare`/`env`): null when none.
 */
export function variableCode(
  name: string,
  value: string | null,
): { nested: string | null; unknown: string | null } | null {
  if (FILE_OR_PROMPT_VARS.test(name)) {
    return { nested: null, unknown: `${name} names code bash runs or expands (a file, a prompt, a function)` };
  }
  if (!COMMAND_VARS.has(name)) return null;
  if (value === null) return { nested: null, unknown: `${name} is a command only known at run time` };
  // LESSOPEN's `|cmd %s` and `||cmd`: the command after the bars
  const script = name.startsWith("LESS") ? value.replace(/^\|+-?/, "") : value;
  return { nested: script, unknown: null };
}

const ASSIGNING = new Set(["declare", "typeset", "local", "readonly", "export"]);
const INTERPRETERS: Record<string, readonly string[]> = {
  perl: ["-e", "-E"],
  ruby: ["-e"],
  node: ["-e", "--eval", "-p", "--print"],
  nodejs: ["-e", "--eval", "-p", "--print"],
  lua: ["-e"],
  luajit: ["-e"],
  php: ["-r", "--run", "-B", "-R", "-E"],
  Rscript: ["-e"],
  emacs: ["--eval", "-eval", "-l", "--load", "-f", "--funcall"],
  gdb: ["-ex", "--ex", "-iex", "--iex", "-eval-command", "--eval-command", "-x", "--command", "-ix"],
};

/** What a command (wrappers looked through) evaluates from its arguments, or null when nothing. */
export function evaluated(argv: readonly ShellWord[]): Evaluated | null {
  const head = argv[0]?.value;
  if (!head) return null;
  const name = _basename(head);
  const args = argv.slice(1);
  const out: Evaluated = { unknown: null, nested: [], inner: [] };
  const why = (w: string) => {
    out.unknown ??= w;
  };
  const values = args.map((w) => w.value);
  if (name === "test" || name === "[") {
    for (let i = 0; i < args.length; i++) {
      if ((values[i] === "-v" || values[i] === "-R") && i + 1 < args.length) {
        const ref = values[i + 1];
        if (ref === null || ref === undefined || !plainReference(ref)) {
          why(`${name} ${values[i]} evaluates an array index as arithmetic, which can run code`);
        }
      }
    }
  } else if (name === "printf") {
    for (let i = 0; i < args.length; i++) {
      const v = values[i];
      if (v === "--" || (v !== null && !v!.startsWith("-"))) break;
      if (v === null) why("printf's option is only known at run time and may assign a variable");
      else if (v === "-v") {
        const ref = values[i + 1];
        if (ref === null || ref === undefined || !plainReference(ref) || /^[A-Z]/.test(ref)) {
          why(`printf -v ${args[i + 1]?.text ?? ""} assigns a variable whose index or value bash evaluates`);
        }
        i++;
      }
    }
  } else if (ASSIGNING.has(name) || name === "read" || name === "unset" || name === "getopts" || name === "wait") {
    _assigning(name, args, out);
  } else if (name === "jobs") {
    // `jobs -x COMMAND ARGS`: runs COMMAND with job specs in ARGS replaced (red team 7, F2)
    let i = 0;
    let x = false;
    for (; i < args.length; i++) {
      const v = values[i]!;
      if (v === null) {
        if (!x) why("jobs is given an argument only known at run time, which may be -x (run a command)");
        break;
      }
      if (v === "--") {
        i++;
        break;
      }
      if (!/^-[a-z]+$/.test(v)) break;
      if (v.includes("x")) x = true;
    }
    if (x) {
      if (i < args.length) out.inner.push({ argv: args.slice(i), how: "jobs -x", extraArgs: false });
    }
  } else if (name === "caller") {
    // `caller [expr]`: a bash may evaluate a frame number that is not a plain number as arithmetic (red team 7, F2)
    if (values.some((v) => v === null || !/^\s*\d+\s*$/.test(v))) {
      why("caller's argument is an expression, which bash may evaluate as arithmetic, running code in a subscript");
    }
  } else if (name === "let") why("let evaluates arithmetic, which runs code hidden in subscripts and variable values");
  else if (name === "ulimit") {
    // a value that is not a plain number is evaluated as arithmetic
    if (values.some((v) => v === null || (!v.startsWith("-") && !/^(\d+|unlimited|hard|soft)$/.test(v)))) {
      why("ulimit evaluates a limit that is not a number as arithmetic, which can run code");
    }
  } else if (name === "alias") {
    for (const w of args) {
      const v = w.value ?? w.assignment ?? null;
      if (v === null) why("alias defines an alias only known at run time");
      else if (v.includes("=")) out.nested.push({ script: v.slice(v.indexOf("=") + 1), how: "alias" });
    }
  } else if (name === "hash") {
    if (values.some((v) => v === null || /^-[a-z]*p/.test(v))) why("hash -p makes a command name run another program");
  } else if (name === "enable") {
    if (args.length > 0) why("enable loads or disables builtins, which changes what later commands run");
  } else if (name === "mapfile" || name === "readarray") {
    if (values.some((v) => v === null || /^-[A-Za-z]*C/.test(v))) why(`${name} -C runs a callback`);
    _assigning(name, args, out);
  } else if (name === "compgen" || name === "complete" || name === "bind" || name === "fc") {
    if (args.length > 0) why(`${name} can run commands named in its arguments`);
  } else if (name === "expect") why("expect runs a Tcl program, which can spawn any command");
  else if (name === "at" || name === "batch") why(`${name} runs commands read from its input or a file`);
  else if (/^python(\d(\.\d+)?)?$/.test(name) || name === "pypy3") {
    if (values.some((v) => v === null || /^-[A-Za-z]*c/.test(v))) why(`${name} -c runs a Python program`);
  } else if (Object.hasOwn(INTERPRETERS, name)) {
    const flags = INTERPRETERS[name]!;
    for (const v of values) {
      if (
        v === null || flags.some((f) => v === f || v.startsWith(`${f}=`) || (/^-[A-Za-z]$/.test(f) && v.startsWith(f)))
      ) {
        why(`${name} ${v ?? "(an argument only known at run time)"} runs a program given in its arguments`);
        break;
      }
    }
  } else if (name === "tclsh" || name === "wish") why(`${name} runs a Tcl program`);
  else if (/^(n?vim?|view|ex|rvim|gvim)$/.test(name)) {
    if (values.some((v) => v === null || v === "-c" || v === "--cmd" || v === "-S" || v.startsWith("+"))) {
      why(`${name} runs editor commands given in its arguments, which can run a shell`);
    }
  } else if (name === "sqlite3") {
    if (values.some((v) => v === null || v === "-cmd" || v === "-init" || /(^|\n)\s*\./.test(v))) {
      why("sqlite3 runs dot-commands given in its arguments (.shell, .system)");
    }
  } else if (name === "make" || name === "gmake") {
    if (values.some((v) => v === null || v === "-E" || /^--ev(a(l)?)?(=|$)/.test(v) || /^-[A-Za-z]*E/.test(v))) {
      why(`${name} --eval runs makefile text given in its arguments`);
    }
  } else if (name === "ssh") _ssh(args, out);
  else if (name === "scp") _scp(args, out);
  else if (name === "rsync") _rsync(args, out);
  else if (name === "parallel") _parallel(args, out);
  else if (name === "busybox") {
    if (args[0]?.value === null) why("busybox runs an applet only known at run time");
    else if (args.length > 0 && !args[0]!.value!.startsWith("-")) {
      out.inner.push({ argv: [...args], how: "busybox", extraArgs: false });
    }
  } else return null;
  return out.unknown === null && out.nested.length === 0 && out.inner.length === 0 ? null : out;
}

/** Builtins that assign variables: a subscript, a nameref, an integer attribute or a code-valued variable. */
function _assigning(name: string, args: readonly ShellWord[], out: Evaluated): void {
  const why = (w: string) => {
    out.unknown ??= w;
  };
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    // an `Assignment` argument (`declare r=x`) is a word only known at run time whose text is the assignment
    const v = w.value ?? w.assignment ?? w.text;
    if (/^[-+][A-Za-z]+$/.test(v)) {
      if (ASSIGNING.has(name) && /[niaA]/.test(v)) {
        why(`${name} ${v} makes bash evaluate names or values as references or arithmetic`);
      }
      // options with a value (read -p PROMPT -d D -u FD -t T -n N -N N, mapfile -d -n -O -s -u -C -c, wait -p VAR)
      if (/[pdutnNOsCc]$/.test(v) && (name === "read" || name === "mapfile" || name === "readarray")) i++;
      else if (name === "wait" && v.endsWith("p")) {
        const ref = args[i + 1]?.value;
        if (ref === null || ref === undefined || !plainReference(ref)) why(`wait -p assigns ${args[i + 1]?.text}`);
        i++;
      }
      continue;
    }
    if (name === "getopts" && i === 0) continue; // the option string
    if (name === "wait") continue; // job ids
    const eq = v.indexOf("=");
    let ref = eq === -1 ? v : v.slice(0, eq);
    if (ref.endsWith("+")) ref = ref.slice(0, -1);
    if (w.value === null && eq === -1) {
      why(`${name} is given ${w.text}, only known at run time, which may name a subscript bash evaluates`);
      continue;
    }
    if (!plainReference(ref)) {
      why(`${name} ${JSON.stringify(ref)} has a subscript bash evaluates as arithmetic, which can run code`);
      continue;
    }
    const literal = w.value !== null || (w.assignment !== undefined && w.assignment !== null);
    const code = variableCode(ref.replace(/\[.*$/, ""), !literal || eq === -1 ? null : v.slice(eq + 1));
    if (code?.unknown) why(code.unknown);
    else if (code?.nested !== null && code?.nested !== undefined && eq !== -1) {
      out.nested.push({ script: code.nested, how: `${name} ${ref}` });
    }
  }
}

/** ssh options that take a value. */
const SSH_VALUE = "BbcDEeFIiJLlmOoPpQRSWw";

/** An ssh `-o` option that names a command (`ProxyCommand=…`), given to ssh or scp. */
function _sshOption(value: string | null, name: string, out: Evaluated): void {
  if (value === null) {
    out.unknown ??= `${name} -o sets an option only known at run time`;
    return;
  }
  const m = /^\s*(ProxyCommand|LocalCommand|KnownHostsCommand|RemoteCommand|Include)\s*[= ]\s*(.*)$/is.exec(value);
  if (m && m[1]!.toLowerCase() === "include") out.unknown ??= `${name} -o Include reads a configuration file`;
  else if (m) out.nested.push({ script: m[2]!, how: `${name} -o ${m[1]}` });
}

function _ssh(args: readonly ShellWord[], out: Evaluated): void {
  let i = 0;
  for (; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null) {
      out.unknown ??= "ssh is given an argument only known at run time";
      return;
    }
    if (v === "--") {
      i++;
      break;
    }
    if (!v.startsWith("-")) break;
    for (let k = 1; k < v.length; k++) {
      const ch = v[k]!;
      if (!SSH_VALUE.includes(ch)) continue;
      const attached = v.slice(k + 1);
      const value = attached !== "" ? attached : (args[++i]?.value ?? null);
      if (ch === "o") _sshOption(value, "ssh", out);
      else if (ch === "F") out.unknown ??= "ssh -F reads a configuration file, which can name commands";
      break;
    }
  }
  const words = args.slice(i + 1); // after the host
  if (words.length === 0) return;
  if (words.some((w) => w.value === null)) out.unknown ??= "ssh runs a remote command only known at run time";
  else out.nested.push({ script: words.map((w) => w.value).join(" "), how: "ssh" });
}

/** scp options that take a value. */
const SCP_VALUE = "cDFiJloPSX";

/** scp's `-o ProxyCommand=…` (ssh runs it through a shell), `-S PROGRAM`, `-F CONFIG` (red team 8 G1). */
function _scp(args: readonly ShellWord[], out: Evaluated): void {
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null) {
      out.unknown ??= "scp is given an argument only known at run time, which may be an option that runs a command";
      continue;
    }
    if (v === "--") break;
    if (!v.startsWith("-") || v.length < 2) continue;
    for (let k = 1; k < v.length; k++) {
      const ch = v[k]!;
      if (!SCP_VALUE.includes(ch)) continue;
      const attached = v.slice(k + 1);
      const value = attached !== "" ? attached : (args[++i]?.value ?? null);
      if (ch === "o") _sshOption(value, "scp", out);
      else if (ch === "S") {
        if (value === null) out.unknown ??= "scp -S runs a program only known at run time";
        else out.nested.push({ script: _shq(value), how: "scp -S" });
      } else if (ch === "F") out.unknown ??= "scp -F reads a configuration file, which can name commands";
      break;
    }
  }
}

/** rsync's `-e`/`--rsh` command (and `--rsync-path`), which it runs to reach the other side (red team 8 G1). */
function _rsync(args: readonly ShellWord[], out: Evaluated): void {
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null) continue; // rsync is not known to be inert: its unknown arguments make floors apply (_unseen.ts)
    if (v === "--") break;
    let value: string | null | undefined;
    let how = "rsync -e";
    const m = /^--(rsh|rsync-path)(=|$)/.exec(v);
    if (m) {
      how = `rsync --${m[1]}`;
      value = m[2] === "=" ? v.slice(v.indexOf("=") + 1) : (args[++i]?.value ?? null);
    } else if (/^-[A-Za-z0-9]+$/.test(v) && v.includes("e")) {
      const attached = v.slice(v.indexOf("e") + 1);
      value = attached !== "" ? attached : (args[++i]?.value ?? null);
    }
    if (value === undefined) continue;
    if (value === null) out.unknown ??= `${how} runs a command only known at run time`;
    else out.nested.push({ script: value, how });
  }
}

function _shq(v: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

function _parallel(args: readonly ShellWord[], out: Evaluated): void {
  const sep = args.findIndex((w) => w.value !== null && /^:::+\+?$/.test(w.value));
  const before = sep === -1 ? args : args.slice(0, sep);
  // the options of parallel itself are many: every word before the separator that is not an option is the template
  const template = before.filter((w) => w.value === null || !w.value.startsWith("-"));
  if (template.some((w) => w.value === null)) {
    out.unknown ??= "parallel runs a command template only known at run time";
    return;
  }
  if (template.length > 0) {
    // an option's value (`-j 4`) looks like a template word: the template may start at any of them
    for (let k = 0; k < template.length; k++) {
      out.nested.push({ script: template.slice(k).map((w) => w.value).join(" "), how: "parallel" });
    }
    return;
  }
  // no template: every argument is a command
  if (sep === -1) {
    out.unknown ??= "parallel runs commands read from its input";
    return;
  }
  for (let i = sep; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null) out.unknown ??= "parallel runs a command only known at run time";
    else if (v === "::::" || v === "::::+") {
      out.unknown ??= "parallel runs commands read from a file";
      i++;
    } else if (!/^:::+\+?$/.test(v)) out.nested.push({ script: v, how: "parallel :::" });
  }
}
