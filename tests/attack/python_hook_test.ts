/**
 * Red team 12, K6, through run_bash (the sandbox), end to end against a spawned `safe-exec serve`: where pre-commit's
 * hook runs `python3 -mpre_commit` at the worktree's top, a sandboxed process cannot leave a module there that the
 * host's next `git commit` imports: `pre_commit.py`, `pre_commit/__main__.py`, a `yaml.py` pre-commit would import
 * later, an `__init__.py` that makes a top-level folder a package, or a changed top-level module that was there before.
 * The file tools' side is tests/attack/redteam12_test.ts "K6". Skipped, with a printed reason, when bubblewrap
 * cannot run here or there is no `/usr/bin/python3`.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { targets } from "../_targets.ts";
import { startServe } from "../e2e/_serve.ts";
import { operatorGit } from "./_host_git.ts";
import { sandboxSkip, tempBase } from "./_world.ts";

const SKIP = sandboxSkip("the K6 run_bash python hook attacks");
const HAS_PYTHON = existsSync("/usr/bin/python3");

/** pre-commit's hook with the module its `-mpre_commit` runs installed outside the worktree (`/usr/bin/python3`). */
function hookScript(site: string): string {
  return `#!/usr/bin/env bash
INSTALL_PYTHON=/usr/bin/python3
ARGS=(hook-impl --config=.pre-commit-config.yaml --hook-type=pre-commit)
if [ -x "$INSTALL_PYTHON" ]; then
    PYTHONPATH=${site} exec "$INSTALL_PYTHON" -mpre_commit "\${ARGS[@]}"
fi
`;
}

const target = targets().find((t) => t.name.startsWith("binary")) ?? targets()[0]!;

Deno.test({
  name: `[${target.name}] K6: a sandboxed process leaves no python module the host's pre-commit hook imports`,
  ignore: SKIP !== null || !HAS_PYTHON,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const base = tempBase("se-k6-sbx-");
    const ws = join(base, "ws");
    const site = join(base, "site");
    mkdirSync(join(site, "pre_commit"), { recursive: true });
    // the installed pre-commit: imports yaml and the repository's own helper (as a top-level module, from the top)
    writeFileSync(join(site, "pre_commit", "__init__.py"), "");
    writeFileSync(join(site, "pre_commit", "__main__.py"), "import yaml, helper\nprint('pre-commit ok')\n");
    writeFileSync(join(site, "yaml.py"), "");
    mkdirSync(ws);
    operatorGit(ws, base, ["init", "-q"]);
    writeFileSync(join(ws, ".git", "hooks", "pre-commit"), hookScript(site), { mode: 0o755 });
    writeFileSync(join(ws, ".pre-commit-config.yaml"), "repos: []\n");
    writeFileSync(join(ws, "helper.py"), "");
    mkdirSync(join(ws, "src"));
    operatorGit(ws, base, ["add", "-A"]);
    const first = operatorGit(ws, base, ["commit", "-q", "-m", "init"]);
    assert.match(first.out, /pre-commit ok/, first.out);
    writeFileSync(join(base, "se.json"), "{}");
    const serve = startServe(target, base, [
      "--workspace",
      ws,
      "--witness",
      join(base, "witness.log"),
      "--config",
      join(base, "se.json"),
      "--confirm",
      "deny",
    ]);
    const marker = join(base, "PWNED");
    const code = `open(${JSON.stringify(marker)}, "w").write("x")\n`;
    const attacks: Record<string, string> = {
      "pre_commit.py": "cat > pre_commit.py",
      "pre_commit/__main__.py": "mkdir -p pre_commit && cat > pre_commit/__main__.py",
      "yaml.py": "cat > yaml.py",
      "yaml/__init__.py": "mkdir -p yaml && cat > yaml/__init__.py",
      "helper.py (changed)": "cat > helper.py",
      "helper.py (replaced)": "rm -f helper.py; cat > helper.py",
      "__pycache__": "mkdir -p __pycache__ && cat > __pycache__/helper.cpython-311.pyc",
    };
    try {
      const shown: string[] = [];
      for (const [name, cmd] of Object.entries(attacks)) {
        const r = await serve.call("run_bash", { cmd: `${cmd} <<'EOF'\n${code}EOF\n` }, 120_000);
        shown.push(`${name}: ${JSON.stringify(r).slice(0, 400)}`);
        const after = operatorGit(ws, base, ["commit", "-q", "--allow-empty", "-m", `operator ${name}`]);
        assert.ok(
          !existsSync(marker),
          `the host's git commit ran the agent's ${name}: ${shown.join(" / ")} / ${after.out}`,
        );
        assert.match(after.out, /pre-commit ok/, `${name}: ${after.out}`);
      }
      assert.equal(readFileSync(join(ws, "helper.py"), "utf8"), "", "the top-level helper.py is unchanged");
      assert.ok(!existsSync(join(ws, "__pycache__", "helper.cpython-311.pyc")), "no bytecode for helper.py");
      // ordinary work below the top stays the agent's
      const ok = await serve.call("run_bash", { cmd: "printf 'x = 1\\n' > src/a.py && cat src/a.py" }, 120_000);
      assert.equal(readFileSync(join(ws, "src", "a.py"), "utf8"), "x = 1\n", JSON.stringify(ok));
    } finally {
      await serve.close();
      rmSync(base, { recursive: true, force: true });
    }
  },
});
