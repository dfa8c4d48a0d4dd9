/**
 * Where the file tools run: the one interface of the three backends (`host.ts`, in this process behind the realpath
 * guard; `workers.ts`, permission-restricted Deno workers; `confined.ts`, a child process under bubblewrap), and the
 * typed description each gives of itself for `info`, `doctor` and the witness log.
 *
 * @module
 */
import type { FsToolName } from "../../fileops/ops.ts";

/** Runs one file operation. */
export interface FileBackend {
  /** Run `op` on the workspace `root` with validated `args`. */
  run(op: FsToolName, root: string, args: Record<string, unknown>): Promise<unknown>;
  /** The isolation layers a call runs under (for `info`, `doctor` and the witness log). */
  describe(): FileIsolation;
  /** Release resources (workers). */
  close(): void;
}

/** How file tools are isolated: in the host, in restricted workers, or in the confined file server. */
export type FileIsolation = HostFileIsolation | WorkerFileIsolation | ConfinedFileIsolation;

/** File tools in the host process, behind the realpath guard. */
export interface HostFileIsolation {
  /** `["realpath-guard", "git-protected"]`. */
  layers: string[];
  /** The realpath guard runs in front (always). */
  guard: true;
  /** Not in workers. */
  worker: false;
  /** Not confined. */
  confined?: undefined;
  /** Why here (e.g. Bun has no permission system). */
  reason: string;
}

/** What a file worker may do. */
export interface WorkerPermissions {
  /** `"workspace only"`. */
  read: string;
  /** `"workspace only"`. */
  write: string;
  /** No network. */
  net: false;
  /** No environment. */
  env: false;
  /** No subprocesses. */
  run: false;
  /** No native code. */
  ffi: false;
  /** No system information. */
  sys: false;
}

/** File tools in permission-restricted workers. */
export interface WorkerFileIsolation {
  /** `["realpath-guard", "worker-permissions", "git-protected"]`. */
  layers: string[];
  /** The realpath guard runs in front (always). */
  guard: true;
  /** In workers. */
  worker: true;
  /** Not confined. */
  confined?: undefined;
  /** What a worker may do. */
  permissions: WorkerPermissions;
  /** The pools' size and timeout, and how many workers started. */
  pool: { size: number; timeoutMs: number; started: number };
  /** How the runtime restricts them. */
  reason: string;
}

/** File tools in the confined file server: a child process under bubblewrap. */
export interface ConfinedFileIsolation {
  /** `["realpath-guard", "git-protected", "confined-process", …]`. */
  layers: string[];
  /** The realpath guard runs in front (always). */
  guard: true;
  /** Not a worker. */
  worker: false;
  /** Confined. */
  confined: true;
  /** Whether Deno permissions also limit it to the workspace (not in a compiled binary). */
  permissions: boolean;
  /** What its mount namespace holds. */
  reason: string;
}
