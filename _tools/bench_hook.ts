/**
 * One hook event end to end (issue 14): process start to answer, the way a coding agent runs `safe-exec hook` before
 * every tool call: spawn, the event JSON on stdin, stdin closed, wait for the exit. The Bun binary (dist/) answers a
 * Claude Code `PreToolUse` for `Bash ls` (the gate's whole path: the config, the state file's lock, the transcript's
 * usage read from its end, the shell parser, the witness line), for a `Read` and for a `Bash rm -rf build` that is
 * asked (the answer on stdout), beside a no-op hook (`true`) and a Node one-liner that reads the event and parses
 * it, and the Bun runtime's own start (`bun -e 1`), in the same run, interleaved (one of each per round). Targets:
 * p50 ≤ 30 ms and ≤ 2× the Node one-liner.
 *
 *   deno task bench --only hook
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binaryName, hostTarget } from "../build.ts";
import { type BenchModule, latencyRow, ROOT, type Row, tempDir, which } from "./_bench.ts";
import { existsSync } from "node:fs";

interface Candidate {
  name: string;
  argv: string[];
  stdin: string;
  /** What stdout must match (the answer the row is about). */
  expect?: RegExp;
}

async function once(c: Candidate, cwd: string, env: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const child = new Deno.Command(c.argv[0]!, {
    args: c.argv.slice(1),
    cwd,
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  // `true` exits without reading: its closed pipe is not an error.
  await w.write(new TextEncoder().encode(c.stdin)).catch(() => {});
  await w.close().catch(() => {});
  const out = await child.output();
  const ms = performance.now() - t0;
  if (out.code !== 0) {
    throw new Error(`${c.name} exited ${out.code}: ${new TextDecoder().decode(out.stderr).slice(0, 500)}`);
  }
  const stdout = new TextDecoder().decode(out.stdout);
  if (c.expect && !c.expect.test(stdout)) {
    throw new Error(`${c.name} answered ${JSON.stringify(stdout.slice(0, 300))}; expected ${c.expect}`);
  }
  return ms;
}

/** The section. */
export const hook: BenchModule = {
  id: "hook",
  title: "Hook mode: one event, process start to answer",
  about: "What a coding agent pays before each tool call with `safe-exec hook`: the process's start, the event on " +
    "stdin, the state file's lock, the transcript's usage, the gate and its witness line, the answer. Beside a no-op " +
    "hook (`true`) and a Node one-liner that reads and parses the event, interleaved in one run.",
  async run(ctx) {
    const host = hostTarget();
    const bin = host === null ? null : join(ROOT, "dist", binaryName("bun", host));
    const node = which("node");
    const { dir, remove } = tempDir("hook");
    try {
      const project = join(dir, "project");
      mkdirSync(project);
      const transcript = join(dir, "session.jsonl");
      const turn = (i: number) =>
        JSON.stringify({
          type: "assistant",
          isSidechain: false,
          message: {
            id: `msg_${i}`,
            content: [{ type: "text", text: "x".repeat(400) }],
            usage: { input_tokens: 5, cache_creation_input_tokens: 300, cache_read_input_tokens: 20_000 + i },
          },
        });
      writeFileSync(transcript, Array.from({ length: 200 }, (_, i) => turn(i)).join("\n") + "\n");
      const event = (tool: string, input: Record<string, unknown>) =>
        JSON.stringify({
          session_id: "bench",
          transcript_path: transcript,
          cwd: project,
          permission_mode: "default",
          hook_event_name: "PreToolUse",
          tool_name: tool,
          tool_input: input,
          tool_use_id: "toolu_bench",
        });
      const bash = event("Bash", { command: "ls -la src", description: "list" });
      const env = { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: join(dir, "home") };
      const candidates: Candidate[] = [{ name: "no-op hook (`true`)", argv: ["true"], stdin: bash }];
      if (node) {
        candidates.push({
          name: "Node one-liner (read stdin, JSON.parse)",
          argv: [node, "-e", "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{JSON.parse(s)})"],
          stdin: bash,
        });
      }
      const bunExe = join(ROOT, "node_modules", "bun", "bin", "bun.exe");
      if (existsSync(bunExe)) {
        // What no Bun program can go below: the runtime's own start (for reading the binary's row).
        candidates.push({ name: "Bun runtime start (`bun -e 1`)", argv: [bunExe, "-e", "1"], stdin: bash });
      }
      const haveBin = bin !== null && existsSync(bin);
      if (haveBin) {
        const args = ["hook", "claude-code", "--state", join(dir, "state")];
        candidates.push({ name: "safe-exec hook (Bun binary), Bash ls", argv: [bin, ...args], stdin: bash });
        candidates.push({
          name: "safe-exec hook (Bun binary), Read",
          argv: [bin, ...args],
          stdin: event("Read", { file_path: join(project, "a.txt") }),
        });
        // An answer on stdout (the two rows above allow: no output), as every ask and deny has.
        candidates.push({
          name: "safe-exec hook (Bun binary), Bash rm -rf build (ask)",
          argv: [bin, ...args],
          stdin: event("Bash", { command: "rm -rf build", description: "clean" }),
          expect: /"permissionDecision":"ask"/,
        });
      }
      for (const c of candidates) await once(c, project, env); // warm the page cache
      const rounds = ctx.quick ? 10 : 60;
      const times = candidates.map(() => [] as number[]);
      const t0 = performance.now();
      for (let r = 0; r < rounds; r++) {
        for (const [i, c] of candidates.entries()) times[i]!.push(await once(c, project, env));
      }
      const wall = performance.now() - t0;
      const nodeName = candidates[1]?.name;
      const rows: Row[] = candidates.map((c, i) =>
        latencyRow(c.name, times[i]!, wall / candidates.length, {
          ...(c.argv[0] === "true" || c.argv[0] === node
            ? { isAnchor: true }
            : c.argv[0] === bunExe
            ? {}
            : { anchor: nodeName ?? "" }),
        })
      );
      const bash50 = rows.find((r) => r.name.endsWith("Bash ls"))?.p50Ms ?? null;
      const node50 = node ? rows[1]!.p50Ms! : null;
      const missing = haveBin ? {} : { missing: `no Bun binary at ${bin} (deno run _tools/build_for_tests.ts)` };
      return {
        rows,
        ratios: ["p50Ms"],
        verdicts: [
          { target: "hookP50", from: "safe-exec hook (Bun binary), Bash ls", value: bash50, ...missing },
          {
            target: "hookVsNode",
            from: "Bash ls p50 / Node one-liner p50",
            value: bash50 !== null && node50 !== null ? bash50 / node50 : null,
            ...(node50 === null ? { missing: "no node on PATH" } : missing),
          },
        ],
        notes: [
          `${rounds} rounds, one spawn of each per round (interleaved, so load on this shared machine hits all alike); ` +
          "each spawn gets the event on stdin and is timed until it exits. The transcript has 200 turns (about 110 " +
          "KiB); the hook reads its last usage from the end.",
        ],
      };
    } finally {
      remove();
    }
  },
};
