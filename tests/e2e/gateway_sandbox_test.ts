/**
 * A sandboxed upstream end to end (SPEC §7, §8): `safe-exec mcp` (a real process) in front of the real
 * `@modelcontextprotocol/server-filesystem` from node_modules with `"sandbox": true`, driven by the official SDK
 * client. The server is told it may use all of `/`, so the sandbox is the only thing between it and the host: list
 * and call work, the workspace is its view (read and write), and everything outside it that the host has (the
 * config, the witness log, a file next to the workspace, the host home, /etc/shadow) does not exist for it.
 * Skipped, with the reason printed, where bubblewrap cannot run.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { SERVERS } from "../gateway/_servers.ts";
import { sandboxTargets } from "../_targets.ts";
import { sandboxSkip } from "../attack/_world.ts";
import { connect } from "./_mcp.ts";

const SKIP = sandboxSkip("the sandboxed gateway e2e test");

type Result = { content: { type: string; text?: string }[]; isError?: boolean };
const text = (r: unknown) => (r as Result).content.map((c) => c.text ?? "").join("\n");

for (const target of sandboxTargets()) {
  Deno.test({
    name: `[${target.name}] gateway e2e: server-filesystem with "sandbox": true sees the workspace and nothing else`,
    ignore: SKIP !== null,
    async fn() {
      const c = await connect({
        ...(target.name === "deno src" ? {} : { argv: target.argv }),
        config: {
          sandbox: { mode: "auto", network: false },
          servers: {
            fs: { command: ["node", SERVERS.filesystem, "/"], sandbox: true, risk: "low" },
            // An argument naming the config file (relative to the workspace, where the server would start): refused.
            leak: { command: ["node", SERVERS.filesystem, "../safe-exec.jsonc"], sandbox: true },
          },
        },
      });
      const home = process.env.HOME ?? "/root";
      const homeCanary = join(home, `.se-gw-sbx-canary-${crypto.randomUUID().slice(0, 8)}`);
      try {
        writeFileSync(join(c.place.ws, "notes.txt"), "hello from the workspace\n");
        const secret = join(c.place.dir, "secret.txt");
        writeFileSync(secret, "SECRET next to the workspace");
        writeFileSync(homeCanary, "SECRET in the host home");

        const { tools } = await c.client.listTools();
        const names = tools.map((t) => t.name);
        for (const n of ["fs__read_text_file", "fs__write_file", "fs__list_directory"]) {
          assert.ok(names.includes(n), `${n} listed (of ${names.join(", ")})`);
        }

        const read = await c.client.callTool({
          name: "fs__read_text_file",
          arguments: { path: join(c.place.ws, "notes.txt") },
        });
        assert.equal(read.isError, undefined, text(read));
        assert.equal(text(read), "hello from the workspace\n");

        const wrote = await c.client.callTool({
          name: "fs__write_file",
          arguments: { path: join(c.place.ws, "from-server.txt"), content: "written inside" },
        });
        assert.ok(!wrote.isError, text(wrote));
        assert.equal(readFileSync(join(c.place.ws, "from-server.txt"), "utf8"), "written inside");

        for (const path of [secret, c.place.config, c.place.witness, homeCanary, "/etc/shadow"]) {
          const r = await c.client.callTool({ name: "fs__read_text_file", arguments: { path } });
          assert.equal(r.isError, true, `${path}: ${text(r)}`);
          assert.match(text(r), /ENOENT|no such file|does not exist/i, `${path} is invisible, got ${text(r)}`);
          assert.doesNotMatch(text(r), /SECRET/);
        }
        // A write outside the workspace does not reach the host (here the folder above the workspace is in the
        // sandbox's private /tmp, so the write may succeed in there; the host never sees it).
        const escape = join(c.place.dir, "escaped.txt");
        await c.client.callTool({ name: "fs__write_file", arguments: { path: escape, content: "x" } });
        assert.throws(() => readFileSync(escape), /ENOENT/);

        const root = await c.client.callTool({ name: "fs__list_directory", arguments: { path: "/" } });
        assert.ok(!root.isError, text(root));
        assert.match(text(root), /\[DIR\] usr/);
        assert.doesNotMatch(text(root), /\[DIR\] (root|var|opt|srv|mnt|run)\b/, text(root));

        // The server that would be shown the config file is never started; its calls say why.
        assert.ok(!names.some((n) => n.startsWith("leak__")), "the refused server lists nothing");
        const leak = await c.client.callTool({ name: "leak__read_text_file", arguments: { path: "/x" } });
        assert.equal(leak.isError, true);
        assert.match(text(leak), /is the config file, which the sandbox never shows; it is not started unsandboxed/);

        // Gated and logged like any upstream call.
        const executes = c.place.lines().filter((l) => l.event === "execute" && l.tool === "fs__read_text_file");
        assert.equal(executes.length, 6);
      } finally {
        await c.close();
        Deno.removeSync(homeCanary);
        Deno.removeSync(c.place.dir, { recursive: true });
      }
    },
  });
}
