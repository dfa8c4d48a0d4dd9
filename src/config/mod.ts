/**
 * The configuration (SPEC §6): its shape and defaults, the JSONC file's parser, the resolution the binary does at
 * start (file, command-line overrides, what must stay apart), and the start-up checks of the paths it names.
 *
 * @module
 */
export { type CliOverrides, ConfigError, defaultConfig, type SafeExecConfig, type WitnessOptions } from "./types.ts";
export { parseConfig } from "./parse.ts";
export { resolveConfig } from "./resolve.ts";
export { SECTIONS, toConfirmMode } from "./sections.ts";
export { checkWitness, checkWorkspace, isDefaultWorkspace, type PathCheck, prepareStartup } from "./startup.ts";
