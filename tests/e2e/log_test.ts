/**
 * `safe-exec log …` end to end, on every way of starting safe-exec here (deno run, bun, the compiled binary):
 * a signed log (keygen, witness.signingKey, verify --key), head / verify --head against a cut end, tail -f.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run, targets } from "../_targets.ts";
import { tempDir as makeTemp } from "../_temp.ts";

const fresh = () => makeTemp("se-log-e2e-");
const calls = (n: number) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ id: i, tool: "list_dir", args: {} }) + "\n").join("");

for (const target of targets()) {
  Deno.test(`[${target.name}] log keygen, a signed log (witness.signingKey), verify --key`, async () => {
    const cwd = fresh();
    const keys = fresh(); // outside the workspace and the config's folder
    const key = join(keys, "witness.key");
    const k = await run(target, ["log", "keygen", key], { cwd });
    assert.equal(k.code, 0, k.stderr);
    writeFileSync(join(cwd, "safe-exec.jsonc"), JSON.stringify({ witness: { signingKey: key } }));
    const s = await run(target, ["serve", "--confirm", "deny"], { cwd, stdin: calls(3) });
    assert.equal(s.code, 0, s.stderr);
    const events = readFileSync(join(cwd, "witness.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l).event);
    assert.equal(events.at(-1), "checkpoint");
    const v = await run(target, ["log", "verify", "--key", key + ".pub"], { cwd });
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^ok: 9 lines, head [0-9a-f]{64}\n1 checkpoint signed by key [0-9a-f]{16} verified/);
    // a key inside the workspace is refused at start-up, exit 2
    writeFileSync(join(cwd, "safe-exec.jsonc"), JSON.stringify({ witness: { signingKey: "workspace/k.key" } }));
    const bad = await run(target, ["serve"], { cwd, stdin: "" });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /witness\.signingKey/);
  });

  Deno.test(`[${target.name}] log head, then verify --head catches lines cut from the end`, async () => {
    const cwd = fresh();
    await run(target, ["serve", "--confirm", "deny"], { cwd, stdin: calls(5) });
    const h = await run(target, ["log", "head", "--json"], { cwd });
    assert.equal(h.code, 0, h.stderr);
    const head = JSON.parse(h.stdout).head as string;
    await run(target, ["serve", "--confirm", "deny"], { cwd, stdin: calls(2) });
    const ok = await run(target, ["log", "verify", "--head", head], { cwd });
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(ok.stdout, /the kept head is line 12: 6 lines were appended after it/);
    const path = join(cwd, "witness.log");
    writeFileSync(path, readFileSync(path, "utf8").split("\n").slice(0, 4).join("\n") + "\n");
    const cut = await run(target, ["log", "verify", "--head", head], { cwd });
    assert.equal(cut.code, 1);
    assert.match(cut.stdout, /head: the head [0-9a-f]{64} you kept is not in the log/);
    assert.match(cut.stdout, /warning: the log ends without a session stop line/);
  });

  Deno.test(`[${target.name}] log verify and stats read a log from a pipe (standard input: FILE -)`, async () => {
    const cwd = fresh();
    await run(target, ["serve", "--confirm", "deny"], { cwd, stdin: calls(2) });
    const text = readFileSync(join(cwd, "witness.log"), "utf8");
    const v = await run(target, ["log", "verify", "-"], { cwd, stdin: text });
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^ok: 6 lines, head [0-9a-f]{64}\n$/);
    const cut = await run(target, ["log", "verify", "-"], { cwd, stdin: text.slice(0, -10) });
    assert.equal(cut.code, 1);
    assert.match(cut.stdout, /^broken: 1 problem in 6 lines \(1 cut line\)/);
    const s = await run(target, ["log", "stats", "-"], { cwd, stdin: text });
    assert.equal(JSON.parse(s.stdout).total, 6);
  });

  Deno.test(`[${target.name}] log tail -f prints lines as another process appends them`, async () => {
    const cwd = fresh();
    await run(target, ["serve", "--confirm", "deny"], { cwd, stdin: calls(1) });
    const [cmd, ...rest] = target.argv;
    const child = new Deno.Command(cmd as string, {
      args: [...rest, "log", "tail", "-f", "-n", "1"],
      cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    const until = async (pred: (s: string) => boolean) => {
      const deadline = Date.now() + 30_000;
      while (!pred(seen) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += value;
      }
    };
    try {
      await until((s) => s.includes('"action":"stop"'));
      const r = await run(target, ["serve", "--confirm", "deny"], { cwd, stdin: calls(2) });
      assert.equal(r.code, 0);
      await until((s) => s.split("\n").filter((l) => l.includes('"action":"stop"')).length >= 2);
      const lines = seen.trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(lines.map((l) => l.event), [
        "session",
        "session",
        "gate",
        "execute",
        "gate",
        "execute",
        "session",
      ]);
      assert.deepEqual(lines.map((l) => l.seq), [4, 5, 6, 7, 8, 9, 10]);
    } finally {
      child.kill("SIGTERM");
      await reader.cancel().catch(() => {});
      await child.status;
      await child.stderr.cancel().catch(() => {});
    }
  });
}
