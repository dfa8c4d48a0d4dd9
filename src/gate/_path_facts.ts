/**
 * Private helper of the gate: the file-system facts the rule engine's `path` floors ask for (rules/path_facts.ts),
 * read from the workspace with `node:fs`. Names are handled as bytes: a folder is read with `encoding: "buffer"`
 * and each entry looked at by its bytes, so a name that is not valid UTF-8 is reported as such (path null) rather
 * than looked up under another name. Nothing is cached across calls; one call's facts are kept for the call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linkSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { Workspace } from "../fileops/workspace.ts";
 * import { workspaceFacts } from "./_path_facts.ts";
 * const ws = Workspace.open(mkdtempSync(join(tmpdir(), "ws-")));
 * writeFileSync(join(ws.root, "a"), "x");
 * linkSync(join(ws.root, "a"), join(ws.root, "b"));
 * const facts = workspaceFacts(ws);
 * assert.equal(facts.stat("b")?.nlink, 2);
 * assert.equal(facts.stat("a")?.id, facts.stat("b")?.id);
 * assert.equal(facts.gitRepository(), false);
 * rmSync(ws.root, { recursive: true });
 * ```
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { type Dirent, lstatSync, readdirSync, readFileSync, realpathSync, type Stats, statSync } from "node:fs";
import type { Workspace } from "../fileops/workspace.ts";
import { utf8Name } from "../_util/names.ts";
import type { LinkedElsewhere, PathEntry, PathFacts, PathStat } from "../rules/path_facts.ts";
import { linkView } from "./_link_view.ts";

function _kind(st: Stats): PathStat {
  return {
    kind: st.isFile() ? "file" : st.isDirectory() ? "dir" : "other",
    nlink: Number(st.nlink),
    id: `${st.dev}:${st.ino}`,
  };
}

/**
 * The facts of `workspace` for one call; `cwd` is the folder the call's script runs in (absolute; the root unless
 * given), where a link to `/proc/self/cwd` leads in the sandbox.
 */
export function workspaceFacts(workspace: Workspace, cwd: string = workspace.root): PathFacts {
  const root = workspace.root;
  const elsewhere = new Map<string, LinkedElsewhere | null>();
  const abs = (rel: string) => (rel === "." ? root : `${root}/${rel}`);
  const stats = new Map<string, PathStat | null>();
  let repo: boolean | undefined;
  let history: string | null | undefined;
  let config: readonly string[] | string | undefined;
  const branches = new Map<string, boolean>();
  return {
    stat(rel) {
      if (stats.has(rel)) return stats.get(rel)!;
      let st: PathStat | null;
      try {
        st = _kind(statSync(abs(rel)));
      } catch {
        st = null;
      }
      stats.set(rel, st);
      return st;
    },
    list(rel) {
      // the common case: names that are valid UTF-8, with their types from the folder itself (no lstat each)
      let dirents: Dirent[];
      try {
        dirents = readdirSync(abs(rel), { withFileTypes: true });
      } catch {
        return null;
      }
      if (dirents.some((d) => d.name.includes("\uFFFD"))) return _byBytes(workspace, rel);
      const out: PathEntry[] = [];
      for (const d of dirents) {
        const path = rel === "." ? d.name : `${rel}/${d.name}`;
        if (d.isSymbolicLink()) out.push(_link(workspace, path, Buffer.from(abs(path))));
        else {out.push({
            path,
            link: false,
            target: null,
            kind: d.isFile() ? "file" : d.isDirectory() ? "dir" : "other",
          });}
      }
      return out;
    },
    gitRepository() {
      if (repo === undefined) repo = _exists(Buffer.from(`${root}/.git`)) || _exists(Buffer.from(`${root}/HEAD`));
      return repo;
    },
    gitHistoryRefs() {
      if (history === undefined) history = _historyRefs(root);
      return history;
    },
    gitBranch(name) {
      if (!branches.has(name)) branches.set(name, _isBranch(root, name));
      return branches.get(name)!;
    },
    gitConfigKeys() {
      return config ??= _configKeys(root);
    },
    linkedElsewhere(word) {
      if (!elsewhere.has(word)) elsewhere.set(word, linkedElsewhere(workspace, word, cwd));
      return elsewhere.get(word)!;
    },
  };
}

/**
 * Whether `word` passes through a link the sandbox may resolve otherwise (_link_view.ts: red team 16, N2), with the
 * workspace paths it may name there: each reading resolved on the host, and looked at again (a reading through
 * another such link: its readings too, a few levels deep; deeper, any file).
 */
export function linkedElsewhere(workspace: Workspace, word: string, cwd: string, depth = 0): LinkedElsewhere | null {
  const v = linkView(word, workspace.root, cwd);
  if (v === null) return null;
  let anywhere = v.anywhere;
  const paths = new Set<string>();
  for (const r of v.readings) {
    try {
      paths.add(workspace.relative(workspace.resolve(r, "write")));
    } catch {
      // outside the workspace on the host: the reading may still pass through another such link
    }
    if (depth >= 3) {
      anywhere = true;
      continue;
    }
    const again = linkedElsewhere(workspace, r, cwd, depth + 1);
    if (again === null) continue;
    anywhere ||= again.anywhere;
    for (const p of again.paths) paths.add(p);
  }
  return { why: `${JSON.stringify(word)} ${v.why}`, anywhere, paths: [...paths] };
}

/**
 * The keys of the repository's own config files (`config`, `config.worktree` in each git folder), section and name
 * lowercased, subsections as written (`remote.origin.url`), or why they cannot be read (red team 14).
 */
function _configKeys(root: string): readonly string[] | string {
  const { dirs, why } = _gitDirs(root);
  if (why !== null) return `${why}, so its config is not known`;
  const keys: string[] = [];
  for (const d of dirs) {
    for (const name of ["config", "config.worktree"]) {
      let text: string;
      try {
        text = readFileSync(`${d}/${name}`, "utf8");
      } catch (e) {
        if ((e as { code?: string }).code === "ENOENT") continue;
        return `the repository's ${name} cannot be read, so its config is not known`;
      }
      const parsed = _parseConfig(text);
      if (typeof parsed === "string") return `the repository's ${name} ${parsed}, so its config is not known`;
      keys.push(...parsed);
    }
  }
  return keys;
}

/** The keys a git config file sets (git-config(1) "CONFIGURATION FILE"), or why it does not parse. */
function _parseConfig(text: string): string[] | string {
  const keys: string[] = [];
  let section: string | null = null;
  // a value continued on the next line (a trailing backslash) belongs to the key before it
  const lines = text.replace(/\\\r?\n/g, " ").split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    let rest = line;
    if (rest.startsWith("[")) {
      const m = /^\[\s*([A-Za-z0-9.-]+)\s*(?:"((?:[^"\\]|\\.)*)")?\s*\]\s*(.*)$/.exec(rest);
      if (!m) return `has a section header git's parser may read otherwise: ${JSON.stringify(line.slice(0, 60))}`;
      section = m[2] === undefined ? m[1]!.toLowerCase() : `${m[1]!.toLowerCase()}.${m[2].replace(/\\(.)/g, "$1")}`;
      rest = m[3]!;
      if (rest === "" || rest.startsWith("#") || rest.startsWith(";")) continue;
    }
    const k = /^([A-Za-z][A-Za-z0-9-]*)\s*(=|$|[#;])/.exec(rest);
    if (!k || section === null) {
      return `has a line git's parser may read otherwise: ${JSON.stringify(line.slice(0, 60))}`;
    }
    keys.push(`${section}.${k[1]!.toLowerCase()}`);
  }
  return keys;
}

/**
 * The git folders of the repository at `root` (`.git`, the folder a `.git` file names and its common folder, or the
 * root when it is shaped like a bare repository), or why they cannot be read.
 */
function _gitDirs(root: string): { dirs: string[]; why: string | null } {
  const dirs: string[] = [];
  const dotGit = `${root}/.git`;
  let st: Stats | null = null;
  try {
    st = lstatSync(dotGit);
  } catch {
    st = null;
  }
  if (st?.isDirectory()) dirs.push(dotGit);
  else if (st !== null) {
    // a linked worktree or a submodule: `.git` is a file naming the git folder
    let text: string;
    try {
      text = readFileSync(dotGit, "utf8");
    } catch {
      return { dirs, why: "the repository's .git file cannot be read" };
    }
    const m = /^gitdir:\s*(.+?)\s*$/m.exec(text);
    if (!m) return { dirs, why: "the repository's .git file names no git folder" };
    const gitdir = m[1]!.startsWith("/") ? m[1]! : `${root}/${m[1]}`;
    dirs.push(gitdir);
    try {
      const common = readFileSync(`${gitdir}/commondir`, "utf8").trim();
      dirs.push(common.startsWith("/") ? common : `${gitdir}/${common}`);
    } catch {
      // no common folder: the git folder is the repository's own
    }
  } else if (_exists(Buffer.from(`${root}/HEAD`))) dirs.push(root);
  return { dirs, why: null };
}

/**
 * Why the repository at `root` holds refs that redirect what git prints (notes, replace refs: red team 9, H15), or
 * null. Looks in the git folder (`.git`, the folder a `.git` file names and its common folder, or the root when it
 * is shaped like a bare repository): loose refs under `refs/notes` and `refs/replace`, and `packed-refs`.
 */
function _historyRefs(root: string): string | null {
  const { dirs, why } = _gitDirs(root);
  if (why !== null) return `${why}, so its notes and replace refs are not known`;
  for (const d of dirs) {
    if (_exists(Buffer.from(`${d}/reftable`))) {
      return "the repository keeps its refs in a reftable, so its notes and replace refs are not known";
    }
    for (const kind of ["notes", "replace"]) {
      try {
        if (readdirSync(`${d}/refs/${kind}`).length > 0) return `the repository holds refs/${kind}`;
      } catch {
        // none
      }
    }
    let packed = "";
    try {
      packed = readFileSync(`${d}/packed-refs`, "utf8");
    } catch {
      // none
    }
    const m = /\srefs\/(notes|replace)\//.exec(packed);
    if (m) return `the repository holds refs/${m[1]}`;
  }
  return null;
}

/** A ref name git accepts, without `..`, `@{`, control characters or the characters revisions give meaning to. */
const REF_NAME = /^(?!.*(\.\.|@\{|\/\/|\/\.|\.lock(\/|$)))[^\0-\x20\x7f~^:?*[\\]+$/;

/**
 * Whether git reads the revision `name` in the repository at `root` as the branch `refs/heads/<name>` (red team 13,
 * L3), which holds a commit id (git refuses to point a branch at anything else): the first of git's readings of a
 * short name (`<gitdir>/<name>`, `refs/<name>`, `refs/tags/<name>`, `refs/heads/<name>`) that exists is the branch,
 * whose loose file holds an object id (not a symbolic ref), or whose line is in `packed-refs`. False whenever the
 * refs cannot be read (a reftable, an unreadable `.git` file).
 */
function _isBranch(root: string, name: string): boolean {
  if (!REF_NAME.test(name) || name.startsWith("/") || name.endsWith("/") || name.startsWith("-")) return false;
  const { dirs, why } = _gitDirs(root);
  if (why !== null || dirs.length === 0) return false;
  if (dirs.some((d) => _exists(Buffer.from(`${d}/reftable`)))) return false;
  const packed = new Map<string, string>();
  for (const d of dirs) {
    let text = "";
    try {
      text = readFileSync(`${d}/packed-refs`, "utf8");
    } catch {
      // none
    }
    for (const line of text.split("\n")) {
      const m = /^([0-9a-f]{40,64}) (\S+)$/.exec(line);
      if (m && !packed.has(m[2]!)) packed.set(m[2]!, m[1]!);
    }
  }
  /** What the ref `ref` holds (a loose file's text or a packed id), or null when it does not exist. */
  const held = (ref: string): string | null => {
    for (const d of dirs) {
      try {
        return readFileSync(`${d}/${ref}`, "utf8");
      } catch (e) {
        if ((e as { code?: string }).code !== "ENOENT") return "?";
      }
    }
    return packed.get(ref) ?? null;
  };
  const readings = name.startsWith("refs/heads/")
    ? [name]
    : [name, `refs/${name}`, `refs/tags/${name}`, `refs/heads/${name}`];
  for (const ref of readings) {
    const v = held(ref);
    if (v === null) continue;
    return ref.startsWith("refs/heads/") && /^[0-9a-f]{40,64}\s*$/.test(v);
  }
  return false;
}

function _exists(p: Buffer): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** A folder holding a name that may not be valid UTF-8: read by bytes, each entry looked at by its bytes. */
function _byBytes(workspace: Workspace, rel: string): PathEntry[] | null {
  const dir = Buffer.from((rel === "." ? workspace.root : `${workspace.root}/${rel}`) + "/");
  let names: Buffer[];
  try {
    names = readdirSync(dir, { encoding: "buffer" }) as unknown as Buffer[];
  } catch {
    return null;
  }
  const out: PathEntry[] = [];
  for (const raw of names) {
    const name = utf8Name(raw);
    const full = Buffer.concat([dir, raw]);
    const path = name === null ? null : rel === "." ? name : `${rel}/${name}`;
    let l: Stats;
    try {
      if (path === null) throw new Error("not UTF-8");
      l = lstatSync(full);
    } catch {
      // a runtime that decodes names with U+FFFD (Deno) cannot look the entry up: its bytes are unknown
      const lost = path === null || name!.includes("\uFFFD");
      out.push({ path: lost ? null : path, link: false, target: null, kind: null });
      continue;
    }
    if (l.isSymbolicLink()) out.push(_link(workspace, path!, full));
    else out.push({ path, link: false, target: null, kind: _kind(l).kind });
  }
  return out;
}

/**
 * A symlink entry: where it resolves (inside the workspace) and what is there, and whether the sandbox may resolve
 * it otherwise (red team 16, N2).
 */
function _link(workspace: Workspace, path: string, full: Buffer): PathEntry {
  const other = linkedElsewhere(workspace, path, workspace.root);
  const entry = _linkEntry(workspace, path, full);
  return other === null ? entry : { ...entry, elsewhere: other };
}

function _linkEntry(workspace: Workspace, path: string, full: Buffer): PathEntry {
  let real: Buffer;
  let kind: PathStat["kind"];
  try {
    real = realpathSync.native(full, { encoding: "buffer" }) as unknown as Buffer;
    kind = _kind(statSync(full)).kind;
  } catch {
    return { path, link: true, target: null, kind: null }; // dangling, a loop
  }
  const text = utf8Name(real);
  if (text === null || text.includes("\uFFFD")) return { path, link: true, target: null, unrepresentable: true, kind };
  const target = workspace.contains(text) ? workspace.relative(text) : null;
  return { path, link: true, target, kind };
}
