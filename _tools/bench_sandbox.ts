/**
 * Sandboxed `run_bash 'echo hi'` through `safe-exec serve` (deno run and the Bun binary) against a bare
 * `bash -c 'echo hi'` spawn and a bare `bwrap … bash -c 'echo hi'` spawn with the same mounts (the allowlist plan,
 * the git view) and the same seccomp filter (read from its stdin: `--seccomp 0`), without the limits prelude, all
 * interleaved call by call so that drift hits them alike.
 *
 * @module
 */
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { currentRuntime } from "../src/runtime/mod.ts";
import type { Runtime } from "../src/runtime/types.ts";
import { toolEnv } from "../src/isolation/process/run.ts";
import { createBwrapSandbox } from "../src/isolation/process/bwrap.ts";
import { type BenchModule, latencyRow, type Row, tempDir, type Verdict } from "./_bench.ts";
import { launches, startServe } from "./_bench_clients.ts";

async function spawnToExit(
  runtime: Runtime,
  argv: string[],
  cwd: string,
  env: Record<string, string>,
  stdin?: Uint8Array,
): Promise<void> {
  // The cheapest spawn (no new session: posix_spawn), as safe-exec spawns bwrap, so the baseline is not inflated.
  const c = runtime.spawn({ argv, cwd, env, newSession: false, ...(stdin ? { stdin } : {}) });
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const _ of s) { /* discard */ }
  };
  await Promise.all([drain(c.stdout), drain(c.stderr), c.exited]);
}

/** The module. */
export const sandbox: BenchModule = {
  id: "sandbox",
  title: "Sandboxed run_bash against bare bash and bare bwrap",
  about: "`run_bash 'echo hi'` through `safe-exec serve` (gate, witness lines, the bubblewrap sandbox with its " +
    "pids cgroup, rlimits and seccomp-free standby) against the same command spawned bare, and spawned under a bare " +
    "`bwrap` with the sandbox's own mount plan and seccomp filter (no limits prelude). The three are " +
    "interleaved call by call.",
  async run(ctx) {
    const calls = ctx.quick ? 20 : 100;
    const runtime = await currentRuntime();
    const box = createBwrapSandbox();
    const probe = box.probe();
    const rows: Row[] = [];
    const verdicts: Verdict[] = [];
    const { dir: tmp, remove } = tempDir("sandbox");
    const dir = realpathSync(tmp);
    try {
      if (!probe.available) {
        return {
          rows,
          verdicts: [{ target: "sandboxVsBwrap", from: "run_bash", value: null, missing: `no bwrap: ${probe.reason}` }],
          notes: [`Skipped: bubblewrap is not usable here (${probe.reason}).`],
        };
      }
      const ws = join(dir, "ws");
      mkdirSync(ws);
      writeFileSync(join(ws, "notes.txt"), "hello\n");
      const env = toolEnv("/");
      // The bare bwrap gets its own workspace of the same shape, so the servers' calls and it never share a mount
      // point.
      const bareWs = join(dir, "ws-bare");
      mkdirSync(bareWs);
      writeFileSync(join(bareWs, "notes.txt"), "hello\n");
      const prepared = box.prepare({ workspace: bareWs, env }, 0);
      const filter = box.filter();
      const bwrapArgv = [filter.bwrap, ...prepared.args, "--", "bash", "-c", "echo hi"];
      const servers = launches().map((l) => ({
        label: l.label,
        s: startServe(l, ["--workspace", ws, "--witness", join(dir, `${l.label.replace(/\W/g, "-")}.log`)], dir),
      }));
      const fns: Array<[string, () => Promise<void>]> = [
        ...servers.map(({ label, s }) =>
          [`serve, ${label}, run_bash 'echo hi' (sandboxed)`, async () => {
            const r = await s.call({ tool: "run_bash", args: { cmd: "echo hi" } });
            if (r.ok !== true) throw new Error(`run_bash failed: ${JSON.stringify(r).slice(0, 300)}`);
          }] as [string, () => Promise<void>]
        ),
        ["bare bash -c 'echo hi'", () => spawnToExit(runtime, ["bash", "-c", "echo hi"], ws, env)],
        [
          "bare bwrap (same mounts and filter) bash -c 'echo hi'",
          () => spawnToExit(runtime, bwrapArgv, bareWs, env, filter.bytes),
        ],
      ];
      const times = fns.map(() => [] as number[]);
      const totals = fns.map(() => 0);
      try {
        for (let i = 0; i < calls + 10; i++) {
          for (let k = 0; k < fns.length; k++) {
            const s = performance.now();
            await fns[k]![1]();
            const d = performance.now() - s;
            if (i >= 10) {
              times[k]!.push(d);
              totals[k]! += d;
            }
          }
        }
      } finally {
        for (const { s } of servers) await s.stop();
        prepared.finish();
      }
      const bashName = fns.at(-2)![0];
      const bwrapName = fns.at(-1)![0];
      fns.forEach(([name], k) => {
        const row = latencyRow(name, times[k]!, totals[k]!);
        if (name === bashName) row.isAnchor = true;
        else if (name === bwrapName) Object.assign(row, { isAnchor: true, anchor: bashName });
        else row.anchor = bwrapName;
        rows.push(row);
      });
      const bw = rows.find((r) => r.name === bwrapName)!;
      const bash = rows.find((r) => r.name === bashName)!;
      const vsBash: string[] = [];
      for (const r of rows.filter((x) => x.anchor === bwrapName)) {
        verdicts.push({ target: "sandboxVsBwrap", from: r.name, value: r.p50Ms! / bw.p50Ms! });
        vsBash.push(`${r.name}: ${(r.p50Ms! / bash.p50Ms!).toFixed(2)}× bare bash`);
      }
      ctx.log(`sandbox: ${rows.map((r) => `${r.name} ${r.p50Ms} ms`).join("; ")}`);
      return {
        rows,
        ratios: ["p50Ms"],
        verdicts,
        notes: [
          `${calls} timed calls each after 10 untimed rounds. Where the time goes: a sandboxed call must join a ` +
          `pids cgroup and set rlimits before bwrap runs; a standby /bin/sh that already did both waits for the next ` +
          `call's options, so a call costs about one bare bwrap spawn.`,
          `Against bare bash (p50): ${vsBash.join("; ")}.`,
        ],
      };
    } finally {
      box.close();
      remove();
    }
  },
};
