/**
 * The gateway's upstream side inside a compiled Bun binary (built by bun_binary_test.ts with build.ts's Bun flags):
 * the official SDK client, the runtime seam's spawn, the stdio transport, against real servers. Prints one JSON
 * object with what it saw.
 *
 *   smoke <server-memory entry> <server-everything entry> <memory file>
 *
 * @module
 */
import { currentRuntime } from "../../src/runtime/mod.ts";
import { parseServers, runtimeSpawner, UpstreamManager, type UpstreamProgress } from "../../src/gateway/mod.ts";

const runtime = await currentRuntime();
const [memory, everything, memoryFile] = runtime.args();
const elicited: string[] = [];
const manager = new UpstreamManager(
  parseServers({
    memory: { command: ["node", memory!], env: { MEMORY_FILE_PATH: memoryFile! } },
    everything: { command: ["node", everything!, "stdio"] },
  }, { baseDir: "/" }),
  runtimeSpawner(runtime),
  {
    hooks: {
      onElicit: (r) => {
        elicited.push(String(r.params.message));
        return Promise.resolve({ action: "accept", content: { name: "Bun" } });
      },
    },
  },
);
try {
  const listing = await manager.listTools();
  const created = await manager.call("memory__create_entities", {
    entities: [{ name: "Grace", entityType: "person", observations: ["COBOL"] }],
  });
  const graph = await manager.call("memory__read_graph", {});
  const progress: UpstreamProgress[] = [];
  const slow = await manager.call("everything__trigger-long-running-operation", { duration: 0.2, steps: 2 }, {
    onProgress: (p) => progress.push(p),
  });
  const asked = await manager.call("everything__trigger-elicitation-request", {});
  const pid = manager.status()[1]!.pid!;
  const inFlight = manager.call("everything__trigger-long-running-operation", { duration: 10, steps: 10 });
  await new Promise((r) => setTimeout(r, 200));
  runtime.kill(pid, "SIGKILL");
  const died = await inFlight;
  const again = await manager.call("everything__echo", { message: "after restart" });
  const text = (r: { result: { content: unknown[] } | null }) =>
    (r.result?.content ?? []).map((c) => (c as { text?: string }).text ?? "").join("\n");
  console.log(JSON.stringify({
    runtime: runtime.name,
    tools: listing.tools.length,
    errors: listing.errors,
    risks: Object.fromEntries(listing.tools.map((t) => [t.name, t.risk])),
    created: created.ok,
    graph: text(graph),
    progress: progress.length,
    slow: slow.ok,
    elicited,
    asked: text(asked),
    died: died.errorCode,
    diedError: died.error,
    again: text(again),
    starts: manager.status()[1]!.starts,
  }));
} finally {
  await manager.close();
}
