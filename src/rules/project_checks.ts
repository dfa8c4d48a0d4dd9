/**
 * The built-in project checks (issue 13): the project's own test, lint, type-check and build commands, in exact
 * argv shapes, all in this one table. They run the project's code (package.json scripts, a Makefile, conftest.py,
 * build.rs), which the agent can change, so they are never read-only; where run_bash runs under the bubblewrap
 * sandbox with the network off (`sandbox.network` false) that code can reach only the workspace and nothing outside,
 * and a script made only of project checks and read-only commands becomes **medium** (allowed while the session is
 * fresh, asked once it tires, denied when it is exhausted) instead of high (builtin_readonly.ts, engine.ts
 * `projectChecks`). Everywhere else they stay high.
 *
 * The shapes (README, docs/rules.md):
 *
 * - `npm test|t [args] [-- args]`, `npm run|run-script NAME [args] [-- args]`, `pnpm test`, `pnpm run NAME`,
 *   `yarn test`, `yarn run NAME`, `bun run NAME`, for NAME one of {@linkcode CHECK_SCRIPTS}; before `--` the only
 *   options are {@linkcode QUIET_OPTIONS} (npm reads options anywhere before `--`, abbreviated too:
 *   `--reg` is `--registry`), after it anything literal goes to the script;
 * - `npx TOOL`, `pnpm exec TOOL`, `yarn TOOL` for TOOL in {@linkcode CHECK_TOOLS} (no option before TOOL: `-y`,
 *   `-p`, `--package`, `-c` install or run other code), not in a watch mode, `vitest` only as `vitest run`,
 *   `prettier` only with `--check` or `--list-different` (`--write` is an edit: it stays high);
 * - `deno test|check|lint`, `deno fmt --check` (not `--watch`); `pytest`, `python|python3 -m pytest|unittest`;
 *   `cargo test|check|build|clippy` (no `+toolchain`, `--config`, `-Z`); `go test|vet|build` (no `-exec`,
 *   `-toolexec`, `-vettool`); `make TARGET…` for targets in {@linkcode MAKE_TARGETS} with only `-s`, `-k`, `-jN`
 *   (no `VAR=value`, `-C`, `-f`, `-e`).
 *
 * Refused in every one: an argument only known at run time (`$x`, `$(…)`, a glob), arguments added at run time
 * (xargs), `NAME=value` in front, an argument naming a path outside the workspace (absolute, or `..` leaving it,
 * also after `=`: `--outDir=/tmp`, `--prefix /tmp`), an argument naming code elsewhere (`https://…`, `npm:x`,
 * `jsr:x`), and for the npm family the options that move where it runs or fetches from (`--prefix`, `--registry`,
 * `--userconfig`, `--dir`, `--cwd`, `-C`, …) wherever they stand.
 *
 * Pure: no I/O, no runtime APIs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkProjectCheck } from "./project_checks.ts";
 * import { analyzeScript } from "./shell.ts";
 * const verdict = (s: string) => checkProjectCheck(analyzeScript(s).commands[0]!);
 * assert.deepEqual(verdict("npm test -- tests/a.test.ts"), { check: "npm test", reason: null });
 * assert.equal(verdict("timeout 60 npx tsc --noEmit").check, "npx tsc");
 * assert.equal(verdict("npm run clean").reason, "npm run clean is not a project check (the scripts are test, lint, build, typecheck, type-check, check, format:check)");
 * assert.match(verdict("npx -y cowsay").reason!, /npx options before the tool/);
 * assert.match(verdict("npm test --prefix /tmp").reason!, /--prefix/);
 * assert.deepEqual(verdict("ls -la"), { check: null, reason: null }); // not a project-check program at all
 * ```
 *
 * @module
 */
import type { SimpleCommand } from "./shell_types.ts";
import { lexicalWorkspacePath } from "./workspace_path.ts";

/** What the project checks say of one simple command. */
export interface ProjectCheckVerdict {
  /** The check it is (`npm test`, `npm run lint`, `npx tsc`, `make test`), or null. */
  readonly check: string | null;
  /** Why it is not one, or null when it is one or when its program runs no project checks at all (`ls`, `rm`). */
  readonly reason: string | null;
}

/** The package.json scripts `npm run` (and pnpm, yarn, bun) may run as a project check. */
export const CHECK_SCRIPTS: readonly string[] = [
  "test",
  "lint",
  "build",
  "typecheck",
  "type-check",
  "check",
  "format:check",
];

/** The only options of npm, pnpm, yarn and bun a project check may take before `--`. */
export const QUIET_OPTIONS: readonly string[] = ["-s", "--silent", "-q", "--quiet", "--if-present"];

/** The Makefile targets `make` may build as a project check. */
export const MAKE_TARGETS: readonly string[] = ["test", "check", "lint"];

/** Options of the npm family that move where it runs, reads its configuration or fetches from. */
const MOVING_OPTIONS: readonly string[] = [
  "--prefix",
  "--registry",
  "--userconfig",
  "--globalconfig",
  "--script-shell",
  "--node-options",
  "--package",
  "--dir",
  "--cwd",
  "--workspace",
  "--global",
];

type Words = readonly string[];
/** A refusal, or null: the tool's arguments are fine. */
type ToolCheck = (args: Words) => string | null;

const _watch = (tool: string, ...flags: string[]): ToolCheck => (args) => {
  const w = args.find((a) => flags.includes(a.split("=")[0]!));
  return w ? `${tool} ${w} starts a watcher that never ends` : null;
};

/** The tools `npx`, `pnpm exec` and `yarn` may run as a project check, each with what it must not be given. */
export const CHECK_TOOLS: Readonly<Record<string, (args: readonly string[]) => string | null>> = {
  tsc: _watch("tsc", "-w", "--watch"),
  eslint: () => null,
  vitest: (args) => {
    if (args[0] !== "run" && args[0] !== "--run") {
      return `vitest ${args[0] ?? "(no command)"} is not vitest run: it may watch, or run another command`;
    }
    return _watch("vitest", "-w", "--watch")(args);
  },
  jest: _watch("jest", "--watch", "--watchAll"),
  mocha: _watch("mocha", "-w", "--watch"),
  prettier: (args) => {
    const w = args.find((a) => ["-w", "--write"].includes(a.split("=")[0]!));
    if (w) return `prettier ${w} rewrites files: an edit, not a check`;
    if (!args.some((a) => ["-c", "--check", "-l", "--list-different"].includes(a))) {
      return "prettier without --check or --list-different rewrites or prints files: not a check";
    }
    return null;
  },
};

/** The result of one program's handler: the check's name, or a refusal. */
type Shape = { check: string } | string;

const _scriptList = () => `the scripts are ${CHECK_SCRIPTS.join(", ")}`;
const _toolList = () => Object.keys(CHECK_TOOLS).join(", ");

/** `npm run NAME` and the like: the script's name must be one of the checks, options must be quiet ones. */
function _script(runner: string, rest: Words): Shape {
  const name = _before(rest).find((w) => !w.startsWith("-"));
  if (name === undefined) return `${runner} with no script name lists the scripts or runs another command`;
  if (!CHECK_SCRIPTS.includes(name)) return `${runner} ${name} is not a project check (${_scriptList()})`;
  return _quiet(runner.split(" ")[0]!, rest) ?? { check: `${runner.split(" ")[0]} run ${name}` };
}

/** Options before `--` must be quiet ones; npm reads them anywhere before it, abbreviated too. */
function _quiet(runner: string, rest: Words): string | null {
  for (const w of _before(rest)) {
    if (!w.startsWith("-") || QUIET_OPTIONS.includes(w)) continue;
    const moving = _moving(w);
    if (moving) return `${runner} ${w}${_is(w, moving)} changes where it runs or fetches from`;
    return `${runner} ${w} is not an option a project check may take (only ${QUIET_OPTIONS.join(", ")})`;
  }
  return null;
}

/** A tool run by npx, pnpm exec or yarn. */
function _tool(runner: string, tool: string | undefined, args: Words): Shape {
  if (tool === undefined) return `${runner} with no tool is not a project check`;
  if (tool.startsWith("-")) {
    return `${runner} options before the tool (${tool}) install or run other code (-y, -p, --package, -c)`;
  }
  if (!Object.hasOwn(CHECK_TOOLS, tool)) {
    return `${runner} ${tool} is not a project check (the tools are ${_toolList()}; ${runner} runs or installs any package)`;
  }
  for (const w of args) {
    const moving = _moving(w);
    if (moving) return `${tool} ${w}${_is(w, moving)} would change where ${runner} runs or fetches from`;
  }
  const r = CHECK_TOOLS[tool]!(args);
  return r ?? { check: `${runner} ${tool}` };
}

/** One handler per program that runs project checks: the argv after the program's name. */
const PROGRAMS: Readonly<Record<string, (args: Words) => Shape>> = {
  npm: ([sub, ...rest]) => {
    if (sub === "test" || sub === "t") return _quiet("npm", rest) ?? { check: "npm test" };
    if (sub === "run" || sub === "run-script") return _script(`npm ${sub}`, rest);
    if (sub?.startsWith("-")) return `npm ${sub}: options before the command are not a project check`;
    return sub === undefined ? "npm with no command" : `npm ${sub} is not a project check (npm test, npm run NAME)`;
  },
  pnpm: ([sub, ...rest]) => {
    if (sub === "test" || sub === "t") return _quiet("pnpm", rest) ?? { check: "pnpm test" };
    if (sub === "run") return _script("pnpm run", rest);
    if (sub === "exec") return _tool("pnpm exec", rest[0], rest.slice(1));
    if (sub?.startsWith("-")) return `pnpm ${sub}: options before the command are not a project check`;
    return `pnpm ${sub ?? ""}`.trim() + " is not a project check (pnpm test, pnpm run NAME, pnpm exec TOOL)";
  },
  yarn: ([sub, ...rest]) => {
    if (sub === "test") return _quiet("yarn", rest) ?? { check: "yarn test" };
    if (sub === "run") return _script("yarn run", rest);
    if (sub !== undefined && Object.hasOwn(CHECK_TOOLS, sub)) return _tool("yarn", sub, rest);
    if (sub === undefined) return "yarn with no command installs the dependencies";
    if (sub.startsWith("-")) return `yarn ${sub}: options before the command are not a project check`;
    return `yarn ${sub} is not a project check (yarn test, yarn run NAME, yarn TOOL for ${_toolList()})`;
  },
  bun: ([sub, ...rest]) => {
    if (sub === "run") return _script("bun run", rest);
    return `bun ${sub ?? ""}`.trim() + " is not a project check (bun run NAME)";
  },
  npx: ([tool, ...rest]) => _tool("npx", tool, rest),
  deno: ([sub, ...rest]) => {
    if (!["test", "check", "lint", "fmt"].includes(sub ?? "")) {
      return `deno ${sub ?? ""}`.trim() + " is not a project check (deno test, check, lint, fmt --check)";
    }
    const watch = rest.find((w) => w.split("=")[0] === "--watch");
    if (watch) return `deno ${sub} ${watch} starts a watcher that never ends`;
    if (sub !== "fmt") return { check: `deno ${sub}` };
    return rest.includes("--check") ? { check: "deno fmt --check" } : "deno fmt without --check rewrites files";
  },
  pytest: () => ({ check: "pytest" }),
  python: (args) => _python("python", args),
  python3: (args) => _python("python3", args),
  cargo: ([sub, ...rest]) => {
    if (sub?.startsWith("+")) return `cargo ${sub} picks another toolchain`;
    if (!["test", "check", "build", "clippy"].includes(sub ?? "")) {
      return `cargo ${sub ?? ""}`.trim() + " is not a project check (cargo test, check, build, clippy)";
    }
    for (const w of _before(rest)) {
      if (w === "--config" || w.startsWith("--config=")) return `cargo ${w} can name programs cargo runs`;
      if (w.startsWith("-Z")) return `cargo ${w} turns on unstable behaviour`;
    }
    return { check: `cargo ${sub}` };
  },
  go: ([sub, ...rest]) => {
    if (!["test", "vet", "build"].includes(sub ?? "")) {
      return `go ${sub ?? ""}`.trim() + " is not a project check (go test, vet, build)";
    }
    for (const w of rest) {
      const flag = /^--?([^=]+)/.exec(w)?.[1];
      if (flag === "exec" || flag === "toolexec" || flag === "vettool") return `go ${sub} ${w} runs another program`;
    }
    return { check: `go ${sub}` };
  },
  make: (args) => {
    const targets: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const w = args[i]!;
      if (MAKE_TARGETS.includes(w)) targets.push(w);
      else if (["-s", "--silent", "--quiet", "-k", "--keep-going", "--no-print-directory"].includes(w)) continue;
      else if (/^(-j[0-9]*|--jobs(=[0-9]+)?)$/.test(w)) {
        if (/^(-j|--jobs)$/.test(w) && /^[0-9]+$/.test(args[i + 1] ?? "")) i++;
      } else if (w.includes("=")) return `make ${w} overrides a variable of the Makefile (what it runs)`;
      else if (w.startsWith("-")) return `make ${w} is not an option a project check may take (only -s, -k, -jN)`;
      else return `make ${w} is not a project check (the targets are ${MAKE_TARGETS.join(", ")})`;
    }
    if (targets.length === 0) return "make with no target builds the default one, which is not known to be a check";
    return { check: `make ${targets.join(" ")}` };
  },
};

/** The programs that run project checks, for docs. */
export const PROJECT_CHECK_PROGRAMS: readonly string[] = Object.keys(PROGRAMS);

/**
 * Whether one simple command is a project check (after the wrappers were looked through: `timeout 60 npm test` is
 * `npm test`). Redirections are not judged here (the caller judges every write of the script).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkProjectCheck } from "./project_checks.ts";
 * import { analyzeScript } from "./shell.ts";
 * const verdict = (s: string, resolve?: (t: string) => string | null) => checkProjectCheck(analyzeScript(s).commands[0]!, resolve);
 * assert.equal(verdict("make -j4 test").check, "make test");
 * assert.equal(verdict("FOO=1 npm test").reason, "FOO=1 in front of npm changes what it runs");
 * assert.equal(verdict("npx tsc --outDir /tmp/out").reason, 'npx tsc: the argument "/tmp/out" names a path outside the workspace');
 * assert.equal(verdict("npx tsc --outDir /ws/out", (t) => t.startsWith("/ws/") ? t.slice(4) : null).check, "npx tsc");
 * ```
 */
export function checkProjectCheck(
  cmd: SimpleCommand,
  resolve: (target: string) => string | null = (t) => lexicalWorkspacePath(t),
): ProjectCheckVerdict {
  const name = cmd.argv[0]?.value;
  if (cmd.lookedThrough || name === null || name === undefined || !Object.hasOwn(PROGRAMS, name)) {
    return { check: null, reason: null };
  }
  const no = (reason: string): ProjectCheckVerdict => ({ check: null, reason });
  if (cmd.dynamic) return no(cmd.dynamic);
  if (cmd.assignments.length > 0) return no(`${cmd.assignments.join(" ")} in front of ${name} changes what it runs`);
  if (cmd.extraArgs) return no(`${name} is given further arguments at run time (xargs)`);
  const args: string[] = [];
  for (const w of cmd.argv.slice(1)) {
    if (w.value === null) return no(`${name}'s argument ${w.text} is only known at run time`);
    args.push(w.value);
  }
  const shape = PROGRAMS[name]!(args);
  if (typeof shape === "string") return no(shape);
  for (const a of args) {
    const r = _elsewhere(a, resolve);
    if (r) return no(`${shape.check}: the argument ${JSON.stringify(a)} ${r}`);
  }
  return { check: shape.check, reason: null };
}

/**
 * Why a command runs the project's own code, which the gate cannot inspect (a project check, or another command of
 * a project-check program: `npm test`, `npm run clean`, `make all`, `python3 x.py`), or null. Such code may run any
 * command and open any file, so every `command` and `path` deny floor may apply to it (_match.ts; red team 6, F1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runsProjectCode } from "./project_checks.ts";
 * import { analyzeScript } from "./shell.ts";
 * assert.match(runsProjectCode(analyzeScript("npm test").commands[0]!)!, /project's code/);
 * assert.equal(runsProjectCode(analyzeScript("ls").commands[0]!), null);
 * ```
 */
export function runsProjectCode(cmd: SimpleCommand): string | null {
  const name = cmd.argv[0]?.value;
  if (cmd.lookedThrough || name === null || name === undefined || !Object.hasOwn(PROGRAMS, name)) return null;
  const shown = cmd.argv.slice(0, 3).map((w) => w.value ?? w.text).join(" ");
  return `${shown} runs the project's code (package.json scripts, a Makefile, tests, build scripts), which the ` +
    "gate cannot inspect";
}

function _python(py: string, args: Words): Shape {
  if (args[0] === "-m" && (args[1] === "pytest" || args[1] === "unittest")) return { check: `${py} -m ${args[1]}` };
  return `${py} ${args.join(" ")}`.trim() + ` is not a project check (${py} -m pytest, ${py} -m unittest)`;
}

/** The words before `--`. */
function _before(args: Words): Words {
  const i = args.indexOf("--");
  return i === -1 ? args : args.slice(0, i);
}

/** Which moving option `w` is (abbreviations too: npm expands them), or null. */
function _moving(w: string): string | null {
  if (/^-C/.test(w)) return "-C"; // npm's -C is --prefix, pnpm's --dir
  if (!w.startsWith("--")) return null;
  const name = w.split("=")[0]!;
  if (name.length < 4) return null;
  return MOVING_OPTIONS.find((o) => o.startsWith(name)) ?? null;
}

/** ` (--registry)` when `w` is an abbreviation of the option, else nothing. */
function _is(w: string, option: string): string {
  return w.split("=")[0] === option ? "" : ` (${option})`;
}

/** Why an argument reaches outside the workspace (a path, code on the network), or null. */
function _elsewhere(word: string, resolve: (target: string) => string | null): string | null {
  const parts = [word];
  const eq = word.indexOf("=");
  if (word.startsWith("-") && eq > 0) parts.push(word.slice(eq + 1));
  else if (/^-[A-Za-z]./.test(word)) parts.push(word.slice(2));
  for (const p of parts) {
    if (/:\/\//.test(p) || /^(npm|jsr|node|git\+[a-z]+|github|gitlab|bitbucket):/i.test(p)) {
      return "names code from elsewhere";
    }
    if ((p.startsWith("/") || p.split("/").includes("..")) && resolve(p) === null) {
      return "names a path outside the workspace";
    }
  }
  return null;
}
