import assert from "node:assert/strict";
import { UPSTREAM_ENV_ALLOWLIST, upstreamEnv } from "../../src/gateway/env.ts";

Deno.test("upstreamEnv: only the allowlist passes from the host, shell functions never; the config wins", () => {
  const host: Record<string, string | undefined> = {
    PATH: "/usr/bin",
    HOME: "/home/a",
    OPENAI_API_KEY: "sk-x",
    AWS_SECRET_ACCESS_KEY: "y",
    LD_PRELOAD: "/tmp/evil.so",
    BASH_ENV: "/tmp/x",
    SHELL: "() { :; }; echo pwned",
    TZ: undefined,
  };
  assert.deepEqual(upstreamEnv(host, { HOME: "/srv/home", OPENAI_API_KEY: "sk-configured" }), {
    PATH: "/usr/bin",
    HOME: "/srv/home",
    OPENAI_API_KEY: "sk-configured",
  });
  for (const key of UPSTREAM_ENV_ALLOWLIST) assert.doesNotMatch(key, /KEY|TOKEN|SECRET|PASS|PRELOAD|BASH_ENV/);
});
