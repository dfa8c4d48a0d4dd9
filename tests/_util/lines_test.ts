import assert from "node:assert/strict";
import { forEachLine, type LineItem, LineSplitter, readLines } from "../../src/_util/lines.ts";

function streamOf(chunks: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const ch of chunks) c.enqueue(typeof ch === "string" ? enc.encode(ch) : ch);
      c.close();
    },
  });
}
async function all(s: ReadableStream<Uint8Array>, max = 100): Promise<Array<string | number>> {
  const out: Array<string | number> = [];
  for await (const item of readLines(s, max) as AsyncGenerator<LineItem>) {
    out.push("line" in item ? new TextDecoder().decode(item.line) : -item.tooLong);
  }
  return out;
}

Deno.test("lines split across chunks, CRLF kept for the parser, last line without newline", async () => {
  assert.deepEqual(await all(streamOf(["ab", "c\nde", "f\r\n", "\n", "g"])), ["abc", "def\r", "", "g"]);
});

Deno.test("a line over the cap is dropped and reported with its size; the next line is intact", async () => {
  assert.deepEqual(await all(streamOf(["x".repeat(60), "y".repeat(60), "\nok\n"]), 100), [-120, "ok"]);
  assert.deepEqual(await all(streamOf(["z".repeat(150)]), 100), [-150]);
  assert.deepEqual(await all(streamOf(["a".repeat(100), "\n"]), 100), ["a".repeat(100)], "exactly the cap is fine");
});

Deno.test("chunks are copied: a reused buffer does not corrupt earlier lines", async () => {
  // The producer hands out one buffer, refilled only after the reader took the previous chunk (highWaterMark 0:
  // pull runs when the reader asks), as a reader reusing its read buffer does. "aaaa" is still pending (no newline
  // yet) when the buffer becomes "bbbb": only a copy keeps it.
  const buf = new Uint8Array(4);
  const fills = ["aaaa", "bbbb"];
  let pulls = 0;
  const s = new ReadableStream<Uint8Array>({
    pull(c) {
      const fill = fills[pulls++];
      if (fill !== undefined) {
        new TextEncoder().encodeInto(fill, buf);
        c.enqueue(buf);
      } else {
        c.enqueue(new TextEncoder().encode("\n"));
        c.close();
      }
    },
  }, { highWaterMark: 0 });
  assert.deepEqual(await all(s), ["aaaabbbb"]);
  assert.equal(pulls, 3, "each chunk was read before the next refill");
});

Deno.test("LineSplitter: lines across pushes, a reused chunk buffer, an over-long line between good ones", () => {
  const s = new LineSplitter(5);
  const buf = new Uint8Array(8);
  const push = (text: string) => {
    const n = new TextEncoder().encodeInto(text, buf).written;
    return s.push(buf.subarray(0, n)); // the caller reuses `buf` for the next chunk
  };
  const show = (items: LineItem[]) => items.map((i) => "line" in i ? new TextDecoder().decode(i.line) : -i.tooLong);
  assert.deepEqual(show(push("ab")), []);
  assert.deepEqual(show(push("c\nde")), ["abc"]);
  assert.deepEqual(show(push("fghij\nk")), [-7], "'defghij' is over 5 bytes: dropped, its size reported");
  assert.deepEqual(show(push("\n\n")), ["k", ""]);
  assert.deepEqual(show(s.end()), [], "nothing pending");
  assert.deepEqual(show(push("tail")), []);
  assert.deepEqual(show(s.end()), ["tail"], "the last line needs no newline");
});

Deno.test("forEachLine reads from a chunk function as from a stream (the runtime's readStdin)", async () => {
  const chunks = ["one\ntw", "o\n", "\xff"].map((t) => Uint8Array.from(t, (c) => c.charCodeAt(0)));
  const seen: string[] = [];
  await forEachLine(() => Promise.resolve(chunks.shift() ?? null), 100, {
    line: (t) => seen.push(t),
    tooLong: (n) => seen.push(`too long ${n}`),
    invalidUtf8: () => seen.push("bad utf-8"),
  });
  assert.deepEqual(seen, ["one", "two", "bad utf-8"]);
});
