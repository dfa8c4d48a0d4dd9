/**
 * A rule's command prefix (`"git status"`) as the words the shell would pass, parsed like a script, so that a
 * prefix means what a command means: quotes removed, one simple command, literal words only.
 *
 * @module
 */
import { analyzeScript } from "./shell.ts";

/**
 * Split a command prefix into words as the shell would; a message when it is not one plain command.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePrefix } from "./prefix.ts";
 * assert.deepEqual(parsePrefix(`git  commit -m "wip"`), ["git", "commit", "-m", "wip"]);
 * assert.equal(parsePrefix("ls | wc"), "must be one simple command, without ; | && or $(…)");
 * assert.match(parsePrefix("rm $DIR") as string, /only known at run time/);
 * ```
 */
export function parsePrefix(prefix: string): string[] | string {
  if (prefix.trim() === "") return 'must be a command prefix such as "git status", got an empty string';
  const a = analyzeScript(prefix);
  if (!a.ok) return `is not a command prefix the shell can parse (${a.errors[0]})`;
  const top = a.commands.filter((c) => c.context === "script");
  if (a.commands.length !== 1 || top.length !== 1) return "must be one simple command, without ; | && or $(…)";
  const c = top[0]!;
  if (c.redirects.length > 0 || c.assignments.length > 0) {
    return "must be words only, without redirections or NAME=value";
  }
  const words: string[] = [];
  for (const w of c.raw) {
    if (w.value === null) return `has the word ${w.text} whose value is only known at run time; use literal words`;
    words.push(w.value);
  }
  return words;
}
