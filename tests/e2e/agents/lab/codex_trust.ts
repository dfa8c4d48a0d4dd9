/**
 * Codex's hook trust step without its TUI: Codex skips an unreviewed hook silently, so the lab asks
 * `codex app-server` for the hooks it sees (`initialize`, then `hooks/list {cwds:[project]}`) and appends, for
 * each untrusted one, `[hooks.state."<key>"] trusted_hash = "<currentHash>"` to `$CODEX_HOME/config.toml` (what
 * the TUI's review writes). The hash covers the hook's content, so this runs again whenever the hooks change.
 *
 *   CODEX_HOME=… deno run -A codex_trust.ts path/to/codex.js PROJECT_DIR
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trustTables } from "./codex_trust.ts";
 * const toml = trustTables([{ key: "/h/hooks.json:pre_tool_use:0:0", currentHash: "sha256:ab", trustStatus: "untrusted" }]);
 * assert.equal(toml, '\n[hooks.state."/h/hooks.json:pre_tool_use:0:0"]\ntrusted_hash = "sha256:ab"\n');
 * ```
 *
 * @module
 */
import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

/** One hook as `hooks/list` reports it (the fields the trust step reads). */
export interface CodexHook {
  key: string;
  currentHash: string;
  trustStatus: string;
}

/** The config.toml tables that trust the untrusted hooks. */
export function trustTables(hooks: readonly CodexHook[]): string {
  return hooks.filter((h) => h.trustStatus !== "trusted" && h.trustStatus !== "managed").map((h) =>
    `\n[hooks.state.${JSON.stringify(h.key)}]\ntrusted_hash = ${JSON.stringify(h.currentHash)}\n`
  ).join("");
}

/** Ask a Codex app-server for the hooks it sees in `project`. */
export function listCodexHooks(
  codexJs: string,
  project: string,
  timeoutMs = 30_000,
): Promise<CodexHook[]> {
  return new Promise((resolve, reject) => {
    const child = spawn("node", [codexJs, "app-server"], {
      stdio: ["pipe", "pipe", "pipe"],
      env: process.env,
    });
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `codex app-server gave no hooks/list answer in ${timeoutMs} ms: ${err.slice(-2000)}`,
        ),
      );
    }, timeoutMs);
    child.stderr.on(
      "data",
      (c: Uint8Array) => err += new TextDecoder().decode(c),
    );
    child.stdout.on("data", (c: Uint8Array) => {
      out += new TextDecoder().decode(c);
      let nl: number;
      while ((nl = out.indexOf("\n")) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        let msg: {
          id?: number;
          result?: { data?: { hooks?: CodexHook[] }[] };
          error?: unknown;
        };
        try {
          msg = JSON.parse(line);
        } catch {
          continue;
        }
        if (msg.id === 1) {
          child.stdin.write(JSON.stringify({ method: "initialized" }) + "\n");
          child.stdin.write(
            JSON.stringify({
              id: 2,
              method: "hooks/list",
              params: { cwds: [project] },
            }) + "\n",
          );
        } else if (msg.id === 2) {
          clearTimeout(timer);
          child.kill("SIGTERM");
          if (msg.error !== undefined) {
            reject(
              new Error(
                `codex hooks/list failed: ${JSON.stringify(msg.error)}`,
              ),
            );
          } else resolve((msg.result?.data ?? []).flatMap((d) => d.hooks ?? []));
        }
      }
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`Cannot start codex app-server: ${e.message}`));
    });
    child.stdin.write(
      JSON.stringify({
        id: 1,
        method: "initialize",
        params: { clientInfo: { name: "safe-exec-lab", version: "0" } },
      }) +
        "\n",
    );
  });
}

if (import.meta.main) {
  const [codexJs, project] = process.argv.slice(2);
  const codexHome = process.env.CODEX_HOME;
  if (
    codexJs === undefined || project === undefined || codexHome === undefined
  ) {
    console.error("usage: CODEX_HOME=… codex_trust.ts CODEX_JS PROJECT_DIR");
    process.exit(2);
  }
  const hooks = await listCodexHooks(codexJs, project);
  const tables = trustTables(hooks);
  appendFileSync(join(codexHome, "config.toml"), tables);
  console.log(
    `trusted ${tables.split("[hooks.state.").length - 1} of ${hooks.length} hooks`,
  );
  process.exit(0);
}
