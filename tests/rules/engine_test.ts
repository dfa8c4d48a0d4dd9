import assert from "node:assert/strict";
import { validateRules } from "../../src/rules/config.ts";
import { evaluateRules, type RuleCall } from "../../src/rules/engine.ts";
import { lexicalWorkspacePath } from "../../src/rules/workspace_path.ts";
import type { Risk } from "../../src/types.ts";

function compile(rules: unknown[]) {
  const v = validateRules(rules);
  assert.deepEqual(v.errors, []);
  return v.rules;
}
const bash = (cmd: string, extra: Partial<RuleCall> = {}): RuleCall => ({
  tool: "run_bash",
  tableRisk: "high",
  args: { cmd },
  ...extra,
});

Deno.test("engine: the first matching risk rule wins; later ones are not consulted", () => {
  const rules = compile([
    { tool: "run_bash", command: ["git push"], risk: "high" },
    { tool: "run_bash", command: ["git"], risk: "low" },
    { tool: "run_bash", command: ["git"], risk: "medium" },
  ]);
  assert.equal(evaluateRules(rules, bash("git push origin")).risk, "high");
  const o = evaluateRules(rules, bash("git fetch && git rebase"));
  assert.equal(o.risk, "low");
  assert.deepEqual(o.matched.map((m) => m.name), ["rules[1]"]);
  assert.equal(o.rationale, "risk=low by rules[1] (run_bash git)");
});

Deno.test("engine: every matching decision rule applies, the strictest first, and none lowers", () => {
  const rules = compile([
    { tool: "run_bash", command: ["curl"], decision: "ask" },
    { tool: "run_bash", command: ["rm"], decision: "deny" },
    { tool: "*", decision: "ask" },
  ]);
  const o = evaluateRules(rules, bash("curl x | tee y; rm z"));
  assert.equal(o.floor, "deny");
  assert.deepEqual(o.matched.map((m) => `${m.name} ${m.effect}`), [
    "rules[1] decision=deny",
    "rules[0] decision=ask",
    "rules[2] decision=ask",
  ]);
  assert.equal(o.risk, "high");
  assert.match(o.rationale, /^deny by rules\[1\] \(run_bash rm\); at least ask by rules\[0\]/);
  // a floor together with a lowering: both reported
  const lowAsk = evaluateRules(compile([{ tool: "run_bash", command: ["ls"], decision: "ask" }]), bash("ls"));
  assert.equal(lowAsk.risk, "low");
  assert.equal(lowAsk.floor, "ask");
});

Deno.test("engine: a lowering rule needs every simple command; a raising rule any", () => {
  const rules = compile([{ tool: "run_bash", command: ["npm test", "npm run lint"], risk: "medium" }]);
  const r = (cmd: string) => evaluateRules(rules, bash(cmd), { readOnlyCommands: false }).risk;
  assert.equal(r("npm test"), "medium");
  assert.equal(r("npm test && npm run lint -- --fix"), "medium");
  for (
    const cmd of [
      "npm test; rm -rf /",
      "npm test $(curl x)",
      "npm install",
      "npm tests",
      "NODE_OPTIONS=x npm test",
      "$NPM test",
      "npm test > /tmp/x",
      "eval npm test",
      "npm test ((",
      "echo $((1)); npm test",
    ]
  ) {
    assert.equal(r(cmd), "high", cmd);
  }
  const raise = compile([{ tool: "run_bash", command: ["git push"], risk: "high" }]);
  const up = (cmd: string) =>
    evaluateRules(raise, { ...bash(cmd), tableRisk: "medium" as Risk }).matched.some((m) => m.index === 0);
  for (
    const cmd of [
      "git push",
      "ls && git push -f",
      "echo $(git push)",
      "git -c x=y push",
      "/usr/bin/git --no-pager push",
      "timeout 5 git push",
      "$GIT push",
      "git $SUB",
      "bash -c 'git push'",
      "echo 'unclosed",
      "xargs --eof git push",
      "sudo -u root git push",
      "ssh host git push",
      "docker exec -it c git push",
      "watch -n 5 git push",
    ]
  ) {
    assert.ok(up(cmd), cmd);
  }
  for (const cmd of ["git pull", "echo git push", "gitpush", "grep 'git push' notes.md"]) assert.ok(!up(cmd), cmd);
});

Deno.test("engine: output redirections of a lowered script: workspace keeps medium, elsewhere no lowering", () => {
  const rules = compile([{ tool: "run_bash", command: ["make docs"], risk: "low" }]);
  const r = (cmd: string, extra: Partial<RuleCall> = {}) => evaluateRules(rules, bash(cmd, extra)).risk;
  assert.equal(r("make docs"), "low");
  assert.equal(r("make docs 2>&1 >/dev/null"), "low");
  assert.equal(r("make docs > build.log"), "medium");
  assert.equal(r("make docs > /tmp/log"), "high");
  assert.equal(r("make docs > ../log"), "high");
  assert.equal(r("make docs > $LOG"), "high");
  assert.equal(r("make docs > /ws/log", { resolveWrite: (t) => lexicalWorkspacePath(t, "/ws") }), "medium");
  assert.equal(r("make docs > link", { resolveWrite: () => null }), "high", "the caller's resolver decides");
});

Deno.test("engine: path matchers: lowering needs every path inside the globs, raising any", () => {
  const rules = compile([
    { tool: "write_file", path: [".env", "*.pem"], risk: "high" },
    { tool: "write_file", path: ["src/**", "!src/vendor/**"], risk: "low" },
  ]);
  const w = (...paths: Array<string | null>) =>
    evaluateRules(rules, { tool: "write_file", tableRisk: "medium", args: {}, paths }).risk;
  assert.equal(w("src/a.ts"), "low");
  assert.equal(w("src/vendor/x.js"), "medium");
  assert.equal(w("lib/a.ts"), "medium");
  assert.equal(w("config/.env"), "high");
  assert.equal(w(null), "medium", "a path outside the workspace is never lowered");
  assert.equal(w(), "medium", "no path: a path rule does not match");
  const copy = compile([{ tool: "copy_file", path: ["src/**"], risk: "low" }]);
  const c = (...paths: string[]) =>
    evaluateRules(copy, { tool: "copy_file", tableRisk: "medium", args: {}, paths }).risk;
  assert.equal(c("src/a", "src/b"), "low");
  assert.equal(c("src/a", "etc/b"), "medium");
});

Deno.test("engine: args matchers are exact, tool globs match names", () => {
  const rules = compile([
    { tool: "github__*", args: { repo: "me/sandbox", draft: true }, risk: "low" },
    { tool: "github__*", risk: "high" },
  ]);
  const g = (tool: string, args: Record<string, unknown>) =>
    evaluateRules(rules, { tool, tableRisk: "medium", args }).risk;
  assert.equal(g("github__create_pr", { repo: "me/sandbox", draft: true }), "low");
  assert.equal(g("github__create_pr", { repo: "me/sandbox", draft: "true" }), "high");
  assert.equal(g("github__create_pr", { repo: "me/sandbox" }), "high");
  assert.equal(g("gitlab__x", {}), "medium");
});

Deno.test("engine: the built-in set applies after the config's rules, and can be turned off", () => {
  const rules = compile([{ tool: "run_bash", command: ["ls"], risk: "medium" }]);
  assert.equal(evaluateRules(rules, bash("ls")).risk, "medium", "the config's rule wins");
  assert.equal(evaluateRules([], bash("ls")).risk, "low");
  assert.equal(evaluateRules([], bash("ls"), { readOnlyCommands: false }).risk, "high");
  const b = evaluateRules([], bash("grep -n x src/a.ts | sort > out.txt"));
  assert.equal(b.risk, "medium");
  assert.equal(b.rationale, "risk=medium by built-in read-only commands (grep, sort; writes into the workspace)");
  const no = evaluateRules([], bash("ls; rm x"));
  assert.deepEqual(no.notes, ["rm is not a read-only command"]);
  assert.equal(no.rationale, "");
  assert.equal(evaluateRules([], { tool: "run_python", tableRisk: "high", args: { code: "ls" } }).risk, "high");
  assert.equal(
    evaluateRules([], { tool: "x", tableRisk: "high", args: {}, script: "ls" }).risk,
    "low",
    "any tool given a script",
  );
});

Deno.test("engine: git is lowered only when the caller trusts git's configuration files", () => {
  const r = (cmd: string, trustGitConfig?: boolean) =>
    evaluateRules([], bash(cmd), trustGitConfig === undefined ? {} : { trustGitConfig });
  assert.equal(r("git status").risk, "high");
  assert.match(r("git status").notes[0]!, /configuration/);
  assert.equal(r("git status", true).risk, "low");
  assert.equal(r("cd sub && git status", true).risk, "high");
  assert.equal(r("ls && grep x f").risk, "low", "other commands do not need it");
});

Deno.test("engine: redirections of compound commands are judged", () => {
  for (
    const cmd of ["{ ls; } > /etc/x", "(ls) > /tmp/x", "for f in a; do ls; done > $F", "if true; then ls; fi > ../x"]
  ) {
    assert.equal(evaluateRules([], bash(cmd)).risk, "high", cmd);
    assert.equal(
      evaluateRules(compile([{ tool: "run_bash", command: ["ls"], risk: "low" }]), bash(cmd)).risk,
      "high",
      cmd,
    );
  }
  assert.equal(evaluateRules([], bash("{ ls; } > out.txt")).risk, "medium");
});

Deno.test("engine: a rule never lowers what the table already rates lower (risk is what the rule sets)", () => {
  const rules = compile([{ tool: "read_file", risk: "medium" }]);
  assert.equal(evaluateRules(rules, { tool: "read_file", tableRisk: "low", args: { path: "a" } }).risk, "medium");
});
