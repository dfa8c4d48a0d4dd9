/**
 * The hook's state file: updates of one process run one after the other (two at once would wait on their own
 * lock), what is old is pruned, a file that is not the state's format is refused with how to fix it, and the default
 * folder follows XDG.
 */
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  defaultStateDir,
  HookStateError,
  HookStateStore,
  MAX_GATES,
  MAX_SESSIONS,
  PRUNE_AFTER_MS,
} from "../../src/hook/state.ts";
import { tempDir } from "../_temp.ts";

Deno.test("updates in one process at once all land, in order", async () => {
  const store = new HookStateStore(join(tempDir("hook-state-"), "state"));
  await Promise.all(Array.from({ length: 20 }, (_, i) =>
    store.update(async (state) => {
      await new Promise((r) => setTimeout(r, 1));
      state.session("codex", "s", 0).errors.push(i);
    }, 10)));
  const data = JSON.parse(readFileSync(store.file, "utf8"));
  assert.deepEqual(data.sessions["codex:s"].errors, Array.from({ length: 20 }, (_, i) => i));
  assert.equal(statSync(store.dir).mode & 0o777, 0o700);
  assert.equal(statSync(store.file).mode & 0o777, 0o600);
});

Deno.test("old sessions and old gate lines are pruned; a failing update writes nothing", async () => {
  const store = new HookStateStore(join(tempDir("hook-state-"), "state"));
  await store.update((state) => {
    for (let i = 0; i < MAX_SESSIONS + 5; i++) state.session("claude-code", `s${i}`, i).lastSeen = PRUNE_AFTER_MS + i;
    state.session("claude-code", "ancient", 0).lastSeen = 0;
    const s = state.session("gemini", "g", PRUNE_AFTER_MS * 2);
    s.lastSeen = PRUNE_AFTER_MS * 2;
    for (let i = 0; i < MAX_GATES + 10; i++) s.gates[`t${i}`] = { seq: i, tool: "x", decision: "allow" };
  }, PRUNE_AFTER_MS + 1000);
  const data = JSON.parse(readFileSync(store.file, "utf8"));
  assert.equal(Object.keys(data.sessions).length, MAX_SESSIONS);
  assert.equal(data.sessions["claude-code:ancient"], undefined);
  assert.equal(data.sessions["claude-code:s0"], undefined, "the least recently seen went first");
  assert.equal(Object.keys(data.sessions["gemini:g"].gates).length, MAX_GATES);
  assert.ok(data.sessions["gemini:g"].gates[`t${MAX_GATES + 9}`], "the newest gate lines are kept");
  const before = readFileSync(store.file, "utf8");
  await assert.rejects(
    store.update(() => {
      throw new Error("boom");
    }, 0),
    /boom/,
  );
  assert.equal(readFileSync(store.file, "utf8"), before);
});

Deno.test("a state file that is not the state's format is refused, saying how to fix it", async () => {
  const store = new HookStateStore(join(tempDir("hook-state-"), "state"));
  await store.update(() => {}, 0);
  writeFileSync(store.file, JSON.stringify({ version: 9 }));
  await assert.rejects(store.update(() => {}, 0), (e: unknown) => {
    assert.ok(e instanceof HookStateError);
    assert.match(e.message, /expected \{"version":1,"sessions":\{…\}\}; remove it to start every session afresh/);
    return true;
  });
});

Deno.test("the default state folder follows XDG_STATE_HOME, else HOME", () => {
  assert.equal(defaultStateDir({ XDG_STATE_HOME: "/s", HOME: "/h" }), "/s/safe-exec");
  assert.equal(defaultStateDir({ HOME: "/h" }), "/h/.local/state/safe-exec");
  assert.throws(() => defaultStateDir({}), /pass --state DIR/);
});
