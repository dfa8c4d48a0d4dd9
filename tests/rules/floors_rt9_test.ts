// Red team 9, H1, H2, H7, H10: deny floors bypassed by programs whose options run a command or read file names or
// URLs from elsewhere (`split --filter`, `zip -TT`, `sdiff --diff-program=./s.sh`, `scp -D`, `xz --files=`,
// `zstd --filelist=`, `zip --names-stdin`, git `-c` keys, a `.git/config` the call writes, `curl -K`, percent-encoded
// `file://` URLs). The class rule: a known program is inert only with the options on its allow-list (_options.ts);
// any other option, abbreviation or git `-c` key makes a deny floor "may apply". The config is red team 9's
// repro/cfg_floors_noask.jsonc (command floor `rm -rf|curl|git push --force|wget`, path floor `secrets/**`) and
// repro/cfg_path_noask.jsonc (`rm -rf` and `secrets/**`: curl unfloored).
import assert from "node:assert/strict";
import { validateRules } from "../../src/rules/config.ts";
import { DENY_MAY_APPLY, evaluateRules, type RuleCall } from "../../src/rules/engine.ts";
import { lexicalWorkspacePath } from "../../src/rules/workspace_path.ts";

function compile(rules: unknown[]) {
  const v = validateRules(rules);
  assert.deepEqual(v.errors, []);
  return v.rules;
}
/** A run_bash call in the workspace `/ws` (absolute paths under it resolve into it, as the gate resolves them). */
const bash = (cmd: string): RuleCall => ({
  tool: "run_bash",
  tableRisk: "high",
  args: { cmd },
  resolveWrite: (t) => lexicalWorkspacePath(t, "/ws"),
});

/** repro/cfg_floors_noask.jsonc */
const FLOOR = compile([
  { tool: "run_bash", command: ["rm -rf", "curl", "git push --force", "wget"], decision: "deny" },
  { tool: "*", path: ["secrets/**"], decision: "deny" },
]);
/** repro/cfg_path_noask.jsonc (and cfg_cmd_noask.jsonc without the path floor) */
const PATH_CFG = compile([
  { tool: "run_bash", command: ["rm -rf"], decision: "deny" },
  { tool: "*", path: ["secrets/**"], decision: "deny" },
]);
const CMD_ONLY = compile([{ tool: "run_bash", command: ["rm -rf"], decision: "deny" }]);
const PATH_ONLY = compile([{ tool: "*", path: ["secrets/**"], decision: "deny" }]);
const SANDBOXED = { projectChecks: true, trustGitConfig: true };

type Rules = typeof FLOOR;

function outcome(rules: Rules, cmd: string) {
  return evaluateRules(rules, bash(cmd), SANDBOXED);
}

/** Denied outright. */
function assertDenied(rules: Rules, cmd: string): void {
  const o = outcome(rules, cmd);
  assert.equal(o.floor, "deny", `${cmd}: ${o.rationale}`);
}

/** Denied, or asked as a deny floor that may apply (never answered by a remembered approval). */
function assertMet(rules: Rules, cmd: string): void {
  const o = outcome(rules, cmd);
  assert.notEqual(o.floor, null, `${cmd}: ${o.rationale}`);
  if (o.floor === "ask") {
    assert.ok(o.matched.some((m) => m.summary.includes(DENY_MAY_APPLY)), `${cmd}: ${o.rationale}`);
  }
}

function assertUntouched(rules: Rules, cmd: string): void {
  const o = outcome(rules, cmd);
  assert.equal(o.floor, null, `${cmd}: ${o.rationale}`);
}

/** H1: options that run a shell command. */
const H1 = [
  "split --filter='rm -rf v1' a.txt",
  "split --filter='cat secrets/k' a.txt",
  "split --filter 'rm -rf v' a.txt",
  "split --filt='rm -rf v' a.txt",
  "split -n2 --filter='rm -rf v' a.txt",
  "zip -T -TT 'rm -rf v2' x.zip a.txt",
  "zip -T -TT 'cat secrets/k' y.zip a.txt",
  "zip -TT='rm -rf v' x.zip a.txt",
  "zip -TT'rm -rf v' x.zip a.txt",
  "zip --unzip-command='rm -rf v' -T x.zip a.txt",
  "install -s --strip-program=./s.sh a b",
  "diff3 --diff-program=./s.sh a b c",
];

/** H2: programs run by an option's value, and names read from a list. */
const H2 = [
  "sdiff --diff-program=./s.sh a.txt a.txt",
  "sdiff --diff-prog=./s.sh a.txt a.txt",
  "chmod +x t.sh && split -n1 --filter=./t.sh a.txt",
  "chmod +x u.sh && scp -D ./u.sh a.txt h:b",
  "scp -D./u.sh a.txt h:b",
  "scp -o PKCS11Provider=./x.so a.txt h:b",
  "scp -oSecurityKeyProvider=./x.so a.txt h:b",
  "ssh -o PKCS11Provider=./x.so h true",
  "ssh -I ./x.so h true",
  "xz --files=list.txt -c > o.xz",
  "xz -c --files0=list0",
  "zstd -q --filelist=list.txt -c > o.zst",
  "zip -0 -q --names-stdin - < list.txt",
  "zip -0 -q --names - < list.txt",
  "wget -i list.txt",
  "wget --input-file=list.txt",
];

/** H7: git settings that run commands, and git run on a configuration the same call wrote. */
const H7 = [
  "git -c user.name=a -c user.email=a@b -c gpg.format=ssh -c gpg.ssh.defaultKeyCommand='rm -rf v1' commit -q --allow-empty -S -m x",
  "git -c tar.x.command='rm -rf v2' archive --format=x HEAD",
  "git init -q sub3 && echo W2NvcmVdCglmc21vbml0b3IgPSBybSAtcmYgLi4vdjMK | base64 -d >> sub3/.git/config && git -C sub3 status",
  "git -c gpg.format=ssh -c user.signingkey=x commit -S -m m",
  "git -c core.attributesFile=./a log -p",
  "git -c mailinfo.scissors=x am",
  "git -c some.unknown.key=x status",
  "git --config-env=some.key=X status",
  "git --config-env=tar.x.command=X archive --format=x HEAD",
  "cp evil.cfg .git/config && git status",
  "printf '[core]\\n' > .git/config; git log",
  "git config --file sub/.git/config core.x y && git -C sub status",
  "tee -a .git/config < c.txt && git status",
  "GIT_CONFIG_GLOBAL=./g git status",
  "tar xf t.tar && git -C sub status",
  "unzip -q t.zip && git -C sub log",
  "git init --template=./t sub && git -C sub status",
  "git -c init.templateDir=./t init sub && git -C sub status",
];

/** H10: a URL that names a protected file through percent-escapes, or URLs read from a config file. */
const H10 = [
  "curl -s file:///ws/secr%65ts/k",
  "curl -s file:///ws/%73ecrets/%6b",
  "curl -s -K cfg.txt",
  "curl -s --config cfg.txt",
  "curl -s --config=cfg.txt",
  "curl -sK cfg.txt",
];

Deno.test("H1: options that run a command make every deny floor apply", () => {
  for (const cmd of H1) assertMet(CMD_ONLY, cmd);
  for (const cmd of H1) assertMet(PATH_ONLY, cmd);
  for (const cmd of H1) assertMet(FLOOR, cmd);
});

Deno.test("H1: the command split and zip run is judged as itself: rm -rf is denied", () => {
  for (
    const cmd of [
      "split --filter='rm -rf v1' a.txt",
      "split --filter 'rm -rf v' a.txt",
      "split --filt='rm -rf v' a.txt",
      "zip -T -TT 'rm -rf v2' x.zip a.txt",
      "zip --unzip-command='rm -rf v' -T x.zip a.txt",
    ]
  ) assertDenied(CMD_ONLY, cmd);
});

Deno.test("H2: a program named by an option's value, or names read from a list, make deny floors apply", () => {
  for (const cmd of H2) assertMet(CMD_ONLY, cmd);
  for (const cmd of H2) assertMet(PATH_ONLY, cmd);
});

Deno.test("H7: git -c keys not known inert, and git on a config the call wrote, make deny floors apply", () => {
  for (const cmd of H7) assertMet(CMD_ONLY, cmd);
  for (const cmd of H7) assertMet(PATH_CFG, cmd);
});

Deno.test("H7: gpg.ssh.defaultKeyCommand and tar.<format>.command are extracted: rm -rf is denied", () => {
  assertDenied(CMD_ONLY, H7[0]!);
  assertDenied(CMD_ONLY, H7[1]!);
  assertDenied(CMD_ONLY, "git config tar.x.command 'rm -rf v'");
});

Deno.test("H10: percent-encoded file:// URLs meet a path floor; curl -K makes it apply", () => {
  assertDenied(PATH_CFG, "curl -s file:///ws/secrets/k");
  assertDenied(PATH_CFG, "curl -s file:///ws/secr%65ts/k");
  assertDenied(PATH_CFG, "curl -s file:///ws/%73ecrets/%6b");
  for (const cmd of H10) assertMet(PATH_CFG, cmd);
  for (const cmd of H10) assertMet(PATH_ONLY, cmd);
  assertMet(PATH_ONLY, "curl file://localhost/ws/secr%65ts/%6b");
  assertUntouched(PATH_ONLY, "curl -s file:///ws/docs/a%20b.txt");
});

Deno.test("the class rule leaves ordinary uses of those programs untouched under the floors", () => {
  for (
    const cmd of [
      "split -l 10 a.txt",
      "split -l10 -d a.txt part_",
      "split -b 1M --numeric-suffixes=1 a.txt p",
      "split -1000 a.txt",
      "zip x.zip a.txt",
      "zip -r -q out.zip src",
      "zip -9r out.zip src -x '*.o'",
      "sdiff -s a.txt b.txt",
      "diff3 -m a b c",
      "install -m 644 a b",
      "xz -9 -k a.txt",
      "xz -dc o.xz",
      "zstd -q -19 a.txt -o a.zst",
      "zstd -qdc o.zst",
      "gzip -k a.txt",
      "scp -P 22 -r a h:c",
      "scp -o Port=22 -o StrictHostKeyChecking=no -i id a h:c",
      "git -c core.quotepath=false status",
      "git -c user.name=x -c user.email=x@y commit -m m",
      "git -c color.ui=always log --oneline",
      "cat README.md && git status",
      "mkdir -p out && cp a.txt out/",
    ]
  ) {
    assertUntouched(CMD_ONLY, cmd);
    assertUntouched(PATH_ONLY, cmd);
  }
  // a fresh repository has git's default config (a path floor asks anyway: `git init` may create links)
  assertUntouched(CMD_ONLY, "git init -q sub && git -C sub status");
  assertUntouched(CMD_ONLY, "ssh -p 22 -o BatchMode=yes h ls -F");
  assertUntouched(CMD_ONLY, "git config user.name x && git commit -m m");
  assertUntouched(CMD_ONLY, "tar cf out.tar fix.txt && git status");
  assertUntouched(PATH_ONLY, "cat .git/config && git status");
  // curl with the options it is usually given keeps no `rm -rf` floor (under a path floor its URL, `//host`, is a
  // path outside the workspace already on main: it asks)
  for (
    const cmd of [
      "curl -s https://example.invalid",
      "curl -fsSL -o out.html https://example.invalid/a%20b",
      "curl -s -H 'Accept: text/plain' -X POST -d x=1 https://example.invalid",
    ]
  ) assertUntouched(CMD_ONLY, cmd);
});
