/**
 * Private helper of the rule engine: whether everything a script may read is known and inside the workspace, for
 * lowering a script whose shell nothing contains (rule engine `contained` false: hook mode, where the agent's own
 * shell runs on the host). In the bubblewrap sandbox a read-only command sees only the workspace, so this question
 * is not asked there; on the host `cat ~/.ssh/id_rsa` reads the user's key.
 *
 * A script may be lowered only when every word of every simple command (also the part after `=` or `:`, and a
 * short option's attached value), and every input-redirection target, resolves inside the workspace through
 * `resolve` (which follows symlinks); `/dev/null` is allowed. Not lowered: a word only known at run time (`$x`,
 * `$(…)`, `~`, a glob: it can match a link that leads out), arguments added at run time (xargs), a change of
 * folder, a program that opens files its words do not name (_unnamed_files.ts), a walk that follows symlinks it
 * meets (`grep -R`, `find -L`, `rg --follow`, `du -L`, `tree -l`), and the programs that print the host's
 * environment (`printenv`, `env`, `set`: tokens live there). Nor is a script that expands a named parameter
 * anywhere, also where no command's word shows it (a here-string `<<< $TOKEN`, a heredoc body, `[[ $TOKEN == a* ]]`,
 * a `case` subject: each prints or tests the host's secret; red team 10, J11), or one that defines a function (its
 * calls are not followed: `:(){ :|:& };:` forks without end on the host, where no pids cgroup holds it; J13).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { uncontainedReads } from "./_reads.ts";
 * import { lexicalWorkspacePath } from "./workspace_path.ts";
 * const why = (s: string) => uncontainedReads(analyzeScript(s), (t) => lexicalWorkspacePath(t));
 * assert.equal(why("grep -rn TODO src | head"), null);
 * assert.match(why("cat /etc/shadow")!, /outside the workspace/);
 * assert.match(why("cat ~/.ssh/id_rsa")!, /only known at run time/);
 * assert.match(why("printenv")!, /environment/);
 * assert.match(why("cat <<< $TOKEN")!, /\$TOKEN/);
 * assert.match(why("[[ $TOKEN == a* ]] && echo y")!, /\$TOKEN/);
 * assert.match(why(":(){ :|:& };:")!, /defines the function :/);
 * ```
 *
 * @module
 */
import type { ShellAnalysis, SimpleCommand } from "./shell_types.ts";
import { opensUnnamedFiles } from "./_unnamed_files.ts";

/** Paths outside the workspace that read nothing of the host's. */
const HARMLESS = new Set(["/dev/null"]);

/** Programs that print the host's environment (with no arguments, or always). */
const ENVIRONMENT = new Set(["printenv", "env", "set", "export", "declare", "typeset", "compgen"]);

/**
 * The words that make a program read its environment, per program that can (its own language). Matched as words
 * anywhere in the program's arguments, not as a spelling: jq's lexer takes `$` and the name as two tokens, so
 * `$ ENV`, `$<tab>ENV`, `$#c<newline>ENV` are `$ENV` (red team 9, H13); gawk reaches ENVIRON through
 * `SYMTAB["ENV" "IRON"]`; perl takes `$ ENV{x}` and `%main::ENV`.
 */
const ENV_WORDS: Readonly<Record<string, RegExp>> = {
  jq: /\bENV\b|\benv\b|__loc__|\binput_filename\b/,
  gojq: /\bENV\b|\benv\b/,
  yq: /\benv\b|\bstrenv\b|\bENV\b/,
  awk: /\bENVIRON\b|\bSYMTAB\b/,
  gawk: /\bENVIRON\b|\bSYMTAB\b/,
  mawk: /\bENVIRON\b|\bSYMTAB\b/,
  nawk: /\bENVIRON\b|\bSYMTAB\b/,
  busybox: /\bENVIRON\b|\bSYMTAB\b/,
  perl: /\bENV\b/,
};

/** Options that make a walk follow the symlinks it meets, per program. */
const FOLLOWS: Readonly<Record<string, RegExp>> = {
  grep: /^(-[A-Za-z]*R|--dereference-recursive)/,
  egrep: /^(-[A-Za-z]*R|--dereference-recursive)/,
  fgrep: /^(-[A-Za-z]*R|--dereference-recursive)/,
  find: /^-(L|follow)$/,
  rg: /^(-[A-Za-z]*L|--follow)/,
  du: /^(-[A-Za-z]*L|--dereference)/,
  tree: /^-[A-Za-z]*l/,
  ls: /^(-[A-Za-z]*L|--dereference)/,
};

function _basename(v: string): string {
  return v.slice(v.lastIndexOf("/") + 1);
}

/** Why one simple command may read outside the workspace, or null. */
function _command(c: SimpleCommand, resolve: (t: string) => string | null): string | null {
  if (c.dynamic) return c.dynamic;
  const head = c.argv[0]?.value;
  const name = head ? _basename(head) : "";
  if (c.extraArgs) return `${name || "a command"} is given arguments at run time, which may name any file`;
  const opens = opensUnnamedFiles(c);
  if (opens !== null) return opens;
  const outer = c.raw[0]?.value ? _basename(c.raw[0].value) : "";
  if (ENVIRONMENT.has(name) && !c.lookedThrough) return `${name} prints the host's environment, which holds secrets`;
  // programs with the environment in their own language: jq's `env`/`$ENV`, awk's ENVIRON, perl's %ENV, … (red team
  // 8, G9): any word of theirs that names it
  if (Object.hasOwn(ENV_WORDS, name) && c.raw.some((w) => w.value !== null && ENV_WORDS[name]!.test(w.value))) {
    return `${name} is told to read the host's environment, which holds secrets`;
  }
  if (c.argv.length === 0 && ENVIRONMENT.has(outer)) {
    return `${outer} prints the host's environment, which holds secrets`;
  }
  const follows = Object.hasOwn(FOLLOWS, name) ? FOLLOWS[name] : undefined;
  for (const w of c.raw) {
    if (w.value === null) return `the word ${w.text} is only known at run time and may name a file outside`;
    if (follows && follows.test(w.value)) {
      return `${name} ${w.value} follows symlinks it meets, which may lead outside the workspace`;
    }
    const why = _outside(w.value, resolve);
    if (why) return why;
  }
  for (const r of c.redirects) {
    if (r.kind !== "read" || r.op.startsWith("<<")) continue;
    if (r.target === null) return `the redirection ${r.op} reads a file only known at run time`;
    const why = _outside(r.target, resolve);
    if (why) return why;
  }
  return null;
}

/** Why a literal word may name a path outside the workspace, or null. */
function _outside(v: string, resolve: (t: string) => string | null): string | null {
  const cands = [v];
  const eq = v.indexOf("=");
  if (eq !== -1) cands.push(v.slice(eq + 1));
  if (/^-[^-]./.test(v)) cands.push(v.slice(2));
  if (v.includes(":")) cands.push(...v.split(":").slice(1));
  for (const c of cands) {
    if (c === "" || HARMLESS.has(c)) continue;
    if (resolve(c) === null) {
      return `${JSON.stringify(c)} names a path outside the workspace (or one that cannot be resolved)`;
    }
  }
  return null;
}

/**
 * Why the script may read something outside the workspace (the first reason), or null when every path it can read
 * is literal and resolves inside.
 */
export function uncontainedReads(a: ShellAnalysis, resolve: (t: string) => string | null): string | null {
  if (!a.ok) return "the script cannot be parsed";
  if (a.cwdChanged) return "the script changes folder, so what its relative paths name is not known";
  const p = a.parameters[0];
  if (p !== undefined) {
    return `nothing contains this shell: it expands $${p}, which may be the host's environment (secrets live there)`;
  }
  const f = a.functions[0];
  if (f !== undefined) {
    return `nothing contains this shell: it defines the function ${f}, whose calls (recursion, background jobs) ` +
      "are not followed";
  }
  for (const c of a.commands) {
    const why = _command(c, resolve);
    if (why) return `nothing contains this shell: ${why}`;
  }
  return null;
}
