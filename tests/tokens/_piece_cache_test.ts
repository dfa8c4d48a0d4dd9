import assert from "node:assert/strict";
import {
  PIECE_CACHE_CHARS,
  PIECE_CACHE_ENTRIES,
  PIECE_CACHE_LONGEST,
  PieceCache,
} from "../../src/tokens/_piece_cache.ts";

Deno.test("PieceCache: a piece is found by its characters wherever it stands; a shared hash is not enough", () => {
  const c = new PieceCache();
  c.add("xx hello", 2, 8, 7, 3);
  assert.equal(c.find(" hello", 0, 6, 7), 3);
  assert.equal(c.find(" hellp", 0, 6, 7), -1, "same hash and length, one character differs");
  assert.equal(c.find(" hell", 0, 5, 7), -1, "same hash, shorter");
  assert.equal(c.find(" hello", 0, 6, 8), -1, "another hash");
  // pieces whose hashes are all equal chain in neighbouring slots and are told apart by their characters
  for (let i = 0; i < 500; i++) c.add(`w${i}`, 0, `w${i}`.length, 7, i);
  for (let i = 0; i < 500; i++) assert.equal(c.find(`<w${i}>`, 1, `w${i}`.length + 1, 7), i);
  assert.equal(c.find(" hello", 0, 6, 7), 3);
  assert.equal(c.find("é中🎉", 0, 4, 7), -1);
  c.add("é中🎉", 0, 4, 7, 9);
  assert.equal(c.find("aé中🎉", 1, 5, 7), 9, "UTF-16 code units, not only ASCII");
});

Deno.test("PieceCache: it grows past its first size and keeps every piece", () => {
  const c = new PieceCache();
  for (let i = 0; i < 100_000; i++) c.add(` p${i}`, 0, ` p${i}`.length, Math.imul(i, 2654435761), i % 7);
  assert.equal(c.size, 100_000);
  for (let i = 0; i < 100_000; i += 997) {
    assert.equal(c.find(` p${i}`, 0, ` p${i}`.length, Math.imul(i, 2654435761)), i % 7);
  }
});

Deno.test("PieceCache: emptied at PIECE_CACHE_ENTRIES pieces or PIECE_CACHE_CHARS characters; long pieces not kept", () => {
  const c = new PieceCache();
  for (let i = 0; i < PIECE_CACHE_ENTRIES; i++) c.add(`${i}`, 0, `${i}`.length, i, 1);
  assert.equal(c.size, PIECE_CACHE_ENTRIES);
  assert.equal(c.find("0", 0, 1, 0), 1);
  c.add("new", 0, 3, -1, 2);
  assert.equal(c.size, 1, "emptied, then the new piece kept");
  assert.equal(c.find("0", 0, 1, 0), -1);
  assert.equal(c.find("new", 0, 3, -1), 2);

  const long = "x".repeat(PIECE_CACHE_LONGEST);
  c.add(long + "x", 0, PIECE_CACHE_LONGEST + 1, 5, 1);
  assert.equal(c.find(long + "x", 0, PIECE_CACHE_LONGEST + 1, 5), -1, "longer than PIECE_CACHE_LONGEST: not kept");
  // pieces of PIECE_CACHE_LONGEST characters (told apart by their hashes here) until the characters are full
  const d = new PieceCache();
  const pieces = PIECE_CACHE_CHARS / PIECE_CACHE_LONGEST;
  assert.ok(Number.isInteger(pieces) && pieces < PIECE_CACHE_ENTRIES);
  for (let i = 0; i < pieces; i++) d.add(long, 0, long.length, i, 4);
  assert.equal(d.size, pieces);
  assert.equal(d.find(long, 0, long.length, 3), 4);
  d.add("y", 0, 1, -2, 4);
  assert.equal(d.size, 1, "the characters were full: emptied");
  assert.equal(d.find(long, 0, long.length, 3), -1);
  assert.equal(d.find("y", 0, 1, -2), 4);
});
