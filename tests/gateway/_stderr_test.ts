import assert from "node:assert/strict";
import { MAX_STDERR_LINE, readStderr } from "../../src/gateway/_stderr.ts";

function stream(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

Deno.test("readStderr: lines split over chunks, CRLF, an unfinished last line; the tail is bounded", async () => {
  const lines: string[] = [];
  const tails: string[] = [];
  await readStderr(stream(["warn: a", "\r\nerr", "or: b\n", "\n", "last"]).getReader(), {
    tailBytes: 10,
    onTail: (t) => tails.push(t),
    onLine: (l) => lines.push(l),
  });
  assert.deepEqual(lines, ["warn: a", "error: b", "last"]);
  assert.ok(tails.every((t) => t.length <= 10));
  assert.equal(tails.at(-1), "r: b\n\nlast");
});

Deno.test("readStderr: a line longer than 4 KiB is cut, the rest of it dropped; without onLine only the tail", async () => {
  const lines: string[] = [];
  const long = "x".repeat(MAX_STDERR_LINE * 2 + 10);
  await readStderr(stream([long.slice(0, 5000), long.slice(5000) + "\nok\n"]).getReader(), {
    tailBytes: 4,
    onTail: () => {},
    onLine: (l) => lines.push(l),
  });
  assert.ok(lines.length >= 2 && lines.every((l) => l.length <= MAX_STDERR_LINE));
  assert.equal(lines[0], "x".repeat(MAX_STDERR_LINE));
  assert.equal(lines.at(-1), "ok");
  let tail = "";
  await readStderr(stream(["a\nb\nc"]).getReader(), { tailBytes: 3, onTail: (t) => (tail = t) });
  assert.equal(tail, "b\nc");
});
