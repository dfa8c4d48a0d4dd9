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

Deno.test("engine: a floor's short options match as a set, long ones anywhere (redteam3 F3)", () => {
  const rules = compile([{ tool: "run_bash", command: ["rm -rf", "git push --force"], decision: "deny" }]);
  const f = (cmd: string) => evaluateRules(rules, bash(cmd)).floor;
  for (const cmd of ["rm -rf x", "rm -fr x", "rm -r -f x", "rm -f x -r", "rm -rfv x", "rm -v -rf x", "rm $F x"]) {
    assert.equal(f(cmd), "deny", cmd);
  }
  for (const cmd of ["git push --force", "git push origin --force main", "git --no-pager push --forc"]) {
    assert.equal(f(cmd), "deny", cmd);
  }
  for (const cmd of ["rm -r x", "rm -f x", "git push"]) assert.equal(f(cmd), null, cmd);
  // the synonyms of the commands floors are usually written for are known (red team 5 F5; _match.ts SYNONYMS)
  for (const cmd of ["rm -Rf x", "rm --recursive --force x", "git push -f", "git push --force-with-lease"]) {
    assert.equal(f(cmd), "deny", cmd);
  }
});

Deno.test("engine: path floors see a script's literal paths; unknown words keep at least ask (redteam3 F12)", () => {
  const rules = compile([
    { tool: "*", path: ["secrets/**"], decision: "deny" },
    { tool: "*", path: ["*.pem"], decision: "ask" },
  ]);
  const o = (cmd: string) => evaluateRules(rules, bash(cmd, { resolveWrite: (t) => lexicalWorkspacePath(t, "/ws") }));
  for (
    const cmd of [
      "cat secrets/k",
      "cat < secrets/k",
      "echo x > secrets/k",
      "echo x | tee ./secrets/../secrets/k",
      "grep -r --file=secrets/k .",
      "dd if=secrets/k",
      "git show HEAD:secrets/k",
      "cat /ws/secrets/k",
      "bash -c 'cat secrets/k'",
      "ls; head -1 secrets/k | wc",
    ]
  ) {
    assert.equal(o(cmd).floor, "deny", cmd);
  }
  for (const cmd of ["cat $f", "cat secrets/*", "cd secrets && cat k", "ls | xargs cat", "cat ~/k", "eval cat x"]) {
    const out = o(cmd);
    assert.equal(out.floor, "ask", cmd);
    assert.match(out.matched.map((m) => m.summary).join(), /may apply/, cmd);
  }
  // a folder that may hold protected paths: at least ask
  for (const cmd of ["grep -r x secrets", "grep -rn x .", "find . -name k", "ls ./secrets/"]) {
    assert.equal(o(cmd).floor, "ask", cmd);
  }
  assert.equal(o("grep -r x src").floor, null);
  assert.equal(o("cat key.pem").floor, "ask");
  assert.equal(o("cat README.md src/a.ts").floor, null);
  assert.equal(o("cat README.md").risk, "low");
  // a path rule never lowers a script
  const low = compile([{ tool: "run_bash", path: ["**"], risk: "low" }]);
  assert.equal(evaluateRules(low, bash("touch x"), { readOnlyCommands: false }).risk, "high");
});

Deno.test("engine: floors see paths named from outside, pathspec magic, name lists, one-letter abbreviations (redteam4)", () => {
  const rules = compile([
    { tool: "*", path: ["secrets/**"], decision: "deny" },
    { tool: "run_bash", command: ["rm --recursive --force"], decision: "deny" },
  ]);
  const o = (cmd: string) => evaluateRules(rules, bash(cmd, { resolveWrite: (t) => lexicalWorkspacePath(t, "/ws") }));
  // a path outside the workspace may lead back into it: at least ask
  for (
    const cmd of [
      "cat ../ws/secrets/k",
      "cat /proc/self/cwd/secrets/k",
      "cat /proc/1/cwd/secrets/k",
      "cat /dev/fd/../cwd/secrets/k",
      "sort --files0-from=list",
      "wc --files0-from list",
    ]
  ) {
    assert.equal(o(cmd).floor === "ask" || o(cmd).floor === "deny", true, cmd);
  }
  // the shell's own /proc folders name the file itself: the deny floor denies, in any spelling of the prefix
  for (
    const cmd of [
      "cat /proc/self/cwd/secrets/k",
      "cat //proc//self/./cwd/secrets/k",
      "cat /proc/thread-self/cwd/secrets/k",
      "cat /proc/self/task/1/cwd/secrets/k",
      "cat /proc/self/root/ws/secrets/k",
      "cat /proc/self/../self/cwd/secrets/k",
      "cp x /proc/self/cwd/secrets/k",
      "echo x > /proc/self/cwd/secrets/k",
    ]
  ) {
    assert.equal(o(cmd).floor, "deny", cmd);
  }
  assert.equal(o("cp x /proc/self/cwd/secrets/").floor, o("cp x secrets/").floor);
  assert.equal(o("cat /proc/self/cwd/README.md").floor, "ask"); // still outside as written: may lead elsewhere
  // git's pathspec magic names the path after it
  for (
    const cmd of ["git show HEAD -- ':(top)secrets/k'", "git log -- ':/secrets/k'", "git diff -- ':(icase)secrets/k'"]
  ) {
    assert.equal(o(cmd).floor, "deny", cmd);
  }
  // getopt_long takes one-letter abbreviations too
  for (const cmd of ["rm --r --f victim", "rm --rec --f x", "rm --recursive --force x"]) {
    assert.equal(o(cmd).floor, "deny", cmd);
  }
  // `-r` for `--recursive` is a synonym the floor matcher knows (red team 5 F5)
  assert.equal(o("rm -r --f victim").floor, "deny");
  assert.equal(o("rm -r victim").floor, null);
  assert.equal(o("cat README.md | sed -n 's/a/b/p'").floor, null);
});

Deno.test("engine: README's example floors hold for every spelling of rm -rf and for scripts' paths", async () => {
  const { parse } = await import("jsonc-parser");
  const readme = Deno.readTextFileSync(new URL("../../README.md", import.meta.url));
  const block = readme.slice(readme.indexOf("## Rules")).match(/```jsonc\n"rules": (\[[\s\S]*?\n\])\n```/)![1]!;
  const rules = compile(parse(block) as unknown[]);
  const f = (cmd: string) => evaluateRules(rules, bash(cmd, { resolveWrite: (t) => lexicalWorkspacePath(t) })).floor;
  for (
    const cmd of [
      "rm -rf x",
      "rm -fr x",
      "rm -r -f x",
      "rm -Rf x",
      "rm -fR x",
      "rm --recursive --force x",
      "rm --force --recursive x",
      "rm -r --force x",
      "rm --recursive -f x",
      "rm -rfv x",
      "cat secrets/k",
      "echo x > secrets/k",
    ]
  ) assert.equal(f(cmd), "deny", cmd);
  assert.equal(f("rm x"), "ask");
  assert.equal(f("rm -r x"), "ask");
});

Deno.test("engine: project checks are medium only with the sandbox fact, after the config's rules, under its floors", () => {
  const r = (cmd: string, options = {}) => evaluateRules([], bash(cmd), options);
  // off by default (the library does not know how its run_bash runs) and with the read-only set off
  assert.equal(r("npm test").risk, "high");
  assert.deepEqual(r("npm test").notes, [
    "npm test is a project check: medium only where run_bash runs in the bubblewrap sandbox without network",
  ]);
  assert.equal(r("npm test", { projectChecks: false }).risk, "high");
  assert.equal(r("npm test", { projectChecks: true, readOnlyCommands: false }).risk, "high");
  const on = r("npm test 2>&1 | tail -5", { projectChecks: true });
  assert.equal(on.risk, "medium");
  assert.deepEqual(on.matched, [{
    index: "builtin",
    name: "built-in project checks",
    effect: "risk=medium",
    summary: "npm test, tail; sandboxed without network",
  }]);
  assert.equal(on.rationale, "risk=medium by built-in project checks (npm test, tail; sandboxed without network)");
  // read-only scripts are judged as before: the fact lowers nothing else
  assert.equal(r("ls -la", { projectChecks: true }).rationale, "risk=low by built-in read-only commands (ls)");
  const no = r("npm test; rm -rf src", { projectChecks: true });
  assert.deepEqual([no.risk, no.notes], ["high", ["rm is not a read-only command"]]);
  assert.deepEqual(r("npm run deploy", { projectChecks: true }).notes, [
    "npm run deploy is not a project check (the scripts are test, lint, build, typecheck, type-check, check, format:check)",
  ]);
  // the config's rules come first; its floors hold
  const rules = compile([
    { tool: "run_bash", command: ["npm run build"], decision: "ask" },
    { tool: "run_bash", command: ["npm test"], risk: "low" },
  ]);
  const low = evaluateRules(rules, bash("npm test"), { projectChecks: true });
  assert.deepEqual([low.risk, low.matched[0]!.name], ["low", "rules[1]"]);
  const floored = evaluateRules(rules, bash("npm run build"), { projectChecks: true });
  assert.deepEqual([floored.risk, floored.floor, floored.matched.map((m) => m.name)], [
    "medium",
    "ask",
    ["built-in project checks", "rules[0]"],
  ]);
  // a tool re-rated to medium or low by the config keeps that risk
  assert.equal(evaluateRules([], bash("npm test", { tableRisk: "medium" }), { projectChecks: true }).risk, "medium");
  assert.equal(evaluateRules([], bash("rm x", { tableRisk: "low" }), { projectChecks: true }).risk, "low");
  // outside paths are judged by the caller's resolver, like redirections
  const resolveWrite = (t: string) => lexicalWorkspacePath(t, "/ws");
  assert.equal(
    evaluateRules([], bash("npx tsc --outDir /ws/out", { resolveWrite }), { projectChecks: true }).risk,
    "medium",
  );
  assert.equal(
    evaluateRules([], bash("npx tsc --outDir /out", { resolveWrite }), { projectChecks: true }).risk,
    "high",
  );
});
