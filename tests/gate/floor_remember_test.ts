/**
 * Red team 5 F4/F8 through the gate: a deny floor holds for xargs-supplied options and for commands embedded in a
 * program's arguments, and an approval remembered for the whole tool never answers the ASK that stands for a deny
 * floor which may apply. Asserted on the world (the victim folder, the protected file read or not) and on who
 * answered.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SafeExecutor } from "../../src/gate/executor.ts";
import { registerBuiltins } from "../../src/builtins/register.ts";
import { hostFileBackend } from "../../src/isolation/files/host.ts";
import { noSandbox } from "../../src/isolation/process/sandbox.ts";
import { currentRuntime } from "../../src/runtime/mod.ts";

Deno.test("floors: deny holds for xargs options and embedded commands; remember never answers a deny that may apply", async () => {
  const dir = mkdtempSync(join(tmpdir(), "se-floorrem-"));
  const ws = join(dir, "ws");
  const witness = join(dir, "witness.log");
  const asked: string[] = [];
  // the first question is approved for the whole tool; every later one is declined
  const confirm = (req: { args: Record<string, unknown> }) => {
    asked.push(String(req.args.cmd));
    return asked.length === 1 ? { approve: true, remember: "tool" as const } : false;
  };
  const rules = [
    { tool: "run_bash", command: ["rm -rf"], decision: "deny" },
    { tool: "*", path: ["secrets/**"], decision: "deny" },
  ];
  const ex = new SafeExecutor({ workspace: ws, witness, rules, confirm });
  registerBuiltins(ex, { runtime: await currentRuntime(), files: hostFileBackend, sandbox: noSandbox });
  const root = ex.workspace.root;
  try {
    mkdirSync(join(root, "victim/sub"), { recursive: true });
    writeFileSync(join(root, "victim/sub/file"), "v");
    mkdirSync(join(root, "secrets"));
    writeFileSync(join(root, "secrets/k"), "TOPSECRET");
    writeFileSync(join(root, "opts"), "-rf victim\n");
    const first = await ex.execute("run_bash", { cmd: "touch ok" });
    assert.equal(first.ok, true, JSON.stringify(first));
    for (
      const cmd of [
        "xargs rm < opts",
        "echo '-rf victim' | xargs rm",
        "sed -n '1e rm -rf victim' opts",
        "awk 'BEGIN{system(\"rm -rf victim\")}'",
        "tar -cf /dev/null --checkpoint=1 --checkpoint-action=exec='rm -rf victim' opts",
      ]
    ) {
      const r = await ex.execute("run_bash", { cmd });
      assert.equal(r.decision, "deny", `${cmd}: ${JSON.stringify(r)}`);
    }
    assert.ok(existsSync(join(root, "victim/sub/file")), "victim was deleted");
    // a deny path floor that may apply: asked (and declined) despite the remembered approval of run_bash
    const f = await ex.execute("run_bash", { cmd: "f=secrets/k; cat $f > leak" });
    assert.equal(f.decision, "ask", JSON.stringify(f));
    assert.equal(f.ok, false);
    assert.deepEqual(asked, ["touch ok", "f=secrets/k; cat $f > leak"]);
    assert.equal(existsSync(join(root, "leak")), false);
    // an ordinary ASK is still answered by the remembered approval
    const t = await ex.execute("run_bash", { cmd: "touch ok2" });
    assert.equal(t.ok, true, JSON.stringify(t));
    assert.equal(asked.length, 2);
    const confirms = readFileSync(witness, "utf8").trim().split("\n").map((l) => JSON.parse(l))
      .filter((l) => l.event === "confirm").map((l) => l.details?.by ?? l.by);
    assert.deepEqual(confirms.slice(-1), ["remembered"]);
  } finally {
    ex.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
