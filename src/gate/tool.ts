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
}

/** A registered tool. */
export interface RegisteredTool extends ToolSpec {
  /** Its name. */
  name: string;
  /** Its implementation. */
  fn: ToolFn;
}
