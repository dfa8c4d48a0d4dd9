/**
 * How a file name that is not valid UTF-8 is shown (list_dir, messages).
 *
 * Such a name is shown with each byte that is not part of a valid UTF-8 sequence as `\xHH` and each backslash as
 * `\\`, so the escaped form is unambiguous (it can be turned back into the bytes). Where the runtime hands over the
 * name already decoded with U+FFFD in place of the bytes (Deno), the bytes are unknown: each U+FFFD is shown as
 * `\x??`.
 *
 * Runtime-free.
 *
 * @module
 */

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The name as text when its bytes are valid UTF-8, else null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { utf8Name } from "./names.ts";
 * assert.equal(utf8Name(new Uint8Array([0x61, 0x62])), "ab");
 * assert.equal(utf8Name(new Uint8Array([0x61, 0xff])), null);
 * ```
 */
export function utf8Name(bytes: Uint8Array): string | null {
  try {
    return strict.decode(bytes);
  } catch {
    return null;
  }
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there does not start one. */
function sequenceAt(b: Uint8Array, i: number): number {
  const c = b[i] as number;
  if (c < 0x80) return 1;
  const cont = (k: number) => i + k < b.length && ((b[i + k] as number) & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const c1 = b[i + 1] as number;
    if (c === 0xe0 && c1 < 0xa0) return 0; // overlong
    if (c === 0xed && c1 >= 0xa0) return 0; // a UTF-16 surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const c1 = b[i + 1] as number;
    if (c === 0xf0 && c1 < 0x90) return 0; // overlong
    if (c === 0xf4 && c1 >= 0x90) return 0; // above U+10FFFF
    return 4;
  }
  return 0;
}

/**
 * The escaped form of a name's bytes (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeNameBytes } from "./names.ts";
 * assert.equal(escapeNameBytes(new Uint8Array([0x64, 0xff, 0x5c, 0xc3, 0xa9])), "d\\xff\\\\é");
 * ```
 */
export function escapeNameBytes(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceAt(bytes, i);
    if (n === 0) {
      out += `\\x${(bytes[i] as number).toString(16).padStart(2, "0")}`;
      i++;
      continue;
    }
    const text = strict.decode(bytes.subarray(i, i + n));
    out += text === "\\" ? "\\\\" : text;
    i += n;
  }
  return out;
}

/**
 * The escaped form of a name the runtime decoded with U+FFFD for its invalid bytes (Deno): the bytes are unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeLossyName } from "./names.ts";
 * assert.equal(escapeLossyName("d\uFFFDir\\x"), "d\\x??ir\\\\x");
 * ```
 */
export function escapeLossyName(name: string): string {
  return name.replaceAll("\\", "\\\\").replaceAll("\uFFFD", "\\x??");
}
