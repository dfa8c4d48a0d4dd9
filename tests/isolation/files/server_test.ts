import assert from "node:assert/strict";
import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { currentRuntime } from "../../../src/runtime/mod.ts";
import { fileServerCommand } from "../../../src/isolation/files/confined.ts";

const runtime = await currentRuntime();

/** Start the real file server (not under bwrap: the protocol only) and talk to it through its pipes. */
async function serve(root: string, writes: string[]): Promise<{ answers: Record<string, unknown>[]; code: number }> {
  const cmd = fileServerCommand(runtime, root);
  assert.ok(cmd, "Deno has a file server");
  const child = new Deno.Command(cmd.argv[0]!, {
    args: cmd.argv.slice(1),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  for (const chunk of writes) {
    await w.write(new TextEncoder().encode(chunk));
    await new Promise((r) => setTimeout(r, 20)); // separate reads on the server's side
  }
  await w.close();
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  return { answers: text.trim().split("\n").filter((l) => l).map((l) => JSON.parse(l)), code: out.code };
}

Deno.test("file server: answers in order, requests split across reads or sharing one, exit 0 at EOF", async () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "se-fss-")));
  writeFileSync(join(root, "a.txt"), "hello\n");
  const req = (id: number, op: string, args: Record<string, unknown>) => JSON.stringify({ id, op, root, args }) + "\n";
  const one = req(1, "read_file", { path: "a.txt" });
  const { answers, code } = await serve(root, [
    one.slice(0, 10),
    one.slice(10) + req(2, "write_file", { path: "b.txt", content: "x" }) + req(3, "read_file", { path: "../x" }),
    req(4, "list_dir", {}).trimEnd(), // the last request without its newline
  ]);
  assert.equal(code, 0);
  assert.deepEqual(answers.map((a) => a.id), [1, 2, 3, 4]);
  assert.deepEqual(answers[0], { id: 1, ok: true, value: "hello\n" });
  assert.equal(answers[1]!.ok, true);
  assert.equal(answers[2]!.code, "path_outside_workspace");
  assert.deepEqual((answers[3]!.value as { name: string }[]).map((e) => e.name), ["a.txt", "b.txt"]);
  Deno.removeSync(root, { recursive: true });
});

Deno.test("file server: a request that is not JSON or for another root is answered, and serving goes on", async () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "se-fss-")));
  writeFileSync(join(root, "a.txt"), "ok");
  const { answers, code } = await serve(root, [
    "{not json\n",
    JSON.stringify({ id: 7, op: "read_file", root: "/etc", args: { path: "passwd" } }) + "\n",
    JSON.stringify({ id: 8, op: "read_file", root, args: { path: "a.txt" } }) + "\n",
  ]);
  assert.equal(code, 0);
  assert.equal(answers[0]!.code, "internal");
  assert.match(String(answers[0]!.message), /bad request line/);
  assert.equal(answers[1]!.code, "path_outside_workspace");
  assert.deepEqual(answers[2], { id: 8, ok: true, value: "ok" });
  Deno.removeSync(root, { recursive: true });
});

Deno.test("file server: --confined is its one flag; anything else is refused with exit 2", async () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "se-fss-")));
  writeFileSync(join(root, "a.txt"), "confined read");
  const cmd = fileServerCommand(runtime, root)!;
  const run = (flag: string) =>
    new Deno.Command(cmd.argv[0]!, {
      args: [...cmd.argv.slice(1), flag],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    })
      .spawn();
  const ok = run("--confined");
  const w = ok.stdin.getWriter();
  await w.write(
    new TextEncoder().encode(JSON.stringify({ id: 1, op: "read_file", root, args: { path: "a.txt" } }) + "\n"),
  );
  await w.close();
  const out = await ok.output();
  assert.equal(out.code, 0);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), { id: 1, ok: true, value: "confined read" });
  const bad = run("--trust-me");
  await bad.stdin.close();
  const refused = await bad.output();
  assert.equal(refused.code, 2);
  assert.match(new TextDecoder().decode(refused.stderr), /unknown argument "--trust-me", expected --confined/);
  Deno.removeSync(root, { recursive: true });
});
