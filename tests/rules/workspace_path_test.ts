import assert from "node:assert/strict";
import { lexicalWorkspacePath } from "../../src/rules/workspace_path.ts";

Deno.test("engine: lexicalWorkspacePath", () => {
  assert.equal(lexicalWorkspacePath("a/../b"), "b");
  assert.equal(lexicalWorkspacePath("a/../../b"), null);
  assert.equal(lexicalWorkspacePath("."), ".");
  assert.equal(lexicalWorkspacePath("/abs"), null);
  assert.equal(lexicalWorkspacePath("/ws", "/ws/"), ".");
  assert.equal(lexicalWorkspacePath("x\0y"), null);
});
