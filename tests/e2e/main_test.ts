/**
 * End-to-end transcripts against every way of starting safe-exec here: `deno run src/main.ts`,
 * `bun src/main.ts`, and the compiled binaries in dist/ (or SAFE_EXEC_BIN).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, targets } from "../_targets.ts";

const fresh = () => mkdtempSync(join(tmpdir(), "se-main-"));
const jl = (...msgs: unknown[]) => msgs.map((m) => (typeof m === "string" ? m : JSON.stringify(m)) + "\n").join("");

for (const target of targets()) {
  Deno.test(`[${target.name}] the README pipeline: write ok, read "hi", run_bash asks and --confirm deny skips it`, async () => {
    const cwd = fresh();
    const r = await run(target, ["serve", "--confirm", "deny"], {
      cwd,
      stdin: jl(
        { id: 1, tool: "write_file", args: { path: "a.txt", content: "hi" } },
        { id: 2, tool: "read_file", args: { path: "a.txt" } },
        { id: 3, tool: "run_bash", args: { cmd: "rm a.txt" } },
      ),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.lines.map((l) => l.id), [1, 2, 3]);
    assert.equal(r.lines[0]?.ok, true);
    assert.equal(r.lines[0]?.decision, "allow");
    assert.equal(r.lines[1]?.output, "hi");
    assert.equal(r.lines[2]?.skipped, true);
    assert.equal(r.lines[2]?.decision, "ask");
    assert.equal(r.lines[2]?.errorCode, "not_approved");
    assert.equal(readFileSync(join(cwd, "workspace/a.txt"), "utf8"), "hi");
    // the witness log: session start, 3 gates, 2 executes, 1 confirm, session stop; the chain verifies
    const log = readFileSync(join(cwd, "witness.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(log.map((l) => l.event), [
      "session",
      "gate",
      "execute",
      "gate",
      "execute",
      "gate",
      "confirm",
      "session",
    ]);
    const v = await run(target, ["log", "verify"], { cwd });
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^ok: 8 lines, head [0-9a-f]{64}/);
  });

  Deno.test(`[${target.name}] garbage, a 20 MiB line and invalid UTF-8 get errors; the server keeps serving`, async () => {
    const cwd = fresh();
    const big = '{"id":1,"tool":"write_file","args":{"path":"x","content":"' + "a".repeat(20 * 1024 * 1024) +
      '"}}\n';
    const bad = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d, 0x0a]);
    const parts = [
      new TextEncoder().encode(jl("garbage", { id: 2, type: "info" })),
      new TextEncoder().encode(big),
      bad,
      new TextEncoder().encode(jl({ id: 3, tool: "list_dir" }, { id: 4, type: "nope" })),
    ];
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    const r = await run(target, ["serve"], { cwd, stdin: all });
    assert.equal(r.code, 0, r.stderr);
    const byId = (id: unknown) => r.lines.filter((l) => l.id === id);
    const errors = r.lines.filter((l) => l.type === "error");
    assert.equal(errors.length, 4, JSON.stringify(errors));
    const messages = errors.map((e) => (e.error as { message: string }).message).join("\n");
    assert.match(messages, /Cannot parse the line as JSON/);
    assert.match(messages, /exceeds the limit of \d+ bytes/);
    assert.match(messages, /not valid UTF-8/);
    assert.match(messages, /Unknown request type "nope"/);
    assert.equal(byId(2)[0]?.type, "info");
    assert.equal(byId(3)[0]?.ok, true);
  });

  Deno.test(`[${target.name}] a witness log that cannot be written denies every call`, async () => {
    const cwd = fresh();
    const r = await run(target, ["serve", "--witness", "/dev/full"], {
      cwd,
      stdin: jl({ id: 1, tool: "write_file", args: { path: "a.txt", content: "x" } }, { id: 2, type: "info" }),
    });
    if (/deno/.test(target.name)) {
      // Deno's permissions refuse /dev/full (it needs --allow-all): refused at start-up, before any call.
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /Cannot use the witness log "\/dev\/full": it cannot be opened: the runtime's permissions/,
      );
      return;
    }
    assert.equal(r.code, 0, r.stderr);
    const result = r.lines.find((l) => l.id === 1);
    assert.equal(result?.errorCode, "witness_unavailable");
    assert.equal(result?.skipped, true);
    assert.match(String(result?.error), /Cannot write the witness log "\/dev\/full"/);
    assert.equal(r.lines.find((l) => l.id === 2)?.type, "info");
    assert.throws(() => readFileSync(join(cwd, "workspace/a.txt")), "nothing was written");
    // a witness path under a regular file (ENOTDIR) is refused at start-up (tests/config/startup_test.ts has the rest)
    writeFileSync(join(cwd, "file"), "");
    const r2 = await run(target, ["serve", "--witness", join(cwd, "file/witness.log")], {
      cwd,
      stdin: jl({ id: 1, tool: "list_dir" }, { id: 2, tool: "read_file", args: { path: "x" } }),
    });
    assert.equal(r2.code, 2, r2.stderr);
    assert.match(r2.stderr, /Cannot use the witness log .*a part of the path is a file, not a folder/);
  });

  Deno.test(`[${target.name}] exec runs one call; usage errors exit 2; --version and --help exit 0`, async () => {
    const cwd = fresh();
    const w = await run(target, ["exec", "write_file", "--args", '{"path":"n.txt","content":"yo"}'], { cwd });
    assert.equal(w.code, 0, w.stderr);
    assert.equal(w.lines[0]?.output, "Written 2 chars");
    const miss = await run(target, ["exec", "read_file", "--args", '{"path":"missing"}'], { cwd });
    assert.equal(miss.code, 1);
    assert.equal(miss.lines[0]?.errorCode, "not_found");
    for (
      const [args, msg] of [
        [["frobnicate"], /Unknown command "frobnicate"/],
        [["serve", "--bogus", "1"], /Unknown option --bogus/],
        [["serve", "--confirm", "maybe"], /--confirm/],
        [["exec", "read_file", "--args", "{nope"], /--args must be JSON/],
      ] as const
    ) {
      const r = await run(target, [...args], { cwd, stdin: "" });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.match(r.stderr, /See safe-exec --help/);
      assert.equal(r.stdout, "", "nothing on stdout");
    }
    const v = await run(target, ["--version"], { cwd });
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^safe-exec \d+\.\d+\.\d+/);
    const h = await run(target, ["--help"], { cwd });
    assert.equal(h.code, 0);
    assert.match(h.stdout, /safe-exec serve/);
  });

  Deno.test(`[${target.name}] a bad config is refused at start-up naming key, value and expectation`, async () => {
    const cwd = fresh();
    writeFileSync(join(cwd, "safe-exec.jsonc"), '{ "metrics": { "maxErrors": -1 } }');
    const r = await run(target, ["serve"], { cwd, stdin: "" });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /metrics\.maxErrors/);
    assert.match(r.stderr, /-1/);
    writeFileSync(join(cwd, "safe-exec.jsonc"), '{ "witness": { "path": "./workspace/w.log" } }');
    const inside = await run(target, ["serve"], { cwd, stdin: "" });
    assert.equal(inside.code, 2);
    assert.match(inside.stderr, /inside the workspace/);
  });

  Deno.test(`[${target.name}] log verify exits 1 on an edited log and names the line`, async () => {
    const cwd = fresh();
    await run(target, ["serve", "--confirm", "deny"], {
      cwd,
      stdin: jl({ id: 1, tool: "list_dir" }, { id: 2, tool: "list_dir" }),
    });
    const path = join(cwd, "witness.log");
    const lines = readFileSync(path, "utf8").split("\n");
    lines[1] = (lines[1] as string).replace('"list_dir"', '"read_file"');
    writeFileSync(path, lines.join("\n"));
    const v = await run(target, ["log", "verify"], { cwd });
    assert.equal(v.code, 1);
    assert.match(v.stdout + v.stderr, /line 3/);
  });
  Deno.test(`[${target.name}] 500 pipelined requests over real pipes: every id answered once, calls in order`, async () => {
    const cwd = fresh();
    const msgs: unknown[] = [];
    for (let i = 0; i < 500; i++) {
      msgs.push(
        i % 4 === 0
          ? { id: i, type: "stats" }
          : i % 4 === 1
          ? { id: i, tool: "append_file", args: { path: "n.txt", content: `${i};` } }
          : { id: `r${i}`, tool: "read_file", args: { path: "n.txt" } },
      );
    }
    const r = await run(target, ["serve", "--confirm", "deny"], { cwd, stdin: jl(...msgs) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.lines.length, 500);
    const ids = new Set(r.lines.map((l) => l.id));
    assert.equal(ids.size, 500);
    for (let i = 2; i < 500; i += 4) {
      const read = r.lines.find((l) => l.id === `r${i}`);
      assert.ok(String(read?.output).endsWith(`${i - 1};`), `read r${i} sees append ${i - 1}`);
    }
  });
}

for (const target of targets()) {
  Deno.test(`[${target.name}] SIGTERM stops like EOF: the answer is out, the log gets its stop line, exit 0`, async () => {
    const cwd = fresh();
    const [cmd, ...rest] = target.argv;
    const child = new Deno.Command(cmd as string, {
      args: [...rest, "serve", "--confirm", "deny"],
      cwd,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(jl({ id: 1, tool: "list_dir" })));
    const reader = child.stdout.getReader();
    let got = "";
    while (!got.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      got += new TextDecoder().decode(value);
    }
    assert.equal(JSON.parse(got.split("\n")[0] as string).id, 1);
    child.kill("SIGTERM");
    const status = await child.status;
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
    await child.stderr.cancel().catch(() => {});
    await w.close().catch(() => {});
    assert.equal(status.code, 0);
    const log = readFileSync(join(cwd, "witness.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(log.at(-1).details, { action: "stop" });
  });
}

for (const target of targets()) {
  Deno.test(`[${target.name}] a client that writes everything before it reads anything gets every answer`, async () => {
    // 200 KiB of requests in, about 20 MB of answers out: both pipes overflow unless the server keeps reading stdin
    // while stdout is full.
    const cwd = fresh();
    const msgs = Array.from({ length: 6000 }, (_, i) => ({ id: i, type: "tools", pad: "x".repeat(8) }));
    const r = await run(target, ["serve"], { cwd, stdin: jl(...msgs) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.lines.length, 6000);
  });
}

for (const target of targets()) {
  Deno.test(`[${target.name}] ids JSON cannot round-trip are refused (serve and mcp); confirm id null approves nothing`, async () => {
    const cwd = fresh();
    mkdirSync(join(cwd, "workspace"));
    writeFileSync(join(cwd, "workspace", "keep.txt"), "keep");
    const r = await run(target, ["serve", "--confirm", "client"], {
      cwd,
      stdin: [
        '{"id":1e400,"tool":"delete_file","args":{"path":"keep.txt"}}',
        '{"type":"confirm","id":null,"approve":true}',
        '{"id":12345678901234567890,"type":"info"}',
        '{"id":9007199254740991,"type":"info"}',
        '{"id":"last","type":"info"}',
      ].join("\n") + "\n",
    });
    assert.equal(r.code, 0, r.stderr);
    const errors = r.lines.filter((l) => l.type === "error");
    assert.equal(errors.length, 3, r.stdout);
    for (const e of errors) {
      assert.equal(e.id, null);
      assert.equal((e.error as { code: string }).code, "bad_request");
    }
    assert.match(String((errors[0]?.error as { message: string }).message), /got 1e400$/);
    assert.match(String((errors[2]?.error as { message: string }).message), /got 12345678901234567890$/);
    // the exact text of the largest id comes back, not a rounded neighbour
    assert.ok(r.stdout.includes('"id":9007199254740991,'), r.stdout);
    assert.equal(r.lines.filter((l) => l.type === "confirm_request").length, 0);
    assert.equal(readFileSync(join(cwd, "workspace", "keep.txt"), "utf8"), "keep");
    const init = { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } };
    const m = await run(target, ["mcp"], {
      cwd,
      stdin: [
        JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: init }),
        '{"jsonrpc":"2.0","id":1e400,"method":"tools/call","params":{"name":"delete_file","arguments":{"path":"keep.txt"}}}',
        '{"jsonrpc":"2.0","id":12345678901234567890,"method":"ping"}',
      ].join("\n") + "\n",
    });
    assert.equal(m.code, 0, m.stderr);
    const bad = m.lines.filter((l) => l.error);
    assert.equal(bad.length, 2, m.stdout);
    for (const b of bad) {
      assert.equal(b.id, null);
      assert.equal((b.error as { code: number }).code, -32600);
    }
    assert.equal(readFileSync(join(cwd, "workspace", "keep.txt"), "utf8"), "keep");
  });
}
