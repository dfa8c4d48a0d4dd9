/**
 * A small tmpfs of its own, for tests and the fault suite that need a disk that fills up: mounted with `mount -t
 * tmpfs -o size=N` (needs root, or CAP_SYS_ADMIN, and a kernel that allows it here). Where it cannot be mounted
 * the caller gets the reason, to skip with it visibly.
 *
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A mounted tmpfs. */
export interface Tmpfs {
  /** Its mount point. */
  path: string;
  /** Unmount it and remove the mount point. */
  unmount(): void;
}

/** Mount a tmpfs of `bytes` bytes (rounded up to pages by the kernel), or return why it cannot be done. */
export function mountTmpfs(bytes: number): Tmpfs | { reason: string } {
  if (Deno.build.os !== "linux") return { reason: `a tmpfs mount needs Linux, this is ${Deno.build.os}` };
  const path = mkdtempSync(join(tmpdir(), "se-tmpfs-"));
  let out: Deno.CommandOutput;
  try {
    out = new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", `size=${bytes},mode=0755`, "tmpfs", path],
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
  } catch (err) {
    rmSync(path, { recursive: true, force: true });
    return { reason: `cannot run mount: ${(err as Error).message}` };
  }
  if (!out.success) {
    rmSync(path, { recursive: true, force: true });
    const why = new TextDecoder().decode(out.stderr).trim() || `exit ${out.code}`;
    return { reason: `mount -t tmpfs failed (${why}): needs root with CAP_SYS_ADMIN` };
  }
  return {
    path,
    unmount() {
      new Deno.Command("umount", { args: ["-l", path], stdout: "null", stderr: "null" }).outputSync();
      rmSync(path, { recursive: true, force: true });
    },
  };
}
