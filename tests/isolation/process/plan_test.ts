/**
 * The mount plan (`_plan.ts`) as a pure function of host facts, tested against exact argument vectors (as Codex
 * tests its bwrap builder): what a sandboxed process can see is an allowlist, every source is a real path, and a
 * symlink is recreated only when it leads into what is shown.
 */
import assert from "node:assert/strict";
import { buildEtc, planEtc } from "../../../src/isolation/process/_etc.ts";
import { factOf, type HostFacts, type PathFact } from "../../../src/isolation/process/_facts.ts";
import { type PlanOptions, planSandbox } from "../../../src/isolation/process/_plan.ts";

const dir = (path: string): PathFact => ({ path, kind: "dir", real: path, realKind: "dir" });
const file = (path: string): PathFact => ({ path, kind: "file", real: path, realKind: "file" });
const link = (path: string, text: string, real: string | null, realKind: PathFact["realKind"] = "dir"): PathFact => ({
  path,
  kind: "symlink",
  link: text,
  real,
  realKind: real === null ? "missing" : realKind,
});

/** A merged-/usr Debian host. */
const debian: HostFacts = {
  system: [
    dir("/usr"),
    link("/bin", "usr/bin", "/usr/bin"),
    link("/sbin", "usr/sbin", "/usr/sbin"),
    link("/lib", "usr/lib", "/usr/lib"),
    link("/lib64", "usr/lib64", "/usr/lib64"),
  ],
  etc: [
    file("/etc/ld.so.cache"),
    dir("/etc/alternatives"),
    link("/etc/localtime", "/usr/share/zoneinfo/Etc/UTC", "/usr/share/zoneinfo/Etc/UTC", "file"),
    link("/etc/mtab", "../proc/self/mounts", "/proc/1234/mounts", "file"),
    link(
      "/etc/resolv.conf",
      "../run/systemd/resolve/stub-resolv.conf",
      "/run/systemd/resolve/stub-resolv.conf",
      "file",
    ),
    file("/etc/hosts"),
    link("/etc/os-release", "../opt/evil/os-release", "/opt/evil/os-release", "file"),
  ],
  workspace: "/home/me/ws",
  readable: [],
  writable: [],
};

const base: PlanOptions = {
  network: false,
  userns: true,
  tmpBytes: 1 << 20,
  env: { PATH: "/usr/bin:/bin", HOME: "/should-be-replaced", LANG: "C.UTF-8" },
  seccompFd: 4,
  etc: { dir: "/state/etc-0", shown: ["ld.so.cache"], leftOut: [] },
  git: [],
};

const id = { uid: 0, gid: 0, home: "/home/safe-exec" };

Deno.test("planSandbox: the exact vector for a merged-/usr host, no network", () => {
  const plan = planSandbox(debian, base);
  assert.deepEqual(plan.args, [
    "--unshare-user",
    "--disable-userns",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--hostname",
    "safe-exec",
    "--unshare-cgroup-try",
    "--unshare-net",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    "--seccomp",
    "4",
    "--ro-bind",
    "/usr",
    "/usr",
    "--symlink",
    "/usr/bin",
    "/bin",
    "--symlink",
    "/usr/sbin",
    "/sbin",
    "--symlink",
    "/usr/lib",
    "/lib",
    "--symlink",
    "/usr/lib64",
    "/lib64",
    "--ro-bind",
    "/state/etc-0",
    "/etc",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--ro-bind",
    "/proc/sys",
    "/proc/sys",
    "--size",
    String(1 << 20),
    "--tmpfs",
    "/dev/shm",
    "--size",
    String(1 << 20),
    "--tmpfs",
    "/tmp",
    "--size",
    String(1 << 20),
    "--tmpfs",
    "/home/safe-exec",
    "--bind",
    "/home/me/ws",
    "/home/me/ws",
    "--remount-ro",
    "/",
    "--clearenv",
    "--setenv",
    "PATH",
    "/usr/bin:/bin",
    "--setenv",
    "LANG",
    "C.UTF-8",
    "--setenv",
    "HOME",
    "/home/safe-exec",
    "--chdir",
    "/home/me/ws",
  ]);
  assert.equal(plan.home, "/home/safe-exec");
  assert.deepEqual(plan.readWrite, ["/home/me/ws (the workspace)"]);
  for (const hidden of ["/root", "/run", "/var", "/opt", "/srv", "/mnt", "/sys", "/home/me"]) {
    assert.ok(!plan.args.includes(hidden), `${hidden} is not in the plan`);
  }
});

Deno.test("planEtc: the exact steps for /etc, without and with network", () => {
  const p = planEtc(debian.etc, ["/usr"], false, id);
  assert.deepEqual(p.steps, [
    { op: "copy", name: "ld.so.cache", from: "/etc/ld.so.cache" },
    { op: "tree", name: "alternatives", from: "/etc/alternatives" },
    { op: "symlink", name: "localtime", to: "/usr/share/zoneinfo/Etc/UTC" },
    { op: "symlink", name: "mtab", to: "../proc/self/mounts" },
    {
      op: "write",
      name: "passwd",
      text: "root:x:0:0:root:/home/safe-exec:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
    },
    { op: "write", name: "group", text: "root:x:0:\nnogroup:x:65534:\n" },
    { op: "write", name: "hosts", text: "127.0.0.1\tlocalhost safe-exec\n::1\tlocalhost ip6-localhost ip6-loopback\n" },
  ]);
  // os-release leads to /opt (not shown): left out; resolv.conf and the host's hosts need the network
  assert.deepEqual(p.leftOut, ["/etc/os-release: a symlink to /opt/evil/os-release, outside what the sandbox shows"]);
  const n = planEtc(debian.etc, ["/usr"], true, { uid: 1000, gid: 1000, home: "/home/safe-exec" });
  assert.deepEqual(n.steps.filter((s) => s.name === "resolv.conf" || s.name === "hosts"), [
    { op: "copy", name: "resolv.conf", from: "/run/systemd/resolve/stub-resolv.conf" },
    { op: "copy", name: "hosts", from: "/etc/hosts" },
  ]);
  const passwd = n.steps.find((s) => s.name === "passwd");
  assert.ok(passwd?.op === "write" && passwd.text.includes("sandbox:x:1000:1000:safe-exec sandbox:/home/safe-exec"));
});

Deno.test("buildEtc: copies files and folders (their symlinks as they are), writes safe-exec's own files", () => {
  const dir = Deno.realPathSync(Deno.makeTempDirSync({ prefix: "se-etc-" }));
  try {
    Deno.mkdirSync(`${dir}/src/sub`, { recursive: true });
    Deno.writeTextFileSync(`${dir}/src/a.conf`, "a");
    Deno.symlinkSync("/usr/bin/mawk", `${dir}/src/sub/awk`);
    Deno.mkdirSync(`${dir}/out`);
    const left = buildEtc(`${dir}/out`, [
      { op: "tree", name: "alternatives", from: `${dir}/src` },
      { op: "copy", name: "ssl/openssl.cnf", from: `${dir}/src/a.conf` },
      { op: "write", name: "passwd", text: "root:x:0:0::/:/bin/sh\n" },
      { op: "symlink", name: "mtab", to: "../proc/self/mounts" },
      { op: "copy", name: "missing", from: `${dir}/nope` },
    ]);
    assert.equal(Deno.readTextFileSync(`${dir}/out/alternatives/a.conf`), "a");
    assert.equal(Deno.readLinkSync(`${dir}/out/alternatives/sub/awk`), "/usr/bin/mawk");
    assert.equal(Deno.readTextFileSync(`${dir}/out/ssl/openssl.cnf`), "a");
    assert.equal(Deno.readLinkSync(`${dir}/out/mtab`), "../proc/self/mounts");
    assert.equal(left.length, 1);
    assert.match(left[0] ?? "", /^\/etc\/missing: /);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("planSandbox: system symlinks that lead outside the system folders are left out", () => {
  const facts: HostFacts = {
    ...debian,
    system: [dir("/usr"), link("/bin", "/opt/bin", "/opt/bin"), link("/lib", "/nonexistent", null)],
    etc: [],
  };
  const plan = planSandbox(facts, base);
  assert.ok(!plan.args.includes("/opt/bin") && !plan.args.includes("/lib"), plan.args.join(" "));
  assert.equal(plan.leftOut.length, 2);
});

Deno.test("planSandbox: readable and writable folders, parents before children, real paths only", () => {
  const facts: HostFacts = {
    ...debian,
    etc: [],
    workspace: "/srv/data/ws",
    readable: [dir("/srv/data"), { ...dir("/opt/tool"), linksOnTheWay: [] }],
    writable: [{
      path: "/srv/cache-link",
      kind: "symlink",
      link: "/var/cache/x",
      real: "/var/cache/x",
      realKind: "dir",
      linksOnTheWay: ["/srv/cache-link"],
    }],
  };
  const plan = planSandbox(facts, base);
  const binds = [] as string[];
  for (let i = 0; i < plan.args.length; i++) {
    if (
      plan.args[i] === "--bind" ||
      (plan.args[i] === "--ro-bind" && !String(plan.args[i + 1]).startsWith("/usr") &&
        !String(plan.args[i + 1]).startsWith("/state") && !String(plan.args[i + 1]).startsWith("/proc"))
    ) {
      binds.push(`${plan.args[i]} ${plan.args[i + 1]} ${plan.args[i + 2]}`);
    }
  }
  assert.deepEqual(binds, [
    "--ro-bind /srv/data /srv/data",
    "--ro-bind /opt/tool /opt/tool",
    "--bind /var/cache/x /var/cache/x",
    "--bind /srv/data/ws /srv/data/ws",
  ]);
  assert.deepEqual(plan.readWrite, ["/var/cache/x (/srv/cache-link)", "/srv/data/ws (the workspace)"]);
});

Deno.test("planSandbox: a configured path through a symlink the sandbox can change is left out", () => {
  const facts: HostFacts = {
    ...debian,
    etc: [],
    workspace: "/w/ws",
    readable: [{
      path: "/w/ws/vendor",
      kind: "symlink",
      link: "/root",
      real: "/root",
      realKind: "dir",
      linksOnTheWay: ["/w/ws/vendor"],
    }],
  };
  const plan = planSandbox(facts, base);
  assert.ok(!plan.args.includes("/root"), plan.args.join(" "));
  assert.match(plan.leftOut.join("\n"), /passes through \/w\/ws\/vendor, a symlink a sandboxed process can change/);
});

Deno.test("planSandbox: git mounts come after the workspace; HOME avoids every bind", () => {
  const facts: HostFacts = { ...debian, etc: [], workspace: "/home/safe-exec/ws" };
  const plan = planSandbox(facts, {
    ...base,
    git: [
      { mode: "rw", src: "/state/v1", dest: "/home/safe-exec/ws/.git" },
      { mode: "ro", src: "/home/safe-exec/ws/.git/config", dest: "/home/safe-exec/ws/.git/config" },
    ],
  });
  assert.equal(plan.home, "/tmp/safe-exec-home");
  const a = plan.args.join(" ");
  assert.ok(
    a.includes(
      "--bind /home/safe-exec/ws /home/safe-exec/ws --bind /state/v1 /home/safe-exec/ws/.git " +
        "--ro-bind /home/safe-exec/ws/.git/config /home/safe-exec/ws/.git/config --remount-ro /",
    ),
    a,
  );
});

Deno.test("factOf: a symlink, its text, its real path and the links on the way", () => {
  const dirPath = Deno.makeTempDirSync({ prefix: "se-plan-" });
  try {
    const real = Deno.realPathSync(dirPath);
    Deno.mkdirSync(`${real}/target`);
    Deno.symlinkSync(`${real}/target`, `${real}/l`);
    const f = factOf(`${real}/l/`, true);
    assert.equal(f.kind, "symlink");
    assert.equal(f.link, `${real}/target`);
    assert.equal(f.real, `${real}/target`);
    assert.equal(f.realKind, "dir");
    assert.deepEqual(f.linksOnTheWay, [`${real}/l`]);
    assert.equal(factOf(`${real}/missing`).kind, "missing");
  } finally {
    Deno.removeSync(dirPath, { recursive: true });
  }
});
