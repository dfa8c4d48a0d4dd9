/**
 * The sandbox's own device nodes (`_devices.ts`): the plan binds them over bwrap's `--dev` (an exact vector), and
 * on this host they are made as character devices owned by nobody, mode 0666 (or the host's are kept when this
 * process does not own them).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { DEVICE_NODES, makeDeviceNodes } from "../../../src/isolation/process/_devices.ts";
import type { HostFacts } from "../../../src/isolation/process/_facts.ts";
import { planSandbox } from "../../../src/isolation/process/_plan.ts";

const facts: HostFacts = {
  system: [{ path: "/usr", kind: "dir", real: "/usr", realKind: "dir" }],
  etc: [],
  workspace: "/w",
  readable: [],
  writable: [],
};
const options = { network: false, userns: true, tmpBytes: 4096, env: {}, seccompFd: 4, etc: null, git: [] };

Deno.test("planSandbox: private device nodes are bound over --dev's, before /proc", () => {
  const a = planSandbox(facts, { ...options, devices: "/state/dev" }).args;
  const at = a.indexOf("--dev");
  assert.deepEqual(a.slice(at, at + 2 + 3 * DEVICE_NODES.length + 1), [
    "--dev",
    "/dev",
    "--dev-bind",
    "/state/dev/null",
    "/dev/null",
    "--dev-bind",
    "/state/dev/zero",
    "/dev/zero",
    "--dev-bind",
    "/state/dev/full",
    "/dev/full",
    "--dev-bind",
    "/state/dev/random",
    "/dev/random",
    "--dev-bind",
    "/state/dev/urandom",
    "/dev/urandom",
    "--dev-bind",
    "/state/dev/tty",
    "/dev/tty",
    "--proc",
  ]);
  const plain = planSandbox(facts, { ...options, devices: null }).args;
  assert.ok(!plain.includes("--dev-bind"), plain.join(" "));
  assert.deepEqual(plain.slice(plain.indexOf("--dev"), plain.indexOf("--dev") + 3), ["--dev", "/dev", "--proc"]);
});

Deno.test("makeDeviceNodes: character devices with the host's numbers, owned by nobody, mode 0666", () => {
  const nodes = makeDeviceNodes(["/nonexistent"]);
  if ("host" in nodes) {
    console.error(`  (this process does not own the host's nodes, so they are kept: ${nodes.host})`);
    return;
  }
  assert.ok("dir" in nodes, JSON.stringify(nodes));
  try {
    const stat = (p: string): string => spawnSync("stat", ["-c", "%F %t:%T", p], { encoding: "utf8" }).stdout;
    for (const d of DEVICE_NODES) {
      const st: string =
        spawnSync("stat", ["-c", "%F %t:%T %u:%g %a", `${nodes.dir}/${d}`], { encoding: "utf8" }).stdout;
      assert.equal(st, stat(`/dev/${d}`).replace("\n", " 65534:65534 666\n"), d);
    }
  } finally {
    rmSync(nodes.dir, { recursive: true, force: true });
  }
});
