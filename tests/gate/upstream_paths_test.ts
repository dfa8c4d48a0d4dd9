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

/** Nested `depth` levels deep, alternating lists and objects, around `leaf`. */
function nested(depth: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { k: v };
  return v;
}

Deno.test("J2: a path that climbs out of the workspace and comes back meets the floor (lexical reading)", () => {
  const w = world();
  try {
    for (
      const path of [
        "../ws/secrets/k",
        "sub/../../ws/secrets/k",
        "./../ws/./secrets//k",
        `${w.root}/../ws/secrets/k`,
        `${w.root}//secrets/k`,
        `${w.root}/./secrets/k`,
        `/..${w.root}/secrets/k`,
      ]
    ) {
      assert.equal(w.floor({ path }), "deny", path);
    }
    assert.notEqual(w.floor({ path: `${w.root}/secrets/.` }), null, "the protected folder itself");
  } finally {
    w.done();
  }
});

Deno.test("J2: /proc/self/cwd, /proc/self/root and /dev/fd spellings are read as the server reads them", () => {
  const w = world();
  try {
    const inWs = w.upstream({ pathBases: [w.root] });
    for (
      const path of [
        "/proc/self/cwd/secrets/k",
        "/proc/thread-self/cwd/secrets/k",
        "/proc/self/cwd/./secrets/../secrets/k",
        `/proc/self/root${w.root}/secrets/k`,
        `/proc/1/root${w.root}/secrets/k`,
        "/dev/fd/../cwd/secrets/k",
        "/dev/fd/../../self/cwd/secrets/k",
        "//proc//self/cwd/secrets/k",
      ]
    ) {
      assert.equal(w.floor({ path }, inWs), "deny", path);
    }
    // a server whose cwd is not said: the workspace is where the gateway runs it
    assert.equal(w.floor({ path: "/proc/self/cwd/secrets/k" }), "deny");
    // another process's cwd, or a folder the server holds open: anywhere, the floor may apply
    for (const path of ["/proc/4242/cwd/secrets/k", "/dev/fd/3/secrets/k", "/proc/self/fd/7/k"]) {
      assert.equal(w.floor({ path }, inWs), "ask", path);
    }
  } finally {
    w.done();
  }
});

Deno.test("J2: object keys are read as paths, as values are", () => {
  const w = world();
  try {
    assert.equal(w.floor({ files: { "secrets/k": "x" } }), "deny");
    assert.equal(w.floor({ edits: [{ [`${w.root}/secrets/k`]: 1 }] }), "deny");
    assert.equal(w.floor({ "secrets/k": true }), "deny");
  } finally {
    w.done();
  }
});

Deno.test("J2: percent-escapes and file: URLs are read decoded", () => {
  const w = world();
  try {
    for (
      const path of [
        "secrets%2fk",
        "secrets%2Fk",
        "%73ecrets/k",
        "secrets%252Fk",
        `file://${w.root}/secrets%2Fk`,
        `file://localhost${w.root}/secrets/k`,
        `file:${w.root}/secrets/k`,
        `file://${w.root}/sub/..%2f..%2fws/secrets/k`,
        `FILE://${w.root}/%2e/secrets/k`,
      ]
    ) {
      assert.equal(w.floor({ path }), "deny", path);
    }
  } finally {
    w.done();
  }
});

Deno.test("J2: arguments too deep or too many to read fully may meet the floor (ask, never allow)", () => {
  const w = world();
  try {
    assert.equal(w.floor({ a: nested(20, "secrets/k") }), "deny", "read at any depth it can be");
    assert.notEqual(w.floor({ a: nested(5000, "secrets/k") }), null, "too deep to read: the floor may apply");
    const many = Array.from({ length: 5000 }, (_, i) => `f${i}`);
    assert.notEqual(w.floor({ many: [...many, "secrets/k"] }), null, "too many to read: the floor may apply");
    assert.equal(w.floor({ a: nested(20, "README.md") }), null, "deep, but read fully, and nothing is floored");
  } finally {
    w.done();
  }
});

Deno.test("J2: ordinary strings that read as no floored path stay unfloored", () => {
  const w = world();
  try {
    const inWs = w.upstream({ pathBases: [w.root] });
    for (
      const args of [
        { message: "50% off: see ../notes and /proc/self/status" },
        { q: "a/../b", url: "https://example.com/secrets%2Fk" },
        { path: "/proc/self/cwd/README.md" },
        { path: "../ws/sub/x.txt" },
        { files: { "README.md": "secrets are kept elsewhere" } },
        { path: "100%" },
      ]
    ) {
      assert.equal(w.floor(args, inWs), null, JSON.stringify(args));
    }
  } finally {
    w.done();
  }
});

Deno.test("J2: a spelling too long to open that normalizes to a floored path meets the floor", () => {
  const w = world();
  try {
    assert.equal(w.floor({ path: "./".repeat(3000) + "secrets/k" }), "deny");
    assert.equal(w.floor({ path: "sub/".repeat(1100) + "../".repeat(1100) + "secrets/k" }), "deny");
    assert.equal(w.floor({ content: "// a comment\n".repeat(2000) }), null, "long text that names no path");
  } finally {
    w.done();
  }
});
