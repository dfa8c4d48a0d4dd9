import assert from "node:assert/strict";
import { validateArgs } from "../../src/gate/validate_args.ts";

Deno.test("union types: any listed type passes; the message lists them all", () => {
  const schema = { type: "object" as const, properties: { code: { type: ["integer" as const, "null" as const] } } };
  validateArgs(schema, { code: 1 }, "t");
  validateArgs(schema, { code: null }, "t");
  assert.throws(
    () => validateArgs(schema, { code: "1" }, "t"),
    /Invalid arguments for t: "code" must be an integer or a null, got the string "1"/,
  );
});

Deno.test("nested objects and arrays name the path of the bad value", () => {
  const schema = {
    type: "object" as const,
    properties: {
      opts: { type: "object" as const, properties: { depth: { type: "integer" as const } } },
      list: { type: "array" as const, items: { type: "string" as const, maxLength: 3 } },
    },
  };
  assert.throws(() => validateArgs(schema, { opts: { depth: true } }, "t"), /"opts"\.depth must be an integer/);
  assert.throws(() => validateArgs(schema, { list: ["ok", "toolong"] }, "t"), /"list"\[1\] must have at most 3/);
  assert.throws(() => validateArgs(schema, { opts: 5 }, "t"), /"opts" must be an object, got number 5/);
});

Deno.test("non-finite numbers are not numbers", () => {
  const schema = { type: "object" as const, properties: { n: { type: "number" as const } } };
  assert.throws(() => validateArgs(schema, { n: Infinity }, "t"), /"n" must be a number/);
});

Deno.test("validateArgs: a lone surrogate anywhere in the arguments (values and keys) is refused, naming it", () => {
  const any = { type: "object" as const };
  assert.throws(() => validateArgs(any, { cmd: "echo \ud800" }, "run_bash"), {
    message: /^Invalid arguments for run_bash: "cmd" holds a lone surrogate \(\\ud800 at index 5\)/,
  });
  assert.throws(() => validateArgs(any, { a: { b: ["ok", "x\udfff"] } }, "t"), { message: /"a"\.b\[1\] holds/ });
  assert.throws(() => validateArgs(any, { ["k\udc00"]: 1 }, "t"), { message: /the argument name "k\\udc00"/ });
  validateArgs(any, { cmd: "printf '\ud83e\udd95'" }, "run_bash"); // a pair is a real character
});
