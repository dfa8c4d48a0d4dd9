// Red team 10, J6 (file names only): hook managers whose own config files name the code git's hooks run on the
// operator's next commit (simple-git-hooks, husky v4's .huskyrc, lint-staged, which husky and yorkie call) are
// host-run configuration like `.husky/**`. package.json's `husky`/`gitHooks`/`simple-git-hooks` keys are not
// judged yet (docs/rules.md).
import assert from "node:assert/strict";
import { hostRunsConfig } from "../../src/rules/host_config.ts";

Deno.test("rt10 J6: hook managers' config files configure code the host runs", () => {
  const missed = [
    ".simple-git-hooks.json",
    ".simple-git-hooks.js",
    ".simple-git-hooks.cjs",
    "simple-git-hooks.json",
    "simple-git-hooks.js",
    ".huskyrc",
    ".huskyrc.json",
    ".huskyrc.js",
    "husky.config.js",
    ".lintstagedrc",
    ".lintstagedrc.json",
    ".lintstagedrc.js",
    ".lintstagedrc.cjs",
    ".lintstagedrc.mjs",
    ".lintstagedrc.yml",
    ".lintstagedrc.yaml",
    "lint-staged.config.js",
    "lint-staged.config.cjs",
    "lint-staged.config.mjs",
    "web/.simple-git-hooks.json",
  ].filter((f) => hostRunsConfig(f) === null);
  assert.deepEqual(missed, []);
  assert.equal(hostRunsConfig("src/hooks.json"), null);
});
