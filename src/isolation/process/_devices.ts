/**
 * Private helper of the sandbox: device nodes of its own for `/dev`.
 *
 * bwrap's `--dev` binds the host's `/dev/null`, `zero`, `full`, `random`, `urandom` and `tty` into the sandbox,
 * read-write. When safe-exec runs as root the sandbox's uid 0 is the host's (`uid_map 0 0 1`), so it owns those
 * inodes and may `chmod`, `chown` and `utime` them without any capability (`chmod 000 /dev/null` breaks every other
 * program on the host). A read-only bind would stop that (EROFS) while reads and writes still work, but bwrap's
 * `--remount-ro` also adds `nodev`, and then nothing can open them. So the sandbox gets nodes of its own instead:
 * made once per server with `mknod` (the same major and minor numbers as the host's), owned by `nobody`
 * (65534:65534, a uid the sandbox does not map, so it cannot change them either) and mode 0666, in a private folder
 * on a file system that allows device nodes, and bound over bwrap's.
 *
 * Deno refuses `/dev` paths without `--allow-all`, so the nodes are made by a small `/bin/sh` script.
 * Runtime-free: `node:` APIs only.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { privateDir } from "./_standby.ts";

/** The nodes bwrap's `--dev` binds from the host, which the sandbox gets its own copies of. */
export const DEVICE_NODES: readonly string[] = ["null", "zero", "full", "random", "urandom", "tty"];

/** Where the sandbox's device nodes come from. */
export type DeviceNodes =
  /** Private nodes in `dir` (remove it at close). */
  | { dir: string }
  /** The host's own: the sandbox does not own them (safe-exec is not their owner), so it cannot change them. */
  | { host: string }
  /** The sandbox would own the host's nodes and no private ones could be made: refuse process calls. */
  | { error: string };

const MAKE = `
dir=$1; shift
if [ "$(stat -c %u /dev/null)" != "$(id -u)" ]; then echo "host /dev/null is owned by uid $(stat -c %u /dev/null)"; exit 0; fi
[ -n "$dir" ] || { echo "need"; exit 0; }
for d in "$@"; do
  [ -c "/dev/$d" ] || { echo "error /dev/$d is not a character device"; exit 0; }
  mm=$(stat -c '%t %T' "/dev/$d"); major=$((0x\${mm% *})); minor=$((0x\${mm#* }))
  err=$(mknod -m 0666 "$dir/$d" c "$major" "$minor" 2>&1 && chown 65534:65534 "$dir/$d" 2>&1 && chmod 0666 "$dir/$d" 2>&1) ||
    { echo "error $err"; exit 0; }
done
: > "$dir/null" 2>/dev/null || { echo "error the file system of $dir does not allow device nodes (nodev)"; exit 0; }
echo made
`;

function sh(args: string[]): string {
  const r = spawnSync("/bin/sh", ["-c", MAKE, "sh", ...args], {
    encoding: "utf8",
    timeout: 10_000,
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
  });
  if (r.error) throw r.error;
  return (r.stdout ?? "").trim();
}

/**
 * The sandbox's device nodes: the host's when this process does not own them, else private ones made in the first
 * temp folder (of the temp folder, /var/tmp, /dev/shm) outside `exclude` whose file system allows device nodes, else
 * an error saying why none could be made.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rmSync } from "node:fs";
 * import { DEVICE_NODES, makeDeviceNodes } from "./_devices.ts";
 * const nodes = makeDeviceNodes(["/nonexistent"]);
 * assert.ok("dir" in nodes || "host" in nodes || "error" in nodes);
 * if ("dir" in nodes) rmSync(nodes.dir, { recursive: true });
 * assert.equal(DEVICE_NODES[0], "null");
 * ```
 */
export function makeDeviceNodes(exclude: readonly string[]): DeviceNodes {
  let first: string;
  try {
    first = sh([""]);
  } catch (e) {
    return { error: `cannot run /bin/sh: ${(e as Error).message}` };
  }
  if (first !== "need") return first.startsWith("host ") ? { host: first } : { error: first.replace(/^error /, "") };
  const tried: string[] = [];
  const failures: string[] = [];
  for (;;) {
    const dir = privateDir("safe-exec-dev-", [...exclude, ...tried]);
    if (dir === null) break;
    tried.push(dir.slice(0, dir.lastIndexOf("/")));
    let out: string;
    try {
      out = sh([dir, ...DEVICE_NODES]);
    } catch (e) {
      out = `error ${(e as Error).message}`;
    }
    if (out === "made") return { dir };
    rmSync(dir, { recursive: true, force: true });
    failures.push(`${dir}: ${out.replace(/^error /, "")}`);
  }
  return {
    error: `the sandbox's root would own the host's device nodes (/dev/null, …) and could change their mode, and ` +
      `no private ones could be made (${failures.join("; ") || "no temp folder outside the workspace"})`,
  };
}
