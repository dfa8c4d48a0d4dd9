/**
 * `safe-exec hook claude-code|codex|gemini|cursor [--config FILE] [--witness FILE] [--state DIR]`: one hook event as
 * JSON on stdin, the answer in the agent's dialect on stdout and the exit code the agent reads (SPEC §9, `hook/`).
 * Bad usage on a hook invocation also blocks (exit 2: the agent's blocking code, never 1, which Claude Code reads
 * as "no decision").
 *
 * `safe-exec hook AGENT --install [--project DIR] [--config FILE] [--witness FILE]` and `--uninstall [--project
 * DIR]` merge the hook entries into the agent's settings file (or take them out), printing what changed.
 *
 * @module
 */
import { resolve } from "node:path";
import process from "node:process";
import { handleHookEvent } from "../hook/handle.ts";
import { defaultStateDir } from "../hook/state.ts";
import type { HookAnswer } from "../hook/types.ts";
import { dialectFor } from "../hook/dialects.ts";
import { HOOK_AGENTS, type HookAgent } from "../hook/types.ts";
import type { CliContext } from "./_context.ts";

const USAGE = "usage: safe-exec hook claude-code|codex|gemini|cursor [--config FILE] [--witness FILE] [--state DIR] " +
  "| --install [--project DIR] | --uninstall [--project DIR]";

interface HookArgs {
  agent: HookAgent;
  options: Record<string, string>;
  install: boolean;
  uninstall: boolean;
}

const VALUE_OPTIONS = new Set(["config", "witness", "state", "project"]);

function _parse(argv: string[]): HookArgs | string {
  const [agent, ...rest] = argv;
  if (agent === undefined || !(HOOK_AGENTS as readonly string[]).includes(agent)) {
    return `hook needs the agent, one of ${HOOK_AGENTS.join(", ")}, got ${JSON.stringify(agent ?? null)}`;
  }
  const options: Record<string, string> = {};
  let install = false;
  let uninstall = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === "--install") install = true;
    else if (a === "--uninstall") uninstall = true;
    else if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      if (!VALUE_OPTIONS.has(name)) return `unknown option ${a} for hook`;
      const value = eq === -1 ? rest[++i] : a.slice(eq + 1);
      if (value === undefined || value === "") return `--${name} needs a value`;
      options[name] = value;
    } else return `hook takes one agent, got also ${JSON.stringify(a)}`;
  }
  if (install && uninstall) return "--install and --uninstall cannot go together";
  if (options.project !== undefined && !install && !uninstall) return "--project goes with --install or --uninstall";
  return { agent: agent as HookAgent, options, install, uninstall };
}

/** The command line the agent's settings run: this program, `hook AGENT`, and the options given. */
export function hookCommandLine(agent: HookAgent, options: Record<string, string>, cwd: string): string {
  const q = (s: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const exe = process.execPath;
  const compiled = !/(^|\/)(deno|bun)(\.exe)?$/.test(exe);
  const program = compiled ? [exe] : [exe, "run", "-A", resolve(process.argv[1] ?? "src/main.ts")];
  if (!compiled && /(^|\/)bun(\.exe)?$/.test(exe)) program.splice(1, 2);
  const extra: string[] = [];
  for (const k of ["config", "witness", "state"]) {
    if (options[k] !== undefined) extra.push(`--${k}`, resolve(cwd, options[k]!));
  }
  return [...program, "hook", agent, ...extra].map(q).join(" ");
}

async function _readStdin(ctx: CliContext): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = await ctx.runtime.readStdin();
    if (chunk === null) break;
    chunks.push(chunk.slice());
    total += chunk.length;
  }
  const all = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  return new TextDecoder().decode(all);
}

/** Run `safe-exec hook …` (argv after `hook`); resolves to the exit code. */
export async function hookCommand(argv: string[], ctx: CliContext): Promise<number> {
  const parsed = _parse(argv);
  if (typeof parsed === "string") {
    ctx.runtime.writeStderr(`safe-exec: ${parsed}. ${USAGE}`);
    return 2;
  }
  const env = process.env as Record<string, string | undefined>;
  const cwd = process.cwd();
  if (parsed.install || parsed.uninstall) {
    const mode = parsed.install ? "install" : "uninstall";
    try {
      // loaded here only: every hook event is a process of its own, and installing is not one
      const { applyInstall, settingsPath } = await import("../hook/install.ts");
      const path = settingsPath(parsed.agent, env, parsed.options.project ?? null);
      const command = hookCommandLine(parsed.agent, parsed.options, cwd);
      const r = applyInstall(parsed.agent, path, command, mode);
      if (r.changes.length === 0) ctx.io.out(`safe-exec: ${path}: no safe-exec hooks to ${mode}; nothing changed`);
      else ctx.io.out(`safe-exec: ${r.written ? "wrote" : "would write"} ${path}:`);
      for (const c of r.changes) ctx.io.out(`  ${c.action} ${c.event}: ${c.command}`);
      if (r.kept > 0) ctx.io.out(`  kept ${r.kept} other hook entr${r.kept === 1 ? "y" : "ies"}`);
      for (const n of r.notes) ctx.io.out(`note: ${n}`);
      return 0;
    } catch (e) {
      ctx.runtime.writeStderr(`safe-exec: ${(e as Error).message}`);
      return 1;
    }
  }
  let stateDir: string;
  let stdin: string;
  try {
    stateDir = parsed.options.state !== undefined ? resolve(cwd, parsed.options.state) : defaultStateDir(env);
    stdin = await _readStdin(ctx);
  } catch (e) {
    return _answer(ctx, dialectFor(parsed.agent).failClosed((e as Error).message, null));
  }
  const answer = await handleHookEvent(parsed.agent, stdin, {
    ...(parsed.options.config !== undefined ? { config: parsed.options.config } : {}),
    ...(parsed.options.witness !== undefined ? { witness: parsed.options.witness } : {}),
    stateDir,
    cwd,
    env,
  });
  return _answer(ctx, answer);
}

function _answer(ctx: CliContext, answer: HookAnswer): number {
  // The answer is one line, written once before the exit: through io.out (synchronous, runtime/write_sync.ts), not
  // the runtime's asynchronous stdout, whose stream costs the Bun binary about 19 ms at its first use.
  if (answer.stdout !== "") ctx.io.out(answer.stdout);
  if (answer.stderr !== "") ctx.runtime.writeStderr(answer.stderr);
  return answer.exitCode;
}
