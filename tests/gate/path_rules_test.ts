/**
 * Path rules judge what a file tool call acts on, resolved as the tool resolves it (red team F5, F11): the file
 * copy_file creates inside a folder, the tree delete_dir removes, the link delete_file removes. Each attack is
 * asserted on the world (the file copied or deleted, or not) and on the decision in the witness log.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SafeExecutor } from "../../src/gate/executor.ts";
import { registerBuiltins } from "../../src/builtins/register.ts";
import { hostFileBackend } from "../../src/isolation/files/host.ts";
import { noSandbox } from "../../src/isolation/process/sandbox.ts";
import { currentRuntime } from "../../src/runtime/mod.ts";

type Msg = Record<string, unknown>;

async function make(rules: unknown[]) {
  const dir = mkdtempSync(join(tmpdir(), "se-pathrules-"));
  const ws = join(dir, "ws");
  const witness = join(dir, "witness.log");
  // every ASK is approved: a deny floor must hold by itself, not by a person declining
  const ex = new SafeExecutor({ workspace: ws, witness, rules, confirm: () => true });
  registerBuiltins(ex, { runtime: await currentRuntime(), files: hostFileBackend, sandbox: noSandbox });
  const log = (): Msg[] => readFileSync(witness, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const gates = () => log().filter((l) => l.event === "gate");
  const root = ex.workspace.root;
  const put = (rel: string, text = "x") => {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  return {
    ex,
    root,
    put,
    gates,
    done: () => {
      ex.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

Deno.test("F5: copy_file into an existing folder is judged by the file it creates (deny floors)", async () => {
  const t = await make([
    { tool: "copy_file", path: [".github/workflows/**", "*.yml"], decision: "deny" },
    { tool: "copy_file", path: ["/secrets/*"], decision: "deny" },
  ]);
  try {
    t.put("src/ci.txt", "CI");
    t.put("src/ci.yml", "YML");
    mkdirSync(join(t.root, ".github/workflows"), { recursive: true });
    mkdirSync(join(t.root, "secrets"));
    mkdirSync(join(t.root, "out"));
    symlinkSync(".github/workflows", join(t.root, "wf")); // a symlink to the protected folder
    for (const dst of [".github/workflows", ".github/workflows/", "secrets", "./secrets//", "wf", "out/../secrets"]) {
      const r = await t.ex.execute("copy_file", { src: "src/ci.txt", dst });
      assert.deepEqual([r.decision, r.errorCode], ["deny", "denied"], `${dst}: ${JSON.stringify(r)}`);
    }
    // "*.yml" names the file created inside a folder that does not match itself
    const y = await t.ex.execute("copy_file", { src: "src/ci.yml", dst: "out" });
    assert.equal(y.decision, "deny");
    assert.equal(existsSync(join(t.root, ".github/workflows/ci.txt")), false);
    assert.equal(existsSync(join(t.root, "secrets/ci.txt")), false);
    assert.equal(existsSync(join(t.root, "out/ci.yml")), false);
    assert.ok(t.gates().every((g) => g.decision === "deny"), JSON.stringify(t.gates().map((g) => g.decision)));
    // a folder the rules do not protect: copied into, allowed
    const ok = await t.ex.execute("copy_file", { src: "src/ci.txt", dst: "out" });
    assert.equal(ok.ok, true, JSON.stringify(ok));
    assert.equal(readFileSync(join(t.root, "out/ci.txt"), "utf8"), "CI");
  } finally {
    t.done();
  }
});

Deno.test("F5: a lowering rule's negation holds for the file a copy into a folder creates", async () => {
  const t = await make([{ tool: "copy_file", path: ["src/**", "!src/generated/**"], risk: "low" }]);
  try {
    t.put("src/ci.yml", "Y");
    mkdirSync(join(t.root, "src/generated"));
    symlinkSync("generated", join(t.root, "src/gen"));
    for (const dst of ["src/generated", "src/gen"]) {
      const r = await t.ex.execute("copy_file", { src: "src/ci.yml", dst });
      assert.equal(r.risk, "medium", `${dst}: ${JSON.stringify(r)}`);
      assert.equal(r.rules, undefined);
    }
    const low = await t.ex.execute("copy_file", { src: "src/ci.yml", dst: "src/copy.yml" });
    assert.deepEqual([low.risk, low.ok], ["low", true]);
    assert.deepEqual(t.gates().map((g) => (g.details as Msg).risk), ["medium", "medium", "low"]);
    // check says the same as the call
    assert.equal((await t.ex.check("copy_file", { src: "src/ci.yml", dst: "src/generated" })).risk, "medium");
  } finally {
    t.done();
  }
});

Deno.test("F11: a floor on a tree applies to delete_dir of the tree, an ancestor, or the root", async () => {
  const t = await make([{ tool: "delete_*", path: ["src/important/**", "keep/**"], decision: "deny" }]);
  try {
    t.put("src/important/db.txt", "DB");
    t.put("src/other/a.txt");
    t.put("keep/a.txt", "K");
    for (const path of ["src/important", "src", "keep", ".", "src/"]) {
      const r = await t.ex.execute("delete_dir", { path });
      assert.deepEqual([r.decision, r.errorCode], ["deny", "denied"], `${path}: ${JSON.stringify(r)}`);
    }
    assert.equal(readFileSync(join(t.root, "src/important/db.txt"), "utf8"), "DB");
    assert.equal(readFileSync(join(t.root, "keep/a.txt"), "utf8"), "K");
    // a sibling tree the rule cannot reach is deleted after the (approved) ASK
    const other = await t.ex.execute("delete_dir", { path: "src/other" });
    assert.deepEqual([other.decision, other.ok], ["ask", true], JSON.stringify(other));
    assert.equal(existsSync(join(t.root, "src/other")), false);
    assert.deepEqual(t.gates().map((g) => g.decision), ["deny", "deny", "deny", "deny", "deny", "ask"]);
  } finally {
    t.done();
  }
});

Deno.test("F11: a lowering rule for delete_dir does not hold when a negation may match inside", async () => {
  const t = await make([{ tool: "delete_dir", path: ["build", "!build/keep/**"], risk: "low" }]);
  try {
    t.put("build/keep/k.txt", "K");
    t.put("build/out/o.txt");
    const whole = await t.ex.check("delete_dir", { path: "build" });
    assert.deepEqual([whole.risk, whole.decision], ["high", "ask"]);
    const part = await t.ex.check("delete_dir", { path: "build/out" });
    assert.deepEqual([part.risk, part.decision], ["low", "allow"]);
  } finally {
    t.done();
  }
});

Deno.test("F11: delete_file of a link is judged by the link it removes, not by its target", async () => {
  const t = await make([{ tool: "delete_file", path: ["secrets/**"], decision: "deny" }]);
  try {
    t.put("public/y", "Y");
    mkdirSync(join(t.root, "secrets"));
    symlinkSync("../public/y", join(t.root, "secrets/x"));
    const r = await t.ex.execute("delete_file", { path: "secrets/x" });
    assert.equal(r.decision, "deny", JSON.stringify(r));
    assert.ok(existsSync(join(t.root, "secrets/x")));
  } finally {
    t.done();
  }
});

Deno.test("list_dir is judged by the entries it reads: a floor on a folder's files covers listing it", async () => {
  const t = await make([{ tool: "list_dir", path: ["/secrets/*"], decision: "deny" }]);
  try {
    t.put("secrets/k", "K");
    assert.equal((await t.ex.check("list_dir", { path: "secrets" })).decision, "deny");
    assert.equal((await t.ex.check("list_dir", {})).decision, "allow"); // "." holds "secrets", not its files
    mkdirSync(join(t.root, "empty"));
    assert.equal((await t.ex.check("list_dir", { path: "empty" })).decision, "allow");
  } finally {
    t.done();
  }
});

Deno.test("list_dir: a name pattern holds for a folder that holds such a name now, not for every folder", async () => {
  const t = await make([{ tool: "*", path: ["*.env"], decision: "deny" }]);
  try {
    t.put("app/.x.env", "SECRET");
    t.put("lib/a.ts");
    assert.equal((await t.ex.check("list_dir", { path: "app" })).decision, "deny");
    assert.equal((await t.ex.check("list_dir", { path: "lib" })).decision, "allow");
    // delete_dir cannot know what a tree will hold when it runs: a name pattern applies to every tree
    assert.equal((await t.ex.check("delete_dir", { path: "lib" })).decision, "deny");
  } finally {
    t.done();
  }
});

Deno.test("rules: run_python's code meets '*' floors as python3 -c does in run_bash (red team 7, F14)", async () => {
  const w = await make([
    { tool: "*", path: ["secrets/**"], decision: "deny" },
    { tool: "*", command: ["rm -rf"], decision: "deny" },
  ]);
  try {
    const read = await w.ex.check("run_python", { code: 'print(open("secrets/k").read())' });
    assert.equal(read.decision, "deny", read.rationale);
    assert.match(read.rationale, /python3 -c runs a Python program/);
    const shell = await w.ex.check("run_bash", { cmd: `python3 -c 'print(open("secrets/k").read())'` });
    assert.equal(shell.decision, read.decision, "the same code, the same decision in both tools");
    // a quote in the code is kept inside the one word the rules read
    const quoted = await w.ex.check("run_python", { code: "import os; os.system('rm -rf x')" });
    assert.equal(quoted.decision, "deny", quoted.rationale);
  } finally {
    w.done();
  }
  // a path floor alone: the code may open what it protects, so it asks (never answered by a remembered approval)
  const paths = await make([{ tool: "*", path: ["secrets/**"], decision: "deny" }]);
  try {
    const r = await paths.ex.check("run_python", { code: 'print(open("secrets/k").read())' });
    assert.equal(r.decision, "ask", r.rationale);
    assert.match(r.rationale, /deny floor may apply/);
  } finally {
    paths.done();
  }
  // a floor for run_bash alone does not reach run_python; a rule for run_python still applies
  const only = await make([
    { tool: "run_bash", command: ["rm -rf"], decision: "deny" },
    { tool: "run_python", risk: "medium" },
  ]);
  try {
    const r = await only.ex.check("run_python", { code: "print(1)" });
    assert.equal(r.risk, "medium", r.rationale);
    assert.notEqual(r.decision, "deny", r.rationale);
  } finally {
    only.done();
  }
});
