// A hostile Streamable HTTP endpoint for the tests (node _http_hostile.mjs json|sse): every POST gets a 2 MiB answer,
// as one JSON body or as one server-sent event. Listens on 127.0.0.1 and prints "LOOPBACK_PORT=<port>" on stderr.
import http from "node:http";
import process from "node:process";

const mode = process.argv[2] ?? "json";
const big = "x".repeat(2 * 1024 * 1024);
const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    const id = JSON.parse(body).id ?? null;
    const answer = JSON.stringify({ jsonrpc: "2.0", id, result: { padding: big } });
    if (mode === "sse") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(`event: message\ndata: ${answer}\n\n`);
    } else {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(answer);
    }
  });
});
server.listen(0, "127.0.0.1", () => process.stderr.write(`LOOPBACK_PORT=${server.address().port}\n`));
