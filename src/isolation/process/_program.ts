/**
 * Private helper of the sandbox: what a long-lived sandboxed program (an upstream MCP server, SPEC §8) needs to see
 * of the host to run at all, beyond what every sandboxed process sees. {@linkcode gatherProgramFacts} looks at the
 * host (the program found in PATH, its `#!` interpreter, the files its arguments name, its working directory, and
 * markers around them: the first `node_modules` folder on the way, a Python venv's `pyvenv.cfg`, the nearest
 * `package.json`); {@linkcode planProgram} turns those facts into read-only binds, the argv and the folder to start
 * in, without touching the file system, tested against exact vectors.
 *
 * What is shown, read-only, for each file of the program (the program, its interpreter, a file an argument names):
 * - nothing, when it is already visible (the system folders, the workspace, `sandbox.readable`/`writable`);
 * - the outermost `node_modules` folder it lies in (a package and every package it can import), or
 * - the venv it is the `bin/` program of (`<venv>/pyvenv.cfg`), or
 * - for code (a program that is a `#!` script, a `.js`/`.mjs`/`.cjs`/`.ts`/`.py`/… file): its package (the nearest
 *   folder with a `package.json`, at most {@linkcode PACKAGE_LEVELS} up) or else its own folder;
 * - else the file alone.
 * A folder is never shown when it is `/` or a top-level folder, is or holds a home folder (`$HOME`, `/root`,
 * `/home`, `/home/*`), holds a temp folder (the host's `/tmp`, `/var/tmp`, `/dev/shm`: other calls' private files),
 * or holds the witness log, the config file or the signing key: then the file alone is shown, and said so. A file
 * (or folder) that holds one of those three is refused, and so is a path through a symlink a sandboxed process can
 * change (inside the workspace or a writable folder). A folder an argument names is never added (it is data, not
 * the program: name it in `sandbox.readable` or `sandbox.writable`).
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { closeSync, openSync, readSync } from "node:fs";
import { basename, delimiter, dirname, extname, isAbsolute, join, resolve, sep } from "node:path";
import { isWithin } from "../../_util/paths.ts";
import { factOf, type PathFact } from "./_facts.ts";

/** How many folders up from a code file a `package.json` is looked for. */
export const PACKAGE_LEVELS = 4;

/** File name endings that mark an argument as code (its package or folder is shown, not the file alone). */
export const CODE_EXTENSIONS: readonly string[] = [
  ".js",
  ".mjs",
  ".cjs",
  ".ts",
  ".mts",
  ".cts",
  ".py",
  ".rb",
  ".pl",
  ".sh",
  ".jar",
];

/** One file of the program, as the host has it. */
export interface ProgramFile {
  /** The program, its `#!` interpreter, or a file named by an argument (its index in argv). */
  role: "program" | "interpreter" | { arg: number };
  /** The absolute path it was found at (lexical: symlinks not resolved). */
  path: string;
  /** What is there (with the symlinks on the way). */
  fact: PathFact;
  /** The nearest folder above the real file (at most {@linkcode PACKAGE_LEVELS} up) with a `package.json`. */
  package: string | null;
  /** The venv whose `bin/` the lexical path is in (`<venv>/pyvenv.cfg` exists), as a real path. */
  venv: string | null;
}

/** The host facts of one program start. */
export interface ProgramFacts {
  /** The argv as configured. */
  argv: string[];
  /** The program (argv[0]) found, or null with why not. */
  program: ProgramFile | { missing: string };
  /** The `#!` line's interpreter, when the program is a script, or null. */
  interpreter: ProgramFile | { missing: string } | null;
  /** Files the arguments name (each argument that resolves to something, relative to the working directory). */
  args: ProgramFile[];
  /** Folders the arguments name (not shown; said in the notes when invisible). */
  argDirs: { arg: number; real: string }[];
  /** The configured working directory, or null for the workspace. */
  cwd: PathFact | null;
}

/** What the sandbox shows anyway, and what must never be shown: the host around the program. */
export interface ProgramContext {
  /** The workspace (real path). */
  workspace: string;
  /** Real paths shown anyway: the system folders, `sandbox.readable`, `sandbox.writable`, the workspace. */
  shown: string[];
  /** Real paths a sandboxed process can write (the workspace, `sandbox.writable`). */
  writable: string[];
  /** Home folders (real paths). */
  homes: string[];
  /** The host's temp folders (real paths). */
  temps: string[];
  /** Files never shown, with what they are (real paths): the witness log, the config file, the signing key. */
  guarded: { what: string; path: string }[];
}

/** A read-only bind of the program's plan. */
export interface ProgramBind {
  /** The host path (real). */
  src: string;
  /** Where it appears inside. */
  dest: string;
  /** Why, in words. */
  why: string;
}

/** How the program starts in the sandbox, or why it cannot. */
export type ProgramPlan =
  | {
    /** The argv inside (argv[0] absolute). */
    argv: string[];
    /** Read-only binds, in the order found (the mount plan orders them). */
    binds: ProgramBind[];
    /** The working directory inside. */
    chdir: string;
    /** What was not shown, and why. */
    notes: string[];
  }
  | { refused: string };

function isCode(f: ProgramFile, script: boolean): boolean {
  return (f.role === "program" && script) || CODE_EXTENSIONS.includes(extname(f.path).toLowerCase());
}

function roleName(f: ProgramFile): string {
  return typeof f.role === "string" ? `the ${f.role}` : `argument ${f.role.arg}`;
}

/**
 * The binds, argv and working directory of a sandboxed program, from host facts. Pure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planProgram } from "./_program.ts";
 * const file = (path: string) => ({ path, kind: "file" as const, real: path, realKind: "file" as const });
 * const plan = planProgram(
 *   {
 *     argv: ["node", "/opt/app/node_modules/srv/dist/index.js"],
 *     program: { role: "program", path: "/usr/bin/node", fact: file("/usr/bin/node"), package: null, venv: null },
 *     interpreter: null,
 *     args: [{ role: { arg: 1 }, path: "/opt/app/node_modules/srv/dist/index.js",
 *              fact: file("/opt/app/node_modules/srv/dist/index.js"), package: "/opt/app/node_modules/srv", venv: null }],
 *     argDirs: [],
 *     cwd: null,
 *   },
 *   { workspace: "/srv/ws", shown: ["/usr", "/srv/ws"], writable: ["/srv/ws"], homes: ["/root", "/home"],
 *     temps: ["/tmp"], guarded: [] },
 * );
 * assert.ok(!("refused" in plan));
 * assert.deepEqual(plan.argv, ["/usr/bin/node", "/opt/app/node_modules/srv/dist/index.js"]);
 * assert.deepEqual(plan.binds.map((b) => b.src), ["/opt/app/node_modules"]);
 * assert.equal(plan.chdir, "/srv/ws");
 * ```
 */
export function planProgram(facts: ProgramFacts, ctx: ProgramContext): ProgramPlan {
  const binds: ProgramBind[] = [];
  const notes: string[] = [];
  const visible = (p: string) =>
    ctx.shown.some((s) => isWithin(p, s)) || binds.some((b) => isWithin(p, b.dest) && b.src === b.dest);
  const guardedIn = (p: string) => ctx.guarded.find((g) => isWithin(g.path, p));
  const agentLink = (f: PathFact) =>
    (f.linksOnTheWay ?? []).find((l) => ctx.writable.some((w) => isWithin(l, w) && l !== w));
  /** Why a folder may not be shown whole, or null. */
  const folderBar = (d: string): string | null => {
    const home = ctx.homes.find((h) => isWithin(h, d));
    if (home !== undefined) return home === d ? "it is a home folder" : `it holds the home folder ${home}`;
    if (dirname(d) === "/home") return "it is a home folder";
    const temp = ctx.temps.find((t) => isWithin(t, d));
    if (temp !== undefined) return temp === d ? "it is a temp folder" : `it holds the temp folder ${temp}`;
    if (d.split(sep).filter((x) => x !== "").length < 2) return "it is a top-level folder";
    const g = guardedIn(d);
    if (g !== undefined) return `it holds ${g.what} ${g.path}`;
    return null;
  };
  const bind = (src: string, dest: string, why: string) => {
    if (!binds.some((b) => b.src === src && b.dest === dest)) binds.push({ src, dest, why });
  };

  /** Show what `f` needs; a refusal message, or null. */
  const show = (f: ProgramFile): string | null => {
    const real = f.fact.real;
    if (real === null || f.fact.realKind !== "file") {
      return `${roleName(f)} ${f.path} is not a file (${real === null ? "it cannot be resolved" : f.fact.realKind})`;
    }
    const link = agentLink(f.fact);
    if (link !== undefined) {
      return `${roleName(f)} ${f.path} passes through ${link}, a symlink a sandboxed process can change`;
    }
    const g = guardedIn(real);
    if (g !== undefined) return `${roleName(f)} ${f.path} is ${g.what}, which the sandbox never shows`;
    if (!visible(real)) {
      const nm = real.split(sep).indexOf("node_modules");
      const folder = nm > 0
        ? real.split(sep).slice(0, nm + 1).join(sep)
        : f.venv ?? (isCode(f, facts.interpreter !== null) ? f.package ?? dirname(real) : null);
      const bar = folder === null ? null : folderBar(folder);
      if (folder !== null && bar === null) bind(folder, folder, `${roleName(f)} ${f.path}`);
      else {
        if (folder !== null) notes.push(`${folder} (for ${roleName(f)}) not shown whole: ${bar}; only ${real} is`);
        bind(real, real, `${roleName(f)} ${f.path}`);
      }
    }
    // The lexical path too, where it is not the real one and not visible (an interpreter found through a symlink).
    if (f.path !== real && !visible(f.path)) {
      bind(real, f.path, `${roleName(f)} ${f.path} (a symlink to ${real})`);
    }
    return null;
  };

  if ("missing" in facts.program) return { refused: facts.program.missing };
  const refusedProgram = show(facts.program);
  if (refusedProgram !== null) return { refused: refusedProgram };
  if (facts.interpreter !== null) {
    if ("missing" in facts.interpreter) return { refused: facts.interpreter.missing };
    const r = show(facts.interpreter);
    if (r !== null) return { refused: r };
  }
  for (const a of facts.args) {
    const r = show(a);
    if (r !== null) return { refused: r };
  }
  for (const d of facts.argDirs) {
    if (!visible(d.real)) {
      notes.push(
        `argument ${d.arg} names the folder ${d.real}, which the sandbox does not show (only the workspace and ` +
          `sandbox.readable/writable); add it to sandbox.readable or sandbox.writable if the server needs it`,
      );
    }
  }

  let chdir = ctx.workspace;
  if (facts.cwd !== null) {
    const c = facts.cwd;
    if (c.real === null || c.realKind !== "dir") return { refused: `the working directory ${c.path} is not a folder` };
    const link = agentLink(c);
    if (link !== undefined) {
      return {
        refused: `the working directory ${c.path} passes through ${link}, a symlink a sandboxed process can change`,
      };
    }
    if (!visible(c.real)) {
      const bar = folderBar(c.real);
      if (bar !== null) {
        return {
          refused: `the working directory ${c.path} cannot be shown in the sandbox: ${bar}; ` +
            `leave "cwd" out (the workspace) or name a folder of the server's own`,
        };
      }
      bind(c.real, c.real, `the working directory ${c.path}`);
    }
    chdir = c.real;
  }
  const argv = [facts.program.path, ...facts.argv.slice(1)];
  return { argv, binds, chdir, notes };
}

// ---------------------------------------------------------------------------------------------------------------
// Host facts

function readShebang(path: string): string | null {
  let fd: number | null = null;
  try {
    fd = openSync(path, "r");
    const buf = new Uint8Array(256);
    const n = readSync(fd, buf, 0, buf.length, 0);
    if (n < 2 || buf[0] !== 0x23 || buf[1] !== 0x21) return null;
    const text = new TextDecoder().decode(buf.subarray(2, n));
    const end = text.indexOf("\n");
    return end < 0 ? null : text.slice(0, end).trim();
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

function packageOf(real: string): string | null {
  let d = dirname(real);
  for (let i = 0; i < PACKAGE_LEVELS && d !== "/"; i++, d = dirname(d)) {
    if (factOf(join(d, "package.json")).realKind === "file") return d;
  }
  return null;
}

function venvOf(lexical: string): string | null {
  const bin = dirname(lexical);
  if (basename(bin) !== "bin") return null;
  const root = dirname(bin);
  const cfg = factOf(join(root, "pyvenv.cfg"));
  return cfg.realKind === "file" ? factOf(root).real : null;
}

function fileFacts(role: ProgramFile["role"], path: string): ProgramFile {
  const fact = factOf(path, true);
  return {
    role,
    path,
    fact,
    package: fact.real === null ? null : packageOf(fact.real),
    venv: venvOf(path),
  };
}

function lookup(name: string, pathVar: string, cwd: string): string | null {
  if (name.includes("/")) return resolve(cwd, name);
  for (const d of pathVar.split(delimiter)) {
    if (!isAbsolute(d)) continue;
    const p = join(d, name);
    const f = factOf(p);
    if (f.realKind === "file") return p;
  }
  return null;
}

/**
 * Look at the host for a program start: `argv[0]` found in `pathVar` (or resolved against the working directory),
 * the interpreter of its `#!` line (`/usr/bin/env NAME` found in `pathVar` too), every argument that names an
 * existing file or folder (relative ones against the working directory), and the working directory. `cwd` is the
 * configured working directory, or null for the workspace.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gatherProgramFacts } from "./_program.ts";
 * const f = gatherProgramFacts(["sh", "-c", "true"], "/usr/bin:/bin", null, "/");
 * assert.ok(!("missing" in f.program) && f.program.path.endsWith("/sh"));
 * assert.deepEqual(f.args, []);
 * ```
 */
export function gatherProgramFacts(
  argv: readonly string[],
  pathVar: string,
  cwd: string | null,
  workspace: string,
): ProgramFacts {
  const base = cwd ?? workspace;
  const name = argv[0] ?? "";
  const found = lookup(name, pathVar, base);
  const program: ProgramFacts["program"] = found === null
    ? { missing: `the program ${JSON.stringify(name)} was not found in PATH (${pathVar})` }
    : fileFacts("program", found);
  let interpreter: ProgramFacts["interpreter"] = null;
  if (!("missing" in program) && program.fact.real !== null && program.fact.realKind === "file") {
    const line = readShebang(program.fact.real);
    if (line !== null) {
      const words = line.split(/\s+/).filter((w) => w !== "");
      let interp = words[0] ?? "";
      if (basename(interp) === "env") interp = words.slice(1).find((w) => !w.startsWith("-") && !w.includes("=")) ?? "";
      const where = interp === "" ? null : lookup(interp, pathVar, "/");
      interpreter = where === null
        ? { missing: `the interpreter ${JSON.stringify(line)} of ${found} was not found` }
        : fileFacts("interpreter", where);
    }
  }
  const args: ProgramFile[] = [];
  const argDirs: ProgramFacts["argDirs"] = [];
  argv.forEach((a, i) => {
    if (i === 0 || a === "" || a.startsWith("-") || a.length > 4096) return;
    const p = resolve(base, a);
    const f = factOf(p);
    if (f.realKind === "file") args.push(fileFacts({ arg: i }, p));
    else if (f.realKind === "dir" && f.real !== null) argDirs.push({ arg: i, real: f.real });
  });
  return { argv: [...argv], program, interpreter, args, argDirs, cwd: cwd === null ? null : factOf(cwd, true) };
}
