/**
 * Red team 16, N2, for an upstream tool's path-like strings: a path through a link to /proc (or outside the
 * workspace) is resolved by the server's process, not the gate's: the floors may apply, and apply to what the server
 * reads it as from its folder. Decisions through the gate's rules (judgeCall) with an upstream-shaped tool.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Workspace } from "../../src/fileops/workspace.ts";
import { validateRules } from "../../src/rules/mod.ts";
import { judgeCall } from "../../src/gate/_rules.ts";
import type { RegisteredTool } from "../../src/gate/tool.ts";

Deno.test("rt16 N2: an upstream tool given a path through a link to /proc meets the floor", () => {
  const dir = mkdtempSync(join(tmpdir(), "se-ulinks-"));
  try {
    const root = join(dir, "ws");
    mkdirSync(join(root, "secrets"), { recursive: true });
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "secrets", "k"), "TOPSECRET");
    writeFileSync(join(root, "src", "a.txt"), "hello");
    symlinkSync("/proc/self/cwd", join(root, "src", "z"));
    symlinkSync("/proc/1/cwd", join(root, "src", "y"));
    symlinkSync("/dev/fd/../cwd", join(root, "src", "fd"));
    symlinkSync("a.txt", join(root, "src", "rel"));
    symlinkSync("/usr/bin", join(root, "src", "bin"));
    const ws = Workspace.open(root);
    const setup = {
      rules: validateRules([{ tool: "*", path: ["secrets/**"], decision: "deny" }]).rules,
      readOnlyCommands: true,
      trustGitConfig: () => false,
      projectChecks: () => false,
      contained: () => true,
    };
    const tool: RegisteredTool = { name: "r__read", risk: "low", fn: () => null, validate: false, pathLike: true };
    const floor = (args: Record<string, unknown>) => judgeCall(setup, tool, args, ws)?.floor ?? null;
    assert.equal(floor({ path: "src/z/secrets/k" }), "deny");
    for (const path of ["src/y/secrets/k", "src/fd/secrets/k", "src/z/a.txt"]) {
      assert.notEqual(floor({ path }), null, path);
    }
    for (const path of ["src/rel", "src/a.txt", "src/bin/env"]) assert.equal(floor({ path }), null, path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
