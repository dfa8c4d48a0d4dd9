/**
 * `--install` / `--uninstall` plans on each agent's settings: safe-exec's entries added for the events it needs,
 * the user's other hooks and settings kept byte for byte, installing twice replacing instead of doubling, and
 * uninstalling taking out exactly what was installed; the file on disk written atomically, a file that is not JSON
 * refused with nothing changed.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  applyInstall,
  INSTALLED_EVENTS,
  isSafeExecCommand,
  planInstall,
  settingsPath,
} from "../../src/hook/install.ts";
import { HOOK_AGENTS } from "../../src/hook/types.ts";
import { tempDir } from "../_temp.ts";

const CMD = (agent: string) => `/usr/local/bin/safe-exec hook ${agent}`;

Deno.test("install adds one entry per event, keeps the user's hooks, replaces on a second install, uninstall undoes it", () => {
  for (const agent of HOOK_AGENTS) {
    const theirs = agent === "cursor"
      ? { command: "./audit.sh" }
      : { matcher: "Bash", hooks: [{ type: "command", command: "my-linter --fix" }] };
    const pre = INSTALLED_EVENTS[agent][0]!;
    const user = {
      hooks: { [pre]: [theirs], Notification: [theirs] },
      theme: "dark",
      ...(agent === "cursor" ? { version: 1 } : {}),
    };
    const once = planInstall(agent, user, CMD(agent), "install");
    assert.deepEqual(once.changes.map((c) => c.action), INSTALLED_EVENTS[agent].map(() => "added"), agent);
    const twice = planInstall(agent, once.settings, CMD(agent), "install");
    assert.deepEqual(twice.settings, once.settings, `${agent}: a second install changes nothing`);
    assert.deepEqual(twice.changes.map((c) => c.action), INSTALLED_EVENTS[agent].map(() => "replaced"));
    const hooks = once.settings.hooks as Record<string, unknown[]>;
    assert.deepEqual(hooks[pre]![0], theirs, `${agent}: the user's hook stays first`);
    assert.equal(hooks[pre]!.length, 2);
    assert.equal(once.kept, 2);
    const undone = planInstall(agent, once.settings, CMD(agent), "uninstall");
    assert.deepEqual(undone.settings, user, `${agent}: uninstall restores the settings`);
    assert.equal(undone.changes.filter((c) => c.action === "removed").length, INSTALLED_EVENTS[agent].length);
  }
});

Deno.test("the entries are each agent's own shape: matchers for tool events, Gemini's timeout in ms, Cursor flat", () => {
  const claude = planInstall("claude-code", {}, CMD("claude-code"), "install").settings.hooks as Record<
    string,
    unknown[]
  >;
  assert.deepEqual(claude.PreToolUse, [{
    matcher: "*",
    hooks: [{ type: "command", command: CMD("claude-code"), timeout: 30 }],
  }]);
  assert.deepEqual(claude.SessionStart, [{ hooks: [{ type: "command", command: CMD("claude-code"), timeout: 30 }] }]);
  const gemini = planInstall("gemini", {}, CMD("gemini"), "install").settings.hooks as Record<string, unknown[]>;
  assert.deepEqual(gemini.BeforeTool, [{
    matcher: ".*",
    hooks: [{ name: "safe-exec", type: "command", command: CMD("gemini"), timeout: 30000 }],
  }]);
  const cursor = planInstall("cursor", {}, CMD("cursor"), "install").settings;
  assert.equal(cursor.version, 1);
  assert.deepEqual((cursor.hooks as Record<string, unknown[]>).preToolUse, [{ command: CMD("cursor"), timeout: 30 }]);
});

Deno.test("an entry is safe-exec's only when it runs safe-exec's hook for that agent", () => {
  assert.equal(isSafeExecCommand("/opt/safe-exec-bun-linux-x64 hook codex --config /c.jsonc", "codex", "x"), true);
  assert.equal(isSafeExecCommand("'/my dir/safe-exec' hook codex", "codex", "x"), true);
  assert.equal(isSafeExecCommand("/opt/safe-exec hook claude-code", "codex", "x"), false);
  assert.equal(isSafeExecCommand("node my-hook.js hook codex", "codex", "x"), false);
  assert.equal(isSafeExecCommand("safe-exec-wrapper.sh lint", "codex", "x"), false);
  assert.equal(isSafeExecCommand("deno run -A /src/safe-exec/src/main.ts hook gemini", "gemini", "x"), true);
});

Deno.test("applyInstall writes the settings file, refuses one that is not JSON, and finds each agent's file", () => {
  const dir = tempDir("hook-install-");
  const file = join(dir, ".claude", "settings.json");
  const r = applyInstall("claude-code", file, CMD("claude-code"), "install");
  assert.equal(r.written, true);
  assert.equal(JSON.parse(readFileSync(file, "utf8")).hooks.PreToolUse.length, 1);
  const again = applyInstall("claude-code", file, CMD("claude-code"), "uninstall");
  assert.equal(again.written, true);
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), {});
  writeFileSync(file, "{ broken");
  assert.throws(
    () => applyInstall("claude-code", file, CMD("claude-code"), "install"),
    /not JSON.*nothing was changed/,
  );
  assert.equal(readFileSync(file, "utf8"), "{ broken");
  const codexNotes = applyInstall("codex", join(dir, "codex", "hooks.json"), CMD("codex"), "install").notes;
  assert.match(codexNotes.join("\n"), /trusted by its hash/);
  const none = applyInstall("gemini", join(dir, "none", "settings.json"), CMD("gemini"), "uninstall");
  assert.equal(none.written, false);
  assert.equal(existsSync(join(dir, "none")), false);
  const env = { HOME: "/h", CODEX_HOME: "/c", GEMINI_CLI_HOME: "/g" };
  assert.equal(settingsPath("claude-code", env, null), "/h/.claude/settings.json");
  assert.equal(settingsPath("codex", env, null), "/c/hooks.json");
  assert.equal(settingsPath("gemini", env, null), "/g/.gemini/settings.json");
  assert.equal(settingsPath("cursor", env, "/p"), "/p/.cursor/hooks.json");
});
