/**
 * A path argument of an agent's own tool as the agent opens it (red team 7, F4): the agents expand `~` and `~/…` to
 * the home folder before they open a file (Claude Code's file tools, Gemini CLI's, Cursor's), so hook mode does the
 * same before it decides whether the path is inside the agent's folder. The home folder is the one of the user
 * running the hook (HOME, else the account's). Any other spelling the gate cannot resolve as the agent would is
 * unresolvable (null), which hook mode takes as reaching outside the folder: another user's home (`~root/…`) or a
 * shell's `~+`, a variable (`$HOME/…`, `${HOME}`, `%USERPROFILE%`), a URL (`file:///etc/passwd`), a Windows drive
 * or share.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { agentPath } from "./_agent_path.ts";
 * assert.equal(agentPath("~/.ssh/id_rsa", "/home/u"), "/home/u/.ssh/id_rsa");
 * assert.equal(agentPath("~", "/home/u"), "/home/u");
 * assert.equal(agentPath("src/a~b.ts", "/home/u"), "src/a~b.ts");
 * assert.equal(agentPath("~root/.ssh/id_rsa", "/home/u"), null);
 * assert.equal(agentPath("$HOME/.netrc", "/home/u"), null);
 * assert.equal(agentPath("file:///etc/passwd", "/home/u"), null);
 * assert.equal(agentPath("%USERPROFILE%/.ssh/id_rsa", "/home/u"), null);
 * assert.equal(agentPath("~/.ssh", null), null);
 * ```
 *
 * @module
 */
/**
 * Spellings the gate cannot resolve as every agent would: variables (`$HOME`, `${HOME}`; `%USERPROFILE%`, which
 * Gemini CLI expands to the home folder even on Linux), URLs (`file://…`, which it turns into paths), Windows paths.
 */
const _UNRESOLVABLE =
  /\$[A-Za-z_{(]|%[A-Za-z_][A-Za-z0-9_]*%|^[A-Za-z][A-Za-z0-9+.-]*:\/|^file:|^[A-Za-z]:[\\/]|^\\\\/i;

/**
 * The path as the agent opens it: `~` and `~/…` under `home`; null when it cannot be resolved as the agent would
 * (another `~` form, `home` unknown, a variable, a URL, a Windows spelling). Other paths are returned as they are.
 */
export function agentPath(p: string, home: string | null): string | null {
  if (_UNRESOLVABLE.test(p)) return null;
  if (!p.startsWith("~")) return p;
  if (p !== "~" && !p.startsWith("~/")) return null;
  if (home === null || !home.startsWith("/")) return null;
  return p === "~" ? home : `${home.replace(/\/+$/, "")}/${p.slice(2)}`;
}

/**
 * The home folder the agent expands `~` to: the hook's HOME, else the account's (`os.homedir()`); null when
 * neither is an absolute path. `node:os` is loaded only when HOME is not set: loading it costs the Bun binary about
 * 1 ms of every hook event's start.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { agentHome } from "./_agent_path.ts";
 * assert.equal(await agentHome({ HOME: "/home/u" }), "/home/u");
 * ```
 */
export async function agentHome(env: Readonly<Record<string, string | undefined>>): Promise<string | null> {
  const home = env.HOME !== undefined && env.HOME !== "" ? env.HOME : await _accountHome();
  return home !== null && home.startsWith("/") ? home : null;
}

async function _accountHome(): Promise<string | null> {
  try {
    return (await import("node:os")).homedir();
  } catch {
    return null;
  }
}
