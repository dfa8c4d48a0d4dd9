/**
 * Path floors read an upstream tool's arguments by value, not by name (red team 9, H4): a server may read any string
 * it is given as a path. Decisions through the gate's rules (judgeCall) with an upstream-shaped tool; the real
 * gateway in front of server-filesystem is tested in tests/e2e/gateway_mcp_test.ts.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Workspace } from "../../src/fileops/workspace.ts";
import { validateRules } from "../../src/rules/mod.ts";
import { judgeCall } from "../../src/gate/_rules.ts";
import type { RegisteredTool } from "../../src/gate/tool.ts";

function world() {
  const dir = mkdtempSync(join(tmpdir(), "se-upaths-"));
  const root = join(dir, "ws");
  mkdirSync(join(root, "secrets"), { recursive: true });
  mkdirSync(join(root, "sub"));
  writeFileSync(join(root, "secrets", "k"), "TOPSECRET");
  writeFileSync(join(root, "README.md"), "hello");
  const ws = Workspace.open(root);
  const setup = {
    rules: validateRules([{ tool: "*", path: ["secrets/**"], decision: "deny" }]).rules,
    readOnlyCommands: true,
    trustGitConfig: () => false,
    projectChecks: () => false,
    contained: () => true,
  };
  const upstream = (extra: Partial<RegisteredTool> = {}): RegisteredTool => ({
    name: "r__read",
    risk: "low",
    fn: () => null,
    validate: false,
    pathLike: true,
    ...extra,
  });
  const floor = (args: Record<string, unknown>, tool = upstream()) => judgeCall(setup, tool, args, ws)?.floor ?? null;
  return { root: ws.root, floor, upstream, done: () => rmSync(dir, { recursive: true, force: true }) };
}

Deno.test("H4: any string argument naming a protected file meets the floor, whatever its name", () => {
  const w = world();
  try {
    const url = `file://${join(w.root, "secrets", "k")}`;
    for (
      const args of [
        { resource: url },
        { url },
        { items: ["README.md", "secrets/k"] },
        { query: "secrets/k" },
        { zzz: "secrets/k" },
        { deep: { a: [{ b: { c: "secrets/k" } }] } },
        { spec: '{"path": "secrets/k"}' },
        { spec: '[{"file": ["x", "secrets/k"]}]' },
      ]
    ) {
      assert.equal(w.floor(args), "deny", JSON.stringify(args));
    }
  } finally {
    w.done();
  }
});

Deno.test("H4: a glob the server may expand asks when what it may match lies under a floor", () => {
  const w = world();
  try {
    for (const pattern of ["secr?ts/k", "*/k", "**/*", "[s]ecrets/k", "{secrets,x}/k"]) {
      assert.equal(w.floor({ pattern }), "ask", pattern);
    }
    assert.equal(w.floor({ pattern: "secrets/*" }), "ask", "it may match what the floor names");
    assert.equal(w.floor({ pattern: "sub/*.md" }), null, "a glob under a folder the floor does not reach");
  } finally {
    w.done();
  }
});

Deno.test("H4: a relative path is resolved where the server runs too (its cwd), not only in the workspace", () => {
  const w = world();
  try {
    const inSub = w.upstream({ pathBases: [join(w.root, "sub")] });
    assert.equal(w.floor({ path: "../secrets/k" }, inSub), "deny");
    assert.equal(w.floor({ path: "../secrets/k" }), null, "without the base, the path leaves the workspace");
    const outside = w.upstream({ pathBases: [join(w.root, "..")] });
    assert.equal(w.floor({ path: "ws/secrets/k" }, outside), "deny", "a server started above the workspace");
  } finally {
    w.done();
  }
});

Deno.test("H4: what names no protected file is not refused; built-in tools are read as before", () => {
  const w = world();
  try {
    for (
      const args of [
        { path: "README.md" },
        { message: "tell me about secrets" },
        { n: 3, flag: true, list: [1, 2] },
        { spec: "(1, 2" },
      ]
    ) {
      assert.equal(w.floor(args), null, JSON.stringify(args));
    }
    const builtin: RegisteredTool = { name: "echo", risk: "low", fn: () => null };
    assert.equal(w.floor({ zzz: "secrets/k" }, builtin), null, "not an upstream tool: no by-value reading");
  } finally {
    w.done();
  }
});
