/**
 * A DNS sink for the loopback-only namespace: answers every query NXDOMAIN and logs the names asked for, so a
 * test can tell which hosts a CLI tried to reach. UDP on 127.0.0.1:53 (the namespace's resolv.conf points there).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dnsQuestion, dnsNxdomain } from "./dns_sink.ts";
 * // A query for "a.io", type A, class IN.
 * const q = new Uint8Array([0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 97, 2, 105, 111, 0, 0, 1, 0, 1]);
 * assert.deepEqual(dnsQuestion(q), { name: "a.io", type: 1 });
 * const r = dnsNxdomain(q);
 * assert.equal(r[3]! & 0x0f, 3); // RCODE NXDOMAIN
 * ```
 *
 * @module
 */
import { appendFileSync } from "node:fs";
import { createSocket, type Socket } from "node:dgram";

/** The first question of a DNS message, or null when it cannot be read. */
export function dnsQuestion(
  msg: Uint8Array,
): { name: string; type: number } | null {
  if (msg.length < 12) return null;
  const labels: string[] = [];
  let i = 12;
  while (i < msg.length) {
    const len = msg[i]!;
    if (len === 0) {
      i++;
      break;
    }
    if (len > 63 || i + 1 + len > msg.length) return null;
    labels.push(new TextDecoder().decode(msg.subarray(i + 1, i + 1 + len)));
    i += 1 + len;
  }
  if (i + 4 > msg.length) return null;
  return { name: labels.join("."), type: (msg[i]! << 8) | msg[i + 1]! };
}

/** The NXDOMAIN answer to a query: its id and question, QR+RD+RA set, RCODE 3, no records. */
export function dnsNxdomain(query: Uint8Array): Uint8Array {
  const q = dnsQuestion(query);
  let end = 12;
  if (q !== null) {
    while (end < query.length && query[end] !== 0) end += query[end]! + 1;
    end += 5;
  }
  const out = new Uint8Array(Math.min(end, query.length));
  out.set(query.subarray(0, out.length));
  out[2] = 0x81 | (query[2]! & 0x01); // QR, opcode 0, RD copied
  out[3] = 0x83; // RA, RCODE NXDOMAIN
  out[4] = 0;
  out[5] = q !== null ? 1 : 0; // QDCOUNT
  out.fill(0, 6, 12); // ANCOUNT, NSCOUNT, ARCOUNT
  return out;
}

/** Start the sink; every name asked for is appended to `logFile` as `{t,name,type}` JSON lines. */
export function startDnsSink(
  logFile: string,
  port = 53,
): Promise<{ close(): Promise<void> }> {
  const socket: Socket = createSocket("udp4");
  socket.on("message", (msg, rinfo) => {
    const q = dnsQuestion(msg);
    appendFileSync(
      logFile,
      JSON.stringify({
        t: new Date().toISOString(),
        name: q?.name ?? null,
        type: q?.type ?? null,
      }) + "\n",
    );
    socket.send(dnsNxdomain(msg), rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(
      port,
      "127.0.0.1",
      () =>
        resolve({
          close: () => new Promise<void>((done) => socket.close(() => done())),
        }),
    );
  });
}
