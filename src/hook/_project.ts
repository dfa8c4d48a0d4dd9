/**
 * Private helper of hook mode: the project a hook event belongs to, where the config's floors and rules are
 * anchored (red team 9, H8), apart from the folder the agent runs the call in (the event's `cwd`, which moves with
 * Claude Code's shell after a `cd`, and which Cursor's `beforeShellExecution` sets to the command's own folder).
 * What the agent itself names: Claude Code's `CLAUDE_PROJECT_DIR` and Gemini CLI's `GEMINI_PROJECT_DIR` in the
 * hook's environment, Cursor's `workspace_roots` (the one that holds `cwd`, else the first); Codex names none (its
 * `cwd` is the session's folder, a shell's `workdir` is in the call). Null: the event names no project; the caller
 * then takes the folder the session started in, else the event's `cwd`.
 *
 * A config's floors may have been written for a folder above that project (red team 10, J8: Cursor's nested
 * `workspace_roots`, a Codex or Claude Code session started in a subfolder of a repository): {@linkcode outerAnchors}
 * lists the folders above it that also anchor them (an outer workspace root, the session's first folder, the
 * repository's top folder), and the strictest decision over all of them holds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { namedProject } from "./_project.ts";
 * const cursor = { agent: "cursor" as const, cwd: "/w/b/src", raw: { workspace_roots: ["/w/a", "/w/b"] } };
 * assert.equal(namedProject(cursor, {}), "/w/b");
 * assert.equal(namedProject({ agent: "claude-code", cwd: "/p/secrets", raw: {} }, { CLAUDE_PROJECT_DIR: "/p" }), "/p");
 * assert.equal(namedProject({ agent: "codex", cwd: "/p", raw: {} }, { CLAUDE_PROJECT_DIR: "/p" }), null);
 * const nested = { agent: "cursor" as const, raw: { workspace_roots: ["/w/a", "/w/a/sub"] } };
 * assert.deepEqual(outerAnchors(nested, "/w/a/sub", null, () => false), ["/w/a"]);
 * assert.deepEqual(outerAnchors({ agent: "codex", raw: {} }, "/p/src", null, (d) => d === "/p"), ["/p"]);
 * ```
 *
 * @module
 */
import { lstatSync } from "node:fs";
import { dirname } from "node:path";
import { isWithin } from "../_util/paths.ts";
import type { HookAgent } from "./types.ts";

/** The environment variable each agent names its project in, for its hooks. */
const _PROJECT_ENV: Readonly<Partial<Record<HookAgent, string>>> = {
  "claude-code": "CLAUDE_PROJECT_DIR",
  gemini: "GEMINI_PROJECT_DIR",
};

/** The project's root as the event or the agent's environment names it (absolute), or null. */
export function namedProject(
  event: { readonly agent: HookAgent; readonly cwd: string | null; readonly raw: Readonly<Record<string, unknown>> },
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  const key = _PROJECT_ENV[event.agent];
  const dir = key !== undefined ? env[key] : undefined;
  if (dir !== undefined && dir.startsWith("/")) return dir;
  if (event.agent !== "cursor") return null;
  const roots = Array.isArray(event.raw.workspace_roots)
    ? (event.raw.workspace_roots as unknown[]).filter((r): r is string => typeof r === "string" && r.startsWith("/"))
    : [];
  if (roots.length === 0) return null;
  const cwd = event.cwd;
  const holding = cwd === null ? [] : roots.filter((r) => isWithin(cwd, r.replace(/(.)\/+$/, "$1")));
  return holding.sort((a, b) => b.length - a.length)[0] ?? roots[0]!;
}

/** Whether `dir` holds a `.git` (a folder, or a file pointing at one): the top of a repository or a worktree. */
function _hasGit(dir: string): boolean {
  try {
    lstatSync(`${dir === "/" ? "" : dir}/.git`);
    return true;
  } catch {
    return false;
  }
}

/**
 * The folders above the project's `root` that a config's floors may also be anchored at, outermost last: Cursor's
 * workspace roots that hold it, the folder the session started in (`started`) when it holds it, and the nearest
 * folder at or above it that holds a `.git` (`isRepo`, default: a `.git` entry is there). Each is an ancestor of
 * `root`, never `root` itself, and each appears once.
 */
export function outerAnchors(
  event: { readonly agent: HookAgent; readonly raw: Readonly<Record<string, unknown>> },
  root: string,
  started: string | null,
  isRepo: (dir: string) => boolean = _hasGit,
): string[] {
  const strip = (d: string) => d.replace(/(.)\/+$/, "$1");
  const top = strip(root);
  const out = new Set<string>();
  const add = (d: string) => {
    const x = strip(d);
    if (x.startsWith("/") && x !== top && isWithin(top, x)) out.add(x);
  };
  if (event.agent === "cursor" && Array.isArray(event.raw.workspace_roots)) {
    for (const r of event.raw.workspace_roots as unknown[]) if (typeof r === "string") add(r);
  }
  if (started !== null) add(started);
  for (let d = top; d.startsWith("/"); d = dirname(d)) {
    if (isRepo(d)) {
      add(d);
      break;
    }
    if (d === "/") break;
  }
  return [...out].sort((a, b) => b.length - a.length);
}
