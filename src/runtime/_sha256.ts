/**
 * SHA-256 (FIPS 180-4) in plain JavaScript, for the witness chain's one hash per line.
 *
 * Why not `node:crypto`: under Deno every `createHash` (and `crypto.hash`) allocates a native hasher that is freed
 * only by a full garbage collection, so a long session's resident memory grows by tens of MiB with the hashes it
 * made (measured: +66 MiB over 800,000 hashes in a loop, +15 MiB over 90,000 `serve` calls). Hashing in
 * JavaScript allocates nothing but the result string; it runs at about 100-150 MB/s, so for a line of a few hundred
 * bytes it costs 2-5 µs (the native call: 1-2 µs). Inputs over {@linkcode JS_HASH_MAX_BYTES} go to `node:crypto`,
 * where the hashing, not the object, is the cost.
 *
 * @module
 */
import { nodeCrypto } from "./node_crypto.ts";

/** Inputs up to this many bytes are hashed in JavaScript; longer ones by `node:crypto`. */
export const JS_HASH_MAX_BYTES = 2048;

const K = new Int32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);
const IV = new Int32Array([
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
]);
// The byte-to-hex table, built at the first hash: a process that never hashes in JavaScript (Bun) never builds it.
let HEX: string[] | null = null;

function _hexTable(): string[] {
  const t = new Array<string>(256);
  for (let i = 0; i < 256; i++) t[i] = i.toString(16).padStart(2, "0");
  return t;
}

// Scratch state, reused by every call (the function is synchronous, so calls never interleave).
const W = new Int32Array(64);
const H = new Int32Array(8);
const TAIL = new Uint8Array(128);

function compress(b: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++, off += 4) {
    W[i] = (b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15]!;
    const y = W[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = H[0]!, b1 = H[1]!, c = H[2]!, d = H[3]!, e = H[4]!, f = H[5]!, g = H[6]!, h = H[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b1) ^ (a & c) ^ (b1 & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b1;
    b1 = a;
    a = (t1 + t2) | 0;
  }
  H[0] = H[0]! + a;
  H[1] = H[1]! + b1;
  H[2] = H[2]! + c;
  H[3] = H[3]! + d;
  H[4] = H[4]! + e;
  H[5] = H[5]! + f;
  H[6] = H[6]! + g;
  H[7] = H[7]! + h;
}

/**
 * The SHA-256 of `data` as 64 lowercase hex digits (in JavaScript up to {@linkcode JS_HASH_MAX_BYTES}, natively
 * beyond).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Hex } from "./_sha256.ts";
 * assert.equal(sha256Hex(new TextEncoder().encode("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
 * assert.equal(sha256Hex(new Uint8Array(0)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
 * ```
 */
export function sha256Hex(data: Uint8Array): string {
  return data.length > JS_HASH_MAX_BYTES
    ? nodeCrypto().createHash("sha256").update(data).digest("hex")
    : jsSha256Hex(data);
}

/**
 * The SHA-256 of `data` in JavaScript, whatever its length (exported for tests against `node:crypto`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsSha256Hex } from "./_sha256.ts";
 * assert.equal(jsSha256Hex(new TextEncoder().encode("abc")).slice(0, 8), "ba7816bf");
 * ```
 */
export function jsSha256Hex(data: Uint8Array): string {
  H.set(IV);
  const n = data.length;
  const full = n - (n % 64);
  for (let off = 0; off < full; off += 64) compress(data, off);
  const rest = n - full;
  const tail = rest < 56 ? 64 : 128;
  TAIL.fill(0);
  TAIL.set(data.subarray(full), 0);
  TAIL[rest] = 0x80;
  // The message length in bits, big-endian, in the last 8 bytes (lengths up to 2^53 bits).
  const hi = Math.floor(n / 0x20000000);
  const lo = (n * 8) >>> 0;
  TAIL[tail - 8] = hi >>> 24;
  TAIL[tail - 7] = hi >>> 16;
  TAIL[tail - 6] = hi >>> 8;
  TAIL[tail - 5] = hi;
  TAIL[tail - 4] = lo >>> 24;
  TAIL[tail - 3] = lo >>> 16;
  TAIL[tail - 2] = lo >>> 8;
  TAIL[tail - 1] = lo;
  compress(TAIL, 0);
  if (tail === 128) compress(TAIL, 64);
  const hex = HEX ??= _hexTable();
  let s = "";
  for (let i = 0; i < 8; i++) {
    const v = H[i]!;
    s += hex[v >>> 24]! + hex[(v >>> 16) & 255]! + hex[(v >>> 8) & 255]! + hex[v & 255]!;
  }
  return s;
}
