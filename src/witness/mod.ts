/**
 * The witness log (SPEC §4): the writer ({@linkcode WitnessLog}), what its lines hold, and the readers: verify,
 * stats, tail, head and follow; the Ed25519 keys that sign its checkpoints.
 *
 * @module
 */
export {
  checkpointLine,
  entryBody,
  lineText,
  type WitnessEntry,
  type WitnessEventName,
  type WitnessLine,
} from "./entry.ts";
export { WitnessUnavailableError } from "./errors.ts";
export { GENESIS_PREV } from "./_chain.ts";
export { WitnessLog, type WitnessLogOptions } from "./log.ts";
export { type LogStats, statsOfFile, type WitnessStats } from "./stats.ts";
export { followLog, type FollowOptions, type LogHead, logHead, tailLog } from "./tail.ts";
export {
  MAX_PROBLEMS,
  type ProblemKind,
  verifyLog,
  type VerifyOptions,
  type VerifyProblem,
  type VerifyReport,
  type VerifyWarning,
  type WarningKind,
} from "./verify.ts";
export { generateKeyFiles, loadSigningKey, parsePublicKey, type PublicKey, type SigningKey } from "./sign.ts";
export { type FileLocking, fileLocking } from "../runtime/log_file.ts";
