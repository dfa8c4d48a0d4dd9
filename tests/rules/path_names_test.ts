/**
 * One vocabulary of argument names that carry a path (src/rules/path_names.ts), read the same by the gate's path
 * rules for upstream tools and by hook mode for an agent's tools: a name one place knew and another missed counts
 * everywhere now. Hook mode keeps telling a file from a folder.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Workspace } from "../../src/fileops/workspace.ts";
import { judgeCall } from "../../src/gate/_rules.ts";
import { DefaultPolicy } from "../../src/gate/policy.ts";
import { SessionMetrics } from "../../src/gate/metrics.ts";
import { compileHookRules, judgeAgentCall } from "../../src/hook/judge.ts";
import { toolPaths } from "../../src/hook/risk.ts";
import { isPathName, pathNameKind } from "../../src/rules/path_names.ts";
import { validateRules } from "../../src/rules/mod.ts";

/** Every name any of the three old lists knew (gateway, gate rules, hook mode). */
const KNOWN = [
  // the gateway's set
  "path",
  "paths",
  "file",
  "files",
  "filepath",
  "file_path",
  "filename",
  "file_name",
  "source",
  "destination",
  "src",
  "dst",
  "dest",
  "target",
  "dir",
  "directory",
  "dir_path",
  "folder",
  "root",
  "cwd",
  // the gate rules' pattern
  "pathname",
  "dirs",
  "location",
  "uri",
  "input_file",
  // hook mode's keys
  "notebook_path",
  "absolute_path",
  "target_file",
  "target_directory",
  "file_paths",
];

Deno.test("path names: every name any of the old lists knew is a path name, written any way", () => {
  for (const n of KNOWN) {
    assert.ok(isPathName(n), n);
    const camel = n.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    assert.ok(isPathName(camel), camel);
    assert.ok(isPathName(n.replaceAll("_", "-")), n.replaceAll("_", "-"));
    assert.ok(isPathName(n.toUpperCase()), n.toUpperCase());
  }
  for (const n of ["name", "content", "pattern", "query", "url", "command", "old_string", "filter", "profile"]) {
    assert.equal(isPathName(n), false, n);
  }
});

Deno.test("path names: a file, a folder, or either", () => {
  const want: [string, string][] = [
    ["file_path", "file"],
    ["fileName", "file"],
    ["target_file", "file"],
    ["notebook_path", "file"],
    ["file_paths", "file"],
    ["dir_path", "folder"],
    ["directory", "folder"],
    ["target_directory", "folder"],
    ["cwd", "folder"],
    ["root", "folder"],
    ["path", "path"],
    ["paths", "path"],
    ["absolute_path", "path"],
    ["source", "path"],
    ["uri", "path"],
  ];
  for (const [n, k] of want) assert.equal(pathNameKind(n), k, n);
  assert.equal(pathNameKind("content"), null);
});

const DENY = [{ tool: "*", path: ["secrets/**"], decision: "deny" }];

function project(): { root: string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), "se-pathnames-"));
  mkdirSync(join(root, "secrets"));
  writeFileSync(join(root, "secrets", "k"), "TOKEN");
  return { root, done: () => rmSync(root, { recursive: true, force: true }) };
}

Deno.test("path names: the gate's path rules read file_name and the hook's names in an upstream tool's arguments", () => {
  const p = project();
  try {
    const ws = Workspace.open(p.root);
    const setup = {
      rules: validateRules(DENY).rules,
      readOnlyCommands: true,
      trustGitConfig: () => false,
      projectChecks: () => false,
      contained: () => true,
    };
    // an upstream tool whose schema declares no path argument
    const up = { name: "fs__read", risk: "medium" as const, fn: () => null, pathLike: true };
    for (
      const args of [
        { file_name: "secrets/k" },
        { fileName: "secrets/k" },
        { options: { file_name: "secrets/k" } },
        { files: [{ file_name: "secrets/k" }] },
        { notebook_path: "secrets/k" },
        { target_file: "secrets/k" },
        { absolute_path: join(p.root, "secrets", "k") },
        { file_paths: ["README.md", "secrets/k"] },
      ]
    ) {
      assert.equal(judgeCall(setup, up, args, ws)?.floor, "deny", JSON.stringify(args));
    }
    assert.equal(judgeCall(setup, up, { file_name: "src/a.ts" }, ws)?.floor ?? null, null);
  } finally {
    p.done();
  }
});

Deno.test("path names: hook mode reads the gateway's names in an agent's tool input", async () => {
  const p = project();
  try {
    const setup = { rules: compileHookRules(DENY), readOnlyCommands: true, tools: {}, policy: new DefaultPolicy() };
    const fresh = new SessionMetrics({}, () => 0).snapshot();
    for (
      const [tool, input] of [
        ["mcp__fs__read", { filename: "secrets/k" }],
        ["mcp__fs__read", { file_name: "secrets/k" }],
        ["mcp__fs__copy", { source: "secrets/k", destination: "out/k" }],
        ["mcp__fs__copy", { src: "README.md", dst: "secrets/k" }],
        ["mcp__fs__read", { uri: "secrets/k" }],
        ["mcp__fs__read", { uri: `file://${join(p.root, "secrets", "k")}` }],
        ["mcp__fs__read", { options: { path: "secrets/k" } }],
        ["mcp__fs__read", { files: [{ path: "secrets/k" }] }],
      ] as [string, Record<string, unknown>][]
    ) {
      const v = await judgeAgentCall("claude-code", tool, input, p.root, setup, fresh);
      assert.equal(v.decision, "deny", `${tool} ${JSON.stringify(input)}: ${v.rationale}`);
    }
    // a file: URI is a spelling the agent's tool may resolve otherwise: high, never lowered, even inside
    const uri = await judgeAgentCall(
      "claude-code",
      "Read",
      { file_path: `file://${join(p.root, "README.md")}` },
      p.root,
      setup,
      fresh,
    );
    assert.equal(uri.risk, "high", uri.rationale);
    const ok = await judgeAgentCall("claude-code", "mcp__fs__read", { filename: "README.md" }, p.root, setup, fresh);
    assert.notEqual(ok.decision, "deny", ok.rationale);
  } finally {
    p.done();
  }
});

Deno.test("hook mode reads an MCP tool's arguments by value, as serve's gateway does (red team 9, H4/H11)", async () => {
  const p = project();
  try {
    const setup = { rules: compileHookRules(DENY), readOnlyCommands: true, tools: {}, policy: new DefaultPolicy() };
    const fresh = new SessionMetrics({}, () => 0).snapshot();
    const judge = (input: Record<string, unknown>) =>
      judgeAgentCall("claude-code", "mcp__r__read", input, p.root, setup, fresh);
    for (
      const input of [
        { query: "secrets/k" },
        { zzz: "secrets/k" },
        { items: ["README.md", "secrets/k"] },
        { deep: { a: [{ b: "secrets/k" }] } },
        { resource: `file://${join(p.root, "secrets", "k")}` },
      ]
    ) {
      const v = await judge(input);
      assert.equal(v.decision, "deny", `${JSON.stringify(input)}: ${v.rationale}`);
    }
    const glob = await judge({ pattern: "secr?ts/k" });
    assert.notEqual(glob.decision, "allow", glob.rationale);
    const fine = await judge({ query: "README.md", note: "tell me about secrets" });
    assert.notEqual(fine.decision, "deny", fine.rationale);
  } finally {
    p.done();
  }
});

Deno.test("path names: hook mode keeps a file from a folder", () => {
  // a search reads its folder's tree; a file tool reads its file
  assert.deepEqual(toolPaths("claude-code", "Grep", { pattern: "T", directory: "/p/src" }), [
    { value: "/p/src", kind: "folder", below: Infinity },
  ]);
  assert.deepEqual(toolPaths("claude-code", "LS", { dir: "/p/src" }), [{ value: "/p/src", kind: "folder", below: 1 }]);
  assert.deepEqual(toolPaths("claude-code", "Read", { file_name: "/p/a.ts" }), [{ value: "/p/a.ts", kind: "file" }]);
  // an upstream tool's folder argument is a folder it may read all of, its file a file; its keys may be paths too
  // (red team 10, J2: `{"files": {"secrets/k": "x"}}`)
  assert.deepEqual(toolPaths("claude-code", "mcp__fs__tree", { root: "/p/src", file: "/p/a.ts" }), [
    { value: "root", kind: "file" },
    { value: "/p/src", kind: "folder", below: Infinity },
    { value: "file", kind: "file" },
    { value: "/p/a.ts", kind: "file" },
  ]);
  // a Grep's pattern is a regular expression, a file's content is text: neither is a path
  assert.deepEqual(toolPaths("claude-code", "Write", { file_path: "/p/a", content: "/etc/passwd" }), [
    { value: "/p/a", kind: "file" },
  ]);
});
