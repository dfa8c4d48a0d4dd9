import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
// The SDK's "./*" export maps types to "*.d.ts", so "types.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/types"
import { ToolSchema } from "@modelcontextprotocol/sdk/types.js";
import { runSchema, toolSchemas } from "../../src/cli/schema.ts";
import { BUILTIN_DEFINITIONS } from "../../src/builtins/definitions.ts";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DENO_FLAGS } from "../_targets.ts";
import { probeBwrap } from "../../src/isolation/process/probe.ts";
import { SERVERS } from "../gateway/_servers.ts";
import { strictProblems, validate, VENDOR_SHAPES } from "../schemas/_vendor_shapes.ts";

const NAMES = BUILTIN_DEFINITIONS.map((d) => d.name);

function run(format: string): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runSchema(format, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

Deno.test("schema --format mcp: tools/list entries that the SDK's Tool schema accepts", () => {
  const { code, out, err } = run("mcp");
  assert.equal(code, 0);
  assert.deepEqual(err, []);
  const tools = JSON.parse(out.join("\n")) as Record<string, unknown>[];
  assert.deepEqual(tools.map((t) => t.name), NAMES);
  for (const t of tools) {
    const parsed = ToolSchema.safeParse(t);
    assert.ok(parsed.success, `${t.name}: ${parsed.error?.message}`);
    assert.equal((t.inputSchema as { type: string }).type, "object");
    assert.equal(typeof t.title, "string");
    assert.equal(typeof t.annotations, "object");
  }
  const bash = tools.find((t) => t.name === "run_bash") as { annotations: Record<string, boolean> };
  assert.equal(bash.annotations.destructiveHint, true);
  assert.equal(bash.annotations.openWorldHint, true); // unknown without a config: the cautious answer
  const read = tools.find((t) => t.name === "read_file") as { annotations: Record<string, boolean> };
  assert.equal(read.annotations.readOnlyHint, true);
  assert.equal(read.annotations.openWorldHint, false);
});

Deno.test("schema --format openai: Chat Completions function tools, not strict", () => {
  const { code, out } = run("openai");
  assert.equal(code, 0);
  const tools = JSON.parse(out.join("\n")) as {
    type: string;
    function: { name: string; description: string; parameters: Record<string, unknown>; strict?: boolean };
  }[];
  assert.deepEqual(tools.map((t) => t.function.name), NAMES);
  for (const [i, t] of tools.entries()) {
    const def = BUILTIN_DEFINITIONS[i]!;
    assert.deepEqual(Object.keys(t).sort(), ["function", "type"]);
    assert.equal(t.type, "function");
    assert.deepEqual(Object.keys(t.function).sort(), ["description", "name", "parameters"]);
    assert.equal(t.function.description, def.description);
    assert.deepEqual(t.function.parameters, def.inputSchema);
    assert.equal(t.function.parameters.type, "object");
    assert.equal(t.function.parameters.additionalProperties, false);
    assert.match(t.function.name, /^[a-zA-Z0-9_-]{1,64}$/);
  }
});

Deno.test("schema --format anthropic: {name, description, input_schema}", () => {
  const { code, out } = run("anthropic");
  assert.equal(code, 0);
  const tools = JSON.parse(out.join("\n")) as { name: string; description: string; input_schema: unknown }[];
  assert.deepEqual(tools.map((t) => t.name), NAMES);
  for (const [i, t] of tools.entries()) {
    assert.deepEqual(Object.keys(t).sort(), ["description", "input_schema", "name"]);
    assert.deepEqual(t.input_schema, BUILTIN_DEFINITIONS[i]!.inputSchema);
  }
});

Deno.test("schema: an unknown format is a usage error (exit 2) naming the value", () => {
  const { code, out, err } = run("yaml");
  assert.equal(code, 2);
  assert.deepEqual(out, []);
  assert.match(err[0]!, /--format must be mcp, openai, openai-responses, anthropic, got "yaml"/);
});

Deno.test("schema: the three formats describe the same tools with the same argument schemas", () => {
  const mcp = toolSchemas("mcp") as { name: string; inputSchema: unknown }[];
  const openai = toolSchemas("openai") as { function: { name: string; parameters: unknown } }[];
  const anthropic = toolSchemas("anthropic") as { name: string; input_schema: unknown }[];
  for (let i = 0; i < NAMES.length; i++) {
    assert.deepEqual(mcp[i]!.inputSchema, openai[i]!.function.parameters);
    assert.deepEqual(mcp[i]!.inputSchema, anthropic[i]!.input_schema);
  }
});

Deno.test("safe-exec schema through the binary prints JSON on stdout only", async () => {
  const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-env", main, "schema", "--format", "openai"],
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout } = await cmd.output();
  assert.equal(code, 0);
  const tools = JSON.parse(new TextDecoder().decode(stdout)) as unknown[];
  assert.equal(tools.length, 9);
  const bad = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-env", main, "schema", "--format", "nope"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout.length, 0);
});

Deno.test("schema --config: disabled tools left out, brought and upstream tools in; every format fits its vendor", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "se-schema-" });
  const config = join(dir, "safe-exec.jsonc");
  writeFileSync(
    config,
    JSON.stringify({
      tools: {
        run_python: { enabled: false },
        send_email: {
          run: "client",
          risk: "high",
          description: "Send an email.",
          inputSchema: {
            type: "object",
            properties: { to: { type: "string", format: "email" }, cc: { type: "string", maxLength: 200 } },
            required: ["to"],
          },
        },
      },
      servers: { memory: { command: ["node", SERVERS.memory], env: { MEMORY_FILE_PATH: join(dir, "m.jsonl") } } },
    }),
  );
  const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
  const schema = async (...extra: string[]) => {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...DENO_FLAGS, main, "schema", "--config", config, ...extra],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: r.code, out: new TextDecoder().decode(r.stdout), err: new TextDecoder().decode(r.stderr) };
  };
  try {
    for (const format of ["mcp", "openai", "openai-responses", "anthropic"]) {
      const r = await schema("--format", format);
      assert.equal(r.code, 0, r.err);
      const tools = JSON.parse(r.out) as Record<string, unknown>[];
      const names = tools.map((t) => (t.name ?? (t.function as { name: string }).name) as string);
      assert.ok(!names.includes("run_python"), `${format}: the disabled tool is left out`);
      assert.ok(names.includes("send_email"), `${format}: the brought tool is in`);
      assert.ok(names.includes("memory__create_entities"), `${format}: upstream tools are in`);
      for (const t of tools) {
        if (format === "mcp") {
          const parsed = ToolSchema.safeParse(t);
          assert.ok(parsed.success, `${names[0]}: ${parsed.error?.message}`);
        } else {
          assert.deepEqual(validate(VENDOR_SHAPES[format]!, t), [], `${format} ${JSON.stringify(t).slice(0, 80)}`);
        }
      }
    }
    for (const format of ["openai", "openai-responses"]) {
      const r = await schema("--format", format, "--strict");
      assert.equal(r.code, 0, r.err);
      const tools = JSON.parse(r.out) as Record<string, unknown>[];
      for (const t of tools) {
        const f = (format === "openai" ? t.function : t) as {
          name: string;
          strict: boolean;
          parameters: Record<string, unknown>;
        };
        if (f.strict) assert.deepEqual(strictProblems(f.parameters), [], f.name);
      }
      const email = tools.map((t) => (format === "openai" ? t.function : t) as Record<string, unknown>)
        .find((f) => f.name === "send_email")!;
      assert.equal(email.strict, true);
      assert.deepEqual((email.parameters as { required: string[] }).required, ["to", "cc"]);
    }
    const bad = await schema("--format", "anthropic", "--strict");
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--strict applies to --format openai and openai-responses/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

const bwrap = probeBwrap();
if (!bwrap.available) console.error(`\n*** SKIPPING schema with a sandboxed server: ${bwrap.reason} ***\n`);

Deno.test({
  name: 'schema --config: a server with "sandbox": true is listed from inside the sandbox',
  ignore: !bwrap.available,
  async fn() {
    const dir = Deno.makeTempDirSync({ prefix: "se-schema-" });
    const config = join(dir, "safe-exec.jsonc");
    mkdirSync(join(dir, "ws"));
    writeFileSync(
      config,
      JSON.stringify({
        workspace: "./ws",
        servers: { fs: { command: ["node", SERVERS.filesystem, "."], sandbox: true } },
      }),
    );
    const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
    try {
      const r = await new Deno.Command(Deno.execPath(), {
        args: ["run", ...DENO_FLAGS, main, "schema", "--config", config, "--format", "mcp"],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(r.stderr);
      assert.equal(r.code, 0, err);
      const names = (JSON.parse(new TextDecoder().decode(r.stdout)) as { name: string }[]).map((t) => t.name);
      assert.ok(names.includes("fs__read_text_file"), names.join(", "));
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
