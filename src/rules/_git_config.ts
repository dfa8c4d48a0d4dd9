/**
 * Private helper of the rule engine's deny floors (_match.ts): git configuration the gate cannot judge (red team 9,
 * H7). Three red teams each found one more git setting that runs a command (`gpg.ssh.defaultKeyCommand`,
 * `tar.<format>.command`, …), so the keys are read against an allow-list:
 *
 * - a `-c KEY=VALUE` (or `--config-env KEY=VAR`) whose key is neither known inert ({@linkcode inertGitKey}:
 *   `user.name`, `color.*`, `core.quotepath`, …) nor read by the analysis itself (_embedded.ts `gitKeyJudged`:
 *   aliases and command-valued keys, whose commands are judged) may run code: a deny floor "may apply";
 * - a git command after a command of the same call that writes a file git reads its configuration from (a path
 *   with a `.git` folder, `.gitconfig`, `.gitmodules`, a `config` file, `git config --file`, `git config KEY VALUE`
 *   of a key not known inert, an archive unpacked, `git init --template=`) may run what was just written (`git init x && … >> x/.git/config && git -C x status`
 *   with a `core.fsmonitor` decoded at run time): "may apply" too.
 *
 * (`GIT_CONFIG_*` variables are not inert variables: _unseen.ts `environmentCode`.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { gitConfigCode } from "./_git_config.ts";
 * const why = (s: string) => gitConfigCode(analyzeScript(s));
 * assert.match(why("git -c some.key=y status")!, /some\.key/);
 * assert.equal(why("git -c core.quotepath=false status"), null);
 * assert.match(why("echo x >> sub/.git/config && git -C sub status")!, /sub\/\.git\/config/);
 * assert.equal(why("git init -q sub && git -C sub status"), null);
 * ```
 *
 * @module
 */
import type { ShellAnalysis, ShellWord, SimpleCommand } from "./shell_types.ts";
import { gitKeyJudged } from "./_embedded.ts";
import { checkReadOnly } from "./readonly.ts";

/** git settings known not to run a program or read more configuration or files a floor protects. */
const INERT_GIT_KEY = new RegExp(
  "^(" + [
    "(user|author|committer)\\.(name|email)",
    "color\\..+",
    "column\\..+",
    "i18n\\..+",
    "advice\\..+",
    "core\\.(quotepath|autocrlf|safecrlf|eol|filemode|ignorecase|precomposeunicode|abbrev|whitespace|commentchar" +
    "|commentstring|symlinks|logallrefupdates)",
    "init\\.defaultbranch",
    "log\\.(date|decorate|abbrevcommit|follow|showroot)",
    "diff\\.(renames|algorithm|noprefix|mnemonicprefix|colormoved|colormovedws|context|statgraphwidth" +
    "|indentheuristic|relative|renamelimit|suppressblankempty|interhunkcontext|dirstat)",
    "merge\\.(conflictstyle|ff|renames|log|stat|renamelimit)",
    "pull\\.(rebase|ff)",
    "push\\.(default|autosetupremote|followtags)",
    "fetch\\.(prune|prunetags|parallel)",
    "status\\.(showuntrackedfiles|short|branch|relativepaths|renames|showstash|aheadbehind)",
    "format\\.(pretty|subjectprefix|numbered|signoff)",
    "pretty\\.[^.]+",
    "commit\\.(verbose|status|cleanup)",
    "rebase\\.(autostash|autosquash|stat|abbreviatecommands|missingcommitscheck|updaterefs)",
    "rerere\\.(enabled|autoupdate)",
    "gc\\.(auto|autodetach)",
    "maintenance\\.auto",
    "protocol\\.version",
    "protocol\\.(https?|git|ssh|file)\\.allow",
    "(tag|branch)\\.sort",
    "versionsort\\..+",
    "transfer\\.fsckobjects",
    "grep\\.(linenumber|patterntype|extendedregexp|column|fullname)",
    "blame\\.(date|coloring|showemail)",
    "checkout\\.(defaultremote|workers)",
    "index\\.(version|threads)",
    "pack\\.threads",
  ].join("|") + ")$",
);

/** Whether git setting `key` (any case) is known not to run a program or read files (`user.name`, `color.ui`). */
export function inertGitKey(key: string): boolean {
  return INERT_GIT_KEY.test(key.toLowerCase());
}

function _basename(v: string): string {
  return v.slice(v.lastIndexOf("/") + 1);
}

function _isGit(c: SimpleCommand): boolean {
  const head = c.argv[0]?.value;
  return head !== null && head !== undefined && _basename(head) === "git";
}

/** A file git reads configuration from (or a repository's folder): `x/.git/config`, `.gitconfig`, `config`. */
const GIT_FILE = /(^|\/)\.git(\/|$)|(^|\/)\.git(config|modules)$|(^|\/)config(\.worktree)?$/;

/** Programs that unpack archives: an archive may hold `sub/.git/config` (and git then runs in `sub`). */
const UNPACKERS = /^(tar|gtar|bsdtar|unzip|cpio|bsdcpio|7z|7za|7zr|ar|pax|rpm2cpio|dpkg-deb)$/;

/** Whether the unpacker's words may unpack (tar `x`/`--extract`, cpio `-i`; the others: always). */
function _unpacks(prog: string, c: SimpleCommand): boolean {
  if (prog.endsWith("tar")) {
    return c.argv.some((w, k) =>
      k > 0 &&
      (w.value === null || (k === 1 ? /^-?[A-Za-z]*x/ : /^-[A-Za-z]*x/).test(w.value) ||
        /^--(extract|get)$/.test(w.value))
    );
  }
  if (prog.endsWith("cpio")) {
    return c.argv.some((w, k) => k > 0 && (w.value === null || /^-[A-Za-z]*[ip]|^--(extract|pass)/.test(w.value)));
  }
  return true;
}

function _gitFile(v: string): boolean {
  return (v.includes("git") || v.includes("config")) && GIT_FILE.test(v);
}

/** Why a `-c`/`--config-env` setting of this git command is neither inert nor judged, or null. */
function _strayKey(c: SimpleCommand): string | null {
  const args = c.argv;
  for (let i = 1; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null || !v.startsWith("-")) break;
    let setting: string | null | undefined;
    let opt = v;
    if (v === "-c" || v === "--config-env") setting = args[++i]?.value ?? null;
    else if (v.startsWith("--config-env=")) {
      opt = "--config-env";
      setting = v.slice("--config-env=".length);
    } else if (v === "-C" || v === "--git-dir" || v === "--work-tree" || v === "--namespace") i++;
    if (setting === undefined || setting === null) continue; // a setting only known at run time: _embedded.ts
    const eq = setting.indexOf("=");
    const key = (eq === -1 ? setting : setting.slice(0, eq)).toLowerCase();
    const val = eq === -1 ? "" : setting.slice(eq + 1);
    if (inertGitKey(key)) continue;
    if (opt === "-c" && gitKeyJudged(key, val)) continue;
    return `git ${opt} ${key} is not a setting known not to run a program`;
  }
  return null;
}

/** `git config` options that take a value as the next word. */
const CONFIG_VALUE = new Set(["-f", "--file", "--blob", "--type", "--default", "--comment", "--value"]);

/** Why this command may write a file git reads its configuration from, or null. */
function _writesGitConfig(c: SimpleCommand): string | null {
  for (const r of c.redirects) {
    if (r.kind === "write" && r.target !== null && _gitFile(r.target)) {
      return `${r.op} ${r.target} writes a file git reads`;
    }
  }
  const head = c.argv[0]?.value;
  const prog = head ? _basename(head) : "";
  if (UNPACKERS.test(prog) && _unpacks(prog, c)) return `${prog} may unpack a repository's .git folder`;
  if (_isGit(c)) {
    // a template folder is copied into the new repository's .git, its config too (`git init --template=t x`)
    const t = c.argv.find((w) => w.value !== null && /^--templ(a(te?)?)?(=|$)/.test(w.value));
    if (t) return `git ${t.value} copies a template into a repository's .git`;
    const sub = c.argv.findIndex((w, i) => i > 0 && w.value !== null && !w.value.startsWith("-"));
    if (sub === -1 || c.argv[sub]!.value !== "config") return null;
    const pos: ShellWord[] = [];
    const rest = c.argv.slice(sub + 1);
    for (let j = 0; j < rest.length; j++) {
      const v = rest[j]!.value;
      if (v === null) return "git config is given a word only known at run time";
      if (v === "-f" || v === "--file" || v.startsWith("--file=")) return `git config ${v} writes a config file`;
      if (v.startsWith("-")) {
        if (CONFIG_VALUE.has(v)) j++;
        continue;
      }
      pos.push(rest[j]!);
    }
    if (pos[0]?.value === "set") pos.shift();
    const key = pos[0]?.value;
    if (key && pos.length >= 2 && !inertGitKey(key)) return `git config ${key} writes git's configuration`;
    return null;
  }
  const named = c.argv.find((w, k) => k > 0 && w.value !== null && _gitFile(w.value));
  const ro = named ? checkReadOnly(c) : null;
  if (named && ro !== null && (!ro.readOnly || ro.writes.length > 0)) {
    return `${c.argv[0]?.value ?? ""} ${named.value} may write a file git reads`;
  }
  return null;
}

/**
 * Why a git command of the script may run code from configuration the gate cannot judge (red team 9, H7), or null:
 * a `-c` key not known inert, or a file git reads its configuration from written earlier in the same call.
 */
export function gitConfigCode(a: ShellAnalysis): string | null {
  let last = -1;
  for (let i = 0; i < a.commands.length; i++) if (_isGit(a.commands[i]!)) last = i;
  let written: string | null = null;
  for (let i = 0; i <= last; i++) {
    const c = a.commands[i]!;
    if (_isGit(c)) {
      const key = _strayKey(c);
      if (key !== null) return key;
      if (written !== null) return `git runs after ${written} in the same call: it may run what was written`;
    }
    if (i < last) written ??= _writesGitConfig(c);
  }
  return null;
}
