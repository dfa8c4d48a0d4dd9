/**
 * Benchmark section `asks`: how many calls of a scripted 100-call coding session the gate asks about at low fatigue,
 * with the built-in sets (the default) against without them (`"readOnlyCommands": false`), and that the DENYs stay
 * the same. The session is a fixed list of calls an agent makes while fixing a bug: reads and searches, edits, test
 * runs, builds and git; each is judged by `SafeExecutor.check` (the gate's decision, nothing run or logged) over the
 * nine built-in tools' risks. The target row is the default configuration, run_bash under the bubblewrap sandbox
 * with the network off: git trusted (private HOME, `.git` configuration read-only) and the project checks medium
 * (`npm test`, `npx tsc --noEmit`, …). Informational rows: the read-only set alone (`"projectChecks": false`), and
 * the degraded mode `sandbox: "none"` (git never lowered, project checks high).
 *
 *   deno run -A _tools/bench_asks.ts
 *
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILTIN_DEFINITIONS } from "../src/builtins/definitions.ts";
import { SafeExecutor } from "../src/gate/executor.ts";
import { type BenchModule, markdownTable, type Row, type Verdict, verdictCells } from "./_bench.ts";

type Call = [tool: string, args: Record<string, unknown>];

const bash = (cmd: string): Call => ["run_bash", { cmd }];
const read = (path: string): Call => ["read_file", { path }];
const write = (path: string): Call => ["write_file", { path, content: "// edited\n" }];

/**
 * The session: 100 calls, in the proportions agents' transcripts show (reads and searches first, then edits,
 * tests, git). Exported for the test that keeps it at 100 calls.
 */
export const SESSION: readonly Call[] = [
  // Orientation: list, read, search (30)
  ["list_dir", { path: "." }],
  bash("ls -la"),
  read("README.md"),
  read("package.json"),
  bash("cat tsconfig.json"),
  bash("git status"),
  bash("git log --oneline -20"),
  ["list_dir", { path: "src" }],
  bash("find src -name '*.ts' | head -50"),
  bash("grep -rn 'parseConfig' src | head -20"),
  bash("rg -n 'TODO|FIXME' src"),
  read("src/config.ts"),
  read("src/index.ts"),
  bash("wc -l src/*.ts"),
  bash("grep -n 'export function' src/config.ts"),
  bash("head -40 src/server.ts"),
  read("src/server.ts"),
  bash("sed -n 100,160p src/server.ts"),
  bash("git diff HEAD~1 -- src/server.ts"),
  bash("git show --stat HEAD"),
  ["list_dir", { path: "tests" }],
  read("tests/config.test.ts"),
  bash("grep -rln 'describe(' tests | sort"),
  bash("cat tests/fixtures/config.json | jq '.servers | keys'"),
  bash("ls tests/fixtures"),
  bash("git blame -L 40,60 src/config.ts"),
  read("docs/config.md"),
  bash("diff tests/fixtures/a.json tests/fixtures/b.json"),
  bash("awk -F: '{print $1}' .env.example | sort | uniq"),
  bash("tail -n 50 CHANGELOG.md"),
  // First attempt: edit, test, read the failure (25)
  write("src/config.ts"),
  bash("npm test -- tests/config.test.ts"),
  bash("grep -n 'expected' test-output.log | head"),
  read("src/config.ts"),
  write("src/config.ts"),
  bash("npm test -- tests/config.test.ts"),
  bash("git diff"),
  write("tests/config.test.ts"),
  bash("npm test -- tests/config.test.ts"),
  bash("npx tsc --noEmit"),
  bash("grep -rn 'ConfigError' src"),
  read("src/errors.ts"),
  write("src/errors.ts"),
  bash("npx tsc --noEmit"),
  bash("npm run lint"),
  bash("git diff --stat"),
  ["append_file", { path: "CHANGELOG.md", content: "- config: clearer errors\n" }],
  bash("cat CHANGELOG.md | tail -5"),
  read("src/server.ts"),
  write("src/server.ts"),
  bash("npm test"),
  bash("grep -c 'passing' test-output.log"),
  bash("ls -la dist"),
  bash("npm run build"),
  bash("ls dist | wc -l"),
  // Second bug: more reads, an edit, a script (25)
  bash("rg -n 'timeout' src --type ts"),
  read("src/client.ts"),
  bash("grep -n 'setTimeout' src/client.ts"),
  bash("git log -p -3 -- src/client.ts"),
  write("src/client.ts"),
  bash("npm test -- tests/client.test.ts"),
  read("tests/client.test.ts"),
  write("tests/client.test.ts"),
  bash("npm test -- tests/client.test.ts"),
  bash("node scripts/check-timeouts.js"),
  bash("cat scripts/check-timeouts.js"),
  bash("find . -name '*.orig' -o -name '*.rej' | head"),
  ["copy_file", { src: "tests/fixtures/a.json", dst: "tests/fixtures/c.json" }],
  write("tests/fixtures/c.json"),
  bash("jq . tests/fixtures/c.json"),
  bash("npm test"),
  bash("git status --short"),
  bash("git diff --cached"),
  ["list_dir", { path: "tests/fixtures" }],
  read("tests/fixtures/c.json"),
  bash("sort -u tests/fixtures/names.txt | head"),
  bash("cut -d, -f1 data/sample.csv | sort | uniq -c"),
  bash("echo $PATH"),
  bash("pwd"),
  bash("du -sh node_modules"),
  // Wrap up: clean, commit, push, and what a reviewer would stop (20)
  ["delete_file", { path: "tests/fixtures/c.json" }],
  bash("rm -f test-output.log"),
  bash("git add -A"),
  bash("git commit -m 'config: clearer errors; client: timeouts'"),
  bash("git log --oneline -3"),
  bash("git show HEAD --stat"),
  bash("npm install --save-dev vitest@2"),
  bash("npm test"),
  bash("git push origin fix/config-errors"),
  bash("rm -rf dist && npm run build"),
  bash("ls dist"),
  read("dist/index.d.ts"),
  bash("git status"),
  bash("curl -s https://registry.npmjs.org/vitest | head -c 200"),
  bash("cat ~/.npmrc"),
  bash("find . -name '*.log' -delete"),
  bash("sed -i 's/0.1.0/0.1.1/' package.json"),
  bash("git diff package.json"),
  ["delete_dir", { path: "tmp" }],
  bash("echo done"),
];

interface Count {
  asks: number;
  denies: number;
  allows: number;
}

/** How the gate is set up for one row: what the binary passes for its sandbox (app.ts). */
interface Setup {
  readOnlyCommands: boolean;
  trustGitConfig: boolean;
  projectChecks: boolean;
}

async function _count(setup: Setup, dir: string): Promise<Count> {
  const ex = new SafeExecutor({ workspace: join(dir, "ws"), witness: join(dir, "witness.log"), ...setup });
  for (const d of BUILTIN_DEFINITIONS) ex.register(d.name, { risk: d.risk, inputSchema: d.inputSchema }, () => null);
  const c: Count = { asks: 0, denies: 0, allows: 0 };
  for (const [tool, args] of SESSION) {
    const r = await ex.check(tool, args);
    if (r.errorCode !== null && r.errorCode !== "denied") throw new Error(`${tool}: ${r.rationale}`);
    if (r.decision === "ask") c.asks++;
    else if (r.decision === "deny") c.denies++;
    else c.allows++;
  }
  ex.close();
  return c;
}

/** The module. */
export const asks: BenchModule = {
  id: "asks",
  title: "ASKs in a scripted coding session, with and without the built-in read-only set and project checks",
  about: "A fixed 100-call session of an agent fixing two bugs (30 orientation reads and searches, 25 calls of a " +
    "first fix, 25 of a second, 20 of wrapping up: commit, push, clean up), judged by the gate at low fatigue " +
    "(`SafeExecutor.check`, nothing run or logged) over the built-in tools' risks and no config rules, against the " +
    'gate without the built-in sets (`"readOnlyCommands": false`, the anchor). The target row is the default ' +
    "configuration, run_bash under the bubblewrap sandbox with the network off: git trusted (private HOME, `.git` " +
    "configuration read-only) and the built-in project checks medium (`npm test`, `npx tsc --noEmit`, " +
    '`npm run lint|build`). Informational: the read-only set alone (`"projectChecks": false`) and the degraded ' +
    'mode `sandbox: "none"` (git never lowered, project checks high).',
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), "se-bench-asks-"));
    try {
      if (SESSION.length !== 100) throw new Error(`the session has ${SESSION.length} calls, expected 100`);
      const without = await _count({ readOnlyCommands: false, trustGitConfig: true, projectChecks: false }, dir);
      const sandboxed = await _count({ readOnlyCommands: true, trustGitConfig: true, projectChecks: true }, dir);
      const readOnly = await _count({ readOnlyCommands: true, trustGitConfig: true, projectChecks: false }, dir);
      const unsandboxed = await _count({ readOnlyCommands: true, trustGitConfig: false, projectChecks: false }, dir);
      const anchor = "without the built-in read-only set";
      const rows: Row[] = [
        { name: anchor, isAnchor: true, calls: 100, asks: without.asks, denies: without.denies },
        {
          name: "default: bwrap sandbox, no network (git trusted, project checks medium)",
          anchor,
          calls: 100,
          ...sandboxed,
        },
        { name: 'bwrap sandbox, "projectChecks": false (read-only set only)', anchor, calls: 100, ...readOnly },
        { name: "degraded: sandbox none (git not trusted, project checks high)", anchor, calls: 100, ...unsandboxed },
      ].map(({ allows: _a, ...r }: Row & { allows?: number }) => r);
      const reduction = (c: Count) => 1 - c.asks / without.asks;
      const pct = (c: Count) => `${(reduction(c) * 100).toFixed(0)} % fewer`;
      const verdicts: Verdict[] = [{ target: "askReduction", from: rows[1]!.name, value: reduction(sandboxed) }];
      ctx.log(
        `asks: ${without.asks} -> ${sandboxed.asks} (default, bwrap), ${readOnly.asks} (read-only set only), ` +
          `${unsandboxed.asks} (sandbox none)`,
      );
      const same = [sandboxed, readOnly, unsandboxed].every((c) => c.denies === without.denies);
      return {
        rows,
        ratios: ["asks"],
        verdicts,
        notes: [
          `ASKs ${without.asks} → ${sandboxed.asks} in the default configuration (${pct(sandboxed)}; the target ` +
          `row), ${readOnly.asks} with the read-only set alone (${pct(readOnly)}), ${unsandboxed.asks} with ` +
          `\`sandbox: "none"\` (${pct(unsandboxed)}; informational: the degraded mode, not the target); DENYs ` +
          `${same ? "the same" : "DIFFER"} (${without.denies}). The project checks (\`npm test\`, \`npx tsc\`, ` +
          "`npm run lint|build`) are medium only under the bubblewrap sandbox with the network off, where the " +
          'project\'s code they run reaches the workspace and nothing else (README, "project checks"). What still ' +
          `asks there (${sandboxed.asks} of 100): a script the checks do not cover (\`node scripts/…\`), an install ` +
          "(`npm install`), `git add`, `git commit`, `git push`, deletions (`rm -f`, `rm -rf dist && npm run " +
          "build`, delete_file, delete_dir, `find -delete`), `sed -i` and network access (`curl`).",
        ],
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

if (import.meta.main) {
  const r = await asks.run({ quick: false, log: (line) => console.error(line) });
  console.log(markdownTable(r.rows, r.ratios));
  for (const v of r.verdicts) console.log(`- Target: ${v.from}: ${verdictCells(v).join(", ")}`);
  for (const note of r.notes) console.log(`\n${note}`);
}
