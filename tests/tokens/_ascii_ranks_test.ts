import assert from "node:assert/strict";
import o200k from "gpt-tokenizer/encoding/o200k_base";
import cl100k from "gpt-tokenizer/encoding/cl100k_base";
import * as aiClaude from "ai-tokenizer/encoding/claude";
import { AsciiRanks, MAX_KEY_LENGTH, MAX_RANK } from "../../src/tokens/_ascii_ranks.ts";

type Api = { bytePairEncodingCoreProcessor: { bytePairStringRankEncoder: Map<string, number> } };
const VOCABS: Record<string, Map<string, number>> = {
  o200k_base: (o200k as unknown as Api).bytePairEncodingCoreProcessor.bytePairStringRankEncoder,
  cl100k_base: (cl100k as unknown as Api).bytePairEncodingCoreProcessor.bytePairStringRankEncoder,
  claude: new Map(Object.entries(aiClaude.stringEncoder as Record<string, number>)),
};

const isAscii = (s: string) => [...s].every((c) => c.charCodeAt(0) < 128) && s.length <= MAX_KEY_LENGTH;

for (const [name, map] of Object.entries(VOCABS)) {
  Deno.test(`AsciiRanks ${name}: every ASCII token has the Map's rank, in place inside a longer string`, () => {
    const table = AsciiRanks.from(map);
    let ascii = 0;
    for (const [k, r] of map) {
      if (!isAscii(k)) continue;
      ascii++;
      assert.equal(table.rank(k, 0, k.length), r, JSON.stringify(k));
      const framed = `\u00e9${k}\u00e9`; // a non-ASCII frame: must not leak into the key
      assert.equal(table.rank(framed, 1, k.length + 1), r, JSON.stringify(k));
    }
    assert.equal(table.size, ascii);
    assert.ok(ascii > 10_000);
  });

  Deno.test(`AsciiRanks ${name}: strings that are no token are -1, as the Map says undefined`, () => {
    const table = AsciiRanks.from(map);
    let x = 3;
    const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const keys = [...map.keys()].filter(isAscii);
    let misses = 0;
    for (let i = 0; i < 20_000; i++) {
      // a token with one character changed, cut, or extended: near misses that share hashes' inputs
      const k = keys[Math.floor(rnd() * keys.length)]!;
      const p = Math.floor(rnd() * (k.length + 1));
      const c = String.fromCharCode(32 + Math.floor(rnd() * 95));
      const s = rnd() < 0.5 ? k.slice(0, p) + c + k.slice(p + 1) : k.slice(0, p) + c + k.slice(p);
      const want = map.get(s) ?? -1;
      if (want === -1) misses++;
      assert.equal(table.rank(s, 0, s.length), want, JSON.stringify(s));
      assert.equal(table.rank(s + "é", 0, s.length), want, "a range that stops before the end");
    }
    assert.ok(misses > 1000);
    for (const s of ["constructor", "valueOf", "__proto__", "toString"]) {
      assert.equal(table.rank(s, 0, s.length), map.get(s) ?? -1);
    }
  });
}

Deno.test("AsciiRanks: non-ASCII and too long keys are left out, bad ranks refused, objects read own keys", () => {
  const t = AsciiRanks.from(new Map([["ab", 1], ["é", 2], ["aé", 3], ["", 5]]));
  assert.equal(t.size, 2);
  assert.equal(t.rank("ab", 0, 2), 1);
  assert.equal(t.rank("", 0, 0), 5);
  assert.equal(t.rank("aé", 0, 2), -1);
  assert.equal(t.rank("a", 0, 1), -1);
  assert.throws(
    () => AsciiRanks.from(new Map([["x", -1]])),
    /rank must be an integer from 0 to 1048575, got -1 for "x"/,
  );
  assert.throws(() => AsciiRanks.from({ x: MAX_RANK + 1 }), /got 1048576 for "x"/);
  assert.throws(() => AsciiRanks.from({ x: 1.5 }), /got 1.5 for "x"/);
  const top = AsciiRanks.from({ x: MAX_RANK, ["y".repeat(MAX_KEY_LENGTH)]: 7, ["z".repeat(MAX_KEY_LENGTH + 1)]: 8 });
  assert.equal(top.rank("x", 0, 1), MAX_RANK);
  assert.equal(top.rank("y".repeat(MAX_KEY_LENGTH), 0, MAX_KEY_LENGTH), 7);
  assert.equal(top.rank("z".repeat(MAX_KEY_LENGTH + 1), 0, MAX_KEY_LENGTH + 1), -1, "too long for the table");
  assert.equal(top.size, 2);
  const inherited = AsciiRanks.from(Object.assign(Object.create({ valueOf: 9 }), { a: 1 }));
  assert.equal(inherited.size, 1);
  assert.equal(inherited.rank("valueOf", 0, 7), -1, "an inherited property is no token");
});
