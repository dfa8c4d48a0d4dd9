/**
 * Drives an UpstreamManager from JSON lines on stdin, for the Streamable HTTP tests: the gateway's HTTP side needs
 * the network permission, which the binary's permission set (and so `deno task test`) does not grant, so the tests
 * run this with exactly `--allow-net=127.0.0.1`.
 *
 *   deno run --allow-read --allow-env --allow-net=127.0.0.1 _http_driver.ts '<servers section as JSON>' ['<limits>']
 *
 * stdin: `{"op":"list"}`, `{"op":"call","name":…,"args":{…},"timeoutMs"?:…}`, `{"op":"status"}`,
 * `{"op":"headers"}` (the headers of the requests sent so far), `{"op":"close"}`. stdout: one JSON answer a line.
 * Elicitations are accepted with `{"name":"Ada"}` and recorded; progress and log messages are recorded per call.
 *
 * @module
 */
import {
  parseServers,
  type UpstreamElicitation,
  UpstreamManager,
  type UpstreamProgress,
} from "../../src/gateway/mod.ts";

const servers = parseServers(JSON.parse(Deno.args[0]!), { baseDir: Deno.cwd() });
const elicitations: Omit<UpstreamElicitation, "signal">[] = [];
const warnings: string[] = [];
const headers: Record<string, string>[] = [];
const manager = new UpstreamManager(servers, undefined, {
  limits: JSON.parse(Deno.args[1] ?? "{}"),
  hooks: {
    onElicit: ({ server, params, calls }) => {
      elicitations.push({ server, params, calls });
      return Promise.resolve({ action: "accept", content: { name: "Ada" } });
    },
    onWarning: (w) => warnings.push(w.message),
  },
  fetch: (url, init) => {
    headers.push(Object.fromEntries(new Headers(init?.headers).entries()));
    return fetch(url, init);
  },
});

const out = Deno.stdout.writable.getWriter();
const encoder = new TextEncoder();
const reply = (value: unknown) => out.write(encoder.encode(JSON.stringify(value) + "\n"));

const decoder = new TextDecoder();
let buffer = "";
loop: for await (const chunk of Deno.stdin.readable) {
  buffer += decoder.decode(chunk, { stream: true });
  let nl: number;
  while ((nl = buffer.indexOf("\n")) >= 0) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    const req = JSON.parse(line) as { op: string; name?: string; args?: Record<string, unknown>; timeoutMs?: number };
    switch (req.op) {
      case "list":
        await reply(await manager.listTools());
        break;
      case "call": {
        const progress: UpstreamProgress[] = [];
        const before = elicitations.length;
        const result = await manager.call(req.name!, req.args ?? {}, {
          onProgress: (p) => progress.push(p),
          ...(req.timeoutMs !== undefined ? { timeoutMs: req.timeoutMs } : {}),
        });
        await reply({ ...result, progress, elicitations: elicitations.slice(before) });
        break;
      }
      case "status":
        await reply({ status: manager.status(), warnings });
        break;
      case "headers":
        await reply(headers);
        break;
      case "close":
        await manager.close();
        await reply({ closed: true });
        break loop;
    }
  }
}
await manager.close();
