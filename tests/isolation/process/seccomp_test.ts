/**
 * The seccomp filter's logic, run through a classic BPF interpreter over the exact bytes bwrap gets (no kernel
 * needed), with exact vectors per rule and architecture. The same filter is attacked in the real sandbox by
 * tests/attack/isolation_test.ts.
 */
import assert from "node:assert/strict";
import {
  AF,
  AUDIT_ARCH,
  buildSeccompFilter,
  ERRNO,
  SECCOMP_RET,
  type SeccompArch,
  seccompArch,
  SYSCALLS,
} from "../../../src/isolation/process/_seccomp.ts";
import { runFilter } from "./_bpf.ts";

const ALLOW = SECCOMP_RET.ALLOW;
const KILL = SECCOMP_RET.KILL_PROCESS;
const err = (e: number) => (SECCOMP_RET.ERRNO | e) >>> 0;
const EPERM = err(ERRNO.EPERM);
const ENOSYS = err(ERRNO.ENOSYS);
const EAFNOSUPPORT = err(ERRNO.EAFNOSUPPORT);

function verdict(arch: SeccompArch, name: string | number, args: (number | bigint)[] = [], unixSockets = false) {
  const f = buildSeccompFilter(arch, { unixSockets });
  const nr = typeof name === "number" ? name : SYSCALLS[arch][name];
  assert.ok(nr !== undefined, `${name} on ${arch}`);
  return runFilter(f.bytes, { nr, arch: AUDIT_ARCH[arch], args }).action >>> 0;
}

for (const arch of ["x86_64", "aarch64"] as const) {
  Deno.test(`seccomp ${arch}: another architecture's system calls kill the process`, () => {
    const f = buildSeccompFilter(arch);
    assert.equal(runFilter(f.bytes, { nr: 0, arch: 0x40000003 /* i386 */ }).action >>> 0, KILL);
    const other = arch === "x86_64" ? AUDIT_ARCH.aarch64 : AUDIT_ARCH.x86_64;
    assert.equal(runFilter(f.bytes, { nr: 63, arch: other }).action >>> 0, KILL);
  });

  Deno.test(`seccomp ${arch}: socket families (exact vectors)`, () => {
    const v = (family: number, proto = 0, unix = false) => verdict(arch, "socket", [family, 1, proto], unix);
    assert.equal(v(AF.INET), ALLOW);
    assert.equal(v(AF.INET6), ALLOW);
    assert.equal(v(AF.UNIX), EAFNOSUPPORT);
    assert.equal(v(AF.UNIX, 0, true), ALLOW, "sandbox.unixSockets: workspace");
    assert.equal(v(40 /* AF_VSOCK */), EAFNOSUPPORT);
    assert.equal(v(17 /* AF_PACKET */), EAFNOSUPPORT);
    assert.equal(v(38 /* AF_ALG */), EAFNOSUPPORT);
    assert.equal(v(31 /* AF_BLUETOOTH */), EAFNOSUPPORT);
    assert.equal(v(44 /* AF_XDP */), EAFNOSUPPORT);
    assert.equal(v(AF.NETLINK, 0 /* ROUTE */), ALLOW);
    assert.equal(v(AF.NETLINK, 4 /* SOCK_DIAG */), ALLOW);
    for (const p of [9, /* AUDIT */ 12, /* NETFILTER */ 15, /* KOBJECT_UEVENT */ 16 /* GENERIC */]) {
      assert.equal(v(AF.NETLINK, p), EAFNOSUPPORT, `netlink protocol ${p}`);
    }
    // the kernel reads an int: the high half of the register is ignored, and so is it here
    assert.equal(verdict(arch, "socket", [(1n << 32n) | 40n, 1, 0]), EAFNOSUPPORT);
    assert.equal(verdict(arch, "socket", [(1n << 32n) | 2n, 1, 0]), ALLOW);
    assert.equal(verdict(arch, "socketpair", [AF.UNIX, 1, 0, 0]), ALLOW);
    assert.equal(verdict(arch, "socketpair", [40, 1, 0, 0]), EAFNOSUPPORT);
  });

  Deno.test(`seccomp ${arch}: socketpair kinds (exact vectors; red team 6 F5)`, () => {
    const ESOCKTNOSUPPORT = err(ERRNO.ESOCKTNOSUPPORT);
    const v = (type: number | bigint, unix = false) => verdict(arch, "socketpair", [AF.UNIX, type, 0, 0], unix);
    const NONBLOCK = 0x800, CLOEXEC = 0x80000;
    for (const t of [1, /* STREAM */ 5 /* SEQPACKET */]) {
      for (const f of [0, NONBLOCK, CLOEXEC, NONBLOCK | CLOEXEC]) assert.equal(v(t | f), ALLOW, `type ${t | f}`);
    }
    for (const t of [2, /* DGRAM */ 3, /* RAW: DGRAM for AF_UNIX */ 6, 7, 10, /* PACKET */ 15]) {
      for (const f of [0, NONBLOCK, CLOEXEC, NONBLOCK | CLOEXEC]) {
        assert.equal(v(t | f), ESOCKTNOSUPPORT, `type ${t | f}`);
        assert.equal(v(t | f, true), ALLOW, `type ${t | f} with named unix sockets allowed`);
      }
    }
    // the kernel reads an int: a high half cannot smuggle a datagram pair past, nor make a stream one refused
    assert.equal(v((1n << 32n) | 2n), ESOCKTNOSUPPORT);
    assert.equal(v((2n << 32n) | 1n), ALLOW);
    assert.equal(verdict(arch, "socketpair", [AF.INET, 2, 0, 0]), EAFNOSUPPORT);
  });

  Deno.test(`seccomp ${arch}: no setuid/setgid bits through chmod or a creation mode`, () => {
    const modeArg: Record<string, number> = { fchmod: 1, fchmodat: 2, fchmodat2: 2, openat: 3, mkdirat: 2, mknodat: 2 };
    if (arch === "x86_64") Object.assign(modeArg, { chmod: 1, open: 2, creat: 1, mkdir: 1, mknod: 1 });
    for (const [name, at] of Object.entries(modeArg)) {
      const args = (mode: number) => Array.from({ length: 6 }, (_, i) => (i === at ? mode : i === 0 ? -100 : 0));
      assert.equal(verdict(arch, name, args(0o755)), ALLOW, `${name} 0755`);
      assert.equal(verdict(arch, name, args(0o1777)), ALLOW, `${name} sticky`);
      assert.equal(verdict(arch, name, args(0o4755)), EPERM, `${name} 04755`);
      assert.equal(verdict(arch, name, args(0o2755)), EPERM, `${name} 02755`);
      assert.equal(verdict(arch, name, args(0o106755)), EPERM, `${name} S_IFREG|06755`);
    }
    assert.equal(verdict(arch, "openat2", [-100, 0, 0, 24]), ENOSYS);
  });

  Deno.test(`seccomp ${arch}: namespaces, keyrings, bpf, perf, userfaultfd, io_uring, mounts`, () => {
    assert.equal(verdict(arch, "clone", [17 /* SIGCHLD */]), ALLOW, "fork");
    assert.equal(verdict(arch, "clone", [0x003d0f00 /* pthread_create's flags */]), ALLOW, "threads");
    for (const flag of [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000]) {
      assert.equal(verdict(arch, "clone", [flag | 17]), EPERM, `clone 0x${flag.toString(16)}`);
      assert.equal(verdict(arch, "unshare", [flag]), EPERM, `unshare 0x${flag.toString(16)}`);
    }
    assert.equal(verdict(arch, "unshare", [0x80 /* CLONE_NEWTIME */]), EPERM);
    assert.equal(verdict(arch, "unshare", [0x400 /* CLONE_FILES */]), ALLOW);
    assert.equal(verdict(arch, "clone3", [0, 88]), ENOSYS);
    for (const name of ["setns", "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd"]) {
      assert.equal(verdict(arch, name), EPERM, name);
    }
    for (const name of ["mount", "umount2", "pivot_root", "fsopen", "open_tree", "move_mount", "syslog"]) {
      assert.equal(verdict(arch, name), EPERM, name);
    }
    for (const name of ["io_uring_setup", "io_uring_enter", "io_uring_register"]) {
      assert.equal(verdict(arch, name), ENOSYS);
    }
    assert.equal(verdict(arch, "ptrace", [16, 2]), ALLOW, "ptrace stays (the PID namespace bounds its targets)");
  });

  Deno.test(`seccomp ${arch}: every other system call number is allowed; the search is short`, () => {
    const f = buildSeccompFilter(arch);
    const named = new Set(Object.values(SYSCALLS[arch]));
    let maxSteps = 0;
    for (let nr = 0; nr < 600; nr++) {
      const r = runFilter(f.bytes, { nr, arch: AUDIT_ARCH[arch], args: [0, 0, 0, 0, 0, 0] });
      maxSteps = Math.max(maxSteps, r.steps);
      if (!named.has(nr)) assert.equal(r.action >>> 0, ALLOW, `nr ${nr}`);
    }
    assert.ok(maxSteps <= 24, `at most 24 instructions per system call, took ${maxSteps}`);
  });
}

Deno.test("seccomp x86_64: x32 system calls get ENOSYS", () => {
  const f = buildSeccompFilter("x86_64");
  assert.equal(runFilter(f.bytes, { nr: 0x40000000 | 41, arch: AUDIT_ARCH.x86_64, args: [40] }).action >>> 0, ENOSYS);
  assert.equal(runFilter(f.bytes, { nr: 0x40000000, arch: AUDIT_ARCH.x86_64 }).action >>> 0, ENOSYS);
});

Deno.test("seccompArch: known architectures, and a clear reason for the others", () => {
  assert.deepEqual(seccompArch("x64", "LE"), { arch: "x86_64", reason: "x86_64" });
  assert.equal(seccompArch("arm64", "LE").arch, "aarch64");
  assert.match(seccompArch("ppc64", "LE").reason, /no system call table for this architecture \(ppc64\)/);
  assert.match(seccompArch("arm64", "BE").reason, /little-endian/);
});

Deno.test("seccomp: the encoded program is stable (exact bytes of the prologue)", () => {
  const f = buildSeccompFilter("x86_64");
  const words = Array.from({ length: 6 }, (_, i) => {
    const v = new DataView(f.bytes.buffer, f.bytes.byteOffset + i * 8, 8);
    return [v.getUint16(0, true), v.getUint8(2), v.getUint8(3), v.getUint32(4, true)];
  });
  assert.deepEqual(words, [
    [0x20, 0, 0, 4], // ld [arch]
    [0x15, 1, 0, 0xc000003e], // jeq AUDIT_ARCH_X86_64
    [0x06, 0, 0, 0x80000000], // ret KILL_PROCESS
    [0x20, 0, 0, 0], // ld [nr]
    [0x35, 0, 1, 0x40000000], // jge X32 bit
    [0x06, 0, 0, 0x00050026], // ret ERRNO(ENOSYS)
  ]);
});
