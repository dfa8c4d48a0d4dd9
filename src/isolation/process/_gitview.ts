/**
 * Private helper of the sandbox: git's files inside the sandbox, wherever `.git` points and at any depth (SPEC §7).
 *
 * A sandboxed process never sees a git dir of the host directly. Each git dir `G` inside a writable folder (the
 * workspace's `.git`, a `.git` file's `gitdir:`, their `commondir`s, every repository nested at any depth, bare
 * ones included) is shown through a **view**: a private folder of this server, bound at `G`, that holds
 * - `refs/`, `logs/`: private copies of the host's, and `objects/`: a private object store whose alternates name the
 *   host's `objects/`, shown read-only beside it (`_gitdata.ts`); after the call, what git's own shapes allow is
 *   merged into the host's (regular files, hex object and pack names, valid ref names), so nothing the call plants
 *   there is ever followed by the host's git, during the call or after; `lfs/`, `rr-cache/`, `reftable/`: read-only;
 * - the data files at the top (`index`, `HEAD`, `ORIG_HEAD`, `packed-refs`, `COMMIT_EDITMSG`, … see
 *   `GIT_DATA_FILES`): copies, validated and copied back after the call (`_gitview_sync.ts`) through a descriptor of
 *   `G` opened before it, so a parent renamed or swapped for a symlink meanwhile is never written through;
 * - everything else of the host's git dir (`config`, `hooks/`, `info/`, `commondir`, `modules/`, `worktrees/`, …):
 *   bound read-only, a symlink judged by its target; what the sandbox adds besides is removed after each call
 *   (`dropAdded`: git follows `commondir`, `config.worktree`, … written there, red team 5 F1), but for git's state
 *   of an operation in progress (`rebase-merge/`, `sequencer/`, `BISECT_*`), which stays in the view.
 *
 * Paths outside the git dirs that git reads (a `.git` file, link targets, `core.hooksPath`, included configs, the
 * files hooks hand over to, submodules' `.git`) are bound read-only onto themselves, and every folder between the
 * workspace and a protected path is made a mount point (`_gitpins.ts`): none can be renamed away. A workspace
 * without `.git` gets an empty view there, new for each call; a repository the call makes in it reaches the host with
 * data only, and nothing else the call wrote into it is kept.
 * After the call, the workspace is walked (`../../git/scan.ts`, cached per folder; git's own repository test, names as
 * bytes) and a repository the call made elsewhere is disabled (`_gitnew.ts`), by its bytes when its path is not UTF-8
 * text (no later view could be bound there); the walk is what the next call protects. A walk cut short (a folder it
 * could not list or name, a repository it could not rename) refuses the next calls until a walk vouches again.
 *
 * A long-lived process (a sandboxed MCP server, `prepare(…, { longLived: true })`) is shown the repositories a walk
 * at its start finds, and is registered as a live writer of its folders until its exit walk (`_gitlive.ts`): while
 * one lives, every walk of those folders (its own after each call and between calls, `run_bash`'s, another
 * server's) disables any repository it did not already know or that a live server was not shown through a view,
 * however old its times look (red team 8, G3: a background job writes after the call's walk). A walk that disables
 * something again where it disabled something during that process's life, or that goes past the bounds of its
 * walks, makes {@linkcode GitCall.stopReason} say it must be stopped (red team 10, J5).
 *
 * Runtime-free: only `node:` APIs (and the runtime's lstat for the walk).
 *
 * @module
 */
import { mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { isWithin } from "../../_util/paths.ts";
import { ToolError } from "../../types.ts";
import { GIT_DATA_DIRS, GIT_DATA_FILES, type GitRootInfo, inspectGit, readSmall, whereLeads } from "../../git/dirs.ts";
import { scanGitlinks } from "../../git/gitlinks.ts";
import { RepoScanner } from "../../git/scan.ts";
import { disableRepo, disableWatched, hasDataLinks, untouchedSince } from "./_gitnew.ts";
import {
  addWriter,
  identity,
  type LiveWalkBounds,
  type LiveWriter,
  noteDisabled,
  noteWalk,
  shownToAll,
  writersOf,
} from "./_gitlive.ts";
import { mergeData, privateData } from "./_gitview_data.ts";
import { HOST_OBJECTS } from "./_gitdata.ts";
import { withAncestors } from "./_gitpins.ts";
import { emptyTrash, HostDir, lstatOr, quarantine, writeNew } from "./_gitview_io.ts";
import { capPrivate, dropAdded, holdsRepo, materialize, syncBack, syncIn, type View } from "./_gitview_sync.ts";
import type { GitMount } from "./_plan.ts";

/** Options of {@linkcode GitViews.prepare}. */
export interface PrepareOptions {
  /**
   * The process lives on after the call that started it (a sandboxed MCP server): walk first (what is there then is
   * shown through views), and count it as a live writer of the roots until `finish` (its exit walk) vouched.
   */
  longLived?: boolean;
  /**
   * With `longLived`: the bounds of a walk of its folders while it lives (`_gitlive.ts`); past one, or when a walk
   * disables a repository again where one was disabled during its life, {@linkcode GitCall.stopReason} says why it
   * must be stopped.
   */
  liveWalk?: LiveWalkBounds;
}

/** The git part of one call: the mounts, and what to do once its processes are gone. */
export interface GitCall {
  /** Mounts after the workspace, in order (parents first). */
  mounts: GitMount[];
  /** What was protected, for the witness log and `doctor`. */
  protected: string[];
  /** Copy the call's git data back and disable what it made; returns notes for the call's stderr. */
  finish(): string[];
  /**
   * For a process that lives on (a sandboxed MCP server): disable the repositories made or changed since `since`
   * (ms since the epoch, the start of one of its calls) now, as `finish` would, keeping the views; returns notes.
   */
  checkpoint(since: number): string[];
  /**
   * For a process that lives on: why it must be stopped now (a walk disabled a repository again where one was
   * disabled during its life, or went past its bounds), else null. Its owner ends its sandbox; `finish` runs after.
   */
  stopReason(): string | null;
}

interface Known {
  entries: Set<string>;
  bare: Set<string>;
  /** Why the walk cannot vouch for the tree (cut short, a repository it could not disable): process tools refused. */
  problems: string[];
  /** When problems: the start of the call whose walk found them (a repository changed since then is disabled). */
  since: number;
}

/**
 * The walk's folder bound: `SAFE_EXEC_GIT_WALK_MAX_DIRS` of the server's environment (a whole number, at least 10; for
 * tests, which cannot make half a million folders), else the scanner's default.
 */
function walkBound(): number | undefined {
  const v = Number(process.env.SAFE_EXEC_GIT_WALK_MAX_DIRS ?? "");
  return Number.isSafeInteger(v) && v >= 10 ? v : undefined;
}

function ensurePlaceholder(view: View, trash: string, name: string, kind: "file" | "dir"): void {
  const p = join(view.dir, name);
  const st = lstatOr(p);
  const ok = kind === "dir" ? st?.isDirectory() : st?.isFile();
  if (ok && view.placeholders.get(name) === kind) return;
  if (st) quarantine(trash, p); // the sandbox's own entry of that name, or a placeholder of the other kind
  if (kind === "dir") mkdirSync(p);
  else writeNew(p, new Uint8Array());
  view.placeholders.set(name, kind);
  view.records.delete(name);
}

/** What a note says of a repository disabled because a long-lived sandboxed process could have made it. */
const LIVE_WHY = "a git repository that appeared while a sandboxed process (an MCP server) could write there";

/** The views of one sandbox (one server): private folders under `stateDir`, kept across calls. */
export class GitViews {
  readonly #dir: string;
  readonly #trash: string;
  readonly #clock: string;
  readonly #views = new Map<string, View>();
  readonly #indexCache = new Map<string, { sig: string; gitlinks: string[] | null }>();
  readonly #privateBytes: number;
  readonly #scanner = new RepoScanner(walkBound());
  readonly #known = new Map<string, Known>();
  /** Notes of a walk made while preparing a call (a re-walk after problems), for that call's result. */
  readonly #pending: string[] = [];

  /**
   * Views live in a new folder under `stateDir` (a private folder of the server). git's state of an operation in
   * progress that a call leaves in a view is kept for later calls up to `privateBytes` (default 256 MiB), and
   * dropped past it; anything else a call adds beside git's data is dropped after the call.
   */
  constructor(stateDir: string, privateBytes = 256 * 1024 * 1024) {
    this.#privateBytes = privateBytes;
    this.#dir = mkdtempSync(join(stateDir, "git-views-"));
    this.#trash = join(this.#dir, "trash");
    this.#clock = join(this.#dir, "clock");
    mkdirSync(this.#trash);
  }

  #view(key: string, fresh: boolean): View {
    const id = `${fresh ? "fresh" : "repo"}:${key}`;
    let v = this.#views.get(id);
    if (v && lstatOr(v.dir)?.isDirectory()) return v;
    v = { dir: mkdtempSync(join(this.#dir, "v-")), fresh, placeholders: new Map(), records: new Map() };
    this.#views.set(id, v);
    return v;
  }

  #drop(key: string, fresh: boolean): void {
    const id = `${fresh ? "fresh" : "repo"}:${key}`;
    const v = this.#views.get(id);
    if (v) quarantine(this.#trash, v.dir);
    this.#views.delete(id);
  }

  /**
   * The repositories in `root` as the walk after the last call found them (walking now the first time), less those
   * gone since. A repository the operator made between two calls is not in it: the walk after the next call finds
   * it, and disables it only if that call changed its configuration or hooks (else it is protected from then on).
   */
  #knownIn(root: string): Known {
    let k = this.#known.get(root);
    if (k && k.problems.length > 0) {
      // A walk that could not vouch for the tree: walk again as after that call (the operator may have fixed it),
      // and disable what changed since that call began; its notes go with the next call's result.
      this.#pending.push(...this.#afterCall(root, [], k.since));
      k = this.#known.get(root) as Known;
    }
    if (!k) {
      // The first walk: what is there is the operator's, but what it cannot vouch for refuses process tools.
      const s = this.#scanner.scan(root);
      k = {
        entries: new Set(s.entries),
        bare: new Set(s.bare),
        problems: [
          ...s.cutShort,
          ...s.unnamed.map((u) =>
            `${u.shown} is a git repository at a path the sandbox cannot name as text (not UTF-8, or past ` +
            `PATH_MAX), so it cannot be protected: rename the folder (the next call's walk renames its .git or HEAD ` +
            `aside)`
          ),
        ],
        since: 0,
      };
      this.#known.set(root, k);
    }
    for (const e of k.entries) if (!lstatOr(e)) k.entries.delete(e);
    for (const b of k.bare) if (!lstatOr(join(b, "HEAD"))) k.bare.delete(b);
    return k;
  }

  /**
   * Prepare the git part of a call for the writable roots (the workspace first) given what else is shown
   * (read-only roots). Throws `sandbox_unavailable` when git's files cannot be protected.
   */
  prepare(roots: readonly string[], shownReadOnly: readonly string[], options: PrepareOptions = {}): GitCall {
    // The call's start on the file system's own clock (coarse: a change in the same tick counts as the call's).
    writeFileSync(this.#clock, "");
    const started = lstatOr(this.#clock)?.ctimeMs ?? Date.now();
    if (options.longLived) {
      // A walk now, so that every repository there is shown through a view for the process's whole life. With no
      // long-lived writer of the roots alive, what is there is the operator's (each run_bash call was walked after
      // it); else the rule of live writers applies (`#afterCall`).
      for (const root of roots) {
        const k = this.#known.get(root);
        if (!k || k.problems.length > 0) continue; // the first walk (#knownIn) or a re-walk does it
        this.#pending.push(...this.#afterCall(root, [], Infinity));
        const after = this.#known.get(root);
        if (after && after.problems.length > 0) after.since = started;
      }
    }
    const mounts: GitMount[] = [];
    const finishers: (() => string[])[] = [];
    const described: string[] = [];
    const shown = (p: string) => roots.some((r) => isWithin(p, r)) || shownReadOnly.some((r) => isWithin(p, r));
    const opt = { indexCache: this.#indexCache };
    const infos: GitRootInfo[] = [];
    const own = new Set<GitRootInfo>();
    for (const root of roots) {
      const info = inspectGit(root, roots, { ...opt, outsideGitDir: true });
      own.add(info);
      infos.push(info);
      const known = this.#knownIn(root);
      if (known.problems.length > 0) {
        this.#pending.length = 0;
        throw new ToolError(
          "sandbox_unavailable",
          `The sandbox cannot protect git's files in ${root}: the walk for repositories could not look at all of ` +
            `it, and a repository there would run its configuration in the host's git: ${
              known.problems.slice(0, 5).join("; ")
            }`,
        );
      }
      for (const e of known.entries) infos.push(inspectGit(dirname(e), roots, opt));
      for (const b of known.bare) {
        if (b === root) {
          throw new ToolError(
            "sandbox_unavailable",
            `The sandbox cannot protect git's files in ${root}: it is itself a bare repository (HEAD, objects/, ` +
              `refs/ at its top), whose configuration and hooks a process could change`,
          );
        }
        infos.push(inspectGit(b, roots, { ...opt, bare: true }));
      }
    }
    for (const info of infos) {
      if (info.refuse !== null) {
        throw new ToolError(
          "sandbox_unavailable",
          `The sandbox cannot protect git's files in ${info.root}: ${info.refuse}`,
        );
      }
    }
    const viewed: string[] = [];
    const hosts: HostDir[] = [];
    const watched = infos.flatMap((i) => i.watch);
    try {
      for (const info of infos) {
        const entry = info.entry.path;
        const emptyDir = info.entry.kind === "dir" && readdirSync(entry).length === 0;
        if (own.has(info) && (info.entry.kind === "missing" || emptyDir)) {
          if (info.entry.kind === "missing") mkdirSync(entry);
          this.#drop(entry, false);
          const v = this.#view(entry, true);
          const host = HostDir.open(entry);
          hosts.push(host);
          mounts.push({ mode: "rw", src: v.dir, dest: entry });
          viewed.push(entry);
          described.push(`${entry}: a private view (no repository yet)`);
          finishers.push(() => this.#finishFresh(host, v));
          continue;
        }
        if (own.has(info)) this.#drop(entry, true);
        for (const g of info.gitDirs) {
          if (viewed.some((d) => isWithin(g, d))) continue;
          viewed.push(g);
          const baseline = this.#gitlinksOf(g, info.hashBytes);
          const host = HostDir.open(g);
          hosts.push(host);
          mounts.push(...this.#repoMounts(g, shown));
          const where = roots.some((r) => isWithin(g, r)) ? "" : " (outside the workspace: its .git file names it)";
          described.push(`${g}: a view${where} (data writable, configuration and hooks read-only)`);
          finishers.push(() => this.#syncBack(g, host, baseline, info.hashBytes));
        }
        for (const p of info.pins) {
          if (viewed.some((g) => isWithin(p.path, g)) || mounts.some((m) => m.dest === p.path)) continue;
          if (p.create) mkdirSync(p.path, { recursive: true });
          mounts.push({ mode: "ro", src: p.path, dest: p.path });
          described.push(`${p.path}: read-only (${p.why})`);
        }
      }
    } catch (e) {
      for (const h of hosts) h.close();
      throw e;
    }
    let finished = false;
    let writer: LiveWriter | null = null;
    let release = () => {};
    if (options.longLived) {
      const ids = new Map<string, string>();
      const add = (p: string) => {
        const id = identity(p);
        if (id !== null) ids.set(p, id);
      };
      // Only what the process is really shown read-only: a view (or a read-only pin, for a `.git` file) at that very
      // path; a known `.git` that is not a git dir yet (an empty folder) is writable to it, so not listed.
      const at = new Set(mounts.filter((m) => m.dest !== m.src || m.mode === "ro").map((m) => m.dest));
      for (const root of roots) {
        const k = this.#known.get(root);
        for (const e of k?.entries ?? []) if (at.has(e)) add(e);
        for (const b of k?.bare ?? []) if (viewed.includes(b)) add(b);
      }
      for (const g of viewed) add(g);
      writer = {
        roots: [...roots],
        ids,
        gitDirs: [...viewed],
        bounds: { ...options.liveWalk },
        disabled: new Set(),
        stop: null,
      };
      release = addWriter(writer);
    }
    return {
      mounts: withAncestors(mounts, roots),
      protected: described,
      finish: () => {
        if (finished) return [];
        finished = true;
        const notes: string[] = this.#pending.splice(0);
        for (const f of finishers) {
          try {
            notes.push(...f());
          } catch (e) {
            notes.push(`safe-exec: git data of this call not copied back: ${(e as Error).message}`);
          }
        }
        for (const h of hosts) h.close();
        for (const root of roots) notes.push(...this.#afterCall(root, viewed, started));
        notes.push(...this.#disableWatched(roots[0] ?? "/", watched));
        for (const v of this.#views.values()) {
          notes.push(...capPrivate(v, this.#trash, this.#privateBytes));
          if (!v.fresh) notes.push(...dropAdded(v, this.#trash));
        }
        emptyTrash(this.#trash);
        // A long-lived process's exit walk: once it vouched for the roots, the process no longer counts as a writer
        // (else it stays one, and every walk keeps treating what appears there as the agent's).
        if (roots.every((r) => (this.#known.get(r)?.problems.length ?? 0) === 0)) release();
        return notes;
      },
      checkpoint: (since: number) => {
        if (finished) return [];
        const notes: string[] = this.#pending.splice(0);
        for (const root of roots) notes.push(...this.#afterCall(root, viewed, since));
        notes.push(...this.#disableWatched(roots[0] ?? "/", watched));
        emptyTrash(this.#trash);
        return notes;
      },
      stopReason: () => finished ? null : writer?.stop ?? null,
    };
  }

  /** {@linkcode disableWatched}, each file it renames aside remembered for the live writers of `root`. */
  #disableWatched(root: string, watched: Parameters<typeof disableWatched>[1]): string[] {
    const live = writersOf(root);
    return disableWatched(root, watched, live.length > 0 ? (p) => noteDisabled(live, root, p) : undefined);
  }

  /**
   * After a call: walk `root`; a repository that was not protected and changed during the call is disabled. The walk
   * is repeated while it disables something (a repository inside a `.git` folder it renamed aside is found only
   * then); a walk cut short, or a repository it cannot disable, is a problem that refuses later process calls.
   */
  #afterCall(root: string, viewed: readonly string[], started: number): string[] {
    const before = this.#known.get(root) ??
      { entries: new Set<string>(), bare: new Set<string>(), problems: [], since: 0 };
    // Long-lived sandboxed processes that can write here now: times say nothing (they write whenever they like), so
    // only what was known and shown to each of them through a view is kept.
    const live = writersOf(root);
    const notes: string[] = [];
    const problems: string[] = [];
    let entries = new Set<string>();
    let bare = new Set<string>();
    let walkMs = 0;
    let walkDirs = 0;
    for (let pass = 0;; pass++) {
      const t0 = performance.now();
      const found = this.#scanner.scan(root);
      walkMs += performance.now() - t0;
      walkDirs = Math.max(walkDirs, found.dirs);
      entries = new Set<string>();
      bare = new Set<string>();
      problems.length = 0;
      let disabled = 0;
      const off = (kind: "entry" | "bare", p: string | Buffer, shown?: string, lived = false) => {
        const r = disableRepo(root, kind, p, shown, lived ? LIVE_WHY : undefined);
        notes.push(r.note);
        // Where it was: the folder whose git it was (a `.git` entry's parent, a bare shape itself).
        if (live.length > 0) {
          const at = typeof p === "string" ? p : shown ?? p.toString("utf8");
          noteDisabled(live, root, kind === "entry" ? dirname(at) : at);
        }
        if (r.ok) disabled++;
        else problems.push(r.note);
      };
      for (const e of found.entries) {
        if (live.length > 0) {
          if (before.entries.has(e) && shownToAll(live, e)) entries.add(e);
          else off("entry", e, undefined, true);
        } else if (before.entries.has(e) || (untouchedSince(e, started) && !hasDataLinks(e, started))) entries.add(e);
        else off("entry", e);
      }
      for (const b of found.bare) {
        const knownHere = before.bare.has(b) || viewed.some((g) => isWithin(b, g));
        if (live.length > 0) {
          if (knownHere && shownToAll(live, b)) bare.add(b);
          else off("bare", b, undefined, true);
        } else if (knownHere || (b !== root && untouchedSince(b, started) && !hasDataLinks(b, started))) {
          bare.add(b);
        } else off("bare", b);
      }
      // Below a name that is not UTF-8: the sandbox could not view it in a later call, so it is disabled.
      for (const u of found.unnamed) off(u.kind, u.bytes, u.shown);
      problems.push(...found.cutShort);
      if (disabled === 0) break;
      if (pass >= 4) {
        problems.push(`${root}: repositories kept appearing inside the ones disabled (${pass + 1} walks)`);
        break;
      }
    }
    // While long-lived writers live: a walk past their bounds stops them (the time between walks grows with it).
    if (live.length > 0) noteWalk(live, root, walkDirs, walkMs);
    if (problems.length > 0) {
      notes.push(
        `safe-exec: the repository walk could not vouch for ${root}; process tools are refused until this is fixed: ` +
          problems.slice(0, 5).join("; "),
      );
    }
    this.#known.set(root, { entries, bare, problems: [...problems], since: problems.length > 0 ? started : 0 });
    return notes;
  }

  #gitlinksOf(g: string, hashBytes: number): Set<string> | null {
    const data = readSmall(join(g, "index"), 256 * 1024 * 1024);
    if (data === null) return new Set();
    const scan = scanGitlinks(data, hashBytes);
    return scan.ok ? scan.gitlinks : null;
  }

  #repoMounts(g: string, shown: (p: string) => boolean): GitMount[] {
    const v = this.#view(g, false);
    const trash = this.#trash;
    const mounts: GitMount[] = [{ mode: "rw", src: v.dir, dest: g }];
    const head = lstatOr(join(g, "HEAD"));
    if (head?.isFile() && !lstatOr(join(g, "logs"))) {
      try {
        mkdirSync(join(g, "logs")); // so reflogs land on the host, not in the view
      } catch { /* read-only or raced: the view keeps them */ }
    }
    const names = readdirSync(g);
    const present = new Set(names);
    for (const name of names) {
      if (name.endsWith(".lock")) continue; // a lock of the host's git: not the sandbox's business
      const p = join(g, name);
      const st = lstatOr(p);
      if (!st) continue;
      if (GIT_DATA_DIRS.has(name) && st.isDirectory()) {
        mounts.push(...privateData(v, trash, g, name));
      } else if (GIT_DATA_FILES.has(name) && st.isFile()) {
        syncIn(v, trash, g, name);
      } else if (st.isDirectory() || st.isFile()) {
        ensurePlaceholder(v, trash, name, st.isDirectory() ? "dir" : "file");
        mounts.push({ mode: "ro", src: p, dest: p });
      } else if (st.isSymbolicLink()) {
        const target = whereLeads(p);
        const tst = lstatOr(target);
        if (tst && (tst.isDirectory() || tst.isFile()) && shown(target)) {
          ensurePlaceholder(v, trash, name, tst.isDirectory() ? "dir" : "file");
          mounts.push({ mode: "ro", src: target, dest: p });
        } else if (v.placeholders.has(name)) {
          quarantine(trash, join(v.dir, name));
          v.placeholders.delete(name);
        }
      }
    }
    // What the host no longer has: our placeholders go, and so do copies of data files the host removed.
    for (const [name] of v.placeholders) {
      if (!present.has(name)) {
        quarantine(trash, join(v.dir, name));
        v.placeholders.delete(name);
      }
    }
    for (const name of GIT_DATA_FILES) if (!present.has(name)) syncIn(v, trash, g, name);
    if (v.objects) {
      ensurePlaceholder(v, trash, HOST_OBJECTS, "dir");
      mounts.push({ mode: "ro", src: join(g, "objects"), dest: join(g, HOST_OBJECTS) });
    }
    return mounts;
  }

  #syncBack(g: string, host: HostDir, baseline: Set<string> | null, hashBytes: number): string[] {
    const v = this.#views.get(`repo:${g}`);
    if (!v) return [];
    const notes = mergeData(v, this.#trash, host, g);
    return [...notes, ...syncBack(v, host, baseline, hashBytes)];
  }

  /** After a call in a workspace without `.git`: keep a repository the call made (its data), else clean up. */
  #finishFresh(host: HostDir, v: View): string[] {
    const entry = host.path;
    let names: string[];
    try {
      names = readdirSync(host.self());
    } catch {
      return [];
    }
    const isRepo = holdsRepo(v.dir);
    if (names.length > 0) {
      this.#drop(entry, true); // the host made its own repository meanwhile: it wins
      return isRepo
        ? [`safe-exec: ${entry} appeared on the host during the call; the call's repository was dropped`]
        : [];
    }
    if (!isRepo) {
      // Nothing of it is kept: a HEAD and a commondir written into the empty view would make the next call's
      // `git status` a repository whose configuration is the agent's (red team 5, F1).
      this.#drop(entry, true);
      try {
        rmdirSync(entry);
      } catch { /* not empty or gone */ }
      return [];
    }
    const notes = materialize(v, host);
    this.#drop(entry, true);
    return notes;
  }

  /** Remove every view. */
  close(): void {
    try {
      rmSync(this.#dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
    this.#views.clear();
  }
}
