/**
 * SHA-256 behind the runtime seam: Bun's native hasher where it runs (about twice as fast per small line as
 * `node:crypto`); elsewhere (Deno) the plain-JavaScript hash of `../_sha256.ts` for the small inputs a server hashes
 * once per witness line (Deno's native hashers are freed only by a full GC, so a long session's memory grew with
 * them), and `node:crypto` for large inputs and for bulk work (`sha256Into`, used by `log verify`).
 *
 * @module
 */
import { nodeCrypto } from "./node_crypto.ts";
import { sha256Hex as smallSha256Hex } from "./_sha256.ts";

// deno-lint-ignore no-explicit-any
const B = (globalThis as any).Bun;
const bunSha256: ((data: Uint8Array, out: Uint8Array | "hex") => Uint8Array | string) | null =
  B?.SHA256 && typeof B.SHA256.hash === "function" ? B.SHA256.hash.bind(B.SHA256) : null;

/**
 * Write the SHA-256 of `data` into `out` (32 bytes at `out`'s start).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Into } from "./hash.ts";
 * const out = new Uint8Array(32);
 * sha256Into(new TextEncoder().encode("abc"), out);
 * assert.equal(out[0], 0xba);
 * ```
 */
export function sha256Into(data: Uint8Array, out: Uint8Array): void {
  if (bunSha256) {
    bunSha256(data, out);
    return;
  }
  out.set(nodeCrypto().createHash("sha256").update(data).digest());
}

/**
 * The SHA-256 of `data` as 64 lowercase hex digits (a string is hashed as UTF-8).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Hex } from "./hash.ts";
 * assert.equal(sha256Hex("abc").slice(0, 8), "ba7816bf");
 * ```
 */
export function sha256Hex(data: Uint8Array | string): string {
  if (bunSha256) {
    return bunSha256(typeof data === "string" ? new TextEncoder().encode(data) : data, "hex") as string;
  }
  return smallSha256Hex(typeof data === "string" ? new TextEncoder().encode(data) : data);
}
