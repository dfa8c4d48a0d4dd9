/**
 * Private helper of the seccomp filter (`_seccomp.ts`): the policy table. The constants the filter uses, the system
 * call numbers of each architecture, and the rule of every system call it names; `_seccomp.ts` compiles them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RULES, SYSCALLS } from "./_seccomp_policy.ts";
 * assert.equal(SYSCALLS.x86_64.socket, 41);
 * assert.deepEqual(RULES.socket, { kind: "socket" });
 * ```
 *
 * @module
 */

/** The architectures the filter knows the system call numbers of. */
export type SeccompArch = "x86_64" | "aarch64";

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
export const ERRNO = Object.freeze({ EPERM: 1, ENOSYS: 38, ESOCKTNOSUPPORT: 94, EAFNOSUPPORT: 97 });

/**
 * The bits of a socket type's kind (its low four bits) that `socketpair(AF_UNIX)` may not have without named unix
 * sockets: bit 1 (SOCK_DGRAM 2, SOCK_RAW 3, …) and bit 3 (SOCK_PACKET 10, …). SOCK_STREAM (1) and SOCK_SEQPACKET (5)
 * have neither; SOCK_NONBLOCK (0x800) and SOCK_CLOEXEC (0x80000) are outside the mask.
 */
export const SOCK_KIND_REFUSED = 0xa;

/** Socket families and netlink protocols the filter names. */
export const AF = Object.freeze({ UNIX: 1, INET: 2, INET6: 10, NETLINK: 16 });
/** The netlink protocols `socket(AF_NETLINK)` may use (read-only answers about the sandbox's own namespace). */
export const NETLINK_ROUTE = 0;
/** See {@linkcode NETLINK_ROUTE}. */
export const NETLINK_SOCK_DIAG = 4;

/** The namespace flags of `clone` and `unshare` (CLONE_NEWNS … CLONE_NEWNET); `unshare` also takes CLONE_NEWTIME. */
export const CLONE_NAMESPACE_FLAGS = 0x7e020000;
/** CLONE_NEWTIME (unshare only). */
export const CLONE_NEWTIME = 0x80;
/** S_ISUID | S_ISGID. */
export const SETID_BITS = 0o6000;
/** The x32 ABI's bit in x86_64 system call numbers. */
export const X32_SYSCALL_BIT = 0x40000000;

/** What the filter does with one system call. */
export type Rule =
  | { kind: "errno"; errno: number }
  | { kind: "mode"; arg: number } // EPERM when args[arg] has a setuid/setgid bit
  | { kind: "flags"; arg: number; mask: number } // EPERM when args[arg] has one of `mask`
  | { kind: "socket" }
  | { kind: "socketpair" };

interface SyscallTable {
  [name: string]: number;
}

/** Calls added since Linux 5.1 share one number on every architecture (the unified table from 424 on). */
const UNIFIED: Readonly<SyscallTable> = Object.freeze({
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
});

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
    ...UNIFIED,
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
    ...UNIFIED,
  }),
});

export const EPERM: Rule = { kind: "errno", errno: ERRNO.EPERM };
export const ENOSYS: Rule = { kind: "errno", errno: ERRNO.ENOSYS };

/** The rule of every system call the filter names (by name; absent names on an architecture are skipped). */
export const RULES: Readonly<Record<string, Rule>> = Object.freeze({
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
