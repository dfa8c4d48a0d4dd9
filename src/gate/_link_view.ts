/**
 * Private helper of the gate: whether a path, resolved as the kernel resolves it, passes through a symlink that the
 * sandbox (or any other process) may resolve otherwise than the gate does on the host (red team 16, N2). A link whose
 * target, at any hop, goes through `/proc` or `/dev` (magic links that depend on the process following them:
 * `/proc/self/cwd`, `/proc/1/cwd`, `/dev/fd/../cwd`, `/proc/self/root/…`), or leaves the workspace for a place the
 * sandbox does not show as the host has it (anything but the workspace, the folders leading to it and the system
 * folders `/usr`, `/bin`, `/sbin`, `/lib*`, `/etc`) may lead anywhere in the workspace in the sandbox: the `path`
 * floors apply to it as to a path the gate cannot resolve. The readings the sandbox gives the magic part
 * (_path_readings.ts: `/proc/self/cwd` as the folder the command runs in) are returned, so a floor on the file
 * it names is met by name.
 *
 * The walk looks at the host only where the sandbox shows the host's files (lstat, readlink); at most
 * {@linkcode MAX_HOPS} links are followed (the kernel's limit).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { linkView } from "./_link_view.ts";
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "ws-")));
 * symlinkSync("/proc/self/cwd", join(root, "z"));
 * symlinkSync("/usr/bin", join(root, "bin"));
 * const v = linkView("z/secrets/k", root);
 * assert.ok(v !== null && v.readings.includes(`${root}/secrets/k`));
 * assert.equal(linkView("bin/env", root), null);
 * assert.equal(linkView("/proc/self/cwd/k", root), null); // no link: the word is judged as written
 * rmSync(root, { recursive: true });
 * ```
 *
 * @module
 */
import { lstatSync, readlinkSync } from "node:fs";
import { pathReadings } from "./_path_readings.ts";

/** What a path through a link the sandbox may resolve otherwise means. */
export interface LinkView {
  /** Why the path may name another file in the sandbox (the link, and where it leads). */
  readonly why: string;
  /** The path may name any file (no reading covers it all). */
  readonly anywhere: boolean;
  /** Absolute paths the sandbox reads it as (the magic part put back; still to be resolved). */
  readonly readings: readonly string[];
}

/** The most links one path follows (Linux's MAXSYMLINKS). */
export const MAX_HOPS = 40;

/** The folders the sandbox shows as the host has them (read-only): a link into them resolves alike. */
const SHOWN = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"];
/** Device nodes that lead nowhere else. */
const PLAIN_DEVICE = /^\/dev\/(null|zero|full|random|urandom|tty)$/;

function _under(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir === "/" ? "/" : `${dir}/`);
}

function _where(cur: string, root: string): "ws" | "ancestor" | "shown" | "magic" | "elsewhere" {
  if (_under(cur, root)) return "ws";
  if (cur === "/" || root.startsWith(`${cur}/`)) return "ancestor";
  if (_under(cur, "/proc") || _under(cur, "/dev")) return "magic";
  if (SHOWN.some((d) => _under(cur, d))) return "shown";
  return "elsewhere";
}

function _up(cur: string): string {
  const i = cur.lastIndexOf("/");
  return i <= 0 ? "/" : cur.slice(0, i);
}

function _shown(cur: string, root: string): string {
  return _under(cur, root) ? (cur === root ? "." : cur.slice(root.length + 1)) : cur;
}

/**
 * Whether `path` (absolute, or relative to `cwd`, an absolute real folder: the workspace's `root` unless given)
 * passes through a link the sandbox may resolve otherwise (see the module doc), or null. A path that reaches `/proc`,
 * `/dev` or another place outside by its own words, before any link, is null: it is judged as written.
 */
export function linkView(path: string, root: string, cwd: string = root): LinkView | null {
  if (path === "" || path.includes("\0")) return null;
  let parts = path.split("/").filter((p) => p !== "" && p !== ".");
  let cur = path.startsWith("/") ? "/" : cwd;
  let link: string | null = null;
  let hops = 0;
  let i = 0;
  while (i < parts.length) {
    const seg = parts[i++]!;
    cur = seg === ".." ? _up(cur) : cur === "/" ? `/${seg}` : `${cur}/${seg}`;
    const where = _where(cur, root);
    if (where === "magic" || where === "elsewhere") {
      if (link === null) return null;
      const rest = parts.slice(i).join("/");
      const whole = rest === "" ? cur : `${cur}/${rest}`;
      if (where === "elsewhere") {
        return {
          why: `passes through the link ${link}, which leads to ${JSON.stringify(whole)} outside the workspace, ` +
            "where the sandbox may show another file (one that leads back into the workspace)",
          anywhere: true,
          readings: [],
        };
      }
      if (PLAIN_DEVICE.test(whole)) return null;
      const r = pathReadings(whole, [cwd]);
      const readings = r.spellings.filter((s) => s.startsWith("/") && !_under(s, "/proc") && !_under(s, "/dev"));
      return {
        why: `passes through the link ${link}, which leads to ${JSON.stringify(whole)}: the process that follows ` +
          "it decides where (in the sandbox, the workspace or any of its files)",
        anywhere: r.anywhere !== null || readings.length === 0,
        readings,
      };
    }
    if (where === "ancestor") continue; // real folders (the root is a real path)
    let isLink: boolean;
    try {
      isLink = lstatSync(cur).isSymbolicLink();
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "ENOENT") continue; // a missing name: a plain folder, as the write check takes it
      if (code === "ENOTDIR") return null; // the kernel stops here too
      return link === null ? null : {
        why: `passes through the link ${link}, and ${JSON.stringify(cur)} cannot be looked at`,
        anywhere: true,
        readings: [],
      };
    }
    if (!isLink) continue;
    if (++hops > MAX_HOPS) return null; // ELOOP, in the sandbox too
    let target: string;
    try {
      target = readlinkSync(cur);
    } catch {
      return null;
    }
    link ??= `${JSON.stringify(_shown(cur, root))} -> ${JSON.stringify(target)}`;
    cur = target.startsWith("/") ? "/" : _up(cur);
    parts = [...target.split("/").filter((p) => p !== "" && p !== "."), ...parts.slice(i)];
    i = 0;
  }
  return null;
}
