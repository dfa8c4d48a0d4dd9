/**
 * End-to-end over `safe-exec serve` (issue 13): the built-in project checks. In the bubblewrap sandbox with the
 * network off (the default config), `npm test` is medium: it runs without a confirm while the session is fresh (and
 * the project's code it runs still reaches neither a host listener nor a file outside the workspace), it is asked
 * once the session tires and denied once it is exhausted. With `sandbox: "none"`, with the network on, or with
 * `"projectChecks": false` it is high and asks. The sandboxed half is skipped, with the reason printed, where
 * bubblewrap cannot run.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sandboxTargets, type Target } from "../_targets.ts";
import { sandboxSkip } from "../attack/_world.ts";
import { answerTo, firstLine, type Live, type LiveServe, type Msg, serveIn } from "./_live.ts";

const SKIP = sandboxSkip("the sandboxed project-check e2e tests");
const npm = ["/usr/bin/npm", "/usr/local/bin/npm", "/bin/npm"].find((p) => existsSync(p)) ?? null;
const NO_NPM = npm === null
  ? "npm is not installed in /usr/bin, /usr/local/bin or /bin (the sandbox shows /usr)"
  : null;
if (NO_NPM) console.error(`\n*** SKIPPING the project-check e2e run of npm test: ${NO_NPM} ***\n`);

/**
 * A folder with a config, a workspace holding a Node project whose `npm test` writes `ran.txt`, tries a file next
 * to the workspace and a connection to `port` on the host's loopback, and a live `serve`.
 */
function start(target: Target, config: Record<string, unknown>, port: number): LiveServe & { ws: string } {
  const s = serveIn(target, { prefix: "se-checks-", config, prepare: (cwd) => project(join(cwd, "workspace"), port) });
  return { ...s, ws: join(s.cwd, "workspace") };
}

/** The Node project of {@link start} in `ws`. */
function project(ws: string, port: number): void {
  mkdirSync(ws);
  writeFileSync(
    join(ws, "package.json"),
    JSON.stringify({ name: "p", version: "1.0.0", private: true, scripts: { test: "node t.js" } }),
  );
  writeFileSync(
    join(ws, "t.js"),
    `const fs = require("fs");
fs.writeFileSync("ran.txt", "ran");
try { fs.writeFileSync("../outside.txt", "escaped"); console.log("outside: written"); }
catch (e) { console.log("outside: " + e.code); }
const s = require("net").connect(${port}, "127.0.0.1");
s.on("connect", () => { console.log("network: connected"); s.destroy(); });
s.on("error", (e) => console.log("network: " + e.code));
`,
  );
}

/** The first line that matches, once it came (60 s at most). */
const line = (live: Live, pred: (l: Msg) => boolean): Promise<Msg> => firstLine(live, pred, 60_000);

/** A host listener on 127.0.0.1 that counts the connections it sees. */
function hostListener(): { port: number; seen: () => number; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let seen = 0;
  (async () => {
    try {
      for await (const conn of listener) {
        seen++;
        conn.close();
      }
    } catch { /* closed */ }
  })();
  return { port: (listener.addr as Deno.NetAddr).port, seen: () => seen, close: () => listener.close() };
}

for (const target of sandboxTargets()) {
  Deno.test({
    name: `[${target.name}] project checks: npm test runs unasked in the bwrap sandbox, asks when tired, then denied`,
    ignore: SKIP !== null || NO_NPM !== null,
    async fn() {
      const host = hostListener();
      const s = start(target, { sandbox: { mode: "auto", network: false } }, host.port);
      try {
        await s.live.send({ id: 1, tool: "run_bash", args: { cmd: "npm test" } });
        const first = await line(s.live, (l) => l.id === 1 && ["result", "confirm_request"].includes(l.type as string));
        assert.equal(first.type, "result", `npm test was asked: ${JSON.stringify(first)}`);
        const r = first;
        assert.deepEqual([r.ok, r.decision, r.risk], [true, "allow", "medium"], JSON.stringify(r));
        assert.deepEqual(r.rules, [
          { rule: "builtin", effect: "risk=medium", summary: "npm test; sandboxed without network" },
        ]);
        const stdout = (r.output as Msg).stdout as string;
        assert.equal(readFileSync(join(s.ws, "ran.txt"), "utf8"), "ran", "the project's test ran");
        // the project's code ran contained: no file next to the workspace on the host (inside the sandbox the
        // folders around the workspace are its own), no connection to the host
        assert.doesNotMatch(stdout, /network: connected/, stdout);
        assert.match(stdout, /network: E[A-Z]+/, stdout);
        assert.equal(existsSync(join(s.cwd, "outside.txt")), false, "a file outside the workspace was written");
        assert.equal(host.seen(), 0, "the host listener saw a connection");
        const gate = s.log().find((l) => l.event === "gate" && l.tool === "run_bash")!;
        assert.equal((gate.details as Msg).tableRisk, "high");
        assert.match(
          (gate.details as Msg).rationale as string,
          /^risk=medium by built-in project checks \(npm test; sandboxed without network\); risk=medium fatigue=/,
        );
        // chained with something that is neither read-only nor a check: high, asked
        await s.live.send({ id: "c1", type: "check", tool: "run_bash", args: { cmd: "npm test; rm -rf src" } });
        const c1 = await line(s.live, answerTo("c1", "check"));
        assert.deepEqual([c1.decision, c1.risk, c1.notes], ["ask", "high", ["rm is not a read-only command"]]);
        // the session tires (fatigue 0.40): a medium call is asked
        await s.live.send({ id: "m", type: "metrics", contextTokens: 4000 });
        await line(s.live, answerTo("m"));
        await s.live.send({ id: 2, tool: "run_bash", args: { cmd: "npm test" } });
        const q = await line(s.live, answerTo(2, "confirm_request"));
        assert.equal(q.risk, "medium");
        await s.live.send({ type: "confirm", id: 2, approve: false });
        assert.equal((await line(s.live, answerTo(2, "result"))).errorCode, "not_approved");
        // exhausted (0.40 + 0.30 for five errors): denied
        for (let i = 0; i < 5; i++) await s.live.send({ id: `e${i}`, type: "metrics", errorOccurred: true });
        await line(s.live, answerTo("e4"));
        await s.live.send({ id: 3, tool: "run_bash", args: { cmd: "npm test" } });
        const d = await line(s.live, answerTo(3, "result"));
        assert.deepEqual([d.decision, d.errorCode, d.risk], ["deny", "denied", "medium"]);
        await s.live.closeStdin();
        assert.equal((await s.live.exited()).code, 0);
      } finally {
        host.close();
        s.done();
      }
    },
  });

  Deno.test({
    name: `[${target.name}] project checks: high with the network on or "projectChecks": false (bwrap sandbox)`,
    ignore: SKIP !== null,
    async fn() {
      for (
        const config of [
          { sandbox: { mode: "auto", network: true } },
          { sandbox: { mode: "auto", network: false }, projectChecks: false },
          { sandbox: { mode: "auto", network: false }, readOnlyCommands: false },
        ]
      ) {
        const s = start(target, config, 9);
        try {
          await s.live.send({ id: 1, type: "check", tool: "run_bash", args: { cmd: "npm test" } });
          const c = await line(s.live, answerTo(1, "check"));
          assert.deepEqual([c.decision, c.risk, c.rules], ["ask", "high", []], JSON.stringify(config));
          await s.live.closeStdin();
          assert.equal((await s.live.exited()).code, 0);
        } finally {
          s.done();
        }
      }
    },
  });

  Deno.test(`[${target.name}] project checks: with sandbox "none" npm test is high and asks; declined, it never runs`, async () => {
    const s = start(target, { sandbox: { mode: "none" } }, 9);
    try {
      await s.live.send({ id: 1, tool: "run_bash", args: { cmd: "npm test" } });
      const q = await line(s.live, answerTo(1, "confirm_request"));
      assert.equal(q.risk, "high");
      await s.live.send({ type: "confirm", id: 1, approve: false });
      assert.equal((await line(s.live, answerTo(1, "result"))).errorCode, "not_approved");
      await s.live.send({ id: 2, type: "check", tool: "run_bash", args: { cmd: "npm test" } });
      const c = await line(s.live, answerTo(2, "check"));
      assert.deepEqual(c.notes, [
        "npm test is a project check: medium only where run_bash runs in the bubblewrap sandbox without network",
      ]);
      await s.live.closeStdin();
      assert.equal((await s.live.exited()).code, 0);
      assert.equal(existsSync(join(s.ws, "ran.txt")), false, "the declined npm test ran");
    } finally {
      s.done();
    }
  });
}
