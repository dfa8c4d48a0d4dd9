/**
 * End-to-end: the real `safe-exec mcp` driven by the official MCP TypeScript SDK client over stdio.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect, type WitnessLine } from "./_mcp.ts";

type Content = { type: string; text: string }[];

const opts = { sanitizeOps: false, sanitizeResources: false };

function text(r: unknown): string {
  return (r as { content: Content }).content.map((c) => c.text).join("\n");
}

/** The witness events of each call, in order: [[tool, event, decision]]. */
function events(lines: WitnessLine[]): [string | null, string, string | null][] {
  return lines.filter((l) => ["gate", "confirm", "execute"].includes(l.event)).map((l) => [
    l.tool,
    l.event,
    l.decision,
  ]);
}

Deno.test(
  "SDK: initialize negotiates the latest version; tools/list has the nine tools with schemas",
  opts,
  async () => {
    const c = await connect();
    try {
      assert.equal(c.client.getServerVersion()?.name, "safe-exec");
      assert.deepEqual(c.client.getServerCapabilities(), { tools: { listChanged: false } });
      assert.match(c.client.getInstructions() ?? "", /fatigue/);
      const { tools } = await c.client.listTools();
      assert.deepEqual(tools.map((t) => t.name), [
        "read_file",
        "list_dir",
        "write_file",
        "append_file",
        "copy_file",
        "delete_file",
        "delete_dir",
        "run_bash",
        "run_python",
      ]);
      for (const t of tools) {
        assert.equal(t.inputSchema.type, "object");
        assert.equal((t.inputSchema as Record<string, unknown>).additionalProperties, false);
        assert.ok(t.title);
        assert.ok(t.annotations);
      }
      assert.equal(tools[0]!.annotations!.readOnlyHint, true);
      assert.equal(tools[5]!.annotations!.destructiveHint, true);
      assert.ok(tools[1]!.outputSchema && tools[7]!.outputSchema && tools[8]!.outputSchema);
      await c.client.ping();
    } finally {
      await c.close();
    }
  },
);

Deno.test(
  "SDK: each of the nine tools runs through the gate (ASKs approved by elicitation); the log shows each",
  opts,
  async () => {
    const c = await connect({ elicit: () => ({ action: "accept", content: { confirm: true } }) });
    const call = (name: string, args: Record<string, unknown>) => c.client.callTool({ name, arguments: args });
    try {
      await c.client.listTools(); // lets the SDK validate structuredContent against the output schemas
      const w = await call("write_file", { path: "notes/a.txt", content: "alpha" });
      assert.equal(text(w), "Written 5 chars");
      assert.equal(w.isError, undefined);
      assert.equal(text(await call("append_file", { path: "notes/a.txt", content: "+beta" })), "Appended 5 chars");
      assert.equal(text(await call("copy_file", { src: "notes/a.txt", dst: "b.txt" })), "Copied notes/a.txt -> b.txt");
      assert.equal(text(await call("read_file", { path: "b.txt" })), "alpha+beta");
      const l = await call("list_dir", { path: "." });
      const entries = (l.structuredContent as { entries: { name: string; type: string; size: number }[] }).entries;
      assert.deepEqual(entries.map((e) => [e.name, e.type]), [["b.txt", "file"], ["notes", "dir"]]);
      assert.equal(entries[0]!.size, 10);
      assert.deepEqual(JSON.parse(text(l)), l.structuredContent);
      assert.equal(text(await call("delete_file", { path: "b.txt" })), "Deleted b.txt");
      assert.equal(text(await call("delete_dir", { path: "notes" })), "Deleted notes");
      assert.ok(!existsSync(join(c.place.ws, "notes")));
      const b = await call("run_bash", { cmd: "echo hi; pwd; touch .ran" });
      assert.equal(b.isError, undefined, text(b));
      const rec = b.structuredContent as { stdout: string; exitCode: number; signal: null };
      assert.equal(rec.stdout, `hi\n${c.place.ws}\n`);
      assert.equal(rec.exitCode, 0);
      assert.equal(rec.signal, null);
      const py = await call("run_python", { code: "print(6*7)" });
      assert.equal((py.structuredContent as { stdout: string }).stdout, "42\n");
      // high risk: ASKed through elicitation, four times (delete_file, delete_dir, run_bash, run_python)
      assert.equal(c.elicited.length, 4);
      const msg = c.elicited[0]!.params.message;
      assert.match(msg, /delete_file \(path \(5 characters\): "b.txt"\): risk high, session fatigue \d\.\d\d/);
    } finally {
      await c.close();
    }
    const ev = events(c.place.lines());
    assert.deepEqual(ev, [
      ["write_file", "gate", "allow"],
      ["write_file", "execute", "allow"],
      ["append_file", "gate", "allow"],
      ["append_file", "execute", "allow"],
      ["copy_file", "gate", "allow"],
      ["copy_file", "execute", "allow"],
      ["read_file", "gate", "allow"],
      ["read_file", "execute", "allow"],
      ["list_dir", "gate", "allow"],
      ["list_dir", "execute", "allow"],
      ["delete_file", "gate", "ask"],
      ["delete_file", "confirm", "ask"],
      ["delete_file", "execute", "ask"],
      ["delete_dir", "gate", "ask"],
      ["delete_dir", "confirm", "ask"],
      ["delete_dir", "execute", "ask"],
      ["run_bash", "gate", "ask"],
      ["run_bash", "confirm", "ask"],
      ["run_bash", "execute", "ask"],
      ["run_python", "gate", "ask"],
      ["run_python", "confirm", "ask"],
      ["run_python", "execute", "ask"],
    ]);
    const lines = c.place.lines();
    assert.equal(lines.at(-1)!.event, "session"); // clean shutdown writes the stop line
    assert.equal(lines.at(-1)!.details.action, "stop");
  },
);

Deno.test("SDK: a failed shell call is isError with the process record as structuredContent", opts, async () => {
  const c = await connect({ elicit: () => ({ action: "accept", content: { confirm: true } }) });
  try {
    await c.client.listTools();
    const r = await c.client.callTool({ name: "run_bash", arguments: { cmd: "echo oops >&2; exit 4" } });
    assert.equal(r.isError, true);
    assert.match(text(r), /errorCode exit_status/);
    assert.deepEqual(
      { ...(r.structuredContent as Record<string, unknown>), durationMs: 0 },
      { stdout: "", stderr: "oops\n", exitCode: 4, signal: null, timedOut: false, truncated: false, durationMs: 0 },
    );
    const t = await c.client.callTool({ name: "run_bash", arguments: { cmd: "sleep 5", timeoutMs: 100 } });
    assert.equal(t.isError, true);
    assert.match(text(t), /errorCode timeout/);
    assert.equal((t.structuredContent as { timedOut: boolean }).timedOut, true);
  } finally {
    await c.close();
  }
});

Deno.test("SDK: a denied call arrives as isError with the rationale and fatigue, and does not run", opts, async () => {
  const c = await connect({ elicit: () => ({ action: "accept", content: { confirm: true } }) });
  try {
    // Drive fatigue up the way an agent would report it.
    await c.client.notification({
      method: "notifications/safe-exec/metrics",
      params: { contextTokens: 4000, errorOccurred: true },
    } as never);
    for (let i = 0; i < 4; i++) {
      await c.client.notification(
        { method: "notifications/safe-exec/metrics", params: { errorOccurred: true } } as never,
      );
    }
    writeFileSync(join(c.place.ws, "keep.txt"), "x");
    const r = await c.client.callTool({ name: "delete_file", arguments: { path: "keep.txt" } });
    assert.equal(r.isError, true);
    assert.match(text(r), /decision deny, errorCode denied, risk high, fatigue 0\.70/);
    assert.match(text(r), /risk=high fatigue=0\.70 \(context 1\.00, duration 0\.00, errors 1\.00\)/);
    assert.ok(existsSync(join(c.place.ws, "keep.txt")));
    // A DENY never asks to approve the call: the one question is the offer of a fresh session (issue 12), which this
    // handler (it answers only "confirm") does not take, so nothing ran and nothing was reset.
    assert.equal(c.elicited.length, 1);
    assert.match(String(c.elicited[0]!.params.message), /Start a fresh session/);
    // Medium risk is denied too at this fatigue; low risk asks.
    const w = await c.client.callTool({ name: "write_file", arguments: { path: "keep.txt", content: "y" } });
    assert.equal(w.isError, true);
    assert.equal(readFileSync(join(c.place.ws, "keep.txt"), "utf8"), "x");
  } finally {
    await c.close();
  }
  const ev = events(c.place.lines());
  assert.deepEqual(ev, [["delete_file", "gate", "deny"], ["write_file", "gate", "deny"]]);
  const metrics = c.place.lines().filter((l) => l.event === "metrics");
  assert.equal(metrics[0]!.details.contextTokens, 4000);
});

Deno.test("SDK: an ASK answered by the elicitation handler: accept runs the tool, decline does not", opts, async () => {
  let answer: "accept" | "decline" = "accept";
  const c = await connect({
    elicit: (req) => {
      assert.equal(req.params.mode ?? "form", "form");
      const schema = (req.params as { requestedSchema: { properties: Record<string, { type: string }> } })
        .requestedSchema;
      assert.equal(schema.properties.confirm!.type, "boolean");
      return answer === "accept" ? { action: "accept", content: { confirm: true } } : { action: "decline" };
    },
  });
  try {
    const yes = await c.client.callTool({ name: "run_bash", arguments: { cmd: "touch yes.txt" } });
    assert.equal(yes.isError, undefined, text(yes));
    assert.ok(existsSync(join(c.place.ws, "yes.txt")));
    answer = "decline";
    const no = await c.client.callTool({ name: "run_bash", arguments: { cmd: "touch no.txt" } });
    assert.equal(no.isError, true);
    assert.match(text(no), /was not approved \(decision ask, errorCode not_approved/);
    assert.ok(!existsSync(join(c.place.ws, "no.txt")));
    assert.equal(c.elicited.length, 2);
    assert.match(c.elicited[1]!.params.message, /run_bash \(cmd \(12 characters\): "touch no.txt"\)/);
  } finally {
    await c.close();
  }
  const lines = c.place.lines();
  assert.deepEqual(events(lines), [
    ["run_bash", "gate", "ask"],
    ["run_bash", "confirm", "ask"],
    ["run_bash", "execute", "ask"],
    ["run_bash", "gate", "ask"],
    ["run_bash", "confirm", "ask"],
  ]);
  const confirms = lines.filter((l) => l.event === "confirm").map((l) => l.details.approved);
  assert.deepEqual(confirms, [true, false]);
});

Deno.test("SDK: a client without elicitation gets the --confirm mode (client means deny on MCP)", opts, async () => {
  const c = await connect();
  try {
    const r = await c.client.callTool({ name: "run_bash", arguments: { cmd: "touch x" } });
    assert.equal(r.isError, true);
    assert.match(text(r), /not_approved.*did not declare elicitation/s);
  } finally {
    await c.close();
  }
  const c2 = await connect({ extraArgs: ["--confirm", "exec:true"] });
  try {
    const r = await c2.client.callTool({ name: "run_bash", arguments: { cmd: "touch approved" } });
    assert.equal(r.isError, undefined, text(r));
  } finally {
    await c2.close();
  }
});

Deno.test("SDK: an unknown tool and wrong argument types are isError results the model can read", opts, async () => {
  const c = await connect();
  try {
    const u = await c.client.callTool({ name: "format_disk", arguments: {} });
    assert.equal(u.isError, true);
    assert.match(text(u), /errorCode unknown_tool.*Unknown tool "format_disk"/);
    const bad = await c.client.callTool({ name: "write_file", arguments: { path: "a.txt", content: 42 } });
    assert.equal(bad.isError, true);
    assert.match(text(bad), /errorCode invalid_args.*"content" must be a string, got number 42/);
    const outside = await c.client.callTool({ name: "read_file", arguments: { path: "../witness.log" } });
    assert.equal(outside.isError, true);
    assert.match(text(outside), /errorCode path_outside_workspace/);
    await c.client.ping(); // still serving
  } finally {
    await c.close();
  }
});

Deno.test("SDK: the context estimate grows with what the server returned (tokenizer chars)", opts, async () => {
  const c = await connect({ config: { metrics: { tokenizer: "chars" } } });
  try {
    writeFileSync(join(c.place.ws, "big.txt"), "z".repeat(40_000));
    await c.client.callTool({ name: "read_file", arguments: { path: "big.txt" } });
  } finally {
    await c.close();
  }
  const m = c.place.lines().filter((l) => l.event === "metrics");
  assert.equal(m.at(-1)!.details.contextTokens, 10_000);
  assert.ok((m.at(-1)!.details.fatigue as number) >= 0.4);
});
