/**
 * Path floors read an upstream tool's arguments by value, not by name (red team 9, H4): a server may read any string
 * it is given as a path. Decisions through the gate's rules (judgeCall) with an upstream-shaped tool; the real
 * gateway in front of server-filesystem is tested in tests/e2e/gateway_mcp_test.ts.
 */
import assert from "node:assert/strict";
import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Workspace } from "../../src/fileops/workspace.ts";
import { validateRules } from "../../src/rules/mod.ts";
import { judgeCall } from "../../src/gate/_rules.ts";
import type { RegisteredTool } from "../../src/gate/tool.ts";
import { serverPaths } from "../../src/gateway/_server_paths.ts";

function world() {
  const dir = mkdtempSync(join(tmpdir(), "se-upaths-"));
  const root = join(dir, "ws");
  mkdirSync(join(root, "secrets"), { recursive: true });
  mkdirSync(join(root, "sub"));
  writeFileSync(join(root, "secrets", "k"), "TOPSECRET");
  writeFileSync(join(root, "README.md"), "hello");
  const ws = Workspace.open(root);
  const setup = {
    rules: validateRules([{ tool: "*", path: ["secrets/**"], decision: "deny" }]).rules,
    readOnlyCommands: true,
    trustGitConfig: () => false,
    projectChecks: () => false,
    contained: () => true,
  };
  const upstream = (extra: Partial<RegisteredTool> = {}): RegisteredTool => ({
    name: "r__read",
    risk: "low",
    fn: () => null,
    validate: false,
    pathLike: true,
    ...extra,
  });
  const floor = (args: Record<string, unknown>, tool = upstream()) => judgeCall(setup, tool, args, ws)?.floor ?? null;
  return { root: ws.root, floor, upstream, done: () => rmSync(dir, { recursive: true, force: true }) };
}

Deno.test("H4: any string argument naming a protected file meets the floor, whatever its name", () => {
  const w = world();
  try {
    const url = `file://${join(w.root, "secrets", "k")}`;
    for (
      const args of [
        { resource: url },
        { url },
        { items: ["README.md", "secrets/k"] },
        { query: "secrets/k" },
        { zzz: "secrets/k" },
        { deep: { a: [{ b: { c: "secrets/k" } }] } },
        { spec: '{"path": "secrets/k"}' },
        { spec: '[{"file": ["x", "secrets/k"]}]' },
      ]
    ) {
      assert.equal(w.floor(args), "deny", JSON.stringify(args));
    }
  } finally {
    w.done();
  }
});

Deno.test("H4: a glob the server may expand asks when what it may match lies under a floor", () => {
  const w = world();
  try {
    for (const pattern of ["secr?ts/k", "*/k", "**/*", "[s]ecrets/k", "{secrets,x}/k"]) {
      assert.equal(w.floor({ pattern }), "ask", pattern);
    }
    assert.equal(w.floor({ pattern: "secrets/*" }), "ask", "it may match what the floor names");
    assert.equal(w.floor({ pattern: "sub/*.md" }), null, "a glob under a folder the floor does not reach");
  } finally {
    w.done();
  }
});

Deno.test("H4: a relative path is resolved where the server runs too (its cwd), not only in the workspace", () => {
  const w = world();
  try {
    const inSub = w.upstream({ pathBases: [join(w.root, "sub")] });
    assert.equal(w.floor({ path: "../secrets/k" }, inSub), "deny");
    assert.equal(w.floor({ path: "../secrets/k" }), null, "without the base, the path leaves the workspace");
    const outside = w.upstream({ pathBases: [join(w.root, "..")] });
    assert.equal(w.floor({ path: "ws/secrets/k" }, outside), "deny", "a server started above the workspace");
  } finally {
    w.done();
  }
});

Deno.test("H4: what names no protected file is not refused; built-in tools are read as before", () => {
  const w = world();
  try {
    for (
      const args of [
        { path: "README.md" },
        { message: "tell me about secrets" },
        { n: 3, flag: true, list: [1, 2] },
        { spec: "(1, 2" },
      ]
    ) {
      assert.equal(w.floor(args), null, JSON.stringify(args));
    }
    const builtin: RegisteredTool = { name: "echo", risk: "low", fn: () => null };
    assert.equal(w.floor({ zzz: "secrets/k" }, builtin), null, "not an upstream tool: no by-value reading");
  } finally {
    w.done();
  }
});

/** Nested `depth` levels deep, alternating lists and objects, around `leaf`. */
function nested(depth: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { k: v };
  return v;
}

Deno.test("J2: a path that climbs out of the workspace and comes back meets the floor (lexical reading)", () => {
  const w = world();
  try {
    for (
      const path of [
        "../ws/secrets/k",
        "sub/../../ws/secrets/k",
        "./../ws/./secrets//k",
        `${w.root}/../ws/secrets/k`,
        `${w.root}//secrets/k`,
        `${w.root}/./secrets/k`,
        `/..${w.root}/secrets/k`,
      ]
    ) {
      assert.equal(w.floor({ path }), "deny", path);
    }
    assert.notEqual(w.floor({ path: `${w.root}/secrets/.` }), null, "the protected folder itself");
  } finally {
    w.done();
  }
});

Deno.test("J2: /proc/self/cwd, /proc/self/root and /dev/fd spellings are read as the server reads them", () => {
  const w = world();
  try {
    const inWs = w.upstream({ pathBases: [w.root] });
    for (
      const path of [
        "/proc/self/cwd/secrets/k",
        "/proc/thread-self/cwd/secrets/k",
        "/proc/self/cwd/./secrets/../secrets/k",
        `/proc/self/root${w.root}/secrets/k`,
        `/proc/1/root${w.root}/secrets/k`,
        "/dev/fd/../cwd/secrets/k",
        "/dev/fd/../../self/cwd/secrets/k",
        "//proc//self/cwd/secrets/k",
      ]
    ) {
      assert.equal(w.floor({ path }, inWs), "deny", path);
    }
    // a server whose cwd is not said: the workspace is where the gateway runs it
    assert.equal(w.floor({ path: "/proc/self/cwd/secrets/k" }), "deny");
    // another process's cwd, or a folder the server holds open: anywhere, the floor may apply
    for (const path of ["/proc/4242/cwd/secrets/k", "/dev/fd/3/secrets/k", "/proc/self/fd/7/k"]) {
      assert.equal(w.floor({ path }, inWs), "ask", path);
    }
  } finally {
    w.done();
  }
});

Deno.test("J2: object keys are read as paths, as values are", () => {
  const w = world();
  try {
    assert.equal(w.floor({ files: { "secrets/k": "x" } }), "deny");
    assert.equal(w.floor({ edits: [{ [`${w.root}/secrets/k`]: 1 }] }), "deny");
    assert.equal(w.floor({ "secrets/k": true }), "deny");
  } finally {
    w.done();
  }
});

Deno.test("J2: percent-escapes and file: URLs are read decoded", () => {
  const w = world();
  try {
    for (
      const path of [
        "secrets%2fk",
        "secrets%2Fk",
        "%73ecrets/k",
        "secrets%252Fk",
        `file://${w.root}/secrets%2Fk`,
        `file://localhost${w.root}/secrets/k`,
        `file:${w.root}/secrets/k`,
        `file://${w.root}/sub/..%2f..%2fws/secrets/k`,
        `FILE://${w.root}/%2e/secrets/k`,
      ]
    ) {
      assert.equal(w.floor({ path }), "deny", path);
    }
  } finally {
    w.done();
  }
});

Deno.test("J2: arguments too deep or too many to read fully may meet the floor (ask, never allow)", () => {
  const w = world();
  try {
    assert.equal(w.floor({ a: nested(20, "secrets/k") }), "deny", "read at any depth it can be");
    assert.notEqual(w.floor({ a: nested(5000, "secrets/k") }), null, "too deep to read: the floor may apply");
    const many = Array.from({ length: 5000 }, (_, i) => `f${i}`);
    assert.notEqual(w.floor({ many: [...many, "secrets/k"] }), null, "too many to read: the floor may apply");
    assert.equal(w.floor({ a: nested(20, "README.md") }), null, "deep, but read fully, and nothing is floored");
  } finally {
    w.done();
  }
});

Deno.test("J2: ordinary strings that read as no floored path stay unfloored", () => {
  const w = world();
  try {
    const inWs = w.upstream({ pathBases: [w.root] });
    for (
      const args of [
        { message: "50% off: see ../notes and /proc/self/status" },
        { q: "a/../b", url: "https://example.com/secrets%2Fk" },
        { path: "/proc/self/cwd/README.md" },
        { path: "../ws/sub/x.txt" },
        { files: { "README.md": "secrets are kept elsewhere" } },
        { path: "100%" },
      ]
    ) {
      assert.equal(w.floor(args, inWs), null, JSON.stringify(args));
    }
  } finally {
    w.done();
  }
});

Deno.test("J2: a spelling too long to open that normalizes to a floored path meets the floor", () => {
  const w = world();
  try {
    assert.equal(w.floor({ path: "./".repeat(3000) + "secrets/k" }), "deny");
    assert.equal(w.floor({ path: "sub/".repeat(1100) + "../".repeat(1100) + "secrets/k" }), "deny");
    assert.equal(w.floor({ content: "// a comment\n".repeat(2000) }), null, "long text that names no path");
  } finally {
    w.done();
  }
});

Deno.test("K2: a path in another Unicode form meets the floor written in NFC, and the reverse", () => {
  const w = world();
  try {
    const nfc = "s\u00e9crets";
    mkdirSync(join(w.root, nfc));
    writeFileSync(join(w.root, nfc, "k"), "TOPSECRET4");
    const ws = Workspace.open(w.root);
    const setup = (path: string[]) => ({
      rules: validateRules([{ tool: "*", path, decision: "deny" }]).rules,
      readOnlyCommands: true,
      trustGitConfig: () => false,
      projectChecks: () => false,
      contained: () => true,
    });
    const floor = (path: string[], args: Record<string, unknown>) =>
      judgeCall(setup(path), w.upstream(), args, ws)?.floor ?? null;
    // server-filesystem opens the entry whose NFC form is the requested one's
    for (const p of ["se\u0301crets/k", "se%CC%81crets/k", `${w.root}/se\u0301crets/k`, "./se\u0301crets/./k"]) {
      assert.equal(floor([`${nfc}/**`], { path: p }), "deny", p);
    }
    assert.equal(floor(["Keys/**"], { path: "\u212aeys/k" }), "deny", "KELVIN SIGN: its NFC form is K");
    assert.equal(floor(["Keys/**"], { paths: ["\u212aeys/k", "src/none"] }), "deny");
    assert.equal(floor([`${nfc}/**`], { source: "se\u0301crets/k", destination: "sub/moved" }), "deny");
    assert.equal(floor(["secrets/**"], { path: "\uff53ecrets/k" }), "deny", "NFKC: fullwidth s");
    // a floor written in NFD (or with a KELVIN SIGN) meets the NFC spelling
    assert.equal(floor(["se\u0301crets/**"], { path: `${nfc}/k` }), "deny");
    assert.equal(floor(["\u212aeys/**"], { path: "Keys/k" }), "deny");
    // other names stay unfloored
    assert.equal(floor([`${nfc}/**`], { path: "secrets-not/k" }), null);
    assert.equal(floor([`${nfc}/**`], { path: "s\u00e8crets/k" }), null, "another letter, not another form");
    assert.equal(floor([`${nfc}/**`], { message: "caf\u00e9 au lait" }), null);
  } finally {
    w.done();
  }
});

Deno.test("K2: a hard link to a floored file named on disk in another Unicode form meets the floor", () => {
  const w = world();
  try {
    // the folder on disk is NFD; the floor is written in NFC (the server opens the NFD entry for the NFC name)
    mkdirSync(join(w.root, "se\u0301crets"));
    writeFileSync(join(w.root, "se\u0301crets", "k"), "TOPSECRET4");
    linkSync(join(w.root, "se\u0301crets", "k"), join(w.root, "sub", "h"));
    const ws = Workspace.open(w.root);
    const setup = {
      rules: validateRules([{ tool: "*", path: ["s\u00e9crets/**"], decision: "deny" }]).rules,
      readOnlyCommands: true,
      trustGitConfig: () => false,
      projectChecks: () => false,
      contained: () => true,
    };
    assert.equal(judgeCall(setup, w.upstream(), { path: "sub/h" }, ws)?.floor, "deny");
    assert.equal(judgeCall(setup, w.upstream(), { path: "README.md" }, ws)?.floor ?? null, null);
  } finally {
    w.done();
  }
});

Deno.test("K3: a relative path is resolved against every folder the server's command line names", () => {
  const w = world();
  try {
    const cmd = (argv: string[], cwd?: string) => {
      const p = serverPaths({ transport: "stdio", argv, env: {}, sandbox: false, ...(cwd ? { cwd } : {}) }, "/", {});
      return w.upstream({ pathBases: p.bases });
    };
    assert.equal(w.floor({ path: "../secrets/k" }, cmd(["node", "s.js", "sub", "."], w.root)), "deny");
    assert.equal(w.floor({ path: "../secrets/k" }, cmd(["node", "s.js", join(w.root, "sub"), w.root])), "deny");
    assert.equal(w.floor({ path: "../secrets/k" }, cmd(["node", "s.js", `--root=${join(w.root, "sub")}`])), "deny");
    assert.equal(w.floor({ path: "k" }, cmd(["node", "s.js", join(w.root, "secrets")])), "deny", "a floored root");
    assert.equal(w.floor({ path: "../README.md" }, cmd(["node", "s.js", "sub", "."], w.root)), null);
    assert.equal(w.floor({ path: "../secrets/k" }, cmd(["node", "s.js", "nowhere"], w.root)), null, "no such folder");
    // a sandboxed server without cwd runs in the workspace: its relative folder arguments are the workspace's
    const sandboxed = serverPaths(
      { transport: "stdio", argv: ["node", "s.js", "sub"], env: {}, sandbox: true },
      "/",
      {},
    );
    assert.ok(sandboxed.bases.includes("sub"), JSON.stringify(sandboxed.bases)); // s.js: no folder, left out later
    assert.equal(w.floor({ path: "../secrets/k" }, w.upstream({ pathBases: sandboxed.bases })), "deny");
  } finally {
    w.done();
  }
});

Deno.test("K8: ~ and ~/… are the server's home folder, ~name/… that user's or anywhere", () => {
  const w = world();
  try {
    const home = join(w.root, "..");
    const tool = w.upstream({ pathHomes: [home] });
    assert.equal(w.floor({ path: "~/ws/secrets/k" }, tool), "deny");
    assert.equal(w.floor({ path: "~/ws/./secrets/../secrets/k" }, tool), "deny");
    assert.equal(w.floor({ path: "%7E/ws/secrets/k" }, tool), "deny", "percent-decoded");
    assert.equal(w.floor({ path: "~/ws/README.md" }, tool), null);
    assert.equal(w.floor({ path: "~/ws/secrets/k" }), null, "no home given (a sandboxed server's HOME is private)");
    assert.equal(w.floor({ path: "~no-such-user-k8/ws/secrets/k" }, tool), "ask", "a home the gate cannot find");
    assert.equal(w.floor({ path: "src/~/x", note: "a~b" }, tool), null, "a ~ inside a name is a letter");
    assert.equal(w.floor({ note: "~ 5 minutes", q: "~+x" }, tool), null, "no user has that name");
    const root = w.upstream({ pathHomes: [home] });
    assert.equal(w.floor({ path: "~root/x" }, root), null, "root's home is not the workspace");
    // the server's home, as the gateway gives it: the HOME it runs with, none when sandboxed
    const p = serverPaths({ transport: "stdio", argv: ["x"], env: { HOME: home }, sandbox: false }, "/", {});
    assert.deepEqual(p.homes, [home]);
    assert.deepEqual(serverPaths({ transport: "stdio", argv: ["x"], env: {}, sandbox: true }, "/", {}).homes, []);
  } finally {
    w.done();
  }
});

Deno.test("L5: an upstream read of a git object store meets a path floor as may apply (ask, never allow)", () => {
  const w = world();
  try {
    const git = (...args: string[]) => {
      const r = new Deno.Command("git", {
        args: ["-c", "user.name=o", "-c", "user.email=o@x", ...args],
        cwd: w.root,
        stdout: "piped",
        stderr: "piped",
      }).outputSync();
      assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
      return new TextDecoder().decode(r.stdout).trim();
    };
    git("init", "-q");
    git("add", "secrets", "README.md");
    git("commit", "-qm", "i");
    git("clone", "-q", "--bare", ".", "vendor/m.git");
    const blob = git("rev-parse", "HEAD:secrets/k");
    const obj = `${blob.slice(0, 2)}/${blob.slice(2)}`;
    const read = w.upstream({ name: "fs__read_media_file" });
    for (
      const path of [
        join(w.root, ".git/objects", obj), // red team 13's call
        join(w.root, "..", "main/.git/objects", obj), // a linked worktree's common folder, outside the workspace
        join(w.root, "..", "store/pack/pack-0123456789abcdef0123456789abcdef01234567.pack"), // an alternates target
        `.git/objects/${obj}`,
        `file://${w.root}/.git/objects/${obj}`,
        `./sub/../.git/objects/${obj}`,
        `.git/.safe-exec-objects/${obj}`,
        `.git/modules/m/objects/${obj}`,
        `vendor/m.git/objects/${obj}`,
        "vendor/m.git/objects",
        `copied/${obj}`,
        ".git/objects/pack/pack-0123456789abcdef0123456789abcdef01234567.pack",
        ".git",
        "vendor/m.git",
        ".git/objects/*/*",
      ]
    ) {
      assert.equal(w.floor({ path }, read), "ask", path);
    }
    // the repository's other files, and a folder named objects elsewhere, are read as before
    for (const path of [".git/HEAD", ".git/config", "sub/objects/a", "README.md"]) {
      assert.equal(w.floor({ path }, read), null, path);
    }
  } finally {
    w.done();
  }
});

Deno.test("L5: the built-in file tools' reads and copies of a git object store meet a path floor as may apply", () => {
  const w = world();
  try {
    const rules = validateRules([{ tool: "*", path: ["secrets/**"], decision: "deny" }]).rules;
    const setup = {
      rules,
      readOnlyCommands: true,
      trustGitConfig: () => false,
      projectChecks: () => false,
      contained: () => true,
    };
    mkdirSync(join(w.root, ".git/objects/e0"), { recursive: true });
    const obj = ".git/objects/e0/21b4d2666559b8761ac9f88fd2e0bef9f46ff4";
    writeFileSync(join(w.root, obj), "x");
    const ws = Workspace.open(w.root);
    const tool = (name: string, pathArgs: string[]): RegisteredTool => ({
      name,
      risk: "low",
      fn: () => null,
      pathArgs,
    });
    assert.equal(judgeCall(setup, tool("read_file", ["path"]), { path: obj }, ws)?.floor, "ask");
    assert.equal(judgeCall(setup, tool("copy_file", ["src", "dst"]), { src: obj, dst: "o" }, ws)?.floor, "ask");
    assert.equal(judgeCall(setup, tool("read_file", ["path"]), { path: ".git/HEAD" }, ws)?.floor ?? null, null);
  } finally {
    w.done();
  }
});
