import assert from "node:assert/strict";
import { validateReadOnlyCommands, validateRules } from "../../src/rules/config.ts";

const errs = (v: unknown) => validateRules(v).errors;

Deno.test("config: every problem is reported with the key, the value and what was expected", () => {
  assert.deepEqual(errs({}), ['"rules" must be a list of rules, got {}']);
  assert.deepEqual(errs([1]), [
    '"rules[0]" must be an object such as {"tool": "run_bash", "command": ["ls"], "risk": "low"}, got 1',
  ]);
  assert.deepEqual(errs([{ tool: "run_bash", risk: "hi" }]), [
    '"rules[0].risk" must be "low", "medium" or "high", got "hi"',
  ]);
  assert.deepEqual(errs([{ tool: "x", decision: "allow" }]), [
    '"rules[0].decision" must be "ask" or "deny", got "allow" (rules never make a decision weaker than the table: lower the risk with "risk" instead)',
  ]);
  assert.deepEqual(errs([{ tool: "x" }]), [
    '"rules[0]" needs one effect: "risk": "low"|"medium"|"high" or "decision": "ask"|"deny"',
  ]);
  assert.deepEqual(errs([{ tool: "x", risk: "low", decision: "ask" }]), [
    '"rules[0]" has both "risk" and "decision"; a rule has one effect: write two rules',
  ]);
  assert.deepEqual(errs([{ risk: "low" }]), ['"rules[0]" needs "tool": a tool name or a glob such as "github__*"']);
  assert.match(
    errs([{ tool: "a b", risk: "low" }])[0]!,
    /^"rules\[0\]\.tool" is not a tool name or glob: tool names have 1 to 64/,
  );
  assert.deepEqual(errs([{ tool: "x", path: ["src/[ab"], risk: "low" }]), [
    '"rules[0].path[0]" is not a valid gitignore-style glob: "src/[ab" has an unclosed "["',
  ]);
  assert.match(errs([{ tool: "x", path: ["../x"], risk: "low" }])[0]!, /no "\." or "\.\."/);
  assert.match(errs([{ tool: "x", path: [], risk: "low" }])[0]!, /non-empty list of gitignore-style globs/);
  assert.match(errs([{ tool: "x", path: "src/**", risk: "low" }])[0]!, /got "src\/\*\*"/);
  assert.deepEqual(errs([{ tool: "run_bash", command: ["ls; rm"], risk: "low" }]), [
    '"rules[0].command[0]" must be one simple command, without ; | && or $(…), got "ls; rm"',
  ]);
  assert.match(errs([{ tool: "run_bash", command: ["$X"], risk: "low" }])[0]!, /only known at run time/);
  assert.match(errs([{ tool: "run_bash", command: ["'x"], risk: "low" }])[0]!, /the shell can parse/);
  assert.match(
    errs([{ tool: "x", args: { a: [1] }, risk: "low" }])[0]!,
    /"rules\[0\]\.args\.a" must be a string, number, boolean or null/,
  );
  assert.equal(
    errs([{ tool: "x", riks: "low", risk: "low" }])[0],
    'unknown key "rules[0].riks" (did you mean "risk"?); allowed keys in "rules[0]": tool, path, command, args, risk, decision',
  );
  // all of them, not only the first
  assert.equal(errs([{ tool: 1, risk: "x", path: 2 }, { decision: "no" }]).length, 5);
});

Deno.test("config: valid rules compile, a missing section is no rules", () => {
  assert.deepEqual(validateRules(undefined), { rules: [], errors: [] });
  const v = validateRules([{ tool: "run_bash", command: ["grep -r 'a b'"], risk: "low" }]);
  assert.deepEqual(v.errors, []);
  assert.deepEqual(v.rules[0]!.prefixes, [["grep", "-r", "a b"]]);
  assert.equal(v.rules[0]!.summary, "run_bash grep -r 'a b'");
});

Deno.test("config: readOnlyCommands", () => {
  assert.deepEqual(validateReadOnlyCommands(undefined), { value: true, error: null });
  assert.deepEqual(validateReadOnlyCommands(false), { value: false, error: null });
  assert.deepEqual(validateReadOnlyCommands("no"), {
    value: true,
    error: '"readOnlyCommands" must be true or false, got "no"',
  });
});

Deno.test("config: a path rule that can match only upstream tools is refused (red team 5 F7)", () => {
  for (const tool of ["f__peek", "f__*", "*__*", "github__get_file"]) {
    const e = errs([{ tool, path: ["secrets/**"], decision: "deny" }]);
    assert.equal(e.length, 1, tool);
    assert.match(e[0]!, /^"rules\[0\]\.path" never matches .*upstream \(gateway\) tools .*"args"/, tool);
  }
  // "*" also matches the built-in tools; "args" works on upstream tools
  assert.deepEqual(errs([{ tool: "*", path: ["secrets/**"], decision: "deny" }]), []);
  assert.deepEqual(errs([{ tool: "f__*", args: { path: "secrets/k" }, decision: "deny" }]), []);
  assert.deepEqual(errs([{ tool: "read_*", path: ["secrets/**"], decision: "deny" }]), []);
});
