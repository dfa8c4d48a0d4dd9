/**
 * Private helper of the shell analysis (_unwrap.ts): commands a program runs from its own arguments — git aliases
 * and command-valued settings given with `-c` (`-c alias.x='!rm -rf d' x`, `-c alias.x='reset --hard' x`),
 * `git submodule foreach`, `git rebase --exec`, `git bisect run`, `--upload-pack`; sed's `e COMMAND`; awk's
 * `system("…")`; tar's `--checkpoint-action=exec=`, `-I`/`--use-compress-program`, `--to-command`, `-F`; `find -exec`;
 * `sort --compress-program`; `rg --pre`.
 *
 * - `code`: why the command runs code given in its arguments (or could: an argument only known at run time where
 *   such an option could hide, or xargs adding arguments). A rule that lowers risk never matches it, whatever its
 *   prefix (the same refusals the built-in read-only set makes for these programs).
 * - `nested` / `inner`: the text it runs, when the analysis can extract it, parsed and judged like `bash -c`
 *   strings, so a floor on `rm -rf` sees `rm -rf d` inside a git alias.
 * - `unknown`: it runs code that cannot be extracted (`sed 's/…/…/e'`, `awk '{system(c)}'`, `git -c "alias.x=!$c"`,
 *   `sed -f FILE`): the command becomes dynamic, so **every** `command` floor matches it with its own decision
 *   (deny stays deny) and nothing lowers it. Such code can run any program, so no floor can be ruled out.
 *
 * Runners that take one command string (`su -c`, `script -c`, `flock F -c`, `watch 'STR'`, `sudo bash -c STR`) have
 * the string judged the same way.
 *
 * Shell builtins, interpreters and other programs that evaluate code from their arguments (`test -v 'a[$(c)]'`,
 * `printf -v`, `declare -n`, `let`, `alias`, `hash -p`, `python -c`, `vim -c`, `gdb -ex`, `make --eval`, `ssh HOST
 * CMD`, `parallel`, `busybox`) are in _evaluated.ts, merged here.
 *
 * git's `ext::` transport (`ext::CMD` URLs, also in `-c remote.X.url=`), `difftool -x`/`--extcmd`,
 * `filter-branch --*-filter`, `instaweb --httpd`, `daemon --access-hook`, `send-email --sendmail-cmd` and command
 * keys such as `remote.X.uploadpack`, `difftool.X.cmd` are extracted too.
 *
 * Not followed (documented weak spots): git config-file aliases and hooks (trusted with `trustGitConfig`),
 * and script files an interpreter runs (`python3 x.py`), which are never
 * lowered by the built-in set and match floors by their own name (and, for project-check programs, as project code).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { embedded } from "./_embedded.ts";
 * const argv = (s: string) => analyzeScript(s).commands[0]!.raw;
 * assert.deepEqual(embedded(argv("git -c alias.x='!rm -rf d' x"), false).nested, [{ script: "rm -rf d", how: "git alias" }]);
 * assert.equal(embedded(argv("git log -5"), false).code, null);
 * assert.match(embedded(argv("sed 's/a/b/e' f"), false).unknown!, /s\/\/\/e/);
 * ```
 *
 * @module
 */
import type { ShellWord } from "./shell_types.ts";
import { awkProgramProblem, awkPrograms } from "./_awk.ts";
import { sedExecs, sedScripts } from "./_sed.ts";
import { evaluated } from "./_evaluated.ts";

/** What a program runs from its own arguments. */
export interface Embedded {
  /** Why it runs (or may run) code given in its arguments; null: it does not. */
  code: string | null;
  /** Why some of that code cannot be extracted; null: all of it is in `nested`/`inner`. */
  unknown: string | null;
  /** Command strings it runs through a shell. */
  nested: Array<{ script: string; how: string }>;
  /** Commands it runs as words. */
  inner: Array<{ argv: ShellWord[]; how: string; extraArgs?: boolean }>;
}

/** The programs with options that run code: never lowered when an argument could hide such an option. */
export const CODE_PROGRAMS: ReadonlySet<string> = new Set([
  "git",
  "sed",
  "gsed",
  "awk",
  "gawk",
  "mawk",
  "nawk",
  "tar",
  "gtar",
  "find",
  "sort",
  "rg",
]);

function _basename(v: string): string {
  return v.slice(v.lastIndexOf("/") + 1);
}

function _quote(v: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

function _word(v: string): ShellWord {
  return { value: v, text: _quote(v), mayBeOption: v.startsWith("-"), expands: false };
}

/** What the command `argv` (wrappers already looked through) runs from its arguments; `extraArgs`: xargs adds some. */
export function embedded(argv: readonly ShellWord[], extraArgs: boolean): Embedded {
  const out: Embedded = { code: null, unknown: null, nested: [], inner: [] };
  const head = argv[0]?.value;
  if (!head) return out;
  const name = _basename(head);
  // builtins, interpreters and programs that evaluate code from their arguments (_evaluated.ts)
  const ev = evaluated(argv);
  if (ev !== null) {
    const why = ev.unknown ?? `${name} runs code given in its arguments`;
    out.code = why;
    out.unknown = ev.unknown;
    out.nested.push(...ev.nested);
    out.inner.push(...ev.inner);
  }
  if (Object.hasOwn(STRING_RUNNERS, name)) {
    _runnerStrings(name, argv.slice(1), out);
    return out;
  }
  if (Object.hasOwn(OPTION_COMMANDS, name)) _optionCommands(name, argv.slice(1), out);
  if (!CODE_PROGRAMS.has(name)) return out;
  const args = argv.slice(1);
  let dd = args.findIndex((w) => w.value === "--");
  if (name === "git") {
    // after a literal subcommand, words are that subcommand's: only some of them run commands (`--exec`, `foreach`)
    const sub = _gitSubcommand(args);
    if (sub !== -1 && !GIT_RUNS.has(args[sub]!.value!)) dd = sub;
  }
  const hidden = (dd === -1 ? args : args.slice(0, dd)).find((w) => w.value === null && w.mayBeOption);
  if ((extraArgs && dd === -1) || hidden) {
    const why = extraArgs
      ? `${name} is given arguments at run time (xargs), which can be options that run code`
      : `${name}'s argument ${hidden!.text} is only known at run time and could be an option that runs code`;
    out.code = why;
    out.unknown = why;
  }
  const run = (script: string | null, how: string, shown: string) => {
    out.code ??= `${name} ${shown} runs a command`;
    if (script === null) out.unknown ??= `${name} ${shown} runs a command only known at run time`;
    else out.nested.push({ script, how });
  };
  if (name === "git") _git(args, out, run);
  else if (name === "sed" || name === "gsed") _sed(args, out, run);
  else if (name.endsWith("awk")) _awk(name, args, out, run);
  else if (name === "tar" || name === "gtar") _tar(args, run);
  else if (name === "find") {
    const x = args.find((w) => w.value !== null && /^-(exec|execdir|ok|okdir)$/.test(w.value));
    if (x) out.code ??= `find ${x.value} runs a command`; // the command itself: _unwrap.ts
  } else if (name === "sort") {
    _longValues(args, ["--compress-program"], (v, opt) => run(v, `sort ${opt}`, opt));
  } else if (name === "rg") {
    _longValues(args, ["--pre", "--hostname-bin"], (v, opt) => run(v, `rg ${opt}`, opt));
    if (args.some((w) => w.value === "--search-zip" || (w.value !== null && /^-[A-Za-z]*z/.test(w.value)))) {
      out.code ??= "rg --search-zip runs decompression programs";
    }
  }
  return out;
}

type Run = (script: string | null, how: string, shown: string) => void;

/**
 * File utilities with options whose value is a command (red team 9, H1, H2): `split --filter` and `zip -TT` /
 * `--unzip-command` run it through a shell; `sdiff`/`diff3 --diff-program` and `install --strip-program` run the
 * program it names (`"exec"`). Any other option of theirs not known inert makes a deny floor "may apply"
 * (_options.ts): this table only lets a floor judge the commands it can read.
 */
const OPTION_COMMANDS: Readonly<Record<string, Readonly<Record<string, "shell" | "exec">>>> = {
  split: { "--filter": "shell" },
  zip: { "--unzip-command": "shell" },
  sdiff: { "--diff-program": "exec" },
  diff3: { "--diff-program": "exec" },
  install: { "--strip-program": "exec" },
};

function _optionCommands(name: string, args: readonly ShellWord[], out: Embedded): void {
  const table = OPTION_COMMANDS[name]!;
  const run = (v: string | null, opt: string) => {
    out.code ??= `${name} ${opt} runs a command`;
    if (v === null) out.unknown ??= `${name} ${opt} runs a command only known at run time`;
    else out.nested.push({ script: table[opt] === "exec" ? _quote(v) : v, how: `${name} ${opt}` });
  };
  _longValues(args, Object.keys(table), run);
  if (name !== "zip") return;
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null || !v.startsWith("-TT")) continue;
    const attached = v.slice(3).replace(/^=/, "");
    out.code ??= "zip -TT runs a command";
    const cmd = attached !== "" ? attached : args[++i]?.value ?? null;
    if (cmd === null) out.unknown ??= "zip -TT runs a command only known at run time";
    else out.nested.push({ script: cmd, how: "zip -TT" });
  }
}

/**
 * Runners (runners.ts) that take the command as one string run by a shell: `su -c STR`, `runuser -c STR`,
 * `script -c STR`, `flock FILE -c STR`, `watch 'STR'` (watch joins its words and runs them with `sh -c`), and
 * `sudo|doas|… bash -c STR` (a shell behind the runner). The string is judged like a `bash -c` string.
 */
const STRING_RUNNERS: Record<string, "-c" | "words"> = {
  su: "-c",
  runuser: "-c",
  script: "-c",
  flock: "-c",
  watch: "words",
  sudo: "-c",
  doas: "-c",
  setsid: "-c",
  nsenter: "-c",
  chroot: "-c",
  unshare: "-c",
  setpriv: "-c",
};
const SHELLS = /^(ba|da|z|k|a|mk)?sh$/;

function _runnerStrings(name: string, args: readonly ShellWord[], out: Embedded): void {
  const push = (w: ShellWord | undefined, shown: string) => {
    if (!w) return;
    out.code ??= `${name} ${shown} runs a command string`;
    if (w.value === null) out.unknown ??= `${name} ${shown} runs a command string only known at run time`;
    else out.nested.push({ script: w.value, how: `${name} ${shown}` });
  };
  if (STRING_RUNNERS[name] === "words") {
    // watch [-n N] [options] WORDS…: joined and run by sh -c (unless -x/--exec)
    let i = 0;
    for (; i < args.length; i++) {
      const v = args[i]!.value;
      if (v === null || !v.startsWith("-")) break;
      if (v === "-n" || v === "--interval" || v === "-q" || v === "--equexit") i++;
    }
    const words = args.slice(i);
    if (words.length === 0) return;
    if (words.some((w) => w.value === null)) out.unknown ??= `${name} runs a command string only known at run time`;
    else out.nested.push({ script: words.map((w) => w.value).join(" "), how: name });
    return;
  }
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null) continue;
    if (name !== "sudo" && name !== "doas" && (/^-[A-Za-z]*c$/.test(v) || v === "--command")) push(args[i + 1], v);
    else if (name !== "sudo" && name !== "doas" && v.startsWith("--command=")) {
      push({ ...args[i]!, value: v.slice(10) }, "--command");
    } else if (SHELLS.test(_basename(v)) && args[i + 1]?.value === "-c") {
      push(args[i + 2], `${_basename(v)} -c`);
      return;
    }
  }
}

/** Long options (abbreviations included) with their value, attached or next. */
function _longValues(
  args: readonly ShellWord[],
  longs: readonly string[],
  f: (v: string | null, opt: string) => void,
  others: readonly string[] = [],
) {
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null || !v.startsWith("--") || v.length < 4) continue;
    if (v === "--") break;
    const eq = v.indexOf("=");
    const opt = eq === -1 ? v : v.slice(0, eq);
    if (others.includes(opt)) continue; // another option of that name (`--checkpoint` beside `--checkpoint-action`)
    const full = longs.find((l) => l.startsWith(opt));
    if (!full) continue;
    f(eq === -1 ? (args[++i]?.value ?? null) : v.slice(eq + 1), full);
  }
}

/** git subcommands with options or words that run commands. */
const GIT_RUNS = new Set([
  "rebase",
  "submodule",
  "bisect",
  "grep",
  "fetch",
  "pull",
  "push",
  "clone",
  "archive",
  "ls-remote",
  "difftool",
  "mergetool",
  "filter-branch",
  "send-email",
  "instaweb",
  "daemon",
  "remote",
  "interpret-trailers",
]);

/** The index of git's subcommand word in `args` (after the global options), or -1. */
function _gitSubcommand(args: readonly ShellWord[]): number {
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null) return -1;
    if (!v.startsWith("-")) return i;
    if (GIT_GLOBAL_VALUE.has(v)) i++;
  }
  return -1;
}

/** git settings whose value is a command (run by a shell): extracted from `-c` values. */
const GIT_COMMAND_KEY =
  /^(core\.(pager|editor|sshcommand|fsmonitor|askpass|alternaterefscommand)|diff\.external|sequence\.editor|pager\..+|gpg(\..+)?\.program|(diff|filter|merge)\..+\.(textconv|clean|smudge|process|driver|command)|credential(\..+)?\.helper|uploadpack\.packobjectshook|ssh\.variant)$/;
/**
 * More git settings whose value is a command (red team 8 G1, red team 9 H7): remote helpers, tools, trailers,
 * mailers, the ssh signing key command (split at spaces and run), `git archive`'s filters (`tar.<format>.command`).
 */
const GIT_COMMAND_KEY_MORE =
  /^(remote\..+\.(uploadpack|receivepack)|(difftool|mergetool|man|browser)\..+\.cmd|sendemail\.(.+\.)?(tocmd|cccmd|headercmd|sendmailcmd)|trailer\..+\.(command|cmd)|instaweb\.httpd|core\.gitproxy|interactive\.difffilter|gpg\.ssh\.defaultkeycommand|tar\..+\.command)$/;
/** git settings that make git run files or read more configuration: the code they run is not known. */
const GIT_INDIRECT_KEY =
  /^(core\.hookspath|include\.path|includeif\..+\.path|core\.worktree|safe\.directory|(difftool|mergetool|man|browser)\..+\.path|remote\..+\.vcs|url\..+\.(push)?insteadof)$/;
/**
 * Whether the analysis reads git setting `key` (lower case) with value `val` itself: an alias, a command-valued key
 * (its command is judged), a key that makes git run or read files (its code is unknown: every floor), a
 * submodule update command, an `ext::` URL. Any other key not known inert makes a deny floor "may apply"
 * (_git_config.ts).
 */
export function gitKeyJudged(key: string, val: string): boolean {
  return key.startsWith("alias.") || GIT_COMMAND_KEY.test(key) || GIT_COMMAND_KEY_MORE.test(key) ||
    GIT_INDIRECT_KEY.test(key) || (/^submodule\..+\.update$/.test(key) && val.startsWith("!")) ||
    (/^sendemail\.(.+\.)?smtpserver$/.test(key) && val.includes("/")) || val.startsWith("ext::");
}

/** Options of git subcommands whose value is a command run by a shell (`difftool --extcmd`, `filter-branch`). */
const GIT_SUB_COMMAND_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  "difftool": ["--extcmd"],
  "filter-branch": [
    "--tree-filter",
    "--index-filter",
    "--msg-filter",
    "--env-filter",
    "--commit-filter",
    "--parent-filter",
    "--tag-name-filter",
  ],
  "instaweb": ["--httpd"],
  "daemon": ["--access-hook"],
  "send-email": ["--sendmail-cmd", "--to-cmd", "--cc-cmd", "--header-cmd"],
};
/** Short options of git subcommands whose value is a command: `difftool -x`, `instaweb -d`, `clone -u`. */
const GIT_SUB_COMMAND_SHORT: Readonly<Record<string, string>> = { "difftool": "x", "instaweb": "d", "clone": "u" };

/**
 * The command git's `ext::` transport runs for a URL (`ext::sh -c cat% f`), as a shell string: words split at
 * spaces, `% ` a space inside a word, `%%` a percent sign, `%s`/`%S` the service name; null: not an `ext::` URL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gitExtCommand } from "./_embedded.ts";
 * assert.equal(gitExtCommand("ext::sh -c cat% secrets/k"), "sh -c 'cat secrets/k'");
 * assert.equal(gitExtCommand("https://example.com/r.git"), null);
 * ```
 */
export function gitExtCommand(url: string): string | null {
  if (!url.startsWith("ext::")) return null;
  const words: string[] = [];
  let cur = "";
  let any = false;
  const text = url.slice(5);
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "%" && i + 1 < text.length) {
      const n = text[++i]!;
      if (n === " " || n === "%") cur += n;
      else if (n === "s") cur += "upload-pack";
      else if (n === "S") cur += "git-upload-pack";
      else if (n !== "G" && n !== "V") cur += `%${n}`; // %G, %V: special arguments git handles itself
      any = true;
    } else if (ch === " ") {
      if (cur !== "" || any) words.push(cur);
      cur = "";
      any = false;
    } else cur += ch;
  }
  if (cur !== "" || any) words.push(cur);
  return words.map(_quote).join(" ");
}
/** git global options that take a value as the next word. */
const GIT_GLOBAL_VALUE = new Set([
  "-C",
  "-c",
  "--git-dir",
  "--work-tree",
  "--namespace",
  "--config-env",
  "--super-prefix",
]);

function _git(args: readonly ShellWord[], out: Embedded, run: Run): void {
  const aliases = new Map<string, string>();
  let extAllowed = false;
  let i = 0;
  for (; i < args.length; i++) {
    const w = args[i]!;
    const v = w.value;
    if (v === null || !v.startsWith("-")) break;
    let opt = v;
    let value: string | null | undefined;
    const eq = v.indexOf("=");
    if (v.startsWith("--") && eq !== -1) {
      opt = v.slice(0, eq);
      value = v.slice(eq + 1);
    } else if (GIT_GLOBAL_VALUE.has(v)) value = args[++i]?.value ?? null;
    if (opt === "--exec-path" && value !== undefined) {
      out.code ??= "git --exec-path runs git's programs from another folder";
      out.unknown ??= "git --exec-path runs git's programs from another folder";
    }
    if (opt !== "-c" && opt !== "--config-env") continue;
    out.code ??= `git ${opt} sets configuration, which can run programs`;
    if (value === null || value === undefined) {
      out.unknown ??= `git ${opt} sets configuration only known at run time, which can run programs`;
      continue;
    }
    const keq = value.indexOf("=");
    const key = (keq === -1 ? value : value.slice(0, keq)).toLowerCase();
    const val = keq === -1 ? "" : value.slice(keq + 1);
    const isAlias = key.startsWith("alias.");
    if (opt === "--config-env") {
      // the value is an environment variable's: not known here
      if (isAlias || GIT_COMMAND_KEY.test(key) || GIT_COMMAND_KEY_MORE.test(key) || GIT_INDIRECT_KEY.test(key)) {
        out.unknown ??= `git --config-env ${key} takes a command from the environment`;
      }
      continue;
    }
    if (isAlias) aliases.set(key.slice("alias.".length), val);
    else if (GIT_COMMAND_KEY.test(key) || GIT_COMMAND_KEY_MORE.test(key)) run(val, `git -c ${key}`, `-c ${key}`);
    else if (GIT_INDIRECT_KEY.test(key)) out.unknown ??= `git -c ${key} makes git run or read files not in the script`;
    else if (/^submodule\..+\.update$/.test(key) && val.startsWith("!")) {
      run(val.slice(1), `git -c ${key}`, `-c ${key}`);
    } else if (/^sendemail\.(.+\.)?smtpserver$/.test(key) && val.includes("/")) {
      run(_quote(val), `git -c ${key}`, `-c ${key}`); // a path: a program git runs as its mailer
    } else if (/^protocol\.(ext\.)?allow$/.test(key) && val.toLowerCase() !== "never") extAllowed = true;
    const ext = gitExtCommand(val);
    if (ext !== null) run(ext, "git ext:: transport", `-c ${key}`);
  }
  const sub = args[i]?.value;
  if (sub === undefined || sub === null) return;
  const rest = args.slice(i + 1);
  const restText = rest.map((w) => (w.value === null ? w.text : _quote(w.value))).join(" ");
  const alias = [...aliases].find(([k]) => k === sub.toLowerCase());
  if (alias) {
    // `!cmd` runs cmd through a shell (with the remaining words as arguments); otherwise it is a git subcommand
    const [, val] = alias;
    const script = val.startsWith("!") ? val.slice(1) : `git ${val}`;
    run(restText === "" ? script : `${script} ${restText}`, "git alias", `alias ${sub}`);
    return;
  }
  const values = rest.map((w) => w.value);
  if (sub === "submodule") {
    const f = values.indexOf("foreach");
    if (f !== -1) {
      let j = f + 1;
      while (values[j] === "--recursive" || values[j] === "-q" || values[j] === "--quiet") j++;
      const cmd = rest.slice(j);
      run(
        cmd.every((w) => w.value !== null) ? cmd.map((w) => w.value).join(" ") : null,
        "git submodule foreach",
        "submodule foreach",
      );
    }
  } else if (sub === "bisect" && values[0] === "run") {
    const cmd = rest.slice(1);
    if (cmd.length > 0) {
      out.code ??= "git bisect run runs a command";
      out.inner.push({ argv: [...cmd], how: "git bisect run" });
    }
  } else if (sub === "rebase") {
    for (let j = 0; j < rest.length; j++) {
      const v = values[j];
      if (v === null || v === undefined) continue;
      if (v === "--") break;
      if (v === "-x" || v === "--exec" || (v.length > 3 && "--exec".startsWith(v))) {
        run(values[++j] ?? null, "git rebase --exec", "rebase --exec");
      } else if (v.startsWith("--exec=")) run(v.slice(7), "git rebase --exec", "rebase --exec");
      else if (/^-[A-Za-z]*x/.test(v) && !v.startsWith("--")) {
        const k = v.indexOf("x");
        const attached = v.slice(k + 1);
        run(attached !== "" ? attached : values[++j] ?? null, "git rebase --exec", "rebase -x");
      }
    }
  } else if (sub === "grep") {
    if (values.some((v) => v !== null && (/^-[A-Za-z]*O/.test(v) || v.startsWith("--open-files")))) {
      out.code ??= "git grep -O runs a pager";
      out.unknown ??= "git grep -O runs a pager named in its value or git's config";
    }
  }
  _longValues(rest, ["--upload-pack", "--receive-pack", "--exec"], (v, opt) => {
    if (sub !== "rebase") run(v, `git ${sub} ${opt}`, `${sub} ${opt}`);
  });
  _gitSubOptions(sub, rest, extAllowed, out, run);
  if (sub === "config") _gitConfigWrite(rest, run);
}

/** `git config` options that take a value as the next word. */
const GIT_CONFIG_VALUE = new Set(["-f", "--file", "--blob", "--type", "--default", "--comment", "--value"]);

/**
 * `git config KEY VALUE` (also `git config set KEY VALUE`) storing a command in a key git runs (an alias `!cmd`,
 * `core.pager`, `remote.X.uploadpack`): a later call runs it from git's configuration, so it is judged now.
 */
function _gitConfigWrite(rest: readonly ShellWord[], run: Run): void {
  const pos: ShellWord[] = [];
  for (let j = 0; j < rest.length; j++) {
    const v = rest[j]!.value;
    if (v !== null && v.startsWith("-")) {
      if (GIT_CONFIG_VALUE.has(v)) j++;
      continue;
    }
    pos.push(rest[j]!);
  }
  if (pos[0]?.value === "set") pos.shift();
  const key = pos[0]?.value?.toLowerCase();
  if (key === undefined || pos.length < 2) return;
  const val = pos[1]!.value;
  const how = `git config ${key}`;
  if (key.startsWith("alias.")) {
    if (val === null) run(null, how, `config ${key}`);
    else run(val.startsWith("!") ? val.slice(1) : `git ${val}`, how, `config ${key}`);
  } else if (GIT_COMMAND_KEY.test(key) || GIT_COMMAND_KEY_MORE.test(key)) run(val, how, `config ${key}`);
  else if (/^submodule\..+\.update$/.test(key) && (val === null || val.startsWith("!"))) {
    run(val === null ? null : val.slice(1), how, `config ${key}`);
  } else if (val !== null && val.startsWith("ext::")) run(gitExtCommand(val), "git ext:: transport", `config ${key}`);
}

/** git subcommands that reach a remote by its URL. */
const GIT_REMOTE_SUBS = new Set(["clone", "fetch", "pull", "push", "ls-remote", "remote", "submodule", "archive"]);

/** Commands git subcommands run from their options and `ext::` URLs (red team 8 G1). */
function _gitSubOptions(sub: string, rest: readonly ShellWord[], extAllowed: boolean, out: Embedded, run: Run): void {
  if (extAllowed && GIT_REMOTE_SUBS.has(sub)) {
    // a remote named in git's config (written by an earlier call) may have an `ext::` URL, which git now runs
    out.unknown ??= `git -c protocol.ext.allow lets git ${sub} run a command named by a remote's ext:: URL`;
  }
  const longs = GIT_SUB_COMMAND_OPTIONS[sub];
  if (longs) _longValues(rest, longs, (v, opt) => run(v, `git ${sub} ${opt}`, `${sub} ${opt}`));
  const short = GIT_SUB_COMMAND_SHORT[sub];
  for (let j = 0; j < rest.length; j++) {
    const v = rest[j]!.value;
    if (v === null) {
      // a URL only known at run time may be an `ext::` one once the transport is allowed
      if (extAllowed) {
        out.unknown ??= `git ${sub} is given a word only known at run time with the ext:: transport allowed`;
      }
      continue;
    }
    if (v === "--") break;
    if (short && /^-[A-Za-z]+$/.test(v) && v.includes(short)) {
      const attached = v.slice(v.indexOf(short) + 1);
      run(attached !== "" ? attached : rest[++j]?.value ?? null, `git ${sub} -${short}`, `${sub} -${short}`);
      continue;
    }
    if (sub === "send-email" && /^--smtp-server(=|$)/.test(v)) {
      const server = v.includes("=") ? v.slice(v.indexOf("=") + 1) : rest[++j]?.value ?? null;
      if (server === null || server.includes("/")) {
        run(server === null ? null : _quote(server), "git send-email --smtp-server", "send-email --smtp-server");
      }
      continue;
    }
    const ext = gitExtCommand(v.includes("=ext::") ? v.slice(v.indexOf("=") + 1) : v);
    if (ext !== null) run(ext, "git ext:: transport", `${sub} ext::`);
  }
}

function _sed(args: readonly ShellWord[], out: Embedded, run: Run): void {
  const { scripts, file } = sedScripts(args);
  if (file !== null) {
    out.code ??= file;
    out.unknown ??= file;
  }
  for (const s of scripts) {
    if (s === null) {
      out.code ??= "sed's script is only known at run time";
      out.unknown ??= "sed's script is only known at run time and may run commands (e)";
      continue;
    }
    const r = sedExecs(s);
    for (const c of r.commands) run(c, "sed e", "e");
    if (r.unknown && /\be\b|s\/\/\/e|pattern space/.test(r.unknown)) {
      out.code ??= r.unknown;
      out.unknown ??= r.unknown;
    } else if (r.unknown) {
      // a script the reader cannot follow: it may hide an `e`
      out.code ??= r.unknown;
      out.unknown ??= r.unknown;
    }
  }
}

/** `system("literal")` calls of an awk program. */
const AWK_SYSTEM = /\bsystem\s*\(\s*"((?:[^"\\\n]|\\.)*)"\s*\)/g;

function _awk(name: string, args: readonly ShellWord[], out: Embedded, run: Run): void {
  const { programs, file } = awkPrograms(name, args);
  if (file !== null) {
    out.code ??= file;
    out.unknown ??= file;
    return;
  }
  for (const program of programs) _awkProgram(name, program, out, run);
}

function _awkProgram(name: string, program: ShellWord, out: Embedded, run: Run): void {
  if (program.value === null) {
    out.code ??= `${name}'s program ${program.text} is only known at run time`;
    out.unknown ??= `${name}'s program ${program.text} is only known at run time and may run commands`;
    return;
  }
  const code = program.value.replace(/\\\r?\n/g, "");
  for (const m of code.matchAll(AWK_SYSTEM)) {
    run(
      m[1]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c)),
      `${name} system`,
      "system()",
    );
  }
  const left = code.replace(AWK_SYSTEM, "0");
  const r = awkProgramProblem(left);
  if (r && /system|pipe|@/.test(r)) {
    out.code ??= `${name} program: ${r}`;
    out.unknown ??= `${name} program: ${r}, which the analysis cannot follow`;
  }
}

const TAR_LONG_COMMAND = [
  "--use-compress-program",
  "--to-command",
  "--info-script",
  "--new-volume-script",
  "--rsh-command",
  "--rmt-command",
];
/** tar short options that take a value (next word or attached). */
const TAR_SHORT_VALUE = "bCfFgHIKLNTVX";

function _tar(args: readonly ShellWord[], run: Run): void {
  _longValues(args, TAR_LONG_COMMAND, (v, opt) => run(v, `tar ${opt}`, opt));
  _longValues(args, ["--checkpoint-action"], (v) => {
    if (v === null) run(null, "tar --checkpoint-action", "--checkpoint-action");
    else if (v.startsWith("exec=")) run(v.slice(5), "tar --checkpoint-action", "--checkpoint-action=exec");
  }, ["--checkpoint"]);
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null) continue;
    if (v === "--") break;
    // short clusters, and tar's old style first word without a dash (`tar cIf CMD x.tar`)
    const cluster = /^-[A-Za-z]+/.test(v) ? v.slice(1) : i === 0 && /^[A-Za-z]+$/.test(v) ? v : null;
    if (cluster === null) continue;
    for (let k = 0; k < cluster.length; k++) {
      const ch = cluster[k]!;
      if (!TAR_SHORT_VALUE.includes(ch)) continue;
      const attached = i === 0 && !v.startsWith("-") ? "" : cluster.slice(k + 1);
      const value = attached !== "" ? attached : args[++i]?.value ?? null;
      if (ch === "I" || ch === "F") run(value, `tar -${ch}`, `-${ch}`);
      if (attached !== "" || v.startsWith("-")) break;
    }
  }
}
