/**
 * What a file tool call acts on, resolved the way the tool itself will resolve it, for the rules (SPEC §1.1): the
 * file copy_file creates (inside `dst` when `dst` is a folder), the link delete_file removes (never its target), the
 * whole tree delete_dir removes, the entries list_dir reads (by their names, as they are now). Path rules judge these, not the arguments as written,
 * so a `.github/workflows/**` floor holds for `copy_file {dst: ".github/workflows"}` and a `src/important/**` floor
 * for `delete_dir src`.
 *
 * @module
 */
import { readdirSync } from "node:fs";
import { FILE_OPS, type FsToolName } from "./_ops_table.ts";
import { copyDestination, copyIntoName } from "./copy_file.ts";
import type { Workspace } from "./workspace.ts";

/**
 * One path a call acts on: workspace-relative (`.` for the root), or null when it is outside the workspace or cannot
 * be resolved; `below` is how many names under it the call also acts on (0: the path alone, 1: a folder's entries,
 * `Infinity`: its whole tree).
 */
export interface PathTarget {
  /** The workspace-relative path, or null. */
  readonly path: string | null;
  /** How deep under `path` the call reaches. */
  readonly below: number;
}

/**
 * The paths a file tool call acts on, in the order of its path arguments (copy_file: the source read, then every
 * file the copy may create), or null when `tool` is not a file tool.
 *
 * copy_file into a folder writes `dst/<name of src>`; when `dst` is not a folder now, the file it would create there
 * if a folder appeared before the call runs is judged as well, so no race between the gate and the copy lets a
 * rule judge the wrong file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { Workspace } from "./workspace.ts";
 * import { fileCallTargets } from "./targets.ts";
 * const ws = Workspace.open(mkdtempSync(join(tmpdir(), "ws-")));
 * mkdirSync(join(ws.root, ".github/workflows"), { recursive: true });
 * writeFileSync(join(ws.root, "ci.yml"), "");
 * symlinkSync("../ci.yml", join(ws.root, ".github/link"));
 * assert.deepEqual(fileCallTargets(ws, "copy_file", { src: "ci.yml", dst: ".github/workflows" }), [
 *   { path: "ci.yml", below: 0 },
 *   { path: ".github/workflows/ci.yml", below: 0 },
 * ]);
 * assert.deepEqual(fileCallTargets(ws, "delete_dir", { path: ".github" }), [{ path: ".github", below: Infinity }]);
 * assert.deepEqual(fileCallTargets(ws, "delete_file", { path: ".github/link" }), [{ path: ".github/link", below: 0 }]);
 * assert.deepEqual(fileCallTargets(ws, "list_dir", { path: ".github" }), [
 *   { path: ".github", below: 0 },
 *   { path: ".github/link", below: 0 },
 *   { path: ".github/workflows", below: 0 },
 * ]);
 * assert.deepEqual(fileCallTargets(ws, "read_file", { path: "../x" }), [{ path: null, below: 0 }]);
 * assert.equal(fileCallTargets(ws, "run_bash", { cmd: "ls" }), null);
 * rmSync(ws.root, { recursive: true });
 * ```
 */
export function fileCallTargets(
  ws: Workspace,
  tool: string,
  args: Readonly<Record<string, unknown>>,
): PathTarget[] | null {
  if (!Object.hasOwn(FILE_OPS, tool)) return null;
  const op = tool as FsToolName;
  const rel = (p: unknown, verb: "read" | "write" | "delete" | "copy"): string | null => {
    if (typeof p !== "string") return null;
    try {
      return ws.relative(ws.resolve(p, verb));
    } catch {
      return null;
    }
  };
  switch (op) {
    case "list_dir":
      return _listTargets(ws, Object.hasOwn(args, "path") ? args.path : ".");
    case "delete_dir":
      return [{ path: rel(args.path, "delete"), below: Infinity }];
    case "delete_file":
      return [{ path: rel(args.path, "delete"), below: 0 }];
    case "copy_file": {
      const { src, dst } = args;
      const out: PathTarget[] = [{ path: rel(src, "copy"), below: 0 }];
      if (typeof src !== "string" || typeof dst !== "string") return [...out, { path: null, below: 0 }];
      let into: string | null = null;
      try {
        const d = copyDestination(ws, src, dst);
        into = ws.relative(d.real);
        out.push({ path: into, below: 0 });
        if (d.intoFolder) return out;
      } catch {
        out.push({ path: null, below: 0 });
        return out;
      }
      // not a folder now: judge too the file the copy would create if one appeared before it runs
      out.push({ path: into === "." ? copyIntoName(src) : `${into}/${copyIntoName(src)}`, below: 0 });
      return out;
    }
    default:
      return [{ path: rel(args.path, op === "read_file" ? "read" : "write"), below: 0 }];
  }
}

/** The most entries of a folder list_dir's targets name one by one; beyond, the folder stands for them. */
const MAX_LISTED_TARGETS = 10_000;

/**
 * list_dir reads a folder's entries: the folder and each entry it holds now, by name (so a rule on `secrets/*` holds
 * for listing `secrets`, and `*.env` only for a folder that holds one); a folder that cannot be read now, or holds
 * more than {@linkcode MAX_LISTED_TARGETS} entries, stands for all it may hold (`below: 1`, judged on the globs).
 */
function _listTargets(ws: Workspace, path: unknown): PathTarget[] {
  if (typeof path !== "string") return [{ path: null, below: 0 }];
  let real: string;
  try {
    real = ws.resolve(path, "read");
  } catch {
    return [{ path: null, below: 0 }];
  }
  const dir = ws.relative(real);
  let names: string[];
  try {
    names = readdirSync(real);
  } catch {
    return [{ path: dir, below: 1 }];
  }
  if (names.length > MAX_LISTED_TARGETS) return [{ path: dir, below: 1 }];
  return [{ path: dir, below: 0 }, ...names.map((n) => ({ path: dir === "." ? n : `${dir}/${n}`, below: 0 }))];
}
