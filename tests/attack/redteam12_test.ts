/**
 * Red team 12, end to end, against a spawned `safe-exec` (deno run from source, and the Bun binary). Path deny floors
 * must hold for
 *
 * - K1: curl's own URL globs (`{…}`, `[a-b]`) in a `file://` URL, in `-T`, and `#1` in `-o`, which name a floored
 *   file without spelling it (`secret{s}/k`): the floor must deny or ask, never be answered by an approval remembered
 *   for run_bash;
 * - K2: an upstream tool's path spelled in another Unicode normalization (NFD `se\u0301crets/k`, or U+212A KELVIN
 *   SIGN for `K`), which server-filesystem maps to the NFC entry on disk;
 * - K3: a relative path that server-filesystem resolves against another of its allowed folders;
 * - K8: `~/…`, which server-filesystem expands to its home folder.
 *
 * And the host's git must never run code the agent wrote:
 *
 * - K4: husky v4's stub runs `npx --no-install husky-run`: `node_modules/.bin/husky-run` (pnpm's shim, a regular file);
 * - K5: husky v9's `.husky/_/h` puts `node_modules/.bin` first on PATH and runs `sh`;
 * - K6: `python3 -m pre_commit` (pre-commit's own hook) and `python3 -m json.tool` (a hand-written hook) import the
 *   worktree's `pre_commit.py` / `json/` first;
 * - K7: husky v4's npx reads the worktree's `.npmrc` (`node-options=--require=…`).
 *
 * Each asserts on the world: the secret is not printed, copied or overwritten; no marker file appears after the
 * operator's `git commit` on the host.
 *
 * The run_bash attacks (K1, K4, K5) are skipped, with a printed reason, when bubblewrap cannot run here; K4 and K7 need
 * `npx`, K6 `/usr/bin/python3`.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sandboxTargets, type Target } from "../_targets.ts";
import { type Msg, startServe } from "../e2e/_serve.ts";
import { operatorGit } from "./_host_git.ts";
import { sandboxSkip, tempBase } from "./_world.ts";

const SKIP = sandboxSkip("the red team 12 curl glob attacks");

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FS_SERVER = join(ROOT, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");

/** The node that runs server-filesystem: the one on PATH. */
function nodePath(): string {
  const out = new Deno.Command("sh", { args: ["-c", "command -v node"], stdout: "piped" }).outputSync();
  return new TextDecoder().decode(out.stdout).trim() || "node";
}

const CURL_GLOBS: Array<{ name: string; cmd: (ws: string) => string; copy?: string }> = [
  { name: "K1: -o 'secre#1/k' writes into the floor", cmd: (ws) => `curl -s 'file://${ws}/a.txt?{ts}' -o 'secre#1/k'` },
  { name: "K1: file:// URL with a {…} glob", cmd: (ws) => `curl -s 'file://${ws}/secret{s}/k'` },
  { name: "K1: file:// URL with a [a-b] glob", cmd: (ws) => `curl -s 'file://${ws}/secre[s-t]s/k'` },
  { name: "K1: file:// URL with a list glob", cmd: (ws) => `curl -s 'file://${ws}/{secrets,src}/k'` },
  {
    name: "K1: -T with a glob copies the secret out",
    cmd: (ws) => `curl -s -T '{secrets/k,a.txt}' file://${ws}/out/`,
    copy: "out/k",
  },
];

for (const target of sandboxTargets()) {
  Deno.test({
    name: `[${target.name}] red team 12 K1: curl URL globs never pass a path deny floor`,
    ignore: SKIP !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-rt12-k1-");
      const ws = join(base, "ws");
      mkdirSync(join(ws, "secrets"), { recursive: true });
      mkdirSync(join(ws, "src"), { recursive: true });
      writeFileSync(join(ws, "secrets", "k"), "TOPSECRET\n");
      writeFileSync(join(ws, "a.txt"), "hello\n");
      writeFileSync(
        join(base, "se.json"),
        JSON.stringify({ rules: [{ tool: "*", path: ["secrets/**"], decision: "deny" }] }),
      );
      const serve = startServe(target, base, [
        "--workspace",
        ws,
        "--witness",
        join(base, "witness.log"),
        "--config",
        join(base, "se.json"),
        "--confirm",
        "client",
      ]);
      // The operator approves one harmless call for the whole tool and refuses every later question.
      let approvedOnce = false;
      const call = async (tool: string, args: Msg): Promise<{ result: Msg; asked: boolean }> => {
        let m = await serve.send({ tool, args }, 120_000);
        let asked = false;
        while (m.type === "confirm_request") {
          asked = true;
          const approve = !approvedOnce;
          approvedOnce = true;
          m = await serve.raw(
            JSON.stringify({ type: "confirm", id: m.id, approve, ...(approve ? { remember: "tool" } : {}) }),
            120_000,
          );
        }
        return { result: m, asked };
      };
      try {
        const first = await call("run_bash", { cmd: "touch approved" });
        assert.equal(first.asked, true, JSON.stringify(first.result).slice(0, 300));
        const plain = await call("run_bash", { cmd: `curl -s file://${ws}/secrets/k` });
        assert.equal(plain.result.decision, "deny", JSON.stringify(plain.result).slice(0, 300));
        for (const a of CURL_GLOBS) {
          writeFileSync(join(ws, "secrets", "k"), "TOPSECRET\n");
          rmSync(join(ws, "out"), { recursive: true, force: true });
          mkdirSync(join(ws, "out"));
          const { result, asked } = await call("run_bash", { cmd: a.cmd(ws) });
          const shown = `${a.name}: ${JSON.stringify(result).slice(0, 600)}`;
          assert.doesNotMatch(JSON.stringify(result.output ?? null), /TOPSECRET/, `the secret was printed: ${shown}`);
          if (a.copy) {
            const copied = join(ws, a.copy);
            assert.ok(!existsSync(copied) || !/TOPSECRET/.test(readFileSync(copied, "utf8")), `copied out: ${shown}`);
          }
          assert.equal(
            readFileSync(join(ws, "secrets", "k"), "utf8"),
            "TOPSECRET\n",
            `the floored file was written: ${shown}`,
          );
          assert.equal(result.ok, false, shown);
          assert.ok(result.decision === "deny" || asked, `neither denied nor asked: ${shown}`);
        }
      } finally {
        await serve.close();
        rmSync(base, { recursive: true, force: true });
      }
    },
  });
}

/** A minimal MCP client over a spawned `safe-exec mcp`: one request at a time, answers matched by id. */
async function mcpSession(
  target: Target,
  base: string,
  ws: string,
  config: Record<string, unknown>,
  calls: Array<{ name: string; arguments: Record<string, unknown> }>,
  env: Record<string, string> = {},
): Promise<Msg[]> {
  writeFileSync(join(base, "mcp.json"), JSON.stringify(config));
  const [cmd, ...rest] = target.argv;
  const child = new Deno.Command(cmd as string, {
    args: [
      ...rest,
      "mcp",
      "--workspace",
      ws,
      "--witness",
      join(base, "witness.log"),
      "--config",
      join(base, "mcp.json"),
      "--confirm",
      "deny",
    ],
    cwd: base,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
    env: { NO_COLOR: "1", ...env },
  }).spawn();
  const writer = child.stdin.getWriter();
  const enc = new TextEncoder();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  const next = async (id: number): Promise<Msg> => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        const m = JSON.parse(line) as Msg;
        if (m.id === id) return m;
      }
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
    }
    throw new Error(`no answer to request ${id} from safe-exec mcp`);
  };
  const send = (m: Msg) => writer.write(enc.encode(JSON.stringify(m) + "\n"));
  const out: Msg[] = [];
  try {
    await send({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "rt12", version: "1" } },
    });
    await next(0);
    await send({ jsonrpc: "2.0", method: "notifications/initialized" });
    for (const [i, c] of calls.entries()) {
      await send({ jsonrpc: "2.0", id: i + 1, method: "tools/call", params: c });
      out.push(await next(i + 1));
    }
  } finally {
    await writer.close().catch(() => {});
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
    await child.status;
  }
  return out;
}

for (const target of sandboxTargets()) {
  Deno.test({
    name: `[${target.name}] red team 12 K2: an upstream path in another Unicode normalization meets the floor`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-rt12-k2-");
      const ws = join(base, "ws");
      const nfc = "s\u00e9crets";
      mkdirSync(join(ws, nfc), { recursive: true });
      mkdirSync(join(ws, "Keys"), { recursive: true });
      mkdirSync(join(ws, "src"), { recursive: true });
      writeFileSync(join(ws, nfc, "k"), "TOPSECRET4\n");
      writeFileSync(join(ws, "Keys", "k"), "TOPSECRET3\n");
      try {
        const config = {
          rules: [
            { tool: "*", path: [`${nfc}/**`], decision: "deny" },
            { tool: "*", path: ["Keys/**"], decision: "deny" },
          ],
          servers: { fs: { command: [nodePath(), FS_SERVER, ws], risk: "low" } },
        };
        const answers = await mcpSession(target, base, ws, config, [
          { name: "fs__read_text_file", arguments: { path: `${nfc}/k` } },
          { name: "fs__read_text_file", arguments: { path: "se\u0301crets/k" } },
          { name: "fs__read_text_file", arguments: { path: "\u212aeys/k" } },
          { name: "fs__read_multiple_files", arguments: { paths: ["\u212aeys/k", "src/none"] } },
          { name: "fs__move_file", arguments: { source: "se\u0301crets/k", destination: "src/moved" } },
        ]);
        const shown = (i: number) => JSON.stringify(answers[i]).slice(0, 600);
        assert.match(shown(0), /deny/, `the NFC spelling is denied: ${shown(0)}`);
        for (let i = 1; i < answers.length; i++) {
          assert.doesNotMatch(JSON.stringify(answers[i]), /TOPSECRET/, `the secret was read: ${shown(i)}`);
        }
        assert.ok(existsSync(join(ws, nfc, "k")), `the floored file was moved out: ${shown(4)}`);
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    },
  });

  Deno.test({
    name: `[${target.name}] red team 12 K3: a relative path the server resolves against another root meets the floor`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-rt12-k3-");
      const ws = join(base, "ws");
      mkdirSync(join(ws, "secrets"), { recursive: true });
      mkdirSync(join(ws, "src"), { recursive: true });
      writeFileSync(join(ws, "secrets", "k"), "TOPSECRET\n");
      writeFileSync(join(ws, "src", "a.txt"), "hello\n");
      try {
        const config = {
          rules: [{ tool: "*", path: ["secrets/**"], decision: "deny" }],
          servers: { fs: { command: [nodePath(), FS_SERVER, "src", "."], cwd: ws, risk: "low" } },
        };
        const answers = await mcpSession(target, base, ws, config, [
          { name: "fs__read_text_file", arguments: { path: "a.txt" } }, // src/a.txt: the server tries src first
          { name: "fs__read_text_file", arguments: { path: "../secrets/k" } },
        ]);
        assert.match(JSON.stringify(answers[0]), /hello/, JSON.stringify(answers[0]).slice(0, 600));
        assert.doesNotMatch(
          JSON.stringify(answers[1]),
          /TOPSECRET/,
          `the secret was read: ${JSON.stringify(answers[1]).slice(0, 600)}`,
        );
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    },
  });
}

const HUSKY4_STUB = `#!/bin/sh
# husky

# Hook created by Husky v4.3.8 (https://github.com/typicode/husky#readme)
#   At: 12/2/2026, 2:00:00 PM
#   From: . (https://github.com/typicode/husky#readme)

. "$(dirname "$0")/husky.sh"
`;

/** husky v4.3.8's husky.sh, as `husky install` writes it (trimmed of debug output). */
const HUSKY4_SH = `command_exists () {
  command -v "$1" >/dev/null 2>&1
}
run_command () {
  if command_exists "$1"; then
    "$@" husky-run $hookName "$gitParams"
    exitCode="$?"
    if [ $exitCode -eq 127 ]; then
      echo "Can't find Husky, skipping $hookName hook"
    else
      exit $exitCode
    fi
  else
    echo "Can't find $1 in PATH: $PATH"
    exit 0
  fi
}
hookIsDefined () {
  grep -qs $hookName "package.json"
}
huskyVersion="4.3.8"
gitParams="$*"
hookName="$(basename "$0")"
. "$(dirname "$0")/husky.local.sh"
if [ -f .huskyrc.js ] || [ -f husky.config.js ] || hookIsDefined; then
  :
else
  exit 0
fi
case $packageManager in
  "npm") run_command npx --no-install;;
  "pnpm") run_command pnpx --no-install;;
  "yarn") run_command yarn run --silent;;
  "*") echo "Unknown package manager: $packageManager"; exit 0;;
esac
`;

/**
 * A repository with husky v4.3.8 installed as `husky install` leaves it: the stubs in `.git/hooks`, package.json's
 * `"husky"` hooks, `node_modules/husky` (whose `run.js` loads its hoisted dependency `node_modules/cosmiconfig`), and
 * `node_modules/.bin/husky-run` as npm links it (`link`) or as pnpm's shell
 * shim (`shim`); committed once on the host, which runs the hook.
 */
function husky4Repo(ws: string, base: string, layout: "link" | "shim"): void {
  mkdirSync(join(ws, "node_modules", "husky", "bin"), { recursive: true });
  mkdirSync(join(ws, "node_modules", ".bin"), { recursive: true });
  operatorGit(ws, base, ["init", "-q"]);
  writeFileSync(
    join(ws, "package.json"),
    JSON.stringify({
      name: "x",
      version: "1.0.0",
      devDependencies: { husky: "4.3.8" },
      husky: { hooks: { "pre-commit": "echo lint" } },
    }),
  );
  writeFileSync(
    join(ws, "node_modules", "husky", "package.json"),
    JSON.stringify({ name: "husky", version: "4.3.8", bin: { "husky-run": "bin/run.js" } }),
  );
  // one of husky v4's dependencies, hoisted beside it as npm and yarn install it (husky's runner loads its config with it)
  mkdirSync(join(ws, "node_modules", "cosmiconfig"), { recursive: true });
  writeFileSync(
    join(ws, "node_modules", "cosmiconfig", "package.json"),
    JSON.stringify({ name: "cosmiconfig", version: "7.0.0", main: "index.js" }),
  );
  writeFileSync(join(ws, "node_modules", "cosmiconfig", "index.js"), "module.exports = {};\n");
  writeFileSync(
    join(ws, "node_modules", "husky", "bin", "run.js"),
    "#!/usr/bin/env node\nrequire('cosmiconfig');\nconsole.log('husky-run');\n",
    {
      mode: 0o755,
    },
  );
  if (layout === "link") {
    symlinkSync("../husky/bin/run.js", join(ws, "node_modules", ".bin", "husky-run"));
  } else {
    // pnpm's layout: the .bin entry is a shell shim (a regular file), not a symlink
    writeFileSync(
      join(ws, "node_modules", ".bin", "husky-run"),
      '#!/bin/sh\nbasedir=$(dirname "$0")\nexec node "$basedir/../husky/bin/run.js" "$@"\n',
      { mode: 0o755 },
    );
  }
  writeFileSync(join(ws, ".git", "hooks", "pre-commit"), HUSKY4_STUB, { mode: 0o755 });
  writeFileSync(join(ws, ".git", "hooks", "husky.sh"), HUSKY4_SH);
  writeFileSync(join(ws, ".git", "hooks", "husky.local.sh"), 'packageManager=npm\ncd "."\n');
  writeFileSync(join(ws, ".gitignore"), "node_modules\n");
  operatorGit(ws, base, ["add", "-A"]);
  const first = operatorGit(ws, base, ["commit", "-q", "-m", "init"]);
  assert.match(first.out, /husky-run/, `the husky v4 hook runs husky-run on the host: ${first.out}`);
}

const HAS_NPX = new Deno.Command("sh", { args: ["-c", "command -v npx && command -v git"], stdout: "null" })
  .outputSync().success;

for (const target of sandboxTargets()) {
  Deno.test({
    name: `[${target.name}] red team 12 K4: husky v4's node_modules/.bin/husky-run never becomes the agent's`,
    ignore: SKIP !== null || !HAS_NPX,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-rt12-k4-");
      const ws = join(base, "ws");
      const marker = join(base, "PWNED");
      husky4Repo(ws, base, "shim");
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
      try {
        const r = await serve.call("run_bash", {
          cmd: `printf '#!/bin/sh\\ntouch ${marker}\\n' > node_modules/.bin/husky-run`,
        }, 120_000);
        const shown = JSON.stringify(r).slice(0, 600);
        const after = operatorGit(ws, base, ["commit", "-q", "--allow-empty", "-m", "operator"]);
        assert.ok(!existsSync(marker), `the host's git commit ran the agent's husky-run: ${shown} / ${after.out}`);
      } finally {
        await serve.close();
        rmSync(base, { recursive: true, force: true });
      }
    },
  });
}

/** husky 9.1.7's `.husky/_/h`, as `husky` writes it. */
const HUSKY9_H = `#!/usr/bin/env sh
[ "$HUSKY" = "2" ] && set -x
n=$(basename "$0")
s=$(dirname "$(dirname "$0")")/$n

[ ! -f "$s" ] && exit 0

if [ -f "$HOME/.huskyrc" ]; then
	echo "husky - '~/.huskyrc' is DEPRECATED, please move your code to ~/.config/husky/init.sh"
fi
i="\${XDG_CONFIG_HOME:-$HOME/.config}/husky/init.sh"
[ -f "$i" ] && . "$i"

[ "\${HUSKY-}" = "0" ] && exit 0

export PATH="node_modules/.bin:$PATH"
sh -e "$s" "$@"
c=$?

[ $c != 0 ] && echo "husky - $n script failed (code $c)"
[ $c = 127 ] && echo "husky - command not found in PATH=$PATH"
exit $c
`;

for (const target of sandboxTargets()) {
  Deno.test({
    name: `[${target.name}] red team 12 K5: husky v9's stub never runs an sh the agent put in node_modules/.bin`,
    ignore: SKIP !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-rt12-k5-");
      const ws = join(base, "ws");
      const marker = join(base, "PWNED");
      mkdirSync(join(ws, ".husky", "_"), { recursive: true });
      operatorGit(ws, base, ["init", "-q"]);
      operatorGit(ws, base, ["config", "core.hooksPath", ".husky/_"]);
      writeFileSync(join(ws, ".husky", "_", "pre-commit"), '#!/usr/bin/env sh\n. "$(dirname "$0")/h"\n', {
        mode: 0o755,
      });
      writeFileSync(join(ws, ".husky", "_", "h"), HUSKY9_H);
      writeFileSync(join(ws, ".husky", "_", ".gitignore"), "*\n");
      writeFileSync(join(ws, ".husky", "pre-commit"), 'echo "project hook: tests pass"\n');
      writeFileSync(join(ws, ".gitignore"), "node_modules\n");
      writeFileSync(join(ws, "package.json"), JSON.stringify({ name: "x", devDependencies: { husky: "9.1.7" } }));
      operatorGit(ws, base, ["add", "-A"]);
      const first = operatorGit(ws, base, ["commit", "-q", "-m", "init"]);
      assert.match(first.out, /project hook/, `husky's hook runs on the host: ${first.out}`);
      writeFileSync(join(base, "se.json"), "{}");
      // the operator approves what the tool table asks about: the sandbox must hold for approved calls too
      const serve = startServe(target, base, [
        "--workspace",
        ws,
        "--witness",
        join(base, "witness.log"),
        "--config",
        join(base, "se.json"),
        "--confirm",
        "exec:true",
      ]);
      try {
        const shown: string[] = [];
        for (
          const cmd of [
            "mkdir -p node_modules/.bin",
            `printf '#!/bin/sh\\ntouch ${marker}\\nexec /bin/sh "$@"\\n' > node_modules/.bin/sh`,
            "chmod +x node_modules/.bin/sh",
          ]
        ) {
          shown.push(JSON.stringify(await serve.call("run_bash", { cmd }, 120_000)).slice(0, 300));
        }
        const after = operatorGit(ws, base, ["commit", "-q", "--allow-empty", "-m", "operator"]);
        assert.ok(!existsSync(marker), `the host's git commit ran the agent's sh: ${shown.join(" / ")} / ${after.out}`);
      } finally {
        await serve.close();
        rmSync(base, { recursive: true, force: true });
      }
    },
  });
}

/** pre-commit 3.x's `.git/hooks/pre-commit`, as `pre-commit install` writes it. */
const PRE_COMMIT_HOOK = `#!/usr/bin/env bash
# File generated by pre-commit: https://pre-commit.com
# ID: 138fd403232d2ddd5efb44317e38bf03

# start templated
INSTALL_PYTHON=/usr/bin/python3
ARGS=(hook-impl --config=.pre-commit-config.yaml --hook-type=pre-commit)
# end templated

HERE="$(cd "$(dirname "$0")" && pwd)"
ARGS+=(--hook-dir "$HERE" -- "$@")

if [ -x "$INSTALL_PYTHON" ]; then
    exec "$INSTALL_PYTHON" -mpre_commit "\${ARGS[@]}"
elif command -v pre-commit > /dev/null; then
    exec pre-commit "\${ARGS[@]}"
else
    echo '\`pre-commit\` not found.  Did you forget to activate your virtualenv?' 1>&2
    exit 1
fi
`;

const HAS_PYTHON = existsSync("/usr/bin/python3");

for (const target of sandboxTargets()) {
  Deno.test({
    name: `[${target.name}] red team 12 K6: pre-commit's python -mpre_commit never imports the agent's module`,
    ignore: !HAS_PYTHON,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-rt12-k6-");
      const ws = join(base, "ws");
      mkdirSync(ws);
      operatorGit(ws, base, ["init", "-q"]);
      writeFileSync(join(ws, ".git", "hooks", "pre-commit"), PRE_COMMIT_HOOK, { mode: 0o755 });
      writeFileSync(join(ws, ".pre-commit-config.yaml"), "repos: []\n");
      operatorGit(ws, base, ["add", "-A"]);
      operatorGit(ws, base, ["commit", "-q", "--no-verify", "-m", "init"]);
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
      try {
        const shown: string[] = [];
        for (const [i, path] of ["pre_commit.py", "pre_commit/__main__.py"].entries()) {
          const marker = join(base, `PWNED${i}`);
          const r = await serve.call("write_file", {
            path,
            content: `open(${JSON.stringify(marker)}, "w").write("x")\n`,
          }, 120_000);
          shown.push(JSON.stringify(r).slice(0, 300));
          const after = operatorGit(ws, base, ["commit", "-q", "--allow-empty", "-m", `operator ${i}`]);
          assert.ok(
            !existsSync(marker),
            `the host's git commit ran the agent's ${path}: ${shown.join(" / ")} / ${after.out}`,
          );
          rmSync(join(ws, "pre_commit.py"), { force: true });
        }
      } finally {
        await serve.close();
        rmSync(base, { recursive: true, force: true });
      }
    },
  });
}

for (const target of sandboxTargets()) {
  Deno.test({
    name: `[${target.name}] red team 12 K7: husky v4's npx never reads an .npmrc the agent wrote`,
    ignore: !HAS_NPX,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-rt12-k7-");
      const ws = join(base, "ws");
      const marker = join(base, "PWNED");
      husky4Repo(ws, base, "link");
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
      try {
        const shown: string[] = [];
        const files: Record<string, string> = {
          "evil.js": `require("fs").writeFileSync(${JSON.stringify(marker)}, "x");\n`,
          ".npmrc": `node-options=--require=${join(ws, "evil.js")}\n`,
        };
        for (const [path, content] of Object.entries(files)) {
          shown.push(JSON.stringify(await serve.call("write_file", { path, content }, 120_000)).slice(0, 300));
        }
        const after = operatorGit(ws, base, ["commit", "-q", "--allow-empty", "-m", "operator"]);
        assert.ok(
          !existsSync(marker),
          `the host's git commit ran the agent's code: ${shown.join(" / ")} / ${after.out}`,
        );
      } finally {
        await serve.close();
        rmSync(base, { recursive: true, force: true });
      }
    },
  });
}

for (const target of sandboxTargets()) {
  Deno.test({
    name: `[${target.name}] red team 12 K6: a hook's python3 -m json.tool never imports the agent's json/`,
    ignore: !HAS_PYTHON,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-rt12-k6b-");
      const ws = join(base, "ws");
      const marker = join(base, "PWNED");
      mkdirSync(ws);
      operatorGit(ws, base, ["init", "-q"]);
      writeFileSync(
        join(ws, ".git", "hooks", "pre-commit"),
        '#!/bin/sh\npython3 -m json.tool package.json > /dev/null && echo "hook: package.json ok"\n',
        { mode: 0o755 },
      );
      writeFileSync(join(ws, "package.json"), "{}\n");
      operatorGit(ws, base, ["add", "-A"]);
      const first = operatorGit(ws, base, ["commit", "-q", "-m", "init"]);
      assert.match(first.out, /package.json ok/, first.out);
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
      try {
        const r = await serve.call("write_file", {
          path: "json/__init__.py",
          content: `open(${JSON.stringify(marker)}, "w").write("x")\n`,
        }, 120_000);
        const after = operatorGit(ws, base, ["commit", "-q", "--allow-empty", "-m", "operator"]);
        assert.ok(
          !existsSync(marker),
          `the host's git commit ran the agent's json/: ${JSON.stringify(r).slice(0, 300)} / ${after.out}`,
        );
      } finally {
        await serve.close();
        rmSync(base, { recursive: true, force: true });
      }
    },
  });
}

for (const target of sandboxTargets()) {
  Deno.test({
    name: `[${target.name}] red team 12 K8: an upstream path under ~/ meets the floor`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-rt12-k8-");
      const ws = join(base, "ws");
      mkdirSync(join(ws, "secrets"), { recursive: true });
      writeFileSync(join(ws, "secrets", "k"), "TOPSECRET\n");
      writeFileSync(join(ws, "a.txt"), "hello\n");
      try {
        const config = {
          rules: [{ tool: "*", path: ["secrets/**"], decision: "deny" }],
          servers: { fs: { command: [nodePath(), FS_SERVER, ws], risk: "low" } },
        };
        // the workspace lies in the home folder of the user running the gateway (and its server)
        const answers = await mcpSession(target, base, ws, config, [
          { name: "fs__read_text_file", arguments: { path: "~/ws/a.txt" } },
          { name: "fs__read_text_file", arguments: { path: "~/ws/secrets/k" } },
        ], { HOME: base });
        assert.match(
          JSON.stringify(answers[0]),
          /hello/,
          `the server expands ~: ${JSON.stringify(answers[0]).slice(0, 400)}`,
        );
        assert.doesNotMatch(
          JSON.stringify(answers[1]),
          /TOPSECRET/,
          `the secret was read: ${JSON.stringify(answers[1]).slice(0, 600)}`,
        );
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    },
  });
}

for (const target of sandboxTargets()) {
  Deno.test({
    name: `[${target.name}] red team 12 K9: husky v4's hoisted dependencies never become the agent's`,
    ignore: !HAS_NPX,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const base = tempBase("se-rt12-k9-");
      const ws = join(base, "ws");
      const marker = join(base, "PWNED");
      husky4Repo(ws, base, "link");
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
      try {
        const r = await serve.call("write_file", {
          path: "node_modules/cosmiconfig/index.js",
          content: `require("fs").writeFileSync(${JSON.stringify(marker)}, "x");\nmodule.exports = {};\n`,
        }, 120_000);
        const after = operatorGit(ws, base, ["commit", "-q", "--allow-empty", "-m", "operator"]);
        assert.ok(
          !existsSync(marker),
          `the host's git commit ran the agent's cosmiconfig: ${JSON.stringify(r).slice(0, 300)} / ${after.out}`,
        );
      } finally {
        await serve.close();
        rmSync(base, { recursive: true, force: true });
      }
    },
  });
}
