import assert from "node:assert/strict";
import { qualifiedName, serverNamespaceOf, splitQualifiedName } from "../../src/gateway/names.ts";

Deno.test("tool names: <server>__<tool>, split at the first __, checked against the vendor rule", () => {
  assert.equal(qualifiedName("fs", "read_text_file"), "fs__read_text_file");
  assert.equal(qualifiedName("fs", "_x"), "fs___x");
  assert.deepEqual(splitQualifiedName("fs___x"), { server: "fs", tool: "_x" });
  assert.equal(qualifiedName("fs", "a.b"), null);
  assert.equal(qualifiedName("s".repeat(61), "ab"), null); // 65 characters
  assert.equal(qualifiedName("s".repeat(61), "a"), "s".repeat(61) + "__a");
  assert.equal(splitQualifiedName("__x"), null);
  assert.equal(splitQualifiedName("x__"), null);
  assert.equal(serverNamespaceOf("memory__x", ["fs", "memory"]), "memory");
  assert.equal(serverNamespaceOf("other__x", ["fs", "memory"]), null);
});
