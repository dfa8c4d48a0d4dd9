/**
 * Worktree files that git's hooks hand over to. A protected hook is only as safe as what it runs: husky's stubs in
 * `core.hooksPath = .husky/_` run `.husky/<hook>`; pre-commit's hook runs what `.pre-commit-config.yaml` names;
 * lefthook's runs what `lefthook.yml` (and its variants and `.lefthook/` scripts) names, and sources its `rc`; husky
 * v4's stubs in `.git/hooks` source `husky.sh`, which runs what `package.json`'s `"husky"` key (or a `.huskyrc*`,
 * `husky.config.*`) names, through `node_modules/husky`; yorkie's run `node_modules/yorkie`'s runner, which runs
 * `package.json`'s `"gitHooks"` (red team 10, J6); a hook that runs python at the worktree's top (pre-commit's own
 * `"$INSTALL_PYTHON" -mpre_commit`, a `python3 -m json.tool`: `_python.ts`) imports the top's modules first, so the
 * module it names and every top-level python import target ({@linkcode pythonTargetAt}) count (red team 12, K6).
 * A hook that runs node's package managers or node from the worktree
 * (husky's stubs and hooks, yorkie's, lefthook's fall-backs, a hand-written `npx lint-staged`) hands over to what that
 * run resolves there (red team 12, K4, K5, K7, K9): the package managers' project settings ({@linkcode NODE_PM_FILES},
 * {@linkcode NODE_PM_DIRS}: `node-options`, `script-shell`, `yarnPath`, PnP loaders), and `node_modules/.bin`, whose
 * programs npx, npm, yarn and pnpm run and which husky v9's `h` puts first on `PATH` (so its `sh -e .husky/<hook>`
 * starts a `node_modules/.bin/sh`); for husky v4 and yorkie the whole `node_modules` (their runners are node programs
 * there, see {@linkcode hookDelegates}). When a repository's hooks
 * are theirs, those files are protected like the hooks themselves (the file tools refuse them, the sandbox shows
 * them read-only, and one that is missing must not be created by a process).
 *
 * The class is wider than these: any hook that runs the project's own code (`npm test`, `npx lint-staged`, `make lint`)
 * runs code the agent can change. That is said in the README's threat model; only the known hook managers, and what
 * node's package managers resolve before they start anything, are followed here.
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { readdirSync } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { isWithin } from "../_util/paths.ts";
import { lstatOr, readText, realOr } from "./_fs.ts";
import { hookScriptPaths } from "./hook_scripts.ts";
import { pythonRuns } from "./_python.ts";

/** One file (or folder) a hook hands over to. */
export interface HookDelegate {
  /** Its path (in the worktree). */
  path: string;
  /** A file or a folder. */
  kind: "file" | "dir";
  /** Which hook manager, for messages. */
  why: string;
  /**
   * A command line the hook runs in the worktree (lefthook's `rc`, sourced before each command, and its `lefthook`
   * command): what its words name is protected as `_command.ts` says; `path` is then the config that sets it.
   */
  command?: string;
  /**
   * A hook runs python with the worktree's top (`path`) first on `sys.path` (`python3 -m X`, pre-commit's
   * `-mpre_commit`, red team 12, K6): every top-level python import target there is protected (`pythonTargetAt`).
   */
  pythonTop?: true;
}

/** The file names python imports as a module (source, bytecode, extension: `x.py`, `x.pyc`, `x.cpython-312-….so`). */
const PY_MODULE_FILE = /\.(?:py|pyc|pyw|pyd|so)$/i;

/** A package's `__init__` as python loads it (`__init__.py`, `__init__.pyc`, `__init__.cpython-312-….so`). */
const PY_INIT = /^__init__\.(?:.*\.)?(?:py|pyc|pyw|pyd|so)$/i;

/**
 * The top-level python import target that `p` (a path below the worktree's top `top`, where a hook runs python with
 * the top first on `sys.path`) is, or is inside, or would make; null when it is none. Counted: every top-level file
 * whose name python imports as a module (`*.py`, `*.pyc`, `*.so`, `*.pyw`, `*.pyd`), the top's `__pycache__/` (its
 * `x.cpython-3N.pyc` is run for `x.py`), every top-level folder that holds an `__init__.*` (a package) and a top-level
 * folder's `__init__.*` itself (it would make one). A top-level folder without `__init__` (a namespace portion) is
 * not counted, nor anything deeper (see docs/hooks.md).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonTargetAt } from "./delegates.ts";
 * assert.equal(pythonTargetAt("/ws", "/ws/yaml.py"), "/ws/yaml.py");
 * assert.equal(pythonTargetAt("/ws", "/ws/yaml/__init__.py"), "/ws/yaml");
 * assert.equal(pythonTargetAt("/ws", "/ws/__pycache__/x.cpython-312.pyc"), "/ws/__pycache__");
 * assert.equal(pythonTargetAt("/ws", "/ws/src/lib/a.py"), null);
 * assert.equal(pythonTargetAt("/ws", "/ws/README.md"), null);
 * ```
 */
export function pythonTargetAt(top: string, p: string): string | null {
  if (p === top || !p.startsWith(top.endsWith(sep) ? top : top + sep)) return null;
  const parts = p.slice(top.length + (top.endsWith(sep) ? 0 : 1)).split(sep);
  const first = parts[0]!;
  const at = join(top, first);
  if (first === "__pycache__" || PY_MODULE_FILE.test(first)) return at;
  // a folder whose name holds a dot (`.venv`, `.github`, `a.b`) is never a top-level package: python splits at dots
  if (first.includes(".")) return null;
  if (parts.length === 2 && PY_INIT.test(parts[1]!)) return at;
  return isPythonPackage(at) ? at : null;
}

/** The `__init__.*` files python would load in folder `dir` (a link is followed); none: not a regular package. */
export function pythonInits(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => PY_INIT.test(n));
  } catch {
    return [];
  }
}

/** Whether folder `dir` holds an `__init__.*` (python imports it as a regular package); a link is followed. */
export function isPythonPackage(dir: string): boolean {
  try {
    return readdirSync(dir).some((n) => PY_INIT.test(n));
  } catch {
    return false;
  }
}

/**
 * The top-level python import targets of the worktree `top` now (see {@linkcode pythonTargetAt}): names, sorted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { pythonTargets } from "./delegates.ts";
 * const top = mkdtempSync(join(tmpdir(), "py-"));
 * mkdirSync(join(top, "pkg"));
 * writeFileSync(join(top, "pkg", "__init__.py"), "");
 * mkdirSync(join(top, "src"));
 * writeFileSync(join(top, "setup.py"), "");
 * writeFileSync(join(top, "README.md"), "");
 * assert.deepEqual(pythonTargets(top), ["pkg", "setup.py"]);
 * rmSync(top, { recursive: true });
 * ```
 */
export function pythonTargets(top: string): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(top);
  } catch { /* unreadable or missing: nothing there */ }
  return names.filter((n) => n !== ".git" && pythonTargetAt(top, join(top, n)) !== null).sort();
}

/** Where husky v4 (cosmiconfig) reads its hooks at run time, besides `package.json`. */
const HUSKY4_NAMES: readonly string[] = [
  ".huskyrc",
  ".huskyrc.json",
  ".huskyrc.yaml",
  ".huskyrc.yml",
  ".huskyrc.js",
  ".huskyrc.cjs",
  "husky.config.js",
  "husky.config.cjs",
];

/**
 * Project files node's package managers read on every run, before they start what they run (red team 12, K7): npm's,
 * npx's and pnpm's `.npmrc` (`node-options=--require=…`, `script-shell`, `userconfig`), yarn 1's `.yarnrc`
 * (`yarn-path`), yarn 2+'s `.yarnrc.yml` (`yarnPath`, plugins) and its Plug'n'Play loaders (required into every node it
 * starts), pnpm's `.pnpmfile.*` and `pnpm-workspace.yaml` (pnpm 10's settings), bun's `bunfig.toml` (`preload`).
 */
export const NODE_PM_FILES: readonly string[] = [
  ".npmrc",
  ".yarnrc",
  ".yarnrc.yml",
  ".pnp.cjs",
  ".pnp.js",
  ".pnp.loader.mjs",
  ".pnpmfile.cjs",
  ".pnpmfile.mjs",
  "pnpm-workspace.yaml",
  "bunfig.toml",
];

/** Project folders node's package managers run code from: yarn 2+'s `.yarn` (`releases/` for `yarnPath`, `plugins/`). */
export const NODE_PM_DIRS: readonly string[] = [".yarn"];

/** What bun loads into the environment of every run (`NODE_OPTIONS` there reaches each node it starts). */
const BUN_ENV_FILES: readonly string[] = [
  ".env",
  ".env.local",
  ".env.development",
  ".env.development.local",
  ".env.production",
  ".env.production.local",
  ".env.test",
  ".env.test.local",
];

/** A hook that runs node, a node package manager or a `node_modules/.bin` program (a word, or a shebang). */
const NODE_RUN =
  /(?:^|[\s;|&(`'"/])(?:npx|npm|pnpm|pnpx|yarn|yarnpkg|node|nodejs|bun|bunx|corepack)(?=$|[\s;|&)`'"])|node_modules\/\.bin\b/m;

/** A hook that runs bun. */
const BUN_RUN = /(?:^|[\s;|&(`'"/])(?:bun|bunx)(?=$|[\s;|&)`'"])/m;

/**
 * The folders a hook script's `cd` enters, as written (relative to the top or absolute); a `cd` whose folder is not a
 * plain word (a variable, a substitution, a glob, `-`) gives none (red team 12: the top stays protected).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cdFolders } from "./delegates.ts";
 * assert.deepEqual(cdFolders('cd web && npx lint-staged\ncd "apps/api"; npm test\ncd "$X"\n'), ["web", "apps/api"]);
 * ```
 */
export function cdFolders(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|[\s;&|(])(?:cd|pushd)\s+(?:--\s+)?(["']?)([^\s"';&|)]+)\1(?=$|[\s;&|)])/gm)) {
    const w = m[2]!;
    if (/[$`*?[\]{}~\\]/.test(w) || w === "-" || w.startsWith("-")) continue;
    if (!out.includes(w)) out.push(w);
    if (out.length >= 32) break;
  }
  return out;
}

/** A hook stub of husky v4 (or older: `husky-run`, `node_modules/husky/run.js`), not v9's `.husky/_` stubs. */
const HUSKY4_STUB = /Created by Husky v[0-4]\.|\bhusky\.sh\b|\bhusky-run\b|node_modules\/husky\/(?:run|lib\/runner)/;

const LEFTHOOK_NAMES: readonly string[] = (() => {
  const out: string[] = [];
  for (const base of ["lefthook", ".lefthook", ".config/lefthook"]) {
    for (const local of ["", "-local"]) {
      for (const ext of ["yml", "yaml", "toml", "json", "jsonc"]) out.push(`${base}${local}.${ext}`);
    }
  }
  return out;
})();

/** The hook files of a hooks folder (no `.sample`), at most 64 of at most 256 KiB. */
function hookTexts(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names.slice(0, 256)) {
    if (n.endsWith(".sample") || out.length >= 64) continue;
    const t = readText(join(dir, n));
    if (t !== null) out.push(t);
  }
  return out;
}

/**
 * The files the hooks in `hookDirs` hand over to, for the worktree `root` (existing or not).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hookDelegates } from "./delegates.ts";
 * // husky v9: core.hooksPath is .husky/_, its stubs run .husky/<hook> with node_modules/.bin first on PATH
 * const paths = hookDelegates("/ws", ["/ws/.husky/_"]).map((d) => d.path);
 * assert.deepEqual(paths.slice(0, 2), ["/ws/.husky", "/ws/.npmrc"]);
 * assert.ok(paths.includes("/ws/node_modules/.bin") && !paths.includes("/ws/node_modules"));
 * assert.deepEqual(hookDelegates("/ws", ["/nonexistent/hooks"]), []);
 * // husky v4 and yorkie: package.json holds the hooks they run (a real .git/hooks is read, so not shown here)
 * ```
 */
export function hookDelegates(root: string, hookDirs: readonly string[]): HookDelegate[] {
  const out: HookDelegate[] = [];
  const add = (path: string, kind: "file" | "dir", why: string) => {
    if (!out.some((d) => d.path === path)) out.push({ path, kind, why });
  };
  let nodeRun: string | null = null;
  let bun = false;
  const folders = new Set<string>([root]);
  const cds = (t: string) => {
    for (const d of cdFolders(t)) {
      const f = resolve(root, d);
      if (isWithin(f, root)) folders.add(f);
    }
  };
  let runner: string | null = null;
  const runners: string[] = [];
  for (const dir of hookDirs) {
    // husky: the hooks path is .husky/_ (v9) or .husky (v4–v8); either way every file in .husky is a hook script.
    const parts = dir.split(sep);
    const at = parts.lastIndexOf(".husky");
    let husky: string | null = null;
    if (at > 0) husky = parts.slice(0, at + 1).join(sep);
    else if (basename(dir) === "_" && lstatOr(join(dirname(dir), "_", "h"))?.isFile()) husky = dirname(dir);
    if (husky !== null) {
      add(husky, "dir", "husky's hook scripts (core.hooksPath)");
      // v9's `h` runs `sh -e .husky/<hook>` with node_modules/.bin first on PATH; v5–v8's hooks run `npx …`
      nodeRun ??= "husky's hooks (node_modules/.bin first on PATH)";
      for (const t of hookTexts(husky)) {
        if (BUN_RUN.test(t)) bun = true;
        cds(t);
      }
    }
    // every worktree path the hook scripts name: lefthook's node_modules binaries, a ./scripts/x (red team 9, H12)
    for (const p of hookScriptPaths(root, dir)) add(p.path, p.kind, p.why);
    for (const text of hookTexts(dir)) {
      if (NODE_RUN.test(text)) nodeRun ??= `a hook that runs node or a node package manager (${basename(dir)})`;
      cds(text);
      if (BUN_RUN.test(text)) bun = true;
      if (HUSKY4_STUB.test(text)) {
        add(join(root, "package.json"), "file", 'husky v4\'s hooks (package.json "husky", run by a hook)');
        for (const n of HUSKY4_NAMES) add(join(root, n), "file", "husky v4's config (a hook)");
        add(join(root, "node_modules", "husky"), "dir", "husky v4's runner (a hook)");
        runner ??= "husky v4's runner";
        runners.push("husky");
        nodeRun ??= "husky v4's hooks (npx, pnpx or yarn run husky-run)";
      }
      if (/^#\s*yorkie\b/m.test(text) || /node_modules\/yorkie\//.test(text)) {
        add(join(root, "package.json"), "file", 'yorkie\'s hooks (package.json "gitHooks", run by a hook)');
        add(join(root, "node_modules", "yorkie"), "dir", "yorkie's runner (a hook)");
        runner ??= "yorkie's runner";
        runners.push("yorkie");
        nodeRun ??= "yorkie's hooks (node)";
      }
      if (/\bpre-commit\b/.test(text) && /\bhook-impl\b/.test(text)) {
        const m = /--config[= ]["']?([^"'\s)]+)/.exec(text);
        add(resolve(root, m ? (m[1] as string) : ".pre-commit-config.yaml"), "file", "pre-commit's config (a hook)");
      }
      // python run with the top first on sys.path (red team 12, K6): the named module as python's `-m` reads it,
      // and every top-level import target (what the module imports later is looked up there first)
      const py = pythonRuns(text);
      for (const d of py.dirs) {
        // a script in a folder: that folder is first on sys.path (`python3 scripts/check.py` imports scripts/x.py)
        const at = resolve(root, d);
        if (at === root || !at.startsWith(root + sep) || out.some((o) => o.pythonTop && o.path === at)) continue;
        // the git dir and the hooks folder are protected whole already
        if (at === dir || at.startsWith(dir + sep) || at.startsWith(join(root, ".git") + sep)) continue;
        const why = `python run by a hook with ${JSON.stringify(d)} first on sys.path`;
        out.push({ path: at, kind: "dir", why, pythonTop: true });
      }
      if (py.top) {
        const why = "python run by a hook with the worktree's top first on sys.path";
        if (!out.some((d) => d.pythonTop && d.path === root)) {
          out.push({ path: root, kind: "dir", why, pythonTop: true });
        }
        for (const m of py.modules) {
          const command = `python3 -m ${/^[\w.]+$/.test(m) ? m : JSON.stringify(m)}`;
          if (!out.some((o) => o.command === command)) out.push({ path: dir, kind: "file", why, command });
        }
      }
      if (/\blefthook\b/.test(text)) {
        for (const n of LEFTHOOK_NAMES) add(join(root, n), "file", "lefthook's config (a hook)");
        for (const n of [".lefthook", ".lefthook-local"]) add(join(root, n), "dir", "lefthook's scripts (a hook)");
        // what those configs hand over to: `extends` files, `source_dir` folders (red team 7, F15)
        for (const n of LEFTHOOK_NAMES) {
          for (const d of lefthookIncludes(root, join(root, n))) {
            if (d.command === undefined) add(d.path, d.kind, d.why);
            else if (!out.some((o) => o.command === d.command && o.path === d.path)) out.push(d);
          }
        }
      }
    }
  }
  if (nodeRun !== null) {
    // at the top, and in each folder a hook enters (`cd web && npx lint-staged`: npx reads web/.npmrc, and husky's
    // relative `node_modules/.bin` on PATH is then web/node_modules/.bin)
    for (const f of folders) {
      // what npx, npm, pnpm, yarn and bun read from the project before they start anything (red team 12, K7)
      for (const n of NODE_PM_FILES) add(join(f, n), "file", `a package manager's settings, read by ${nodeRun}`);
      for (const n of NODE_PM_DIRS) add(join(f, n), "dir", `a package manager's code, run by ${nodeRun}`);
      if (bun) { for (const n of BUN_ENV_FILES) add(join(f, n), "file", `bun's environment, read by ${nodeRun}`); }
      // the programs npx/npm/yarn/pnpm run, and what a PATH with node_modules/.bin first finds for `sh`, `node`, …:
      // as a folder, so that nothing is created or replaced there (red team 12, K4, K5)
      add(join(f, "node_modules", ".bin"), "dir", `the programs run by ${nodeRun}`);
    }
    // yarn reads its settings from every folder above too, pnpm from its workspace's top (a repository nested in the
    // agent's folder: the caller keeps those inside a writable root)
    for (let a = dirname(root); a !== dirname(a); a = dirname(a)) {
      for (const n of NODE_PM_FILES) add(join(a, n), "file", `a package manager's settings, read by ${nodeRun}`);
    }
  }
  if (runner !== null) {
    // husky v4's and yorkie's runners are node programs in node_modules: node resolves their `require`s from the
    // node_modules folders above them, where npm and yarn hoist their dependencies (cosmiconfig, chalk, …; red team
    // 12, K9), and a hoisted copy can be any package's; so the whole folder is what the hook runs. The packages of
    // the runner's dependency closure that node_modules links out of itself (pnpm's virtual store elsewhere, `file:`
    // packages) are delegates where they are (the caller follows the links); a workspace package that no runner
    // depends on stays the agent's.
    const nm = join(root, "node_modules");
    add(nm, "dir", `${runner} and the packages node resolves from it (a hook)`);
    for (const p of linksOut(nm, runners)) {
      add(p, "dir", `a package ${runner} loads, where node_modules links it (a hook)`);
    }
    // and above the repository (nested in the agent's folder): a dependency missing here is looked up there
    for (let a = dirname(root); a !== dirname(a); a = dirname(a)) {
      add(join(a, "node_modules"), "dir", `where node looks for what ${runner} loads (a hook)`);
    }
  }
  return out;
}

/**
 * The packages of the dependency closure of `names` (packages in `nm`, a `node_modules` folder) that lie outside `nm`
 * once links are followed, as the paths node resolves them at (a link in `nm` or in a virtual store's
 * `<pkg>@<v>/node_modules`). Resolution is node's: a package's `dependencies`, `optionalDependencies` and
 * `peerDependencies`, each looked up in the `node_modules` folders above the package's real folder. For a package
 * outside `nm`, those folders above it are given too (below the folder that holds `nm`): one made there would be found
 * first. At most 2048 packages are followed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { linksOut } from "./delegates.ts";
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "nm-")));
 * mkdirSync(join(root, "vendor", "dep"), { recursive: true });
 * mkdirSync(join(root, "node_modules", "husky"), { recursive: true });
 * writeFileSync(join(root, "node_modules", "husky", "package.json"), '{"dependencies": {"dep": "file:x"}}');
 * symlinkSync("../vendor/dep", join(root, "node_modules", "dep"));
 * // the package where the link leads, and the node_modules above it that node would look in first
 * assert.deepEqual(linksOut(join(root, "node_modules"), ["husky"]), [
 *   join(root, "node_modules", "dep"),
 *   join(root, "vendor", "node_modules"),
 * ]);
 * ```
 */
export function linksOut(nm: string, names: readonly string[]): string[] {
  const realNm = realOr(nm);
  if (realNm === null) return [];
  const out: string[] = [];
  const seen = new Set<string>();
  const queue: string[] = [];
  /** Node's lookup of `name` from a package whose real folder is `from`: the first `node_modules/<name>` above. */
  const resolveFrom = (from: string, name: string): string | null => {
    for (let d = from; d !== dirname(d); d = dirname(d)) {
      if (basename(d) === "node_modules") continue;
      const c = join(d, "node_modules", name);
      if (lstatOr(c) !== undefined) return c;
    }
    return null;
  };
  const visit = (at: string) => {
    const real = realOr(at);
    if (real === null || seen.has(real) || seen.size >= 2048) return;
    seen.add(real);
    if (!isWithin(real, realNm)) {
      if (!out.includes(at)) out.push(at);
      // node looks in every node_modules above the package's real folder first: one made there would shadow a dep
      for (let d = dirname(real); d !== dirname(d) && !isWithin(nm, d); d = dirname(d)) {
        const above = join(d, "node_modules");
        if (basename(d) !== "node_modules" && !out.includes(above) && !isWithin(above, real)) out.push(above);
      }
    }
    queue.push(real);
  };
  for (const n of names) visit(join(nm, n));
  while (queue.length > 0) {
    const pkg = queue.shift()!;
    let deps: string[] = [];
    try {
      const j = JSON.parse(readText(join(pkg, "package.json")) ?? "{}") as Record<string, unknown>;
      for (const key of ["dependencies", "optionalDependencies", "peerDependencies"]) {
        const v = j[key];
        if (v !== null && typeof v === "object") deps.push(...Object.keys(v));
      }
    } catch { /* not JSON: nothing it names */ }
    deps = deps.filter((d) => /^(?:@[\w.-]+\/)?[\w.-]+$/.test(d));
    for (const d of deps) {
      const at = resolveFrom(pkg, d);
      if (at !== null) visit(at);
    }
  }
  return out;
}

/** The quoted or bare values of a YAML/TOML/JSON key, on its line (`k: v`, `k = "v"`, `"k": ["a", "b"]`) or in a list. */
function _values(text: string, key: string): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  const head = new RegExp(`^\\s*["']?${key}["']?\\s*[:=]\\s*(.*)$`);
  for (let i = 0; i < lines.length; i++) {
    const m = head.exec(lines[i]!);
    if (m === null) continue;
    let rest = m[1]!.replace(/\s+#.*$/, "").trim();
    if (rest === "" || rest === "[") {
      // a YAML list below (`- a`), or a bracketed one over several lines
      for (let j = i + 1; j < lines.length; j++) {
        const item = /^\s*-\s*(.+)$/.exec(lines[j]!) ?? /^\s*(["'][^"']+["'])\s*,?\s*$/.exec(lines[j]!);
        if (item === null) {
          if (/^\s*\]/.test(lines[j]!) || lines[j]!.trim() === "") continue;
          break;
        }
        rest += ` ${item[1]!}`;
      }
    }
    for (const v of rest.replace(/[[\],]/g, " ").split(/\s+/)) {
      const t = v.replace(/^["']|["']$/g, "");
      if (t !== "" && t !== "|" && t !== ">") out.push(t);
    }
  }
  return out;
}

/**
 * The string values of `key` at any depth of a YAML/TOML/JSON config: on its line (YAML's quoting undone: `'…'` with
 * `''`, `"…"` with escapes), or a block scalar (`key: |` and the lines indented below it).
 */
function _scalars(text: string, key: string): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  const head = new RegExp(`^(\\s*)["']?${key}["']?\\s*[:=]\\s*(.*)$`);
  for (let i = 0; i < lines.length; i++) {
    const m = head.exec(lines[i]!);
    if (m === null) continue;
    const indent = m[1]!.length;
    const rest = m[2]!.trim();
    if (rest === "" || /^[|>][-+]?[0-9]?(\s+#.*)?$/.test(rest)) {
      const block: string[] = [];
      for (let j = i + 1; j < lines.length; j++) {
        const l = lines[j]!;
        if (l.trim() !== "" && l.length - l.trimStart().length <= indent) break;
        block.push(l.trim());
      }
      // a mapping below (a command or hook that happens to be named so), not a text
      const first = block.find((l) => l !== "");
      if (first !== undefined && !/^["']?[\w-]+["']?\s*:(\s|$)/.test(first)) out.push(block.join("\n").trim());
      continue;
    }
    if (rest.startsWith("'")) {
      const end = /^'((?:[^']|'')*)'/.exec(rest);
      out.push(end ? end[1]!.replaceAll("''", "'") : rest.slice(1));
    } else if (rest.startsWith('"')) {
      const end = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
      out.push(
        (end ? end[1]! : rest.slice(1)).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c)),
      );
    } else out.push(rest.replace(/\s+#.*$/, "").replace(/,$/, "").trim());
  }
  return out.filter((v) => v !== "");
}

/**
 * The files and folders a lefthook config hands over to: its `extends` files (followed, 4 deep) and its
 * `source_dir`/`source_dir_local` script folders, resolved against the repository root.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { lefthookIncludes } from "./delegates.ts";
 * const root = mkdtempSync(join(tmpdir(), "lh-"));
 * writeFileSync(join(root, "lefthook.yml"), "extends:\n  - hooks/extra.yml\nsource_dir: .hooks-src\n");
 * assert.deepEqual(lefthookIncludes(root, join(root, "lefthook.yml")).map((d) => [d.path.slice(root.length), d.kind]), [
 *   ["/hooks/extra.yml", "file"],
 *   ["/.hooks-src", "dir"],
 * ]);
 * ```
 */
export function lefthookIncludes(root: string, config: string, depth = 0): HookDelegate[] {
  const text = readText(config);
  if (text === null || depth > 4) return [];
  const out: HookDelegate[] = [];
  for (const e of _values(text, "extends")) {
    if (/[*?[{]/.test(e)) {
      // a glob (lefthook expands it, red team 8, G6): the folder before its first pattern, whole
      const parts = e.split("/");
      const at = parts.findIndex((p) => /[*?[{]/.test(p));
      const folder = resolve(root, parts.slice(0, at).join("/") || ".");
      const why = `the files a lefthook config that ${basename(config)} extends (a hook)`;
      if (folder !== resolve(root)) out.push({ path: folder, kind: "dir", why });
      else {
        // at the top of the repository: the files there that the pattern matches, not the whole worktree
        const re = new RegExp(
          `^${parts[at]!.replace(/[.+^$()|\\{}]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`,
        );
        let names: string[] = [];
        try {
          names = readdirSync(folder);
        } catch { /* unreadable: nothing to protect */ }
        for (const n of names) if (re.test(n)) out.push({ path: join(folder, n), kind: "file", why });
      }
      continue;
    }
    const path = resolve(root, e);
    out.push({ path, kind: "file", why: `a lefthook config that ${basename(config)} extends (a hook)` });
    out.push(...lefthookIncludes(root, path, depth + 1));
  }
  // files it runs or sources: `rc` (sourced by sh before every command: `. <rc>`, red team 9, H9) and the command
  // that runs lefthook itself
  for (const [key, prefix] of [["rc", ". "], ["lefthook", ""]] as const) {
    for (const v of _scalars(text, key)) {
      out.push({
        path: config,
        kind: "file",
        why: `lefthook's ${key} in ${basename(config)} (a hook)`,
        command: prefix + v,
      });
    }
  }
  for (const key of ["source_dir", "source_dir_local"]) {
    for (const d of _values(text, key)) {
      out.push({ path: resolve(root, d), kind: "dir", why: `lefthook's ${key} (a hook)` });
    }
  }
  return out;
}
