/**
 * A short scripted agent session against the real server: a ready-made workspace and config, then calls that
 * show ALLOW, ASK (approved and declined) and DENY as fatigue rises, and finally the witness log verified.
 *
 *   deno task demo            (keeps its files in a fresh temp folder and prints where)
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DENO_RUN_FLAGS } from "../build.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = mkdtempSync(join(tmpdir(), "safe-exec-demo-"));
writeFileSync(
  join(dir, "safe-exec.jsonc"),
  `// The demo's config: SPEC §6 defaults, spelled out.
{
  "workspace": "./workspace",
  "witness": { "path": "./witness.log" },
  "metrics": { "maxContext": 4000, "maxDuration": 1800, "maxErrors": 5 },
  "policy": { "thresholds": [0.35, 0.7], "alwaysAskHigh": true },
  "confirm": "client"
}
`,
);

const flags = DENO_RUN_FLAGS; // the binary's permissions and V8 flags (build.ts), never -A
const server = new Deno.Command(Deno.execPath(), {
  args: ["run", ...flags, join(root, "src/main.ts"), "serve"],
  cwd: dir,
  stdin: "piped",
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const writer = server.stdin.getWriter();
const enc = new TextEncoder();
const send = (m: unknown) => writer.write(enc.encode(JSON.stringify(m) + "\n"));

// Read responses; answer confirm_requests from a script of approvals.
const waiting = new Map<unknown, (r: Record<string, unknown>) => void>();
const approvals = new Map<unknown, boolean>();
(async () => {
  let buf = "";
  for await (const chunk of server.stdout.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf("\n")) !== -1) {
      const msg = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      if (msg.type === "confirm_request") {
        const yes = approvals.get(msg.id) ?? false;
        console.log(`   ? confirm_request for ${msg.tool}: ${msg.rationale}`);
        console.log(`   ${yes ? "✔ the operator approves" : "✘ the operator declines"}`);
        await send({ type: "confirm", id: msg.id, approve: yes });
      } else {
        waiting.get(msg.id)?.(msg);
      }
    }
  }
})();

let nextId = 1;
function call(m: Record<string, unknown>): Promise<Record<string, unknown>> {
  const id = nextId++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    send({ id, ...m });
  });
}

async function tool(name: string, args: Record<string, unknown>, approve = false, note = "") {
  approvals.set(nextId, approve);
  const r = await call({ tool: name, args });
  const shown = typeof r.output === "string" ? JSON.stringify(r.output) : r.error ?? JSON.stringify(r.output);
  console.log(
    `→ ${name.padEnd(11)} ${String(r.decision).toUpperCase().padEnd(5)} ${
      r.skipped ? "skipped" : r.ok ? "ran" : "failed"
    }` +
      `  fatigue=${Number(r.fatigue).toFixed(2)} risk=${r.risk}  ${String(shown).slice(0, 70)}${
        note ? "   " + note : ""
      }`,
  );
  return r;
}

async function metrics(m: Record<string, unknown>, label: string) {
  const r = await call({ type: "metrics", ...m });
  console.log(`~ ${label}: fatigue is now ${Number(r.fatigue).toFixed(2)}`);
}

console.log(`safe-exec demo in ${dir}\n`);
console.log("A fresh session: fatigue 0.");
await tool("write_file", { path: "notes.txt", content: "remember the milk\n" }, false, "(medium risk, low fatigue)");
await tool("read_file", { path: "notes.txt" });
await tool("read_file", { path: "../safe-exec.jsonc" }, false, "(an escape attempt)");
await tool("delete_file", { path: "notes.txt" }, true, "(high risk always asks)");

console.log("\nThe session wears on: the context grows and errors pile up.");
await metrics({ contextTokens: 3000, errorOccurred: true }, "context 3000 tokens, one more error");
await tool("write_file", { path: "plan.md", content: "step 1\n" }, false, "(medium risk, tired)");
await tool("list_dir", { path: "." }, false, "(low risk is still fine)");

console.log("\nCritical fatigue.");
await metrics({ contextTokens: 4000, errorOccurred: true }, "context full, another error");
await metrics({ errorOccurred: true }, "and another");
await metrics({ errorOccurred: true }, "and another");
await tool("delete_dir", { path: "." }, true, "(high risk, exhausted: denied outright)");
await tool("write_file", { path: "plan.md", content: "rm -rf everything\n" }, true, "(medium risk, exhausted)");
await tool("list_dir", { path: "." }, true, "(even low risk now asks)");

console.log("\nThe agent flushes its context; the errors still count until the session is reset.");
await metrics({ contextTokens: 0 }, "context flushed");
const fresh = await call({ type: "reset" });
console.log(`~ session reset: fatigue is now ${Number(fresh.fatigue).toFixed(2)}`);
await tool("write_file", { path: "plan.md", content: "step 1\n" });

const stats = await call({ type: "stats" });
console.log("\nwitness log stats:", JSON.stringify((stats.stats as Record<string, unknown>).byDecision));
await writer.close();
await server.status;

const verify = await new Deno.Command(Deno.execPath(), {
  args: ["run", ...flags, join(root, "src/main.ts"), "log", "verify"],
  cwd: dir,
}).output();
console.log(`safe-exec log verify: ${new TextDecoder().decode(verify.stdout).trim()}`);
console.log(`\nLook around: ${join(dir, "witness.log")} (one JSON line per event, hash-chained)`);
if (verify.code !== 0) Deno.exit(1);
