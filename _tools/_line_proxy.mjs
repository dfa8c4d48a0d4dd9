// The floor of one process hop, for `deno task bench --only gateway`: a bare JSON-RPC line proxy in front of a
// stdio MCP server (node _line_proxy.mjs PREFIX COMMAND ARGS…). It parses each line and writes it on, strips PREFIX
// from tools/call names, and does nothing else: no gate, no log, no checks. Not part of safe-exec.
import { spawn } from "node:child_process";

const [prefix, command, ...args] = process.argv.slice(2);
const server = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });

function lines(stream, onLine) {
  let buffered = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk) => {
    buffered += chunk;
    let i;
    while ((i = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      if (line.trim() !== "") onLine(line);
    }
  });
}

lines(process.stdin, (line) => {
  const m = JSON.parse(line);
  if (m.method === "tools/call" && typeof m.params?.name === "string" && m.params.name.startsWith(prefix)) {
    m.params.name = m.params.name.slice(prefix.length);
  }
  server.stdin.write(JSON.stringify(m) + "\n");
});
lines(server.stdout, (line) => process.stdout.write(JSON.stringify(JSON.parse(line)) + "\n"));
process.stdin.on("end", () => server.kill());
