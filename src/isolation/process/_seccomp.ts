/**
 * Private helper of the sandbox: the seccomp filter, a classic BPF program built here (no libseccomp, no native
 * code) and handed to bubblewrap with `--seccomp FD`. bwrap installs it (with `no_new_privs`) right before it
 * `exec`s the command, so it binds the command and everything it starts.
 *
 * What it refuses (SPEC §7), and how:
 * - Any other architecture's system calls (a 32-bit `int 0x80` on x86_64): the process is killed. On x86_64 the
 *   x32 ABI (numbers with bit 30 set) gets ENOSYS.
 * - `socket()` of any family but AF_INET and AF_INET6 (they live in the sandbox's own network namespace), AF_NETLINK
 *   with NETLINK_ROUTE or NETLINK_SOCK_DIAG (what `ip`, `ss` and glibc's getaddrinfo read; both answer about the
 *   sandbox's own network namespace and change nothing without CAP_NET_ADMIN, which is dropped), and AF_UNIX only
 *   when named sockets are allowed (`sandbox.unixSockets: "workspace"`): EAFNOSUPPORT. So AF_VSOCK (the
 *   hypervisor's channel, which no network namespace confines), AF_PACKET, AF_ALG, AF_BLUETOOTH, every other
 *   netlink protocol (audit, netfilter, uevents, generic) and, by default, named and abstract unix sockets are gone.
 *   `socketpair()` stays for AF_UNIX only (pipes between the call's own processes), and by default only of the
 *   connected kinds, SOCK_STREAM and SOCK_SEQPACKET: a datagram pair's socket could `sendto()` any named or
 *   abstract datagram socket it names (red team 6, F5), so SOCK_DGRAM (and SOCK_RAW, the same for AF_UNIX) pairs get
 *   ESOCKTNOSUPPORT. `sendto`/`sendmsg` need no rule: AF_INET/AF_INET6 sockets take no AF_UNIX address, netlink
 *   unicast to another socket needs CAP_NET_ADMIN (dropped), stream pairs refuse an address (EISCONN) and seqpacket
 *   pairs ignore it.
 * - Setting a setuid or setgid bit: `chmod`, `fchmod`, `fchmodat`, `fchmodat2`, and the mode of `open`, `openat`,
 *   `creat`, `mkdir`, `mkdirat`, `mknod` and `mknodat` with 04000 or 02000 in it: EPERM. `openat2` (whose mode sits in
 *   a struct the filter cannot read) gets ENOSYS, and libc falls back to `openat`.
 * - New namespaces: `unshare` and `clone` with a namespace flag, `setns`: EPERM; `clone3` (flags in a struct):
 *   ENOSYS, and libc falls back to `clone`.
 * - Kernel keyrings (`keyctl`, `add_key`, `request_key`), `bpf`, `perf_event_open`, `userfaultfd`, `syslog`, the
 *   mount API (`mount`, `umount2`, `pivot_root`, `fsopen`…`mount_setattr`, `open_tree_attr`), module and kexec
 *   loading, `reboot`, swap, `acct`, `quotactl`, `open_by_handle_at`, `uselib`, `iopl`/`ioperm`/`modify_ldt`: EPERM
 *   (most of them need a capability the sandbox has dropped; the filter keeps them shut if one is ever left).
 *   `io_uring_setup`/`_enter`/`_register`: ENOSYS (libuv, tokio and liburing then fall back to epoll).
 * - `ptrace` is allowed: the sandbox's PID namespace holds only the call's own processes, so no process outside the
 *   call can be named (the same holds for `process_vm_readv`, `kill` and `pidfd_open`), and debuggers still work.
 *
 * Everything else is allowed: this is a deny list over system calls on top of the namespaces, not an allow list, so
 * a system call added to a later kernel is allowed until it is named here.
 *
 * The policy table (numbers and rules) is in `_seccomp_policy.ts`, the BPF assembler in `_bpf_asm.ts`.
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { endianness } from "node:os";
import process from "node:process";
import { Asm } from "./_bpf_asm.ts";
import {
  AF,
  AUDIT_ARCH,
  ERRNO,
  NETLINK_ROUTE,
  NETLINK_SOCK_DIAG,
  type Rule,
  RULES,
  SECCOMP_RET,
  type SeccompArch,
  SETID_BITS,
  SOCK_KIND_REFUSED,
  SYSCALLS,
  X32_SYSCALL_BIT,
} from "./_seccomp_policy.ts";

export {
  AF,
  AUDIT_ARCH,
  CLONE_NAMESPACE_FLAGS,
  ERRNO,
  SECCOMP_RET,
  type SeccompArch,
  SETID_BITS,
  SYSCALLS,
} from "./_seccomp_policy.ts";

/** What the filter may allow beyond the defaults. */
export interface SeccompOptions {
  /** Allow `socket(AF_UNIX)` (named sockets; `sandbox.unixSockets: "workspace"`). Default false. */
  unixSockets?: boolean;
}

/** A compiled filter. */
export interface SeccompFilter {
  /** The architecture it checks for. */
  arch: SeccompArch;
  /** The program: `struct sock_filter[]`, 8 bytes each, little-endian, as `bwrap --seccomp` reads it. */
  bytes: Uint8Array;
  /** Number of BPF instructions. */
  instructions: number;
  /** What it refuses, in words (for `doctor` and `info`). */
  summary: string;
}

/**
 * The filter's architecture for this process, or null with a reason (an unknown architecture or a big-endian
 * machine: the sandbox then refuses process tools rather than run them unfiltered).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seccompArch } from "./_seccomp.ts";
 * assert.equal(seccompArch("x64", "LE").arch, "x86_64");
 * assert.equal(seccompArch("arm64", "LE").arch, "aarch64");
 * assert.equal(seccompArch("riscv64", "LE").arch, null);
 * ```
 */
export function seccompArch(
  nodeArch: string = process.arch,
  order: "LE" | "BE" = endianness(),
): { arch: SeccompArch | null; reason: string } {
  if (order !== "LE") {
    return { arch: null, reason: `the seccomp filter is built for little-endian machines, not ${nodeArch} (BE)` };
  }
  if (nodeArch === "x64") return { arch: "x86_64", reason: "x86_64" };
  if (nodeArch === "arm64") return { arch: "aarch64", reason: "aarch64" };
  return {
    arch: null,
    reason: `the seccomp filter has no system call table for this architecture (${nodeArch}); only x86_64 and aarch64`,
  };
}

/** Offset of the low 32 bits of `seccomp_data.args[i]` (little-endian). */
const argLow = (i: number) => 16 + 8 * i;
const errno = (e: number) => (SECCOMP_RET.ERRNO | e) >>> 0;

function emitRule(a: Asm, rule: Rule, options: SeccompOptions): void {
  switch (rule.kind) {
    case "errno":
      a.ret(errno(rule.errno));
      return;
    case "mode":
    case "flags": {
      const allow = a.label();
      a.ld(argLow(rule.arg));
      a.jset(rule.kind === "mode" ? SETID_BITS : rule.mask, null, allow);
      a.ret(errno(ERRNO.EPERM));
      a.at(allow);
      a.ret(SECCOMP_RET.ALLOW);
      return;
    }
    case "socketpair": {
      const deny = a.label();
      a.ld(argLow(0));
      a.jeq(AF.UNIX, null, deny);
      if (!options.unixSockets) {
        // A datagram socket (SOCK_DGRAM, and SOCK_RAW, which AF_UNIX makes one) may sendto() any named or abstract
        // datagram socket it can name, connected or not (red team 6, F5). Stream and seqpacket pairs are connected
        // and take no address. The type's low four bits are the kind (SOCK_NONBLOCK, SOCK_CLOEXEC sit above):
        // 1 (stream) and 5 (seqpacket) are allowed, any kind with bit 1 or 3 set (2, 3, 6, 7, 10, …) refused, and
        // what remains (0, 4) the kernel refuses itself.
        const ok = a.label();
        a.ld(argLow(1));
        a.jset(SOCK_KIND_REFUSED, null, ok);
        a.ret(errno(ERRNO.ESOCKTNOSUPPORT));
        a.at(ok);
      }
      a.ret(SECCOMP_RET.ALLOW);
      a.at(deny);
      a.ret(errno(ERRNO.EAFNOSUPPORT));
      return;
    }
    case "socket": {
      const allow = a.label();
      const deny = a.label();
      a.ld(argLow(0));
      a.jeq(AF.INET, allow);
      a.jeq(AF.INET6, allow);
      if (options.unixSockets) a.jeq(AF.UNIX, allow);
      a.jeq(AF.NETLINK, null, deny);
      a.ld(argLow(2));
      a.jeq(NETLINK_ROUTE, allow);
      a.jeq(NETLINK_SOCK_DIAG, allow);
      a.at(deny);
      a.ret(errno(ERRNO.EAFNOSUPPORT));
      a.at(allow);
      a.ret(SECCOMP_RET.ALLOW);
      return;
    }
  }
}

/** Emit a binary search over the sorted system calls; each leaf checks at most 3 numbers, then allows. */
function emitTree(a: Asm, calls: { nr: number; rule: Rule }[], options: SeccompOptions): void {
  if (calls.length <= 3) {
    for (const c of calls) {
      const next = a.label();
      a.jeq(c.nr, null, next);
      emitRule(a, c.rule, options);
      a.at(next);
    }
    a.ret(SECCOMP_RET.ALLOW);
    return;
  }
  const mid = calls.length >> 1;
  const right = a.label();
  a.jge((calls[mid] as { nr: number }).nr, right);
  emitTree(a, calls.slice(0, mid), options);
  a.at(right);
  emitTree(a, calls.slice(mid), options);
}

/**
 * Build the filter for an architecture.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildSeccompFilter } from "./_seccomp.ts";
 * const f = buildSeccompFilter("x86_64");
 * assert.equal(f.bytes.length, f.instructions * 8);
 * assert.ok(f.instructions > 50 && f.instructions < 400);
 * ```
 */
export function buildSeccompFilter(arch: SeccompArch, options: SeccompOptions = {}): SeccompFilter {
  const table = SYSCALLS[arch];
  const calls = Object.entries(RULES)
    .filter(([name]) => table[name] !== undefined)
    .map(([name, rule]) => ({ nr: table[name] as number, rule }))
    .sort((x, y) => x.nr - y.nr);
  const a = new Asm();
  const archOk = a.label();
  a.ld(4); // seccomp_data.arch
  a.jeq(AUDIT_ARCH[arch], archOk);
  a.ret(SECCOMP_RET.KILL_PROCESS);
  a.at(archOk);
  a.ld(0); // seccomp_data.nr
  if (arch === "x86_64") {
    const native = a.label();
    a.jge(X32_SYSCALL_BIT, null, native);
    a.ret(errno(ERRNO.ENOSYS));
    a.at(native);
  }
  emitTree(a, calls, options);
  const bytes = a.encode();
  return {
    arch,
    bytes,
    instructions: bytes.length / 8,
    summary: `seccomp (${arch}): sockets only AF_INET/AF_INET6, netlink route/diag (read-only; beyond SPEC §7)` +
      (options.unixSockets ? ", AF_UNIX" : ", AF_UNIX through stream/seqpacket socketpair only") +
      "; no setuid/setgid bits, namespaces, keyrings, bpf, perf_event_open, userfaultfd, io_uring, mounts",
  };
}
