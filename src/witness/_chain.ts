/**
 * Private helper of the witness log: where the chain continues in a file (the next seq and prev, read backwards
 * from its end), and the `prev` of a log's first line.
 *
 * @module
 */
import { sha256Hex } from "../runtime/hash.ts";
import { osReason } from "../_util/errors.ts";
import { type AppendFile, type FileIdentity, statPath } from "../runtime/log_file.ts";
import { WitnessUnavailableError } from "./errors.ts";
import { forEachLineBackwards, seqPrefix } from "./_lines.ts";

/** The `prev` of the first line of a log. */
export const GENESIS_PREV: string = "0".repeat(64);

/** Where the chain continues: the next seq and prev, a cut last line to terminate, and the file's size then. */
export interface ChainState {
  seq: number;
  prev: string;
  needsNewline: boolean;
  /** The file's size this state belongs to (-1 for a file that is not a regular file). */
  end: number;
}

/** The chain state of a file of `size` bytes, read from its end. */
export function readChainState(file: AppendFile, size: number): ChainState {
  let state: ChainState | null = null;
  let distance = 0;
  let lastHash = GENESIS_PREV;
  let needsNewline = false;
  forEachLineBackwards((buf, pos) => file.readAt(buf, pos), size, (bytes, terminated) => {
    if (distance === 0) {
      lastHash = sha256Hex(bytes);
      needsNewline = !terminated;
    }
    const seq = seqPrefix(bytes);
    if (seq !== null) {
      state = { seq: seq + distance + 1, prev: lastHash, needsNewline, end: size };
      return false;
    }
    distance++;
    return true;
  });
  // No line carries a seq (not a safe-exec log, or every line damaged): count the lines.
  return state ?? { seq: distance + 1, prev: size === 0 ? GENESIS_PREV : lastHash, needsNewline, end: size };
}

/**
 * Whether `path` still names the file the writer opened (`file`): its identity now, or why every later line is
 * refused (the file was removed or replaced). Throws {@linkcode WitnessUnavailableError} when it cannot be checked.
 */
export function checkIdentity(path: string, file: AppendFile): FileIdentity | { refused: string } {
  let st: FileIdentity;
  try {
    st = statPath(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      return {
        refused: "the file was removed after it was opened (or its folder was): lines written to it would be lost, " +
          "so none is; restart safe-exec to open a new log",
      };
    }
    throw new WitnessUnavailableError(path, `cannot check it is still the log: ${osReason(err)}`, err);
  }
  if (st.dev !== file.dev || st.ino !== file.ino) {
    return {
      refused: `the file was replaced by another file after it was opened (it was inode ${file.ino} on device ` +
        `${file.dev}, the path now names inode ${st.ino} on device ${st.dev}); restart safe-exec to use the new file`,
    };
  }
  return st;
}
