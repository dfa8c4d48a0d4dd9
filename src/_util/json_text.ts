/**
 * The JSON text of a value serialized once and needed twice: an upstream result is written into its answer line
 * and then digested for its `execute` line. The text is kept beside the value (weakly: it goes with the value), so
 * the second use reads it instead of serializing the result again. Only values that are not changed after they are
 * serialized may be given to {@linkcode jsonText}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonText, knownJsonText } from "./json_text.ts";
 * const result = { content: [{ type: "text", text: "hi" }] };
 * assert.equal(knownJsonText(result), undefined);
 * assert.equal(jsonText(result), '{"content":[{"type":"text","text":"hi"}]}');
 * assert.equal(knownJsonText(result), jsonText(result));
 * const line = withJsonText({ id: 1, result }, `{"id":1,"result":${jsonText(result)}}`);
 * assert.equal(knownJsonText(line), JSON.stringify(line));
 * ```
 *
 * @module
 */

const _texts = new WeakMap<object, string>();

/** `JSON.stringify(value)`, kept for {@linkcode knownJsonText}; `value` must not change afterwards. */
export function jsonText(value: object): string {
  let text = _texts.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    _texts.set(value, text);
  }
  return text;
}

/**
 * Keep `text` as the JSON text of `value`, which the caller built from parts it serialized (it must be exactly
 * `JSON.stringify(value)`); returns `value`.
 */
export function withJsonText<T extends object>(value: T, text: string): T {
  _texts.set(value, text);
  return value;
}

/** The text {@linkcode jsonText} or {@linkcode withJsonText} kept for `value`, if any. */
export function knownJsonText(value: unknown): string | undefined {
  return typeof value === "object" && value !== null ? _texts.get(value) : undefined;
}
