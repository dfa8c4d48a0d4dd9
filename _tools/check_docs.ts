/**
 * The docs check of `deno task ok` (as denoland/std's `_tools/check_docs.ts`): doc examples that can fail, and a
 * library surface that `deno doc --lint` accepts. It fails (exit 1, one line per problem) on
 *
 * - a `console.assert` in a TypeScript example of a doc comment (it prints and never fails a test), in `src/`,
 *   `_tools/` or `build.ts`;
 * - an example that runs (not marked `ignore`) but asserts nothing: no import from `node:assert` (opt out with
 *   `no-assert` after the fence's language);
 * - any error of `deno doc --lint src/mod.ts` (a public type that refers to one not exported, a symbol without
 *   JSDoc).
 *
 * The examples themselves run in `deno task test` (`deno test --doc`).
 *
 *   deno run --allow-read --allow-run --allow-env _tools/check_docs.ts
 *
 * @module
 */
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** One TypeScript example of a doc comment. */
export interface Example {
  /** The line of its opening fence (1-based). */
  line: number;
  /** The words after the fence's language (`ignore`, `no-assert`, …). */
  attributes: string[];
  /** Its code, without the comment's leading `*`. */
  code: string;
}

/**
 * The TypeScript examples of the doc comments of a source text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { examplesOf } from "./check_docs.ts";
 * const fence = "`".repeat(3);
 * const text = ["/**", ` * ${fence}ts ignore`, " * f();", ` * ${fence}`, " *" + "/"].join("\n");
 * assert.deepEqual(examplesOf(text), [{ line: 2, attributes: ["ignore"], code: "f();" }]);
 * ```
 */
export function examplesOf(text: string): Example[] {
  const lines = text.split("\n");
  const found: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*\*\s?```(ts|typescript|js|javascript)\b(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*\*\s?```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.replace(/^\s*\*\s?/, ""));
    found.push({ line: i + 1, attributes: open[2]!.trim().split(/\s+/).filter((a) => a), code: body.join("\n") });
    i = j;
  }
  return found;
}

/**
 * What is wrong with the examples of one file (`name` is how the messages call it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { problemsOfExamples } from "./check_docs.ts";
 * const ex = (code: string, attributes: string[] = []) => ({ line: 3, attributes, code });
 * assert.deepEqual(problemsOfExamples("a.ts", [ex('import assert from "node:assert/strict";\nassert.ok(1);')]), []);
 * assert.match(problemsOfExamples("a.ts", [ex("console" + ".assert(f());")])[0]!, /a.ts:3: console.assert/);
 * assert.match(problemsOfExamples("a.ts", [ex("f();")])[0]!, /asserts nothing/);
 * assert.deepEqual(problemsOfExamples("a.ts", [ex("f();", ["ignore"]), ex("f();", ["no-assert"])]), []);
 * ```
 */
export function problemsOfExamples(name: string, examples: readonly Example[]): string[] {
  const problems: string[] = [];
  for (const ex of examples) {
    if (/\bconsole\.assert\s*\(/.test(ex.code)) {
      problems.push(`${name}:${ex.line}: console.assert in an example never fails a test; use node:assert/strict`);
    }
    const runs = !ex.attributes.includes("ignore");
    if (runs && !ex.attributes.includes("no-assert") && !/from\s+["']node:assert(\/strict)?["']/.test(ex.code)) {
      problems.push(
        `${name}:${ex.line}: the example asserts nothing (import assert from "node:assert/strict", or mark it no-assert)`,
      );
    }
  }
  return problems;
}

async function* tsFiles(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) yield* tsFiles(p);
    else if (e.isFile && e.name.endsWith(".ts")) yield p;
  }
}

if (import.meta.main) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const problems: string[] = [];
  const files: string[] = [join(root, "build.ts")];
  for (const dir of ["src", "_tools"]) for await (const f of tsFiles(join(root, dir))) files.push(f);
  let examples = 0;
  for (const f of files.sort()) {
    const found = examplesOf(await Deno.readTextFile(f));
    examples += found.length;
    problems.push(...problemsOfExamples(relative(root, f), found));
  }
  const lint = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--lint", "src/mod.ts"],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!lint.success) {
    const text = new TextDecoder().decode(lint.stderr) + new TextDecoder().decode(lint.stdout);
    const errors = [...text.matchAll(/^error\[([\w-]+)\]: (.*)\n\s*--> (\S+)/gm)];
    for (const e of errors) problems.push(`deno doc --lint src/mod.ts: ${relative(root, e[3]!)}: ${e[1]}: ${e[2]}`);
    if (errors.length === 0) problems.push(`deno doc --lint src/mod.ts failed (code ${lint.code}):\n${text.trim()}`);
  }
  for (const p of problems) console.error(`check_docs: ${p}`);
  if (problems.length > 0) {
    console.error(`check_docs: ${problems.length} problem(s)`);
    Deno.exit(1);
  }
  console.log(
    `check_docs: ${examples} examples in ${files.length} files assert with node:assert; deno doc --lint clean`,
  );
}
