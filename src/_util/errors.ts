/**
 * Reading a system error: its errno code, and the code with its reason in a line (`ENOSPC: no space left on
 * device`), the same from `node:fs` under either runtime.
 *
 * Runtime-free.
 *
 * @module
 */

/**
 * The errno code of a system error (`"ENOENT"`), or undefined when `e` carries none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errCode } from "./errors.ts";
 * assert.equal(errCode(Object.assign(new Error("x"), { code: "EACCES" })), "EACCES");
 * assert.equal(errCode(new Error("x")), undefined);
 * assert.equal(errCode(null), undefined);
 * ```
 */
export function errCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;
}

/**
 * A system error as `CODE: reason`, without the path and the call the runtime appends (`, open '/x'`, `(os error
 * 28)`); an error without a code as its message (prefixed by its name unless that is `Error`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { osReason } from "./errors.ts";
 * const e = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
 * assert.equal(osReason(e), "ENOSPC: no space left on device");
 * assert.equal(osReason(new TypeError("bad")), "TypeError: bad");
 * assert.equal(osReason("text"), "text");
 * ```
 */
export function osReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  let msg = err.message.replace(/ \(os error \d+\)(?:: [a-z_]+ '.*')?$/, "");
  if (typeof code === "string" && code !== "") {
    if (msg.startsWith(code + ": ")) msg = msg.slice(code.length + 2);
    msg = msg.replace(/, [a-z_]+(?: '.*')?$/, "");
    msg = msg.charAt(0).toLowerCase() + msg.slice(1);
    return `${code}: ${msg}`;
  }
  return err.name && err.name !== "Error" ? `${err.name}: ${msg}` : msg;
}
