/**
 * The programs that run their arguments as a command without being looked through for lowering, so that a rule
 * that raises risk still sees the command they run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RUNNERS } from "./runners.ts";
 * assert.ok(RUNNERS.has("sudo") && RUNNERS.has("ssh"));
 * assert.equal(RUNNERS.has("timeout"), false); // a wrapper: looked through (shell.ts)
 * ```
 *
 * @module
 */

/**
 * Programs that run their arguments as a command but are not looked through for lowering (they change the user, the
 * root, the namespaces or the machine, or run it later): for a rule that raises risk, a prefix may start at any of
 * their words (`sudo -u x rm -rf /` matches `rm`).
 */
export const RUNNERS: ReadonlySet<string> = new Set([
  "sudo",
  "doas",
  "su",
  "runuser",
  "setpriv",
  "chroot",
  "nsenter",
  "unshare",
  "setsid",
  "flock",
  "ionice",
  "taskset",
  "chrt",
  "prlimit",
  "watch",
  "script",
  "parallel",
  "busybox",
  "strace",
  "ltrace",
  "ssh",
  "docker",
  "podman",
  "kubectl",
  "firejail",
  "bwrap",
  "systemd-run",
  "at",
  "batch",
]);
