/**
 * What the gate knows of a tool: how it is registered ({@linkcode ToolSpec}), what its function gets
 * ({@linkcode ToolContext}) and the registered record.
 *
 * @module
 */
import type { Workspace } from "../fileops/workspace.ts";
import type { JsonSchema, Risk } from "../types.ts";
import type { RedactOptions } from "./redact.ts";

/** What a tool function gets besides its arguments. */
export interface ToolContext {
  /** The workspace (its `root` is a real path). */
  workspace: Workspace;
  /** Aborted when the call is cancelled. */
  signal: AbortSignal;
  /** The tool's configured timeout, if any. */
  timeoutMs: number | undefined;
  /** What the caller passes through to a tool that talks back while it runs (an upstream MCP tool), if anything. */
  channel?: CallChannel | undefined;
}

/**
 * The way back from a running tool to whoever called it, for tools that report progress or ask the person
 * something while they run (an upstream MCP server's `notifications/progress` and `elicitation/create`).
 */
export interface CallChannel {
  /** Progress of the call: `progress` increases with each update. */
  progress?: (update: { progress: number; total?: number; message?: string }) => void;
  /**
   * Ask the person (MCP form or URL elicitation, its params as the tool sent them); resolves to the answer
   * (`{action: "accept" | "decline" | "cancel", content?}`). Without it, the tool's question is declined.
   */
  elicit?: (params: Record<string, unknown>, signal: AbortSignal) => Promise<Record<string, unknown>>;
  /**
   * An upstream tool's result, handed over the moment its answer is read, before the call's promises unwind: only
   * a plain result (text blocks, `isError`, `structuredContent`) that is passed on unchanged, of a server that is not
   * sandboxed (a sandboxed server's call ends with a repository walk, and its answer waits for it). The call still
   * returns the same result; whoever answers early must not answer again.
   */
  answer?: (result: Record<string, unknown>) => void;
}

/** Why a provider cannot give a tool for a name it owns. */
export interface ProviderRefusal {
  /** `unknown_tool` (no such tool), `upstream_unavailable` (its server cannot be reached). */
  code: "unknown_tool" | "upstream_unavailable";
  /** Names the tool and says why. */
  message: string;
}

/**
 * Tools the gate does not hold itself but finds by name when they are called (the MCP gateway's
 * `<server>__<tool>`): their list can change while the session runs, and finding one may start a server.
 */
export interface ToolProvider {
  /** Whether a name is this provider's (e.g. `<server>__…` of one of its servers). */
  owns(name: string): boolean;
  /** The tool behind a name it owns, or why there is none. */
  resolve(name: string): Promise<RegisteredTool | ProviderRefusal>;
  /**
   * The tool behind a name it owns when that is known without waiting (listed and current), else null: then
   * {@linkcode ToolProvider.resolve} says. Saves the calls of a known tool a round of promises.
   */
  resolveKnown?(name: string): RegisteredTool | null;
  /** Every tool it offers now (starting what must start to list them). */
  list(): Promise<RegisteredTool[]>;
}

/** A tool implementation. Throw a `ToolError` to fail with a specific code. */
export type ToolFn = (args: Record<string, unknown>, ctx: ToolContext) => unknown;

/**
 * What the `execute` line keeps of how a call was isolated: its list of layers. The typed isolation descriptions all
 * have one; a description without it (any other object) is kept whole.
 */
export interface IsolationLayers {
  /** The layers, e.g. `["realpath-guard", "confined-process"]`. */
  readonly layers: readonly string[];
}

/** How a tool is registered. */
export interface ToolSpec {
  /** Its risk. */
  risk: Risk;
  /** What it does, for the model. */
  description?: string;
  /** A short human title. */
  title?: string;
  /** JSON Schema of its arguments (an object schema). Without one, any object is accepted. */
  inputSchema?: JsonSchema;
  /** JSON Schema of structured output, if any. */
  outputSchema?: JsonSchema;
  /** Default timeout handed to the tool. */
  timeoutMs?: number;
  /** How a call of this tool is isolated; the `execute` line keeps its `layers` list, or the description without one. */
  isolation?: () => IsolationLayers | object;
  /**
   * What of its arguments the witness log keeps (SPEC §4): run_bash keeps `cmd` whole up to 100 000 bytes
   * (`{ keep: { cmd: 100_000 } }`); a tool that runs its arguments keeps every one up to 64 KiB
   * (`{ maxString: 65_536 }`). Without it, strings over 256 chars are cut (length and sha256 kept).
   */
  witness?: RedactOptions;
  /**
   * The names of its arguments that are workspace paths (`["path"]`, `["src", "dst"]`), which the rules' `path`
   * matchers judge once resolved (SPEC §1.1).
   */
  pathArgs?: readonly string[];
  /**
   * Whether the tool may take any string it is given as a path (an upstream tool): a `path` rule then reads every
   * string of its arguments by value, at any depth (`gate/_rules.ts`). It matches a file there and may apply to a
   * folder or a glob that may reach what it names (at least ask).
   */
  pathLike?: boolean;
  /**
   * Folders other than the workspace's root against which the tool resolves a relative path it is given (an
   * upstream server's working directory): a `path` rule reads each of its path-like arguments resolved against
   * each of them too.
   */
  pathBases?: readonly string[];
  /**
   * The home folders a path-like argument's `~` and `~/…` may stand for (the home of the user an upstream server
   * runs as: server-filesystem expands them, red team 12, K8); absent: none (`~/…` is read as a relative name, and
   * `~name/…` as that user's home, else as any folder).
   */
  pathHomes?: readonly string[];
  /**
   * `"client"`: the agent runs the tool itself (SPEC §2.1). It asks the gate with `gate` and reports what happened
   * with `outcome`; an `execute` of it is denied (nothing here can run it).
   */
  run?: "client";
  /**
   * `false`: the tool checks its own arguments against its schema (an upstream MCP server does, with a schema
   * language wider than the gate's subset); the gate checks only that they are an object.
   */
  validate?: false;
  /**
   * Set for a tool of an upstream MCP server: its output is the server's `tools/call` result, which an MCP transport
   * passes back unchanged, and these are its annotations as the server gave them.
   */
  upstream?: { server: string; annotations?: Record<string, unknown> };
}

/** A registered tool. */
export interface RegisteredTool extends ToolSpec {
  /** Its name. */
  name: string;
  /** Its implementation. */
  fn: ToolFn;
}
