/**
 * Private helper of the git protection: the python runs of a hook script that put the folder the hook runs in (git
 * runs hooks at the worktree's top) first on `sys.path` (red team 12, K6). pre-commit's own hook runs
 * `"$INSTALL_PYTHON" -mpre_commit`; a hand-written one `python3 -m json.tool package.json`. Python looks every import
 * up on `sys.path` in order, so with the top there first a worktree `pre_commit.py`, `pre_commit/`, `json/`, or a
 * `yaml.py` that the named module imports later, shadows the installed module and runs on the host.
 *
 * How a script is read (it is a small shell script; words split at blanks, quotes removed, `#` lines dropped):
 * - a python word is one whose last path part is `python`, `python3`, `python3.12`, `pypy3` (…), or a `$VAR`/`${VAR}`
 *   whose name holds `python` (any case: pre-commit's `INSTALL_PYTHON`) or that the script sets to a python path;
 * - the words after it, up to the end of the simple command, are python's own: `-m X`/`-mX` (also inside combined
 *   flags: `-Bm X`) runs the module `X` with the top first; `-c …`, `-` or no script at all (stdin) put the top first
 *   too; a script named without a `/` (`python3 check.py`) is at the top, so its folder (the top) is first; a script
 *   word that is a variable could be anything: counted as the top (fail closed). `-I` and `-P` keep the top off
 *   `sys.path`: such a run is not counted. `-W`/`-X` take a value;
 * - a script with a `/` (`python3 scripts/x.py`, `/usr/bin/x.py`) puts its own folder first, not the top: that folder
 *   is listed in `dirs` (`./x.py` is at the top); one whose word starts with a variable (`"$HERE/x.py"`) counts as the
 *   top (its folder is only known at run time).
 *
 * A word only reads as python when it is one: `echo python3 is missing` counts (the top is then protected for
 * nothing; that costs false positives, never safety).
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { posix } from "node:path";

/** What the python runs of one hook script reach at the worktree's top. */
export interface PythonRuns {
  /** Whether some run puts the worktree's top first on `sys.path`. */
  top: boolean;
  /** The modules the runs name with `-m` (as written: `pre_commit`, `json.tool`, or a word holding a `$`). */
  modules: string[];
  /** The folders of the scripts the runs name with a `/` (`scripts` for `python3 scripts/check.py`): first there. */
  dirs: string[];
}

const PY_PROGRAM = /^(?:python|pypy)[\d.]*$/;
const SEPARATOR = /^(?:;|&&?|\|\|?|\(|\)|`)$/;

/** The words of a script's text, command separators kept as their own words. */
function _words(text: string): string[] {
  const body = text
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    .join(" ; ");
  return body
    .replace(/(&&|\|\||[;&|()`])/g, " $1 ")
    .split(/\s+/)
    .map((w) => w.replace(/["']/g, ""))
    .filter((w) => w !== "");
}

/** Whether `w` is a python program word (see the module's notes), `pyVars` the variables set to a python. */
function _isPython(w: string, pyVars: ReadonlySet<string>): boolean {
  const v = /^\$\{?([A-Za-z_]\w*)\}?$/.exec(w);
  if (v) return /python/i.test(v[1]!) || pyVars.has(v[1]!);
  if (w.includes("$")) return false;
  return PY_PROGRAM.test(w.slice(w.lastIndexOf("/") + 1));
}

/**
 * The python runs of one hook script's text (see the module's notes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonRuns } from "./_python.ts";
 * assert.deepEqual(pythonRuns('INSTALL_PYTHON=/usr/bin/python3\nexec "$INSTALL_PYTHON" -mpre_commit "$@"\n'), {
 *   top: true,
 *   modules: ["pre_commit"],
 *   dirs: [],
 * });
 * assert.deepEqual(pythonRuns("python3 -m json.tool package.json > /dev/null\n").modules, ["json.tool"]);
 * assert.deepEqual(pythonRuns("python3 -I -m json.tool x\n"), { top: false, modules: [], dirs: [] });
 * assert.deepEqual(pythonRuns("python3 scripts/check.py\nnpm test\n"), { top: false, modules: [], dirs: ["scripts"] });
 * assert.deepEqual(pythonRuns('python3 -c "import lint"\n'), { top: true, modules: [], dirs: [] });
 * ```
 */
export function pythonRuns(text: string): PythonRuns {
  const out: PythonRuns = { top: false, modules: [], dirs: [] };
  const pyVars = new Set<string>();
  for (const m of text.matchAll(/\b([A-Za-z_]\w*)=["']?([^\s"';]+)/g)) {
    const v = m[2]!;
    if (PY_PROGRAM.test(v.slice(v.lastIndexOf("/") + 1))) pyVars.add(m[1]!);
  }
  const words = _words(text);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    // `INSTALL_PYTHON=/usr/bin/python3` is an assignment, not a run: only a bare word runs a program
    if (w.includes("=") || !_isPython(w, pyVars)) continue;
    let safe = false;
    let top = false;
    const modules: string[] = [];
    const dirs: string[] = [];
    let j = i + 1;
    for (; j < words.length; j++) {
      const a = words[j]!;
      if (SEPARATOR.test(a) || a === "<" || a === ">" || /^\d?[<>]/.test(a)) {
        // the end of the command (a redirection ends python's words too: `python3 < x` reads its stdin)
        top = true;
        break;
      }
      if (a === "-") {
        top = true;
        break;
      }
      if (a === "--check-hash-based-pycs") {
        j++;
        continue;
      }
      if (a.startsWith("--")) continue; // --version, --help: harmless either way
      if (a.startsWith("-") && a.length > 1) {
        let taken = false;
        for (let k = 1; k < a.length; k++) {
          const c = a[k]!;
          if (c === "I" || c === "P") safe = true;
          if (c === "m" || c === "c" || c === "W" || c === "X") {
            const value = k + 1 < a.length ? a.slice(k + 1) : (words[++j] ?? "");
            if (c === "m") modules.push(value);
            if (c === "m" || c === "c") taken = true;
            break;
          }
        }
        if (taken) {
          top = true;
          break;
        }
        continue;
      }
      // the script: its folder is first (the top for `x.py`, `./x.py`); a variable could be anything: the top
      if (/^\$/.test(a)) top = true;
      else if (!a.includes("$")) {
        const dir = posix.normalize(posix.dirname(a));
        if (dir === ".") top = true;
        else dirs.push(dir);
      }
      break;
    }
    if (j >= words.length) top = true;
    if (safe) continue;
    for (const d of dirs) if (!out.dirs.includes(d)) out.dirs.push(d);
    if (!top) continue;
    out.top = true;
    for (const m of modules) if (m !== "" && !out.modules.includes(m)) out.modules.push(m);
  }
  return out;
}
