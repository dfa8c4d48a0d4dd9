import assert from "node:assert/strict";
import { LineFramer } from "../../src/gateway/_line_framer.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function framer(maxBytes: number) {
  const lines: string[] = [];
  const state = { open: true, tooLong: 0, messages: 0 };
  const f = new LineFramer(maxBytes, {
    open: () => state.open,
    line: (l) => {
      lines.push(text(l));
      return l.length > 0 && l[0] === 123; // "{": a message
    },
    tooLong: () => {
      state.tooLong++;
      state.open = false;
    },
  });
  return { f, lines, state };
}

Deno.test("LineFramer: lines split over chunks are joined; a reused chunk buffer does not change held bytes", async () => {
  const { f, lines } = framer(100);
  const buf = new Uint8Array(4);
  buf.set(bytes("abcd"));
  await f.push(buf);
  buf.set(bytes("ef\ng")); // the runtime reuses its buffer for the next read
  await f.push(buf);
  buf.set(bytes("h\n\n{"));
  await f.push(buf);
  await f.push(bytes("x}\n"));
  assert.deepEqual(lines, ["abcdef", "gh", "", "{x}"]);
});

Deno.test("LineFramer: exactly the cap passes; one byte more is too long, whole or held across chunks", async () => {
  const ok = framer(5);
  await ok.f.push(bytes("12345\n"));
  assert.deepEqual([ok.lines, ok.state.tooLong], [["12345"], 0]);
  const whole = framer(5);
  await whole.f.push(bytes("123456\nnext\n"));
  assert.deepEqual([whole.lines, whole.state.tooLong], [[], 1]);
  const held = framer(5);
  await held.f.push(bytes("123"));
  await held.f.push(bytes("456"));
  assert.equal(held.state.tooLong, 1, "called as soon as the held bytes pass the cap, before any newline");
  assert.deepEqual(held.lines, []);
});

Deno.test("LineFramer: nothing is delivered once closed, and clear() drops a held line", async () => {
  const { f, lines, state } = framer(100);
  await f.push(bytes("held"));
  f.clear();
  await f.push(bytes("new\n"));
  assert.deepEqual(lines, ["new"]);
  state.open = false;
  await f.push(bytes("late\n"));
  assert.deepEqual(lines, ["new"]);
});
