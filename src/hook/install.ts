/**
 * `safe-exec hook AGENT --install [--project DIR]` and `--uninstall` (SPEC §9): merge safe-exec's hook entries into
 * the agent's own settings file, keeping everything else in it (the user's other hooks and settings), and take them
 * out again. The plan ({@linkcode planInstall}) is pure: the settings' JSON in, the new JSON and the list of changes
 * out; {@linkcode applyInstall} reads and writes the file (atomically, refusing a file that is not a JSON object).
 *
 * | agent       | user file (default)                                   | `--project DIR`            | events                                                                                       |
 * |-------------|-------------------------------------------------------|----------------------------|----------------------------------------------------------------------------------------------|
 * | claude-code | `~/.claude/settings.json` (`$CLAUDE_CONFIG_DIR`)       | `DIR/.claude/settings.json` | PreToolUse, PostToolUse, PostToolUseFailure, SessionStart, SessionEnd, PreCompact, PostCompact |
 * | codex       | `~/.codex/hooks.json` (`$CODEX_HOME`)                  | `DIR/.codex/hooks.json`     | PreToolUse, PostToolUse, SessionStart, SessionEnd, PreCompact, PostCompact                  |
 * | gemini      | `~/.gemini/settings.json` (`$GEMINI_CLI_HOME/.gemini`) | `DIR/.gemini/settings.json` | BeforeTool, AfterTool, AfterModel, SessionStart, SessionEnd, PreCompress                    |
 * | cursor      | `~/.cursor/hooks.json`                                | `DIR/.cursor/hooks.json`    | preToolUse, postToolUse, postToolUseFailure, sessionStart, sessionEnd, preCompact          |
 *
 * An entry is safe-exec's when its command is `… hook AGENT` run by a program whose name starts with `safe-exec`
 * (or is the command being installed): installing again replaces it, uninstalling removes it and nothing else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planInstall } from "./install.ts";
 * const mine = { matcher: "Bash", hooks: [{ type: "command", command: "my-linter" }] };
 * const plan = planInstall("claude-code", { hooks: { PreToolUse: [mine] }, model: "opus" }, "/bin/safe-exec hook claude-code", "install");
 * const settings = plan.settings as { hooks: Record<string, unknown[]>; model: string };
 * assert.equal(settings.model, "opus");
 * assert.equal(settings.hooks.PreToolUse!.length, 2);
 * assert.deepEqual(settings.hooks.PreToolUse![0], mine);
 * const undone = planInstall("claude-code", plan.settings, "/bin/safe-exec hook claude-code", "uninstall");
 * assert.deepEqual(undone.settings, { hooks: { PreToolUse: [mine] }, model: "opus" });
 * ```
 *
 * @module
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import process from "node:process";
import type { HookAgent } from "./types.ts";

/** The events safe-exec hooks, per agent. */
export const INSTALLED_EVENTS: Readonly<Record<HookAgent, readonly string[]>> = {
  "claude-code": [
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "SessionStart",
    "SessionEnd",
    "PreCompact",
    "PostCompact",
  ],
  codex: ["PreToolUse", "PostToolUse", "SessionStart", "SessionEnd", "PreCompact", "PostCompact"],
  gemini: ["BeforeTool", "AfterTool", "AfterModel", "SessionStart", "SessionEnd", "PreCompress"],
  cursor: ["preToolUse", "postToolUse", "postToolUseFailure", "sessionStart", "sessionEnd", "preCompact"],
};

const _TOOL_EVENTS = new Set(["PreToolUse", "PostToolUse", "PostToolUseFailure", "BeforeTool", "AfterTool"]);

/** How long the agent waits for the hook (the hook answers in milliseconds; this bounds a stuck lock). */
export const HOOK_TIMEOUT_SECONDS = 30;

/** One change to the settings. */
export interface InstallChange {
  /** `added`, `replaced` or `removed`. */
  action: "added" | "replaced" | "removed";
  /** The event. */
  event: string;
  /** The command. */
  command: string;
}

/** What installing or uninstalling does to a settings object. */
export interface InstallPlan {
  /** The new settings. */
  settings: Record<string, unknown>;
  /** What changed. */
  changes: InstallChange[];
  /** Hook entries of others kept, per event. */
  kept: number;
}

/** Whether a hook command is safe-exec's for this agent. */
export function isSafeExecCommand(command: unknown, agent: HookAgent, installing: string): boolean {
  if (typeof command !== "string") return false;
  if (command === installing) return true;
  const m = /^\s*(?:'([^']*)'|"([^"]*)"|(\S+))(.*)$/s.exec(command);
  if (m === null) return false;
  const program = basename(m[1] ?? m[2] ?? m[3] ?? "");
  const rest = m[4] ?? "";
  const runsHook = new RegExp(`(^|\\s)hook\\s+${agent.replace("-", "\\-")}(\\s|$)`).test(rest);
  return runsHook && (program.startsWith("safe-exec") || /\bsafe-exec\b|\/src\/main\.ts\b/.test(command));
}

function _entry(agent: HookAgent, event: string, command: string): Record<string, unknown> {
  if (agent === "cursor") return { command, timeout: HOOK_TIMEOUT_SECONDS };
  const hook = agent === "gemini"
    ? { name: "safe-exec", type: "command", command, timeout: HOOK_TIMEOUT_SECONDS * 1000 }
    : { type: "command", command, timeout: HOOK_TIMEOUT_SECONDS };
  const matcher = _TOOL_EVENTS.has(event) ? { matcher: agent === "claude-code" ? "*" : ".*" } : {};
  return { ...matcher, hooks: [hook] };
}

/** The commands of an entry (Cursor's are flat, the others' are in `hooks`). */
function _commands(agent: HookAgent, entry: unknown): unknown[] {
  if (typeof entry !== "object" || entry === null) return [];
  const e = entry as Record<string, unknown>;
  if (agent === "cursor") return [e.command];
  return Array.isArray(e.hooks) ? e.hooks.map((h) => (h as Record<string, unknown> | null)?.command) : [];
}

/**
 * Install or uninstall safe-exec's hooks in a settings object (the parsed file, or `{}`); nothing else is touched.
 * A settings value of the wrong shape where the hooks go is an error naming it.
 */
export function planInstall(
  agent: HookAgent,
  current: Record<string, unknown>,
  command: string,
  mode: "install" | "uninstall",
): InstallPlan {
  const settings: Record<string, unknown> = structuredClone(current);
  if (agent === "cursor" && settings.version === undefined) settings.version = 1;
  const hooksValue = settings.hooks ?? {};
  if (typeof hooksValue !== "object" || hooksValue === null || Array.isArray(hooksValue)) {
    throw new TypeError(`"hooks" in the settings is ${JSON.stringify(hooksValue)}, expected an object of events`);
  }
  const hooks = hooksValue as Record<string, unknown>;
  const changes: InstallChange[] = [];
  let kept = 0;
  const events = new Set([...INSTALLED_EVENTS[agent], ...Object.keys(hooks)]);
  for (const event of events) {
    const listValue = hooks[event] ?? [];
    if (!Array.isArray(listValue)) {
      throw new TypeError(`"hooks.${event}" in the settings is ${JSON.stringify(listValue)}, expected an array`);
    }
    const others: unknown[] = [];
    let had: string | null = null;
    for (const entry of listValue) {
      const cmds = _commands(agent, entry);
      const mine = cmds.find((c) => isSafeExecCommand(c, agent, command));
      if (mine === undefined) {
        others.push(entry);
        continue;
      }
      had = String(mine);
      // An entry that also holds other commands keeps them.
      const e = entry as Record<string, unknown>;
      if (agent !== "cursor" && Array.isArray(e.hooks) && e.hooks.length > 1) {
        others.push({
          ...e,
          hooks: e.hooks.filter((h) => !isSafeExecCommand((h as Record<string, unknown>)?.command, agent, command)),
        });
      }
    }
    kept += others.length;
    const wanted = mode === "install" && INSTALLED_EVENTS[agent].includes(event);
    const list = wanted ? [...others, _entry(agent, event, command)] : others;
    if (wanted) changes.push({ action: had !== null ? "replaced" : "added", event, command });
    else if (had !== null) changes.push({ action: "removed", event, command: had });
    if (list.length > 0) hooks[event] = list;
    else delete hooks[event];
  }
  if (Object.keys(hooks).length > 0) settings.hooks = hooks;
  else delete settings.hooks;
  return { settings, changes, kept };
}

/** The settings file of an agent: its user-level one, or the project's with `project`. */
export function settingsPath(
  agent: HookAgent,
  env: Readonly<Record<string, string | undefined>>,
  project: string | null,
): string {
  const dir = { "claude-code": ".claude", codex: ".codex", gemini: ".gemini", cursor: ".cursor" }[agent];
  const file = agent === "codex" || agent === "cursor" ? "hooks.json" : "settings.json";
  if (project !== null) return join(resolve(project), dir, file);
  const home = env.HOME;
  if (agent === "claude-code" && env.CLAUDE_CONFIG_DIR) return join(env.CLAUDE_CONFIG_DIR, file);
  if (agent === "codex" && env.CODEX_HOME) return join(env.CODEX_HOME, file);
  if (agent === "gemini" && env.GEMINI_CLI_HOME) return join(env.GEMINI_CLI_HOME, dir, file);
  if (home === undefined || home === "") throw new TypeError(`Cannot find the ${agent} settings: HOME is not set`);
  return join(home, dir, file);
}

/** What {@linkcode applyInstall} did. */
export interface InstallResult extends InstallPlan {
  /** The settings file. */
  path: string;
  /** Whether the file was written (false: nothing to change). */
  written: boolean;
  /** Lines to tell the user (trust steps, what the agent can and cannot do). */
  notes: string[];
}

/** Read the settings file, plan, and write it back when something changed. */
export function applyInstall(
  agent: HookAgent,
  path: string,
  command: string,
  mode: "install" | "uninstall",
): InstallResult {
  let current: Record<string, unknown> = {};
  let text: string | null = null;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as { code?: string }).code !== "ENOENT") throw new Error(`Cannot read ${path}: ${(e as Error).message}`);
  }
  if (text !== null && text.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new Error(`Cannot read ${path}: it is not JSON (${(e as Error).message}); nothing was changed`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Error(`Cannot read ${path}: expected a JSON object, got ${JSON.stringify(parsed)?.slice(0, 80)}`);
    }
    current = parsed as Record<string, unknown>;
  }
  let plan: InstallPlan;
  try {
    plan = planInstall(agent, current, command, mode);
  } catch (e) {
    throw new Error(`Cannot change ${path}: ${(e as Error).message}; nothing was changed`);
  }
  const next = JSON.stringify(plan.settings, null, 2) + "\n";
  const written = next !== text && (plan.changes.length > 0 || text === null);
  if (written && !(mode === "uninstall" && text === null)) {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, next);
    renameSync(tmp, path);
  }
  const notes: string[] = [];
  if (mode === "install" && agent === "codex") {
    notes.push(
      "Codex runs a hook only once it is trusted by its hash: review and trust it in `codex` (/hooks), and trust the " +
        "project too for a project's hooks; until then Codex skips it without a word and every call runs ungated. " +
        "Installing again changes nothing unless the command changed; if it did, trust it again.",
    );
  }
  if (mode === "install" && (agent === "codex" || agent === "gemini")) {
    notes.push(
      `${agent === "codex" ? "Codex" : "Gemini CLI"} has no approval prompt a hook can raise: where the gate says ` +
        "ASK, the call is blocked and the model is told to ask you first.",
    );
  }
  return { ...plan, path, written: written && !(mode === "uninstall" && text === null), notes };
}
