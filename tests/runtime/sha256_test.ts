import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { JS_HASH_MAX_BYTES, jsSha256Hex, sha256Hex } from "../../src/runtime/_sha256.ts";

const native = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

Deno.test("sha256: the JavaScript hash equals node:crypto at every length around the block and padding edges", () => {
  for (let n = 0; n <= 300; n++) {
    const b = new Uint8Array(n).map((_, i) => (i * 131 + n * 7) & 255);
    assert.equal(jsSha256Hex(b), native(b), `length ${n}`);
  }
  // random contents and lengths, deterministic
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let k = 0; k < 200; k++) {
    const b = new Uint8Array(rnd() % 5000).map(() => rnd() & 255);
    assert.equal(jsSha256Hex(b), native(b), `random length ${b.length}`);
  }
  // FIPS 180-2 vectors
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.equal(
    jsSha256Hex(enc("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
  assert.equal(
    jsSha256Hex(new Uint8Array(1_000_000).fill(0x61)),
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
  );
});

Deno.test("sha256Hex: JavaScript up to the limit, node:crypto beyond, the same digest either way", () => {
  for (const n of [JS_HASH_MAX_BYTES - 1, JS_HASH_MAX_BYTES, JS_HASH_MAX_BYTES + 1, 100_000]) {
    const b = new Uint8Array(n).map((_, i) => i & 255);
    assert.equal(sha256Hex(b), native(b));
  }
  // the scratch state is reset between calls: the same input twice, interleaved with another
  const a = new TextEncoder().encode("a");
  const first = sha256Hex(a);
  sha256Hex(new Uint8Array(130).fill(1));
  assert.equal(sha256Hex(a), first);
});
