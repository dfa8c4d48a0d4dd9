/**
 * Private helper of the rule engine's `path` floors for scripts (red team 6, F4): what a script reaches through
 * links the gate can see on disk (path_facts.ts), beyond the literal paths its words resolve to.
 *
 * - A literal word that names a regular file with more than one hard link: protected when its inode is one of a
 *   file the rule names. The rule's files are found by stat'ing the literal part of each positive pattern
 *   (`secrets/**` lists `secrets/`, bounded); a pattern without a literal folder (`*.pem`) or too large a listing
 *   cannot be enumerated, so such a file "may apply".
 * - A reader that follows links while it recurses (`grep -R`, `find -L`, `ls -LR`, `du -L`, `tree -l`, `cp -rL`,
 *   `tar -h`, `rsync -L`, `diff -r`, `zip -r`, `rg -L`, `ag -f`) into a folder: the floor applies when the walk
 *   reaches, through a link, a file the rule names; a walk larger than {@linkcode WALK_LIMIT} entries, or a name
 *   that is not valid UTF-8 on the way, "may apply". A reader that recurses without following links (`grep -r`,
 *   `rg`, `cp -r`, `tar`, `rsync -r`) is walked only when some protected file has another hard link.
 *
 * Pure: reads only the facts it is given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { recursion } from "./_path_links.ts";
 * const c = (s: string) => analyzeScript(s).commands[0]!;
 * assert.equal(recursion(c("grep -R x sub")), "follow");
 * assert.equal(recursion(c("grep -rn x sub")), "recurse");
 * assert.equal(recursion(c("cat sub")), null);
 * ```
 *
 * @module
 */
import type { PathFacts, PathStat } from "./path_facts.ts";
import { extracts } from "./_from_data.ts";
import type { SimpleCommand } from "./shell_types.ts";

/** The most entries one walk looks at before it gives up ("may apply"). */
export const WALK_LIMIT = 5000;

/** What the links of a script mean for one rule: a path it reaches that the rule names, or why it may. */
export interface LinkedReads {
  /** Why the rule applies (a hard link to a protected file, a protected file reached through a link), or null. */
  readonly hit: string | null;
  /** Why the rule may apply (the walk was too large, a name could not be looked at), or null. */
  readonly maybe: string | null;
}

/** The protected files of one rule that have other hard links, found once per call. */
interface Protected {
  /** The patterns could all be listed. */
  readonly enumerable: boolean;
  /** `dev:ino` of each protected regular file with more than one link. */
  readonly aliased: ReadonlySet<string>;
}

/** A path matcher of a rule. */
type Matcher = (path: string) => boolean;

function _basename(v: string): string {
  return v.slice(v.lastIndexOf("/") + 1);
}

/** Short letters and long options of a command's words (a short cluster `-LR` gives L and R). */
function _flags(c: SimpleCommand, oldStyle = false): { short: Set<string>; long: string[] } {
  const short = new Set<string>();
  const long: string[] = [];
  c.argv.slice(1).forEach((w, i) => {
    const v = w.value;
    if (v === null) return;
    if (v.startsWith("--")) long.push(v.includes("=") ? v.slice(0, v.indexOf("=")) : v);
    else if (/^-[A-Za-z]/.test(v)) { for (const ch of v.slice(1)) short.add(ch); }
    else if (oldStyle && i === 0 && /^[A-Za-z]+$/.test(v)) { for (const ch of v) short.add(ch); // `tar chf`
     }
  });
  return { short, long };
}

/**
 * Whether a command walks the folders it names: `"follow"` when it follows the symlinks it meets there, `"recurse"`
 * when it reads what is below without following them, `"write"` when it writes below through the links it meets
 * (an archive's extraction), null when it reads no folder's contents.
 */
export function recursion(c: SimpleCommand): "follow" | "recurse" | "write" | null {
  const head = c.argv[0]?.value;
  if (!head) return null;
  const name = _basename(head);
  const long = (...opts: string[]) => f.long.some((l) => opts.some((o) => l.length > 2 && o.startsWith(l)));
  const f = _flags(c, name === "tar");
  const s = (...chars: string[]) => chars.some((ch) => f.short.has(ch));
  switch (name) {
    case "grep":
    case "egrep":
    case "fgrep":
      if (s("R") || long("--dereference-recursive")) return "follow";
      return s("r") || long("--recursive", "--directories") || c.argv.some((w) => w.value === "recurse")
        ? "recurse"
        : null;
    case "rgrep":
      return "recurse";
    case "rg":
      return s("L") || long("--follow") ? "follow" : "recurse";
    case "ag":
      return s("f") || long("--follow") ? "follow" : "recurse";
    case "ack":
      return long("--follow") ? "follow" : "recurse";
    case "find":
      return s("L") || c.argv.some((w) => w.value === "-follow") ? "follow" : null;
    case "ls":
      return (s("L") || long("--dereference")) && (s("R") || long("--recursive")) ? "follow" : null;
    case "du":
      return s("L") || long("--dereference") ? "follow" : null;
    case "tree":
      return s("l") ? "follow" : null;
    case "cp":
      if (!(s("r", "R", "a") || long("--recursive", "--archive"))) return null;
      return s("L") || long("--dereference") ? "follow" : "recurse";
    case "tar":
    case "bsdtar":
      // an extraction writes through the links already in its folder (red team 10, J7)
      if (extracts(name, c.argv.slice(1).map((w) => w.value))) return "write";
      return s("h", "L") || long("--dereference") ? "follow" : "recurse";
    case "unzip":
      return extracts(name, c.argv.slice(1).map((w) => w.value)) ? "write" : null;
    case "rsync":
      if (s("L", "k") || long("--copy-links", "--copy-dirlinks", "--copy-unsafe-links")) return "follow";
      return s("r", "a") || long("--recursive", "--archive") ? "recurse" : null;
    case "diff":
      if (!(s("r") || long("--recursive"))) return null;
      return long("--no-dereference") ? "recurse" : "follow";
    case "zip":
      if (!(s("r", "R") || long("--recurse-paths"))) return null;
      return s("y") || long("--symlinks") ? "recurse" : "follow";
    case "scp":
      return s("r") ? "follow" : null;
    default:
      return null;
  }
}

const GLOB_SEGMENT = /[*?[\\{]/;

/** The rule's protected files with other hard links (bounded listing of each pattern's literal folders). */
function _protected(patterns: readonly string[], m: Matcher, facts: PathFacts): Protected {
  const aliased = new Set<string>();
  let enumerable = true;
  let budget = WALK_LIMIT;
  for (const p of patterns) {
    if (p.startsWith("!")) continue;
    const body = p.replace(/^\//, "").replace(/\/+$/, "");
    if (!body.includes("/") && !p.startsWith("/")) {
      // no slash: the name matches at any depth; a literal name could still be anywhere
      enumerable = false;
      continue;
    }
    const literal: string[] = [];
    for (const seg of body.split("/")) {
      if (GLOB_SEGMENT.test(seg)) break;
      literal.push(seg);
    }
    if (literal.length === 0) {
      enumerable = false;
      continue;
    }
    // the folder as on disk: a name whose Unicode NFC form is the pattern's, which a server opens for it when the
    // pattern's own spelling does not exist (red team 12, K2)
    const stack = _onDisk(literal, facts);
    const seen = new Set<string>();
    while (stack.length > 0 && enumerable) {
      const at = stack.pop()!;
      const st = facts.stat(at);
      if (st === null) continue;
      if (st.kind === "file") {
        if (st.nlink > 1 && m(at)) aliased.add(st.id);
        continue;
      }
      if (st.kind !== "dir" || seen.has(st.id)) continue;
      seen.add(st.id);
      const entries = facts.list(at);
      if (entries === null) continue;
      for (const e of entries) {
        if (--budget < 0 || e.path === null) {
          enumerable = false;
          break;
        }
        if (e.link || e.kind === null) continue; // a link in the folder protects its own name, not its target
        if (e.kind === "dir") stack.push(e.path);
        else if (e.kind === "file" && m(e.path)) {
          const fst = facts.stat(e.path);
          if (fst !== null && fst.nlink > 1) aliased.add(fst.id);
        }
      }
    }
  }
  return { enumerable, aliased };
}

/**
 * The workspace paths that are `literal` (folder names from the root), each name as given when it exists, else
 * every entry of its folder whose NFC form is the name's (as server-filesystem looks a missing name up); at most
 * {@linkcode WALK_LIMIT} entries are looked at. `[literal]` when the names exist as given or the folders cannot be
 * listed.
 */
function _onDisk(literal: readonly string[], facts: PathFacts): string[] {
  const whole = literal.join("/");
  if (facts.stat(whole) !== null) return [whole];
  let at = ["."];
  let budget = WALK_LIMIT;
  for (const name of literal) {
    const next: string[] = [];
    const want = name.normalize("NFC");
    for (const dir of at) {
      const exact = dir === "." ? name : `${dir}/${name}`;
      if (facts.stat(exact) !== null) {
        next.push(exact);
        continue;
      }
      for (const e of facts.list(dir) ?? []) {
        if (--budget < 0) return [whole];
        const base = e.path?.slice(e.path.lastIndexOf("/") + 1);
        if (e.path !== null && base !== undefined && base.normalize("NFC") === want) next.push(e.path);
      }
    }
    if (next.length === 0) return [whole];
    at = next;
  }
  return at;
}

/** The literal paths a command's words resolve to (a word, and the value of `--opt=value`). */
function _wordPaths(
  c: SimpleCommand,
  resolve: (t: string) => string | null,
  facts?: PathFacts,
): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let operands = false;
  for (const w of c.argv.slice(1)) {
    const v = w.value;
    if (v === null || v === "") continue;
    const eq = v.indexOf("=");
    if (!operands && v === "--") {
      operands = true;
      continue;
    }
    // an option is not a path (`-rn`, `--follow`), but its value may be one (`--file=k`)
    if (!operands && v.startsWith("-") && eq === -1) continue;
    const cands = [v];
    if (v.startsWith("-") && eq !== -1) cands.push(v.slice(eq + 1));
    for (const cand of cands) {
      const r = resolve(cand);
      if (r !== null) out.push([cand, r]);
      // what the sandbox reads a path through a link to /proc as (red team 16, N2)
      for (const p of facts?.linkedElsewhere?.(cand)?.paths ?? []) out.push([cand, p]);
    }
  }
  for (const r of c.redirects) {
    if (r.kind === "read" && r.target !== null && !r.op.startsWith("<<")) {
      const p = resolve(r.target);
      if (p !== null) out.push([r.target, p]);
      for (const q of facts?.linkedElsewhere?.(r.target)?.paths ?? []) out.push([r.target, q]);
    }
  }
  return out;
}

/**
 * What the files a tool names directly (a file tool's paths, workspace-relative) mean for one rule: a path that is a
 * hard link to a file the rule names (hit), or a hard link when the rule's files cannot all be listed (may). The
 * agent's own file tools in hook mode read what they are given; safe-exec's refuse hard links themselves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linkedFiles } from "./_path_links.ts";
 * import type { PathFacts } from "./path_facts.ts";
 * const same = { kind: "file", nlink: 2, id: "1:7" } as const;
 * const facts: PathFacts = {
 *   stat: (p) => (p === "secrets" ? { kind: "dir", nlink: 2, id: "1:2" } : p === "secrets/k" || p === "hard" ? same : null),
 *   list: (p) => (p === "secrets" ? [{ path: "secrets/k", kind: "file", link: false, target: null }] : null),
 *   gitRepository: () => false,
 * };
 * const m = (p: string) => p.startsWith("secrets/");
 * assert.match(String(linkedFiles(["secrets/**"], m, ["hard"], facts, new Map(), 1).hit), /hard link/);
 * assert.deepEqual(linkedFiles(["secrets/**"], m, ["README.md"], facts, new Map(), 1), { hit: null, maybe: null });
 * ```
 */
export function linkedFiles(
  patterns: readonly string[],
  m: Matcher,
  paths: readonly string[],
  facts: PathFacts,
  cache: Map<unknown, unknown>,
  key: unknown,
): LinkedReads {
  let maybe: string | null = null;
  for (const path of paths) {
    const st = facts.stat(path);
    if (st === null || st.kind !== "file" || st.nlink < 2) continue;
    const prot = _protectedOnce(patterns, m, facts, cache, key);
    if (prot.aliased.has(st.id)) {
      return { hit: `${JSON.stringify(path)} is a hard link to a file the rule names`, maybe: null };
    }
    if (!prot.enumerable) {
      maybe ??= `${JSON.stringify(path)} is a hard link (${st.nlink} links), which may be a file the rule names`;
    }
  }
  return { hit: null, maybe };
}

function _protectedOnce(
  patterns: readonly string[],
  m: Matcher,
  facts: PathFacts,
  cache: Map<unknown, unknown>,
  key: unknown,
): Protected {
  let prot = cache.get(key) as Protected | undefined;
  if (prot === undefined) {
    prot = _protected(patterns, m, facts);
    cache.set(key, prot);
  }
  return prot;
}

/**
 * What the script's links mean for one rule (see the module doc). `cache` keeps the rule's protected files for the
 * rest of the call.
 */
export function linkedReads(
  patterns: readonly string[],
  m: Matcher,
  commands: readonly SimpleCommand[],
  resolve: (t: string) => string | null,
  facts: PathFacts,
  cache: Map<unknown, unknown>,
  key: unknown,
): LinkedReads {
  const protectedFiles = () => _protectedOnce(patterns, m, facts, cache, key);
  let maybe: string | null = null;
  const aliasOf = (st: PathStat | null) =>
    st !== null && st.kind === "file" && st.nlink > 1 && protectedFiles().aliased.has(st.id);
  // a file met in a walk is stat'ed only when some protected file has other links
  const aliasAt = (path: string) => protectedFiles().aliased.size > 0 && aliasOf(facts.stat(path));
  for (const c of commands) {
    const mode = recursion(c);
    for (const [word, path] of _wordPaths(c, resolve, facts)) {
      const st = facts.stat(path);
      if (st === null) continue;
      if (st.kind === "file" && st.nlink > 1) {
        if (aliasOf(st)) return { hit: `${JSON.stringify(word)} is a hard link to a file the rule names`, maybe: null };
        if (!protectedFiles().enumerable) {
          maybe ??= `${JSON.stringify(word)} is a hard link (${st.nlink} links), which may be a file the rule names`;
        }
        continue;
      }
      if (st.kind !== "dir" || mode === null) continue;
      if (mode === "recurse" && protectedFiles().aliased.size === 0) continue;
      const r = _walk(path, mode !== "recurse", m, aliasAt, facts, mode === "write");
      if (r.hit !== null) return { hit: `${c.argv[0]!.value} ${JSON.stringify(word)} ${r.hit}`, maybe: null };
      if (r.maybe !== null) maybe ??= `${c.argv[0]!.value} ${JSON.stringify(word)} ${r.maybe}`;
    }
  }
  return { hit: null, maybe };
}

/** Walk a folder as a reader that follows links (or not) would: a protected file it reaches through a link. */
function _walk(
  top: string,
  follow: boolean,
  m: Matcher,
  aliasAt: (path: string) => boolean,
  facts: PathFacts,
  writes = false,
): LinkedReads {
  const stack: Array<{ path: string; viaLink: boolean }> = [{ path: top, viaLink: false }];
  const seen = new Set<string>();
  let budget = WALK_LIMIT;
  let elsewhere: string | null = null;
  while (stack.length > 0) {
    const { path, viaLink } = stack.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const entries = facts.list(path);
    if (entries === null) continue;
    for (const e of entries) {
      if (--budget < 0) {
        return { hit: null, maybe: `walks more than ${WALK_LIMIT} entries, too many to check for links` };
      }
      if (e.path === null) return { hit: null, maybe: "walks a name that is not valid UTF-8, which cannot be checked" };
      if (e.link) {
        if (!follow) continue;
        if (e.elsewhere !== undefined) {
          // the sandbox resolves it otherwise than the host (`l -> /proc/self/cwd`: red team 16, N2): walk what it
          // reads it as; the link may lead anywhere besides
          elsewhere ??= `follows the link ${JSON.stringify(e.path)}, which ${e.elsewhere.why.replace(/^"[^"]*" /, "")}`;
          for (const p of e.elsewhere.paths) {
            const st = facts.stat(p);
            if (st?.kind === "file" && (m(p) || aliasAt(p))) {
              return { hit: `follows the link ${JSON.stringify(e.path)} to ${JSON.stringify(p)}`, maybe: null };
            }
            if (st?.kind !== "dir") continue;
            if (writes && (m(p) || m(`${p}/_`))) {
              return { hit: `writes through the link ${JSON.stringify(e.path)} to ${JSON.stringify(p)}`, maybe: null };
            }
            stack.push({ path: p, viaLink: true });
          }
          continue;
        }
        if (e.unrepresentable) {
          return { hit: null, maybe: `follows the link ${JSON.stringify(e.path)}, whose target cannot be checked` };
        }
        if (e.target === null || e.kind === null) continue; // outside the workspace, or dangling
        if (e.kind === "file") {
          if (m(e.target) || aliasAt(e.target)) {
            return { hit: `follows the link ${JSON.stringify(e.path)} to ${JSON.stringify(e.target)}`, maybe: null };
          }
        } else if (e.kind === "dir") {
          // a writer through a link to a folder may create any name in it (`l -> secrets`, then member `l/k`)
          if (writes && (m(e.target) || m(`${e.target}/_`))) {
            return {
              hit: `writes through the link ${JSON.stringify(e.path)} to ${JSON.stringify(e.target)}`,
              maybe: null,
            };
          }
          stack.push({ path: e.target, viaLink: true });
        }
        continue;
      }
      if (e.kind === "dir") stack.push({ path: e.path, viaLink });
      else if (e.kind === "file") {
        if (aliasAt(e.path)) {
          return { hit: `reads ${JSON.stringify(e.path)}, a hard link to a file the rule names`, maybe: null };
        }
        if (viaLink && m(e.path)) {
          return { hit: `reaches ${JSON.stringify(e.path)} through a link`, maybe: null };
        }
      }
    }
  }
  return { hit: null, maybe: elsewhere };
}
