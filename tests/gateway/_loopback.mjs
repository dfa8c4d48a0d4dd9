// A node preload for the tests (node --import ./_loopback.mjs server.js): every HTTP server of the process listens
// on 127.0.0.1 only (server-everything's CLI takes a PORT but no host), and prints the port it got on stderr as
// "LOOPBACK_PORT=<port>", so a test can ask for port 0.
import http from "node:http";
import process from "node:process";

const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" || typeof args[0] === "string") {
    const port = Number(args[0]);
    const callback = typeof args[args.length - 1] === "function" ? args[args.length - 1] : undefined;
    this.once("listening", () => process.stderr.write(`LOOPBACK_PORT=${this.address().port}\n`));
    return callback ? listen.call(this, port, "127.0.0.1", callback) : listen.call(this, port, "127.0.0.1");
  }
  return listen.apply(this, args);
};
