import assert from "node:assert/strict";
import { parsePrefix } from "../../src/rules/prefix.ts";

Deno.test("config: prefixes", () => {
  assert.deepEqual(parsePrefix("git  status"), ["git", "status"]);
  assert.equal(typeof parsePrefix(""), "string");
  assert.equal(typeof parsePrefix("ls > x"), "string");
});
