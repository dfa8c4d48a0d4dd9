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
 *   `socketpair()` stays for AF_UNIX only (pipes between the call's own processes).
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
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { endianness } from "node:os";
import process from "node:process";

/** The architectures the filter knows the system call numbers of. */
export type SeccompArch = "x86_64" | "aarch64";

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

/** `AUDIT_ARCH_*` values as `seccomp_data.arch` carries them. */
export const AUDIT_ARCH: Readonly<Record<SeccompArch, number>> = Object.freeze({
  x86_64: 0xc000003e,
  aarch64: 0xc00000b7,
});

/** The return actions of a seccomp filter. */
export const SECCOMP_RET = Object.freeze({
  KILL_PROCESS: 0x80000000,
  ERRNO: 0x00050000,
  ALLOW: 0x7fff0000,
});

/** The errno values the filter returns (the same on both architectures). */
export const ERRNO = Object.freeze({ EPERM: 1, ENOSYS: 38, EAFNOSUPPORT: 97 });

/** Socket families and netlink protocols the filter names. */
export const AF = Object.freeze({ UNIX: 1, INET: 2, INET6: 10, NETLINK: 16 });
const NETLINK_ROUTE = 0;
const NETLINK_SOCK_DIAG = 4;

/** The namespace flags of `clone` and `unshare` (CLONE_NEWNS … CLONE_NEWNET); `unshare` also takes CLONE_NEWTIME. */
export const CLONE_NAMESPACE_FLAGS = 0x7e020000;
const CLONE_NEWTIME = 0x80;
/** S_ISUID | S_ISGID. */
export const SETID_BITS = 0o6000;
const X32_SYSCALL_BIT = 0x40000000;

type Rule =
  | { kind: "errno"; errno: number }
  | { kind: "mode"; arg: number } // EPERM when args[arg] has a setuid/setgid bit
  | { kind: "flags"; arg: number; mask: number } // EPERM when args[arg] has one of `mask`
  | { kind: "socket" }
  | { kind: "socketpair" };

interface SyscallTable {
  [name: string]: number;
}

/** System call numbers (x86_64: arch/x86/entry/syscalls/syscall_64.tbl; aarch64: include/uapi/asm-generic). */
export const SYSCALLS: Readonly<Record<SeccompArch, Readonly<SyscallTable>>> = Object.freeze({
  x86_64: Object.freeze({
    open: 2,
    ioctl: 16,
    socket: 41,
    socketpair: 53,
    clone: 56,
    mkdir: 83,
    creat: 85,
    chmod: 90,
    fchmod: 91,
    ptrace: 101,
    syslog: 103,
    mknod: 133,
    uselib: 134,
    modify_ldt: 154,
    pivot_root: 155,
    chroot: 161,
    acct: 163,
    mount: 165,
    umount2: 166,
    swapon: 167,
    swapoff: 168,
    reboot: 169,
    iopl: 172,
    ioperm: 173,
    init_module: 175,
    delete_module: 176,
    quotactl: 179,
    lookup_dcookie: 212,
    kexec_load: 246,
    add_key: 248,
    request_key: 249,
    keyctl: 250,
    openat: 257,
    mkdirat: 258,
    mknodat: 259,
    fchmodat: 268,
    unshare: 272,
    perf_event_open: 298,
    open_by_handle_at: 304,
    setns: 308,
    finit_module: 313,
    kexec_file_load: 320,
    bpf: 321,
    userfaultfd: 323,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
    open_tree: 428,
    move_mount: 429,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    clone3: 435,
    openat2: 437,
    mount_setattr: 442,
    fchmodat2: 452,
    open_tree_attr: 467,
  }),
  aarch64: Object.freeze({
    lookup_dcookie: 18,
    ioctl: 29,
    mknodat: 33,
    mkdirat: 34,
    umount2: 39,
    mount: 40,
    pivot_root: 41,
    chroot: 51,
    fchmod: 52,
    fchmodat: 53,
    openat: 56,
    quotactl: 60,
    acct: 89,
    unshare: 97,
    kexec_load: 104,
    init_module: 105,
    delete_module: 106,
    syslog: 116,
    ptrace: 117,
    reboot: 142,
    socket: 198,
    socketpair: 199,
    add_key: 217,
    request_key: 218,
    keyctl: 219,
    clone: 220,
    swapon: 224,
    swapoff: 225,
    perf_event_open: 241,
    open_by_handle_at: 265,
    setns: 268,
    finit_module: 273,
    bpf: 280,
    userfaultfd: 282,
    kexec_file_load: 294,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
    open_tree: 428,
    move_mount: 429,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    clone3: 435,
    openat2: 437,
    mount_setattr: 442,
    fchmodat2: 452,
    open_tree_attr: 467,
  }),
});

const EPERM: Rule = { kind: "errno", errno: ERRNO.EPERM };
const ENOSYS: Rule = { kind: "errno", errno: ERRNO.ENOSYS };

/** The rule of every system call the filter names (by name; absent names on an architecture are skipped). */
const RULES: Readonly<Record<string, Rule>> = Object.freeze({
  socket: { kind: "socket" },
  socketpair: { kind: "socketpair" },
  chmod: { kind: "mode", arg: 1 },
  fchmod: { kind: "mode", arg: 1 },
  fchmodat: { kind: "mode", arg: 2 },
  fchmodat2: { kind: "mode", arg: 2 },
  open: { kind: "mode", arg: 2 },
  openat: { kind: "mode", arg: 3 },
  creat: { kind: "mode", arg: 1 },
  mkdir: { kind: "mode", arg: 1 },
  mkdirat: { kind: "mode", arg: 2 },
  mknod: { kind: "mode", arg: 1 },
  mknodat: { kind: "mode", arg: 2 },
  openat2: ENOSYS,
  clone: { kind: "flags", arg: 0, mask: CLONE_NAMESPACE_FLAGS },
  unshare: { kind: "flags", arg: 0, mask: CLONE_NAMESPACE_FLAGS | CLONE_NEWTIME },
  clone3: ENOSYS,
  setns: EPERM,
  io_uring_setup: ENOSYS,
  io_uring_enter: ENOSYS,
  io_uring_register: ENOSYS,
  bpf: EPERM,
  perf_event_open: EPERM,
  userfaultfd: EPERM,
  keyctl: EPERM,
  add_key: EPERM,
  request_key: EPERM,
  syslog: EPERM,
  mount: EPERM,
  umount2: EPERM,
  pivot_root: EPERM,
  chroot: EPERM,
  open_tree: EPERM,
  open_tree_attr: EPERM,
  move_mount: EPERM,
  fsopen: EPERM,
  fsconfig: EPERM,
  fsmount: EPERM,
  fspick: EPERM,
  mount_setattr: EPERM,
  kexec_load: EPERM,
  kexec_file_load: EPERM,
  init_module: EPERM,
  finit_module: EPERM,
  delete_module: EPERM,
  reboot: EPERM,
  swapon: EPERM,
  swapoff: EPERM,
  acct: EPERM,
  quotactl: EPERM,
  open_by_handle_at: EPERM,
  lookup_dcookie: EPERM,
  uselib: EPERM,
  iopl: EPERM,
  ioperm: EPERM,
  modify_ldt: EPERM,
});

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

// ---------------------------------------------------------------------------------------------------------------
// A tiny assembler: instructions with forward jumps to labels, resolved to the 8-bit offsets of classic BPF.

const BPF_LD_W_ABS = 0x20;
const BPF_JMP_JEQ_K = 0x15;
const BPF_JMP_JGE_K = 0x35;
const BPF_JMP_JSET_K = 0x45;
const BPF_RET_K = 0x06;

type Target = string | null; // a label, or null: the next instruction
interface Insn {
  code: number;
  k: number;
  jt?: Target;
  jf?: Target;
  label?: string;
}

class Asm {
  readonly insns: Insn[] = [];
  #n = 0;
  label(): string {
    return `L${this.#n++}`;
  }
  at(label: string): void {
    this.insns.push({ code: -1, k: 0, label });
  }
  ld(offset: number): void {
    this.insns.push({ code: BPF_LD_W_ABS, k: offset });
  }
  jeq(k: number, jt: Target, jf: Target = null): void {
    this.insns.push({ code: BPF_JMP_JEQ_K, k, jt, jf });
  }
  jge(k: number, jt: Target, jf: Target = null): void {
    this.insns.push({ code: BPF_JMP_JGE_K, k, jt, jf });
  }
  jset(k: number, jt: Target, jf: Target = null): void {
    this.insns.push({ code: BPF_JMP_JSET_K, k, jt, jf });
  }
  ret(k: number): void {
    this.insns.push({ code: BPF_RET_K, k });
  }
  /** Resolve labels and encode `struct sock_filter[]` (little-endian). */
  encode(): Uint8Array {
    const real: Insn[] = [];
    const where = new Map<string, number>();
    for (const i of this.insns) {
      if (i.code === -1) where.set(i.label as string, real.length);
      else real.push(i);
    }
    const out = new Uint8Array(real.length * 8);
    const view = new DataView(out.buffer);
    real.forEach((i, pc) => {
      const off = (t: Target | undefined): number => {
        if (t === undefined || t === null) return 0;
        const to = where.get(t);
        if (to === undefined) throw new Error(`seccomp assembler: unknown label ${t}`);
        const d = to - pc - 1;
        if (d < 0 || d > 255) throw new Error(`seccomp assembler: jump of ${d} from ${pc} does not fit classic BPF`);
        return d;
      };
      view.setUint16(pc * 8, i.code, true);
      view.setUint8(pc * 8 + 2, off(i.jt));
      view.setUint8(pc * 8 + 3, off(i.jf));
      view.setUint32(pc * 8 + 4, i.k >>> 0, true);
    });
    return out;
  }
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
    summary: `seccomp (${arch}): sockets only AF_INET/AF_INET6, netlink route/diag` +
      (options.unixSockets ? ", AF_UNIX" : ", AF_UNIX through socketpair only") +
      "; no setuid/setgid bits, namespaces, keyrings, bpf, perf_event_open, userfaultfd, io_uring, mounts",
  };
}
