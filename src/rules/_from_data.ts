/**
 * Private helper of _unnamed_files.ts: programs that write files named only in the data they read, a diff's targets
 * (`patch`, `git apply`, `git am`) or an archive's members (`tar x`, `unzip`), so that every `path` floor in reach
 * "may apply" (red team 10, J3, J7).
 *
 * The names are confined, and the words judged instead, when the program is told where to write: `patch FILE`
 * applies every hunk to FILE; `tar -C DIR` and `unzip -d DIR` extract under DIR (a word the path matchers judge as a
 * folder), since GNU tar and Info-ZIP unzip drop leading `/` and `../` from member names and create an archive's
 * symbolic links only after its other members. Options that lift that confinement (`tar -P`, `--transform`,
 * `unzip -:`) make the names unknown again. Reading modes that write nothing (`tar -t`, `unzip -l`, `patch
 * --dry-run`, `git apply --check`/`--stat`) are not flagged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { namesFromData } from "./_from_data.ts";
 * const why = (s: string) => {
 *   const argv = analyzeScript(s).commands[0]!.argv;
 *   return namesFromData(argv[0]!.value!, argv.slice(1).map((w) => w.value));
 * };
 * assert.match(why("patch -p1 -i x.diff")!, /diff/);
 * assert.match(why("git apply x.diff")!, /diff/);
 * assert.match(why("tar xzf a.tgz")!, /members/);
 * assert.match(why("unzip a.zip")!, /members/);
 * assert.equal(why("tar -C build -xf a.tar"), null);
 * assert.equal(why("unzip -l a.zip"), null);
 * assert.equal(why("patch a.txt x.diff"), null);
 * ```
 *
 * @module
 */

const DIFF = "writes the files named inside the diff it reads, which the gate does not see";
const ARCHIVE = "writes files named by the archive's members, which the gate does not see";

/** patch's short options that take a value. */
const PATCH_SHORT_VALUE = new Set("BDdFgiopVYrxz".split(""));
/** patch's long options that take a value (getopt_long: `--opt VALUE` or `--opt=VALUE`, abbreviations accepted). */
const PATCH_LONG_VALUE = [
  "--input",
  "--output",
  "--directory",
  "--prefix",
  "--basename-prefix",
  "--suffix",
  "--reject-file",
  "--strip",
  "--fuzz",
  "--ifdef",
  "--get",
  "--version-control",
  "--quoting-style",
  "--reject-format",
  "--read-only",
];

/** Why patch writes files named in its diff, or null (a dry run, or a target file named in the words). */
function _patch(args: readonly (string | null)[]): string | null {
  let operands = 0;
  for (let i = 0; i < args.length; i++) {
    const v = args[i];
    if (v === null || v === undefined) return `patch's argument is only known at run time; patch ${DIFF}`;
    if (v === "--") {
      operands += args.length - i - 1;
      break;
    }
    if (v === "--dry-run") return null;
    if (v.startsWith("--")) {
      if (v.includes("=")) continue;
      if (v.length > 2 && PATCH_LONG_VALUE.some((o) => o.startsWith(v))) i++;
      continue;
    }
    if (v.startsWith("-") && v.length > 1) {
      // a bundle `-Np1`: the first letter that takes a value takes the rest, or the next word
      for (let j = 1; j < v.length; j++) {
        if (PATCH_SHORT_VALUE.has(v[j]!)) {
          if (j === v.length - 1) i++;
          break;
        }
      }
      continue;
    }
    operands++;
  }
  // `patch FILE [PATCHFILE]` applies every hunk to FILE, a word the path matchers judge
  return operands > 0 ? null : `patch without a target file ${DIFF}`;
}

/** git's global options that take the next word as their value. */
const GIT_GLOBAL_VALUE = new Set([
  "-C",
  "-c",
  "--git-dir",
  "--work-tree",
  "--namespace",
  "--super-prefix",
  "--config-env",
]);
/** `git apply` options that only read the diff, unless `--apply` is also given. */
const GIT_APPLY_READ = new Set(["--check", "--stat", "--numstat", "--summary"]);

/** Why git applies a diff or mailbox whose targets it names, or null. */
function _git(args: readonly (string | null)[]): string | null {
  let i = 0;
  for (; i < args.length; i++) {
    const v = args[i];
    if (v === null || v === undefined) return null;
    if (!v.startsWith("-")) break;
    if (GIT_GLOBAL_VALUE.has(v)) i++;
  }
  const sub = args[i];
  if (sub === "am") return `git am ${DIFF}`;
  if (sub !== "apply") return null;
  const rest = args.slice(i + 1);
  // `--apply` (or an abbreviation of it, `--app`) applies the diff even after `--stat`
  const applies = rest.some((v) => v === null || (v.length > 3 && "--apply".startsWith(v)));
  const reads = rest.some((v) => v !== null && GIT_APPLY_READ.has(v)) && !applies;
  return reads ? null : `git apply ${DIFF}`;
}

/** tar's long options that lift its confinement of member names (abbreviations accepted). */
const TAR_UNCONFINED = ["--absolute-names", "--transform", "--xform"];

/** What tar's words say: whether it extracts, into a folder its words name, with names that may climb out. */
function _tarMode(args: readonly (string | null)[]): { extract: boolean; folder: boolean; unconfined: boolean } {
  let extract = false;
  let folder = false;
  let unconfined = false;
  for (let i = 0; i < args.length; i++) {
    const v = args[i];
    if (v === null || v === undefined) continue;
    if (v === "--") break;
    if (v.startsWith("--")) {
      const opt = v.includes("=") ? v.slice(0, v.indexOf("=")) : v;
      if (opt.length > 3 && ("--extract".startsWith(opt) || "--get".startsWith(opt))) extract = true;
      if (opt.length > 4 && "--directory".startsWith(opt)) folder = true;
      if (opt.length > 3 && TAR_UNCONFINED.some((o) => o.startsWith(opt))) unconfined = true;
      continue;
    }
    // old-style letters in the first word (`xzf`), or a bundle (`-xzf`, `-Cdir`)
    const letters = v.startsWith("-") ? v.slice(1) : i === 0 ? v : "";
    const at = letters.indexOf("C");
    const flags = at === -1 ? letters : letters.slice(0, at);
    if (flags.includes("x")) extract = true;
    if (flags.includes("P")) unconfined = true;
    // the folder is judged as a word only when it is one (`-C DIR`, `-xC DIR`) or the option leads it (`-CDIR`)
    if (at !== -1 && (at === 0 || at === letters.length - 1 || !v.startsWith("-"))) folder = true;
  }
  return { extract, folder, unconfined };
}

/** Why tar extracts members whose names it reads from the archive, or null (not extracting, or confined to `-C DIR`). */
function _tar(name: string, args: readonly (string | null)[]): string | null {
  const { extract, folder, unconfined } = _tarMode(args);
  if (!extract) return null;
  if (folder && !unconfined && name !== "bsdtar") return null;
  return `${name} -x ${ARCHIVE}${unconfined ? " (its names may climb out of the folder)" : ""}`;
}

/** What unzip's words say: whether it extracts, into a folder its words name, and an option letting names climb. */
function _unzipMode(args: readonly (string | null)[]): { extract: boolean; folder: boolean; climb: string | null } {
  let folder = false;
  let climb: string | null = null;
  for (const v of args) {
    if (v === null || v === undefined || !v.startsWith("-") || v === "-") continue;
    const letters = v.slice(1);
    const at = letters.indexOf("d");
    const flags = at === -1 ? letters : letters.slice(0, at);
    if (/[lptczZ]/.test(flags)) return { extract: false, folder, climb };
    if (flags.includes(":") || flags.includes("^")) climb ??= v;
    if (at === 0 || (at !== -1 && at === letters.length - 1)) folder = true;
  }
  return { extract: true, folder, climb };
}

/** Why unzip extracts members whose names it reads from the archive, or null (listing, or confined to `-d DIR`). */
function _unzip(args: readonly (string | null)[]): string | null {
  const { extract, folder, climb } = _unzipMode(args);
  if (!extract) return null;
  if (climb !== null) return `unzip ${climb} ${ARCHIVE} (and lets them climb out of the folder)`;
  return folder ? null : `unzip ${ARCHIVE}`;
}

/**
 * Whether the program `name` with the words `args` extracts an archive (`tar -x`, `unzip` not listing), whatever the
 * folder: its writes follow the symbolic links already in that folder (_path_links.ts walks it).
 */
export function extracts(name: string, args: readonly (string | null)[]): boolean {
  if (name === "tar" || name === "gtar" || name === "bsdtar") return _tarMode(args).extract;
  if (name === "unzip") return _unzipMode(args).extract;
  return false;
}

/**
 * Why the program `name` with the words `args` (null: only known at run time) writes files named in the data it
 * reads (a diff, a mailbox, an archive) rather than in its words, or null.
 */
export function namesFromData(name: string, args: readonly (string | null)[]): string | null {
  if (name === "patch" || name === "gpatch") return _patch(args);
  if (name === "git") return _git(args);
  if (name === "tar" || name === "gtar" || name === "bsdtar") return _tar(name, args);
  if (name === "unzip") return _unzip(args);
  return null;
}
