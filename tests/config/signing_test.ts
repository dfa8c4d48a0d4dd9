/** `witness.signingKey` in the config (SPEC §4.1): resolved against the config's folder, outside the workspace. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, resolveConfig } from "../../src/config/mod.ts";
import { generateKeyFiles } from "../../src/witness/mod.ts";

function withTemp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "config-signing-"));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function refused(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    for (const part of parts) assert.ok(err.message.includes(part), `${JSON.stringify(part)} in ${err.message}`);
    return true;
  });
}

Deno.test("config: witness.signingKey resolves against the config's folder and must be a usable Ed25519 key", () => {
  withTemp((dir) => {
    mkdirSync(join(dir, "keys"));
    generateKeyFiles(join(dir, "keys", "witness.key"));
    writeFileSync(join(dir, "safe-exec.jsonc"), '{ "witness": { "signingKey": "keys/witness.key" } }');
    assert.equal(resolveConfig({}, dir).witness.signingKey, join(dir, "keys", "witness.key"));

    writeFileSync(join(dir, "safe-exec.jsonc"), '{ "witness": { "signingKey": "keys/missing.key" } }');
    refused(() => resolveConfig({}, dir), "Invalid witness.signingKey", "cannot read the signing key", "missing.key");
    writeFileSync(join(dir, "keys", "junk.key"), "not a key");
    writeFileSync(join(dir, "safe-exec.jsonc"), '{ "witness": { "signingKey": "keys/junk.key" } }');
    refused(() => resolveConfig({}, dir), "Invalid witness.signingKey", "expected an Ed25519 private key");
    writeFileSync(join(dir, "safe-exec.jsonc"), '{ "witness": { "signingKey": 7 } }');
    refused(() => resolveConfig({}, dir), "witness.signingKey");
  });
});

Deno.test("config: a signing key inside the workspace is refused, also through a symlink", () => {
  withTemp((dir) => {
    mkdirSync(join(dir, "workspace"));
    generateKeyFiles(join(dir, "workspace", "witness.key"));
    writeFileSync(join(dir, "safe-exec.jsonc"), '{ "witness": { "signingKey": "workspace/witness.key" } }');
    refused(() => resolveConfig({}, dir), "Invalid witness.signingKey", "inside the workspace");
    symlinkSync(join(dir, "workspace", "witness.key"), join(dir, "link.key"));
    writeFileSync(join(dir, "safe-exec.jsonc"), '{ "witness": { "signingKey": "link.key" } }');
    refused(() => resolveConfig({}, dir), "Invalid witness.signingKey", "inside the workspace");
  });
});
