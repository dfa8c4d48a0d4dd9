/**
 * The MCP gateway end to end (SPEC §8): `safe-exec mcp` (a real process) in front of real servers from the npm
 * registry (server-memory, server-filesystem, server-everything) and a hostile one, driven by the official SDK client.
 * Every call is gated and logged, then forwarded; results come back unchanged.
 */
import assert from "node:assert/strict";
import { linkSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
// @ts-types="@modelcontextprotocol/sdk/types"
import type { ElicitRequest, ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { connect, type Connected } from "./_mcp.ts";
import { EVIL, SERVERS } from "../gateway/_servers.ts";

type Result = { content: { type: string; text?: string }[]; isError?: boolean; structuredContent?: unknown };
const text = (r: unknown) => (r as Result).content.map((c) => c.text ?? "").join("\n");
const evil = (mode: string, arg?: string) => [
  Deno.execPath(),
  "run",
  "--no-config",
  "--allow-run",
  EVIL,
  mode,
  ...(arg === undefined ? [] : [arg]),
];

/** Answers the three kinds of elicitation the gateway sends: its own ASK, a fresh session, an upstream's question. */
function answerer(fresh: { value: boolean }) {
  return (request: ElicitRequest): ElicitResult => {
    const props = (request.params as { requestedSchema?: { properties?: Record<string, unknown> } }).requestedSchema
      ?.properties ?? {};
    if ("confirm" in props) return { action: "accept", content: { confirm: true } };
    if ("fresh" in props) return fresh.value ? { action: "accept", content: { fresh: true } } : { action: "decline" };
    return { action: "accept", content: { name: "Ada Lovelace", check: true } };
  };
}

async function tired(c: Connected): Promise<void> {
  await c.client.notification({ method: "notifications/safe-exec/metrics", params: { contextTokens: 4000 } });
  for (let i = 0; i < 5; i++) {
    await c.client.notification({ method: "notifications/safe-exec/metrics", params: { errorOccurred: true } });
  }
  await c.client.ping(); // the notifications were read before this answer
}

Deno.test("gateway: real servers listed as <server>__<tool>, called, gated and logged; isError passed unchanged", async () => {
  const files = Deno.makeTempDirSync({ prefix: "gw-files-" });
  writeFileSync(join(files, "notes.txt"), "hello from the filesystem server\n");
  const c = await connect({
    config: {
      servers: {
        memory: { command: ["node", SERVERS.memory], env: { MEMORY_FILE_PATH: join(files, "memory.jsonl") } },
        filesystem: { command: ["node", SERVERS.filesystem, files], risk: "low" },
        everything: { command: ["node", SERVERS.everything, "stdio"], risk: "low" },
      },
    },
  });
  try {
    const { tools } = await c.client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of ["read_file", "memory__create_entities", "filesystem__read_text_file", "everything__echo"]) {
      assert.ok(names.includes(n), `${n} listed (of ${names.length})`);
    }
    // The upstream's own description and annotations, under the gateway name.
    const readGraph = tools.find((t) => t.name === "memory__read_graph")!;
    assert.ok(readGraph.description!.length > 0);

    const created = await c.client.callTool({
      name: "memory__create_entities",
      arguments: { entities: [{ name: "Ada", entityType: "person", observations: ["wrote the first program"] }] },
    });
    assert.ok(!created.isError, text(created));
    const graph = await c.client.callTool({ name: "memory__read_graph", arguments: {} });
    assert.match(text(graph), /"name": ?"Ada"/);

    const read = await c.client.callTool({
      name: "filesystem__read_text_file",
      arguments: { path: join(files, "notes.txt") },
    });
    assert.equal(text(read), "hello from the filesystem server\n");
    // No safe-exec wrapping: the server's result as it sent it (no _meta of ours).
    assert.equal((read as { _meta?: unknown })._meta, undefined);

    const outside = await c.client.callTool({ name: "filesystem__read_text_file", arguments: { path: "/etc/passwd" } });
    assert.equal(outside.isError, true);
    assert.match(text(outside), /Access denied|outside allowed/i);

    await c.client.ping(); // answered after the last call's execute line is written
    const lines = c.place.lines();
    const gate = lines.find((l) => l.event === "gate" && l.tool === "memory__create_entities")!;
    assert.ok(gate, "the upstream call has its gate line");
    assert.deepEqual((gate.details.args as { entities: unknown[] }).entities.length, 1);
    const failed = lines.filter((l) => l.event === "execute" && l.tool === "filesystem__read_text_file");
    assert.deepEqual(failed.map((l) => [l.details.ok, l.details.errorCode]), [[true, null], [false, "upstream_error"]]);
    assert.ok(gate.seq < lines.find((l) => l.event === "execute" && l.tool === "memory__create_entities")!.seq);
  } finally {
    await c.close();
    Deno.removeSync(files, { recursive: true });
  }
});

Deno.test("gateway: ASK as elicitation, an upstream elicitation and progress passed through", async () => {
  const fresh = { value: false };
  const c = await connect({
    elicit: answerer(fresh),
    config: {
      servers: {
        everything: {
          command: ["node", SERVERS.everything, "stdio"],
          risk: "low",
          tools: { "get-sum": { risk: "high" } },
        },
      },
    },
  });
  try {
    const sum = await c.client.callTool({ name: "everything__get-sum", arguments: { a: 2, b: 3 } });
    assert.ok(!sum.isError, text(sum));
    assert.match(text(sum), /5/);
    const ask = c.elicited.find((e) => String(e.params.message).includes("everything__get-sum"));
    assert.ok(ask, "the ASK reached the person as an elicitation");
    // safe-exec's own form says so; an upstream's question is labelled with its server (red team F10)
    assert.match(String(ask.params.message), /^safe-exec asks before running everything__get-sum/);
    assert.deepEqual((ask.params as { _meta?: unknown })._meta, { "safe-exec/origin": { from: "safe-exec" } });

    const elicited = await c.client.callTool({ name: "everything__trigger-elicitation-request", arguments: {} });
    assert.ok(!elicited.isError, text(elicited));
    assert.match(text(elicited), /Ada Lovelace/);
    const upstream = c.elicited.find((e) => /Please provide inputs/.test(String(e.params.message)));
    assert.ok(upstream, "the upstream asked");
    assert.match(String(upstream.params.message), /^\[upstream "everything"\] /);
    assert.deepEqual(
      ((upstream.params as { _meta?: Record<string, unknown> })._meta ?? {})["safe-exec/origin"],
      { from: "upstream", server: "everything" },
    );

    const progress: number[] = [];
    const long = await c.client.callTool(
      { name: "everything__trigger-long-running-operation", arguments: { duration: 0.3, steps: 3 } },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    );
    assert.ok(!long.isError, text(long));
    // On the wire, every update comes before the call's answer. The SDK client runs its progress handler a
    // microtask late (shared/protocol.js, _onnotification) and drops an update read in the same chunk as the
    // answer, so its callback may miss the last one when the test machine is busy: it sees a prefix.
    const answered = c.wire.findIndex((m) =>
      m.id !== undefined && "result" in m && /Long running/.test(JSON.stringify(m))
    );
    assert.ok(answered > 0, "the answer came back");
    const sent = c.wire.slice(0, answered)
      .filter((m) => m.method === "notifications/progress")
      .map((m) => (m.params as { progress: number }).progress);
    assert.deepEqual(sent.slice(-3), [1, 2, 3]);
    assert.ok(progress.length >= 1, `the callback saw ${JSON.stringify(progress)}`);
    assert.deepEqual(progress, [1, 2, 3].slice(0, progress.length));
  } finally {
    await c.close();
  }
});

Deno.test("gateway: deny by fatigue; the person (not the model) may start a fresh session", async () => {
  const config = {
    servers: {
      everything: { command: ["node", SERVERS.everything, "stdio"], tools: { echo: { risk: "medium" } } },
    },
  };
  const plain = await connect({ config });
  try {
    await tired(plain);
    const r = await plain.client.callTool({ name: "everything__echo", arguments: { message: "hi" } });
    assert.equal(r.isError, true);
    assert.match(text(r), /errorCode denied/);
    const gate = plain.place.lines().find((l) => l.event === "gate" && l.tool === "everything__echo")!;
    assert.equal(gate.decision, "deny");
  } finally {
    await plain.close();
  }
  const fresh = { value: false };
  const asking = await connect({ config, elicit: answerer(fresh) });
  try {
    await tired(asking);
    const no = await asking.client.callTool({ name: "everything__echo", arguments: { message: "hi" } });
    assert.match(text(no), /errorCode denied/);
    assert.ok(asking.elicited.some((e) => /Start a fresh session/.test(String(e.params.message))));
    fresh.value = true;
    const yes = await asking.client.callTool({ name: "everything__echo", arguments: { message: "again" } });
    assert.ok(!yes.isError, text(yes));
    assert.equal(text(yes), "Echo: again");
    const reset = asking.place.lines().find((l) => l.event === "metrics" && l.details.reason === "person");
    assert.ok(reset, "the fresh session is logged with its reason");
  } finally {
    await asking.close();
  }
});

Deno.test("gateway: an upstream crash fails the call upstream_unavailable; the next call restarts it", async () => {
  const c = await connect({ config: { servers: { evil: { command: evil("normal"), risk: "low" } } } });
  try {
    const crash = await c.client.callTool({ name: "evil__crash", arguments: {} });
    assert.equal(crash.isError, true);
    assert.match(text(crash), /errorCode upstream_unavailable/);
    const ok = await c.client.callTool({ name: "evil__ok", arguments: {} });
    assert.ok(!ok.isError, text(ok));
    await c.client.ping(); // answered after the last call's execute line is written
    const exec = c.place.lines().filter((l) => l.event === "execute" && String(l.tool).startsWith("evil__"));
    assert.deepEqual(exec.map((l) => l.details.errorCode), ["upstream_unavailable", null]);
  } finally {
    await c.close();
  }
});

Deno.test("gateway: a malicious upstream never takes safe-exec down", async () => {
  const c = await connect({
    config: {
      servers: {
        evil: { command: evil("normal"), risk: "low" },
        garbage: { command: evil("garbage"), risk: "low" },
        odd: { command: evil("odd"), risk: "low" },
        many: { command: evil("many", "10000"), risk: "low" },
      },
    },
  });
  try {
    const started = performance.now();
    const { tools } = await c.client.listTools();
    const many = tools.filter((t) => t.name.startsWith("many__"));
    assert.equal(many.length, 1000, "10,000 tools are cut to the per-server cap");
    assert.ok(performance.now() - started < 20_000);
    for (const t of tools) assert.match(t.name, /^[A-Za-z0-9_-]{1,64}$/, "odd names are left out");

    const huge = await c.client.callTool({ name: "evil__huge", arguments: {} });
    assert.equal(huge.isError, true);
    assert.match(text(huge), /upstream_unavailable/);
    const big = await c.client.callTool({ name: "evil__big", arguments: {} });
    assert.ok(!big.isError, text(big).slice(0, 200));
    assert.ok(text(big).length >= 5 * 1024 * 1024);
    const bad = await c.client.callTool({ name: "evil__malformed", arguments: {} });
    assert.equal(bad.isError, true);
    const garbled = await c.client.callTool({ name: "garbage__echo", arguments: {} });
    assert.ok(!garbled.isError, text(garbled));

    // Still here: a ping and a built-in tool answer.
    await c.client.ping();
    mkdirSync(join(c.place.ws, "d"));
    const listed = await c.client.callTool({ name: "list_dir", arguments: { path: "." } });
    assert.ok(!listed.isError, text(listed));
  } finally {
    await c.close();
  }
});

Deno.test("gateway: path floors read an upstream tool's path arguments (red team 7, F12)", async () => {
  const c = await connect({
    config: {
      rules: [{ tool: "*_file", path: ["secrets/**"], decision: "deny" }, {
        tool: "*",
        path: ["private/**"],
        decision: "deny",
      }],
      servers: { fs: { command: ["node", SERVERS.filesystem, "."], risk: "low" } },
    },
  });
  try {
    const ws = c.place.ws;
    mkdirSync(join(ws, "secrets"));
    mkdirSync(join(ws, "private"));
    writeFileSync(join(ws, "secrets", "k"), "TOPSECRET");
    writeFileSync(join(ws, "private", "p"), "PRIVATE");
    writeFileSync(join(ws, "README.md"), "hello");
    const call = (name: string, args: Record<string, unknown>) => c.client.callTool({ name, arguments: args });
    for (
      const [name, args] of [
        ["fs__read_file", { path: join(ws, "secrets", "k") }],
        ["fs__read_text_file", { path: "secrets/k" }],
        ["fs__read_multiple_files", { paths: ["README.md", join(ws, "private", "p")] }],
      ] as const
    ) {
      const r = await call(name, args);
      assert.equal(r.isError, true, `${name}: ${text(r)}`);
      assert.match(text(r), /errorCode denied/, `${name}: ${text(r)}`);
      assert.doesNotMatch(text(r), /TOPSECRET|PRIVATE/);
    }
    // red team 8, G2: a file:// URI, a nested path argument, a hard link to the secret
    linkSync(join(ws, "secrets", "k"), join(ws, "hard"));
    for (
      const [name, args] of [
        ["fs__read_text_file", { path: `file://${join(ws, "secrets", "k")}` }],
        ["fs__read_text_file", { path: "hard" }],
        ["fs__read_text_file", { path: join(ws, "hard") }],
      ] as const
    ) {
      const r = await call(name, args);
      assert.match(text(r), /errorCode denied/, `${name} ${JSON.stringify(args)}: ${text(r)}`);
      assert.doesNotMatch(text(r), /TOPSECRET/);
    }
    // a folder that may hold what the floor protects: asked (this client has no elicitation: not approved)
    const list = await call("fs__list_directory", { path: join(ws, "private") });
    assert.match(text(list), /errorCode not_approved/, text(list));
    // what the floors do not name goes through
    const ok = await call("fs__read_text_file", { path: join(ws, "README.md") });
    assert.ok(!ok.isError, text(ok));
    assert.match(text(ok), /hello/);
  } finally {
    await c.close();
  }
});

Deno.test("gateway: path floors hold for every spelling server-filesystem resolves (red team 10, J2)", async () => {
  const c = await connect({
    config: {
      rules: [{ tool: "*", path: ["secrets/**"], decision: "deny" }],
      servers: { fs: { command: ["node", SERVERS.filesystem, "."], risk: "low" } },
    },
  });
  try {
    const ws = c.place.ws;
    mkdirSync(join(ws, "secrets"));
    mkdirSync(join(ws, "sub"));
    writeFileSync(join(ws, "secrets", "k"), "TOPSECRET");
    writeFileSync(join(ws, "README.md"), "hello");
    const name = basename(ws); // the server runs in the folder above the workspace (the gateway's)
    for (
      const path of [
        `${ws}/../${name}/secrets/k`,
        `${ws}/sub/../../${name}/secrets/k`,
        `${ws}//secrets/./k`,
        `${name}/sub/../secrets/k`,
        `/proc/self/cwd/${name}/secrets/k`,
        `/proc/self/root${ws}/secrets/k`,
      ]
    ) {
      const r = await c.client.callTool({ name: "fs__read_text_file", arguments: { path } });
      assert.match(text(r), /errorCode denied/, `${path}: ${text(r)}`);
      assert.doesNotMatch(text(r), /TOPSECRET/, path);
    }
    const readme = `${ws}/../${name}/README.md`;
    const ok = await c.client.callTool({ name: "fs__read_text_file", arguments: { path: readme } });
    assert.match(text(ok), /hello/, text(ok));
  } finally {
    await c.close();
  }
});

Deno.test("gateway: a loose git object of a floored file is asked, never read silently (red team 13, L5)", async () => {
  const c = await connect({
    config: {
      rules: [{ tool: "*", path: ["secrets/**"], decision: "deny" }],
      servers: { fs: { command: ["node", SERVERS.filesystem, "."], risk: "low" } },
    },
    elicit: () => ({ action: "decline" }),
  });
  try {
    const ws = c.place.ws;
    mkdirSync(join(ws, "secrets"));
    writeFileSync(join(ws, "secrets", "k"), "TOPSECRET\n");
    const git = (...args: string[]) => {
      const r = new Deno.Command("git", {
        args: ["-c", "user.name=o", "-c", "user.email=o@x", ...args],
        cwd: ws,
        stdout: "piped",
        stderr: "piped",
      }).outputSync();
      assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
      return new TextDecoder().decode(r.stdout).trim();
    };
    git("init", "-q");
    git("add", "secrets");
    git("commit", "-qm", "i");
    const blob = git("rev-parse", "HEAD:secrets/k");
    const path = join(ws, ".git/objects", blob.slice(0, 2), blob.slice(2));
    const r = await c.client.callTool({ name: "fs__read_media_file", arguments: { path } });
    assert.equal(c.elicited.length, 1, `asked once: ${JSON.stringify(r)}`);
    assert.doesNotMatch(JSON.stringify(r), /eAFLyslPUjA0YAjxDwh2dQ5yDeECADHXBOQ=/, JSON.stringify(r));
    assert.equal((r as { isError?: boolean }).isError, true, JSON.stringify(r));
  } finally {
    await c.close();
  }
});
