/**
 * Private helper of the sandbox: its `/etc`, a copy of the allowlist (`ETC_ALLOWLIST`, `_facts.ts`) (what programs read, without
 * credentials or host identity) with a `passwd`, `group` (and without network a `hosts`) written by safe-exec.
 * {@linkcode planEtc} is pure; {@linkcode buildEtc} makes the copy.
 *
 * @module
 */
import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isWithin } from "../../_util/paths.ts";
import { ETC_ALLOWLIST, type PathFact } from "./_facts.ts";

/** Where HOME may go inside (the first that does not meet a bind). */
export const HOME_CANDIDATES: readonly string[] = ["/home/safe-exec", "/tmp/safe-exec-home", "/safe-exec-home"];

/** One step of making safe-exec's `/etc`: what to put at `name` (a path relative to /etc). */
export type EtcStep =
  | { op: "copy"; name: string; from: string }
  | { op: "tree"; name: string; from: string }
  | { op: "symlink"; name: string; to: string }
  | { op: "write"; name: string; text: string };

/** What the sandbox's /etc holds beside the host's allowlisted entries. */
export interface EtcIdentity {
  /** This process's uid and gid (the sandbox runs as them). */
  uid: number;
  gid: number;
  /** HOME inside. */
  home: string;
}

/**
 * How to make the sandbox's `/etc` from the host's allowlisted entries (a pure function of the facts): regular
 * files and folders are copied, a symlink into the system folders stays a symlink to its real target, one into
 * `/proc` keeps its text (it then names the sandbox's own /proc), a symlink elsewhere is copied for its content only
 * where the entry allows it (`resolv.conf`, `hosts`, `localtime`), else left out. `passwd` and `group` are written
 * by safe-exec (root, nobody and this user), and so is `hosts` without network.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planEtc } from "./_etc.ts";
 * const p = planEtc([{ path: "/etc/mtab", kind: "symlink", link: "../proc/self/mounts", real: "/proc/9/mounts", realKind: "file" }], ["/usr"], false, { uid: 0, gid: 0, home: "/home/safe-exec" });
 * assert.deepEqual(p.steps[0], { op: "symlink", name: "mtab", to: "../proc/self/mounts" });
 * ```
 */
export function planEtc(
  etc: readonly PathFact[],
  systemDirs: readonly string[],
  network: boolean,
  id: EtcIdentity,
): { steps: EtcStep[]; shown: string[]; leftOut: string[] } {
  const steps: EtcStep[] = [];
  const shown: string[] = [];
  const leftOut: string[] = [];
  const inSystem = (p: string) => systemDirs.some((d) => isWithin(p, d));
  for (const f of etc) {
    const entry = ETC_ALLOWLIST.find((e) => e.path === f.path);
    if (!entry || (entry.network && !network)) continue;
    const name = f.path.slice("/etc/".length);
    if ((f.kind === "file" || f.kind === "dir") && f.real !== null) {
      steps.push({ op: f.kind === "file" ? "copy" : "tree", name, from: f.real });
      shown.push(name);
    } else if (f.kind === "symlink") {
      const text = f.link ?? "";
      const lexical = resolve(dirname(f.path), text);
      if (lexical === "/proc" || lexical.startsWith("/proc/")) {
        steps.push({ op: "symlink", name, to: text });
        shown.push(`${name} -> ${text}`);
      } else if (f.real !== null && (f.realKind === "file" || f.realKind === "dir") && inSystem(f.real)) {
        steps.push({ op: "symlink", name, to: f.real });
        shown.push(`${name} -> ${f.real}`);
      } else if (f.real !== null && f.realKind === "file" && entry.content) {
        steps.push({ op: "copy", name, from: f.real });
        shown.push(`${name} (the content of ${f.real})`);
      } else leftOut.push(`${f.path}: a symlink to ${f.real ?? text}, outside what the sandbox shows`);
    }
  }
  const passwd = [`root:x:0:0:root:${id.uid === 0 ? id.home : "/root"}:/bin/bash`];
  const group = ["root:x:0:"];
  if (id.uid !== 0) passwd.push(`sandbox:x:${id.uid}:${id.gid}:safe-exec sandbox:${id.home}:/bin/bash`);
  if (id.gid !== 0) group.push(`sandbox:x:${id.gid}:`);
  passwd.push("nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin");
  group.push("nogroup:x:65534:");
  steps.push({ op: "write", name: "passwd", text: passwd.join("\n") + "\n" });
  steps.push({ op: "write", name: "group", text: group.join("\n") + "\n" });
  shown.push("passwd and group (safe-exec's own)");
  if (!network) {
    steps.push({
      op: "write",
      name: "hosts",
      text: "127.0.0.1\tlocalhost safe-exec\n::1\tlocalhost ip6-localhost ip6-loopback\n",
    });
    shown.push("hosts (safe-exec's own: localhost)");
  }
  return { steps, shown, leftOut };
}

/** Most files and bytes one copied /etc folder may hold; beyond, it is left out. */
const ETC_TREE_LIMITS = { entries: 20_000, bytes: 64 * 1024 * 1024 };

/**
 * Carry out {@linkcode planEtc}'s steps into `dir` (a new, private folder); returns what had to be left out.
 * Inside a copied folder, symlinks are recreated as they are (their targets resolve in the sandbox, where only
 * what is shown exists).
 */
export function buildEtc(dir: string, steps: readonly EtcStep[]): string[] {
  const leftOut: string[] = [];
  for (const step of steps) {
    const dest = join(dir, step.name);
    try {
      mkdirSync(dirname(dest), { recursive: true });
      if (step.op === "copy") copyFileSync(step.from, dest);
      else if (step.op === "symlink") symlinkSync(step.to, dest);
      else if (step.op === "write") writeFileSync(dest, step.text, { mode: 0o644 });
      else {
        const budget = { ...ETC_TREE_LIMITS };
        copyEtcTree(step.from, dest, budget, 0);
        if (budget.entries < 0 || budget.bytes < 0) {
          rmSync(dest, { recursive: true, force: true });
          leftOut.push(`/etc/${step.name}: larger than ${ETC_TREE_LIMITS.entries} entries or 64 MiB`);
        }
      }
    } catch (e) {
      rmSync(dest, { recursive: true, force: true });
      leftOut.push(`/etc/${step.name}: ${(e as Error).message}`);
    }
  }
  return leftOut;
}

function copyEtcTree(src: string, dst: string, budget: { entries: number; bytes: number }, level: number): void {
  mkdirSync(dst, { recursive: true });
  for (const name of readdirSync(src)) {
    if (--budget.entries < 0) return;
    const s = join(src, name);
    const d = join(dst, name);
    const st = lstatSync(s);
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(s), d);
    else if (st.isDirectory() && level < 16) copyEtcTree(s, d, budget, level + 1);
    else if (st.isFile()) {
      budget.bytes -= st.size;
      if (budget.bytes < 0) return;
      copyFileSync(s, d);
    }
  }
}
