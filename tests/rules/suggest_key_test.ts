import assert from "node:assert/strict";
import { suggestKey } from "../../src/rules/suggest_key.ts";

Deno.test("config: suggestions", () => {
  assert.equal(suggestKey("comand", ["command", "risk"]), "command");
  assert.equal(suggestKey("zzz", ["command", "risk"]), null);
});
