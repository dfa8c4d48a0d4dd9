import assert from "node:assert/strict";
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { defaultConfig } from "../../src/config/mod.ts";
import { doctorReport, runDoctor } from "../../src/cli/doctor.ts";
import { currentRuntime } from "../../src/runtime/mod.ts";
import { probeBwrap } from "../../src/isolation/process/probe.ts";

const runtime = await currentRuntime();

Deno.test("doctor prints every layer and the live checks, exit 0", async () => {
  const lines: string[] = [];
  const code = await runDoctor(runtime, { out: (l) => lines.push(l) });
  assert.equal(code, 0);
  const text = lines.join("\n");
  for (
    const l of [
      "realpath guard",
      "worker permissions",
      "OS sandbox",
      "network off",
      "env scrubbed",
      "resource limits",
      ".git protected",
    ]
  ) {
    assert.match(text, new RegExp(`\\[(active|inactive)\\]\\s+${l.replace(".", "\\.")}`));
  }
  assert.match(text, /Live checks:/);
  assert.match(text, /\[ok\]\s+file tool outside the workspace: refused/);
  if (probeBwrap().available) assert.match(text, /\[ok\]\s+process tool: bash -c 'echo ok' sandboxed/);
});

Deno.test("doctor with sandbox none reports the OS sandbox inactive and why", async () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "se-doc-")));
  const config = defaultConfig(dir);
  config.sandbox = { mode: "none", network: false };
  const r = await doctorReport(runtime, { config, skipLiveChecks: true });
  const os = r.layers.find((l) => l.layer === "OS sandbox")!;
  assert.equal(os.active, false);
  assert.match(os.detail, /none/);
  rmSync(dir, { recursive: true });
});

Deno.test("doctor checks the workspace and the witness log as a server would find them, creating nothing", async () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "se-doc-")));
  try {
    const config = defaultConfig(dir);
    config.witness.path = join(dir, "logs/witness.log");
    const lines: string[] = [];
    await runDoctor(runtime, { out: (l) => lines.push(l) }, { config, skipLiveChecks: true });
    const text = lines.join("\n");
    assert.match(text, /\[ok\]\s+workspace\s+".*\/workspace": it does not exist yet: it will be created/);
    assert.match(text, /\[ok\]\s+witness log ".*logs\/witness.log": its folder ".*logs" does not exist: it will be/);
    assert.equal(existsSync(join(dir, "logs")), false, "doctor creates nothing");
    config.witness.path = dir;
    const r = await doctorReport(runtime, { config, skipLiveChecks: true });
    const w = r.paths.find((p) => p.what === "witness log")!;
    assert.equal(w.ok, false);
    assert.match(w.detail, /it is a folder/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
