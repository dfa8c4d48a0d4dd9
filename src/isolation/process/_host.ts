/**
 * Private helper of the bwrap sandbox: everything it learns from or keeps on the host, apart from the pure plan
 * (`_plan.ts`). The probe's result, the pids cgroup and the seccomp filter (set up once, lazily); the sandbox's
 * private folder (the compiled filter, its copies of /etc, git's views) and its device nodes (`_devices.ts`), made
 * at the first call outside the workspace and every configured path; and the host facts a call's plan is computed
 * from (system folders and /etc looked at again after {@linkcode SYSTEM_FACTS_TTL_MS}, the workspace's on every call).
 *
 * @module
 */
import { mkdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isWithin } from "../../_util/paths.ts";
import { ToolError } from "../../types.ts";
import { type PidsCgroup, setupPidsCgroup } from "./_cgroup.ts";
import { GitViews } from "./_gitview.ts";
import { buildEtc, HOME_CANDIDATES, planEtc } from "./_etc.ts";
import { type DeviceNodes, makeDeviceNodes } from "./_devices.ts";
import { type MemoryCgroup, setupMemoryCgroup } from "./_memcg.ts";
import { etcStamp, factOf, gatherFacts, type HostFacts } from "./_facts.ts";
import { buildSeccompFilter, seccompArch, type SeccompFilter } from "./_seccomp.ts";
import { privateDir, type SandboxLimits } from "./_standby.ts";
import { installHint } from "./sandbox.ts";
import { type BwrapProbe, probeBwrap } from "./probe.ts";

/** System and /etc facts are looked at again after this long (they change when packages are installed). */
export const SYSTEM_FACTS_TTL_MS = 2000;

/** The sandbox's private folder: where the filter and the /etc copies are, and whose files they are. */
export interface PrivateState {
  /** The folder. */
  dir: string;
  /** The compiled seccomp filter in it. */
  filter: string;
  /** Our own uid (the folder's owner). */
  uid: number;
  /** Our own gid. */
  gid: number;
}

/** The sandbox's copy of the allowed `/etc` entries, and what of them it shows. */
export interface EtcCopy {
  /** The facts it was made from (`etcStamp`). */
  stamp: string;
  /** The folder bound at /etc. */
  dir: string;
  /** What it shows. */
  shown: string[];
  /** What it leaves out, and why. */
  leftOut: string[];
}

/** What was set up at the first use. */
export interface HostState {
  /** The probe's result. */
  probe: BwrapProbe;
  /** The pids cgroup, or null. */
  cgroup: PidsCgroup | null;
  /** Why there is no cgroup, or null. */
  cgroupError: string | null;
  /** The memory cgroup the calls make their own folders in (`_memcg.ts`), or null. */
  memory: MemoryCgroup | null;
  /** Why there is no memory cgroup, or null. */
  memoryError: string | null;
  /** This process runs as root (RLIMIT_NPROC does not bind it). */
  isRoot: boolean;
  /** Why the sandbox refuses calls even though bwrap runs (no filter for this architecture), or null. */
  refused: string | null;
  /** The seccomp filter, or null. */
  filter: SeccompFilter | null;
  /** The private folder, once a call made it. */
  state: PrivateState | null;
  /** Git's views, once a call made the private folder. */
  views: GitViews | null;
  /** The sandbox's device nodes (`_devices.ts`), once a call made the private folder. */
  devices: DeviceNodes | null;
}

/** The host state of a sandbox that can run a call now. */
export type UsableHost = HostState & {
  state: PrivateState;
  views: GitViews;
  filter: SeccompFilter;
  devices: { dir: string } | { host: string };
};

/** What the host part of a sandbox is set up with. */
export interface HostOptions {
  /** Keep the host network. */
  network: boolean;
  /** The resource limits. */
  limits: SandboxLimits;
  /** `sandbox.readable`. */
  readable: readonly string[];
  /** `sandbox.writable`. */
  writable: readonly string[];
  /** Named unix sockets allowed. */
  unixSockets: boolean;
  /** A probe result to use instead of probing (tests). */
  probe?: BwrapProbe;
  /** The architecture as Node names it (tests). */
  arch?: string;
}

/** A private folder of this sandbox: the compiled filter, its copies of /etc, git's views. */
function makeState(filter: SeccompFilter, exclude: readonly string[]): PrivateState {
  const dir = privateDir("safe-exec-sandbox-", exclude);
  if (dir === null) {
    throw new ToolError(
      "sandbox_unavailable",
      `No OS sandbox for process tools: the temp folder, /var/tmp and /dev/shm all lie inside the workspace or a ` +
        `sandbox.readable/.writable path (${exclude.join(", ")}), where a sandboxed process could reach safe-exec's ` +
        `own files; choose a dedicated workspace folder`,
    );
  }
  // Our own uid and gid, as the owner of the folder we just made (Deno asks for --allow-sys for process.getuid).
  const { uid, gid } = statSync(dir);
  const filterFile = join(dir, "seccomp.bpf");
  writeFileSync(filterFile, filter.bytes, { mode: 0o400 });
  return { dir, filter: filterFile, uid, gid };
}

function realOf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** The host part of one bwrap sandbox. */
export class SandboxHost {
  readonly #o: HostOptions;
  #ready: HostState | undefined;
  #closed = false;
  #systemFacts: { at: number; facts: HostFacts } | null = null;
  #etc: EtcCopy | null = null;
  #etcCount = 0;

  /** Nothing is probed or made until {@linkcode SandboxHost.ready}. */
  constructor(options: HostOptions) {
    this.#o = options;
  }

  /** Whether {@linkcode SandboxHost.close} ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The sandbox's /etc: a copy of the allowlist, made again when one of its entries changes (old copies stay until
   * close: a running call may still show one); null before the first call.
   */
  get etc(): EtcCopy | null {
    return this.#etc;
  }

  /** Probe, and set up the filter and the cgroup, once. */
  ready(): HostState {
    if (this.#ready) return this.#ready;
    const probe = this.#o.probe ?? probeBwrap();
    let cgroup: PidsCgroup | null = null;
    let cgroupError: string | null = "not set up (no sandbox)";
    let memory: MemoryCgroup | null = null;
    let memoryError: string | null = "not set up (no sandbox)";
    let uid = -1;
    let refused: string | null = null;
    let filter: SeccompFilter | null = null;
    if (probe.available && !this.#closed) {
      const arch = seccompArch(this.#o.arch);
      if (arch.arch === null) refused = `${arch.reason}, so the sandbox would run without its seccomp filter`;
      else filter = buildSeccompFilter(arch.arch, { unixSockets: this.#o.unixSockets });
      const setup = setupPidsCgroup(this.#o.limits.pids);
      uid = setup.uid;
      if ("dir" in setup.cgroup) {
        cgroup = setup.cgroup;
        cgroupError = null;
      } else {
        cgroupError = setup.cgroup.error;
      }
      const mem = setupMemoryCgroup(cgroup?.dir ?? null);
      if ("dir" in mem) [memory, memoryError] = [mem, null];
      else memoryError = mem.error;
    }
    this.#ready = {
      probe,
      cgroup,
      cgroupError,
      memory,
      memoryError,
      isRoot: uid === 0,
      refused,
      filter,
      state: null,
      views: null,
      devices: null,
    };
    return this.#ready;
  }

  /**
   * The state of a sandbox that can run a call in `workspace` now (its private folder made at the first call), or a
   * ToolError("sandbox_unavailable") saying why not.
   */
  usable(workspace?: string): UsableHost {
    const r = this.ready();
    if (!r.probe.available || !r.probe.path) throw new ToolError("sandbox_unavailable", installHint(r.probe.reason));
    if (r.refused || !r.filter || this.#closed) {
      throw new ToolError("sandbox_unavailable", `No OS sandbox for process tools: ${r.refused ?? "closed"}`);
    }
    const exclude = [...this.#o.readable, ...this.#o.writable].map(realOf);
    if (workspace !== undefined) exclude.push(realOf(workspace));
    if (!r.state && workspace !== undefined) {
      r.state = makeState(r.filter, exclude);
      r.views = new GitViews(r.state.dir, this.#o.limits.tmpBytes);
      r.devices = makeDeviceNodes(exclude);
    } else if (workspace !== undefined && exclude.some((x) => isWithin(r.state!.dir, x))) {
      throw new ToolError(
        "sandbox_unavailable",
        `No OS sandbox for this workspace: ${workspace} holds safe-exec's own folder ${r.state!.dir}, which a ` +
          `sandboxed process could then change; choose a dedicated workspace folder`,
      );
    }
    if (r.devices && "error" in r.devices) {
      throw new ToolError("sandbox_unavailable", `No OS sandbox for process tools: ${r.devices.error}`);
    }
    return r as UsableHost;
  }

  /** The facts one call's plan is computed from (and the /etc copy brought up to date). */
  facts(workspace: string, state: PrivateState): HostFacts {
    const now = performance.now();
    if (!this.#systemFacts || now - this.#systemFacts.at > SYSTEM_FACTS_TTL_MS) {
      const system = gatherFacts("/", [], []);
      this.#systemFacts = { at: now, facts: system };
      const stamp = etcStamp(system.etc);
      if (!this.#etc || this.#etc.stamp !== stamp) {
        const systemDirs = system.system.filter((f) => f.kind === "dir" && f.real !== null).map((f) =>
          f.real as string
        );
        const plan = planEtc(system.etc, systemDirs, this.#o.network, {
          uid: state.uid,
          gid: state.gid,
          home: HOME_CANDIDATES[0] as string,
        });
        const dir = join(state.dir, `etc-${this.#etcCount++}`);
        mkdirSync(dir, { mode: 0o755 });
        const failed = buildEtc(dir, plan.steps);
        this.#etc = { stamp, dir, shown: plan.shown, leftOut: [...plan.leftOut, ...failed] };
      }
    }
    // the system's and /etc's facts are the cached ones (looked at again past SYSTEM_FACTS_TTL_MS); the configured
    // folders are looked at every call
    return {
      system: this.#systemFacts.facts.system,
      etc: this.#systemFacts.facts.etc,
      workspace,
      readable: this.#o.readable.map((p) => factOf(p, true)),
      writable: this.#o.writable.map((p) => factOf(p, true)),
    };
  }

  /** Remove the pids cgroup, git's views and the private folder. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const r = this.#ready;
    r?.memory?.remove();
    r?.cgroup?.remove();
    r?.views?.close();
    if (r?.state) rmSync(r.state.dir, { recursive: true, force: true });
    if (r?.devices && "dir" in r.devices) rmSync(r.devices.dir, { recursive: true, force: true });
  }
}
