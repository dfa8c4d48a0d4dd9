/**
 * The differential test of the built-in read-only set (the third red team's method): every corpus script is run in
 * real bash (its `sh -c` strings in /bin/sh, dash here) inside a throwaway `bwrap --unshare-all` with a clean
 * workspace, a canary home and planted programs, and what it changed is compared with what the rules said. A script
 * the rules lower to `low` must change nothing (no file created, changed or removed anywhere the sandbox can write,
 * no planted program run); one lowered to `medium` may write into the workspace only. The parser's view is not
 * trusted here: only the world outside counts.
 *
 * The planted programs (`rm`, `touch`, `curl`, …, first on PATH) only record that they ran, so no script does harm
 * or hangs; everything else is the real program. Skipped with the reason where bwrap or user namespaces are missing.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluateRules } from "../../src/rules/engine.ts";
import { DANGEROUS, READ_ONLY } from "./_corpus.ts";

/** Programs replaced by a recorder: they change things (or hang), and none is in the read-only set. */
const PLANTED = [
  "rm",
  "mv",
  "cp",
  "chmod",
  "touch",
  "mkdir",
  "ln",
  "dd",
  "truncate",
  "kill",
  "npm",
  "npx",
  "node",
  "python3",
  "python",
  "make",
  "vim",
  "less",
  "curl",
  "wget",
  "ssh",
  "docker",
  "sudo",
  "doas",
  "su",
  "parallel",
  "watch",
  "flock",
  "chroot",
  "setsid",
  "unshare",
  "nsenter",
  "ionice",
  "chrt",
  "taskset",
  "script",
  "busybox",
];

/** Files every script finds in its workspace (names the corpus uses). */
const WORKSPACE: Record<string, string> = {
  "x": "a\n",
  "f": "a\n",
  "a": "a\n",
  "b": "b\n",
  "a.txt": "a\n",
  "b.txt": "b\n",
  "file": "a\n",
  "file.txt": "a b\n",
  "in.txt": "b\na\n",
  "input.txt": "foo\n",
  "list.txt": "touch pwn-list\n",
  "log.txt": "error x\n",
  "data.txt": "1 2 3\n",
  "README.md": "# r\n",
  "package.json": '{"name":"x"}\n',
  "src/main.ts": "export {};\n",
  "secrets/k": "key\n",
};

const TIMEOUT_MS = 3000;
const PARALLEL = 2;

function _probe(): string | null {
  const r = (() => {
    try {
      return new Deno.Command("bwrap", {
        args: ["--unshare-all", "--cap-drop", "ALL", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "true"],
        stdout: "null",
        stderr: "piped",
      }).outputSync();
    } catch (e) {
      return e as Error;
    }
  })();
  if (r instanceof Error) return `bwrap cannot be started (${r.message}); install it with: apt-get install bubblewrap`;
  if (r.code !== 0) {
    return `bwrap --unshare-all fails here (user namespaces?): ${new TextDecoder().decode(r.stderr).trim()}`;
  }
  return null;
}

const skip = _probe();
if (skip) console.log(`SKIPPING the differential corpus test: ${skip}`);

/** One file's state, to see what a script changed. */
function _snapshot(root: string, skipDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (p === skipDir) continue;
      const st = lstatSync(p);
      let id = `${st.mode}:${st.size}:${st.mtimeMs}`;
      if (st.isFile()) id += ":" + createHash("sha1").update(readFileSync(p)).digest("hex");
      out.set(p.slice(root.length), id);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

function _diff(before: Map<string, string>, after: Map<string, string>): string[] {
  const d: string[] = [];
  for (const [p, v] of after) if (before.get(p) !== v) d.push(before.has(p) ? `changed ${p}` : `created ${p}`);
  for (const p of before.keys()) if (!after.has(p)) d.push(`removed ${p}`);
  return d.sort();
}

/** Run one script in a fresh sandbox; what it changed, and which planted programs ran. */
/** The planted programs, written once and mounted read-only into every sandbox. */
function _plant(base: string): string {
  const stubs = join(base, "stubs");
  mkdirSync(stubs);
  for (const name of PLANTED) {
    const p = join(stubs, name);
    writeFileSync(p, `#!/bin/sh\necho "${name} $*" >> /tmp/marks/ran\nexit 1\n`);
    chmodSync(p, 0o755);
  }
  return stubs;
}

async function _run(
  script: string,
  base: string,
  stubs: string,
): Promise<{ changes: string[]; ran: string[]; timedOut: boolean }> {
  const tmp = mkdtempSync(join(base, "s-"));
  const ws = join(tmp, "ws");
  const marks = join(tmp, "marks");
  for (const d of [ws, marks, join(tmp, "home"), join(tmp, "stubs")]) mkdirSync(d);
  writeFileSync(join(tmp, "home", "canary"), "canary\n");
  writeFileSync(join(tmp, "home", ".bashrc"), "# canary\n");
  for (const [p, content] of Object.entries(WORKSPACE)) {
    mkdirSync(join(ws, p, ".."), { recursive: true });
    writeFileSync(join(ws, p), content);
  }
  const before = _snapshot(tmp, join(tmp, "stubs"));
  const child = new Deno.Command("bwrap", {
    args: [
      "--unshare-all",
      "--die-with-parent",
      "--cap-drop",
      "ALL",
      "--ro-bind",
      "/",
      "/",
      "--dev",
      "/dev",
      "--proc",
      "/proc",
      "--bind",
      tmp,
      "/tmp",
      "--ro-bind",
      stubs,
      "/tmp/stubs",
      "--chdir",
      "/tmp/ws",
      "--clearenv",
      "--setenv",
      "PATH",
      "/tmp/stubs:/usr/local/bin:/usr/bin:/bin",
      "--setenv",
      "HOME",
      "/tmp/home",
      "--setenv",
      "LANG",
      "C.UTF-8",
      "bash",
      "-c",
      script,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
  }, TIMEOUT_MS);
  await child.status;
  clearTimeout(timer);
  let ran: string[] = [];
  try {
    ran = readFileSync(join(marks, "ran"), "utf8").trim().split("\n");
  } catch { /* none ran */ }
  const changes = _diff(before, _snapshot(tmp, join(tmp, "stubs"))).filter((c) =>
    !c.endsWith("/marks") && !c.includes("/marks/")
  );
  rmSync(tmp, { recursive: true, force: true });
  return { changes, ran, timedOut };
}

/** Attacks of each class (and one workspace write) that must visibly act in real bash: the harness can fail. */
const SEEN = [
  "touch new.txt",
  "echo touch pwn | xargs env",
  "sh -c 'ls &>/dev/null touch pwn'",
  "cat <<EOF\n${x:-'$(touch pwn)'}\nEOF",
  "echo \"${x:-$'$(touch pwn)'}\"",
  'awk \'# "\nBEGIN{ system("touch pwn") }\'',
  "command printf -v 'a[$(touch pwn)]' y",
  "y='a[$(touch pwn)]'; x=([y]=1)",
  "sed -e '1e touch pwn' --sandbox x",
  "ls -la > listing.txt",
];

const judge = (script: string) =>
  evaluateRules([], { tool: "run_bash", tableRisk: "high", args: { cmd: script } }, {
    readOnlyCommands: true,
    trustGitConfig: true,
  }).risk;

Deno.test({
  name: "differential: no script the rules lower changes anything when run in real bash (bwrap, canaries)",
  ignore: skip !== null,
  sanitizeResources: false,
  fn: async () => {
    const base = mkdtempSync(join(tmpdir(), "safe-exec-diff-"));
    try {
      const stubs = _plant(base);
      // every script the rules lower, and attacks that prove the harness sees them act (the scripts rated high
      // cannot break the assertion; SAFE_EXEC_DIFF_ALL=1 runs all of them too)
      const all = Deno.env.get("SAFE_EXEC_DIFF_ALL") === "1";
      // SAFE_EXEC_DIFF_EXTRA=FILE adds scripts (separated by lines `----`), to hunt for new members of a class
      const extraFile = Deno.env.get("SAFE_EXEC_DIFF_EXTRA");
      const extra = extraFile ? readFileSync(extraFile, "utf8").split("\n----\n").filter((x) => x.trim() !== "") : [];
      const scripts = [...new Set([...READ_ONLY.map((c) => c.script), ...DANGEROUS, ...extra])]
        .filter((s) => all || SEEN.includes(s) || judge(s) !== "high");
      const results: Array<{ script: string; risk: string; changes: string[]; ran: string[]; timedOut: boolean }> = [];
      let next = 0;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: PARALLEL }, async () => {
        while (next < scripts.length) {
          const script = scripts[next++]!;
          const r = await _run(script, base, stubs);
          results.push({ script, risk: judge(script), ...r });
        }
      }));
      const bad: string[] = [];
      for (const r of results) {
        if (r.risk === "high") continue;
        const outside = r.changes.filter((c) => !/^(created|changed|removed) \/ws(\/|$)/.test(c));
        const wrong = r.risk === "low" ? r.changes : outside;
        if (wrong.length > 0 || r.ran.length > 0) {
          bad.push(`${JSON.stringify(r.script)} (risk ${r.risk}): ${[...wrong, ...r.ran.map((x) => `ran ${x}`)]}`);
        }
      }
      const acted = results.filter((r) => r.changes.length > 0 || r.ran.length > 0);
      const medium = acted.filter((r) => r.risk === "medium").length;
      console.log(
        `differential: ${results.length} scripts in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
          `${acted.length} changed something or ran a planted program (${medium} rated medium, the rest high); ` +
          `${bad.length} lowered ones broke their rating; ` +
          `killed after ${TIMEOUT_MS} ms: ${JSON.stringify(results.filter((r) => r.timedOut).map((r) => r.script))}`,
      );
      assert.deepEqual(bad, [], "scripts the rules lowered changed the world");
      // the harness sees the attacks: each of these runs a planted program or writes a file in real bash
      const seen = (s: string) => {
        const r = results.find((x) => x.script === s);
        return r !== undefined && (r.changes.length > 0 || r.ran.length > 0);
      };
      for (const s of SEEN) assert.ok(seen(s), `the harness did not see ${JSON.stringify(s)} act`);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  },
});
