/**
 * Start one mock model server from the environment (the entry the lab's namespace runner and a person use):
 *
 *   MOCK_DIALECT=anthropic|openai|gemini MOCK_PORT=18080 MOCK_LOG=requests.jsonl \
 *   MOCK_STEPS='[{"tool":"Bash","input":{"command":"echo hi"}},{"text":"done"}]' \
 *   deno run --allow-net=127.0.0.1 --allow-write --allow-env mock_server.ts
 *
 * `MOCK_USAGE` (JSON {@linkcode Usage}) sets the usage of steps that have none; `MOCK_MAX_REQUESTS` (200) and
 * `MOCK_MAX_SECONDS` (600) bound it.
 *
 * @module
 */
import process from "node:process";
import { answerAnthropic } from "./mock_anthropic.ts";
import { type Answerer, type RunningMock, serveMock, type ServeOptions, type Step, type Usage } from "./mock_common.ts";
import { answerGemini } from "./mock_gemini.ts";
import { answerOpenAI } from "./mock_openai.ts";

/** The answerer of each dialect. */
export const ANSWERERS: Readonly<Record<string, Answerer>> = {
  anthropic: answerAnthropic,
  openai: answerOpenAI,
  gemini: answerGemini,
};

/** Start the mock of a dialect. */
export function startMock(
  dialect: string,
  options: ServeOptions,
): Promise<RunningMock> {
  const answer = ANSWERERS[dialect];
  if (answer === undefined) {
    throw new Error(
      `Unknown mock dialect "${dialect}": expected one of ${Object.keys(ANSWERERS).join(", ")}`,
    );
  }
  return serveMock(answer, options);
}

function _json<T>(name: string, fallback: T): T {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(
      `Cannot read ${name} as JSON: ${e instanceof Error ? e.message : String(e)} (value: ${text})`,
    );
  }
}

if (import.meta.main) {
  const options: ServeOptions = {
    port: Number(process.env.MOCK_PORT ?? 18080),
    steps: _json<Step[]>("MOCK_STEPS", []),
    maxRequests: Number(process.env.MOCK_MAX_REQUESTS ?? 200),
    maxSeconds: Number(process.env.MOCK_MAX_SECONDS ?? 600),
  };
  const usage = _json<Usage | undefined>("MOCK_USAGE", undefined);
  if (usage !== undefined) options.usage = usage;
  if (process.env.MOCK_LOG !== undefined) {
    options.logFile = process.env.MOCK_LOG;
  }
  const mock = await startMock(
    process.env.MOCK_DIALECT ?? "anthropic",
    options,
  );
  console.error(
    `mock ${process.env.MOCK_DIALECT ?? "anthropic"} listening on 127.0.0.1:${mock.port}`,
  );
}
