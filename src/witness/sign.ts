/**
 * Ed25519 signatures for the witness log's `checkpoint` lines (SPEC §4.1): key files, the signed message, signing
 * and checking. Only `node:crypto`, so Deno and Bun alike.
 *
 * A checkpoint at seq `s` signs the text `safe-exec witness checkpoint v1\n<s - 1>\n<sha256 hex of line s - 1>\n`:
 * how many lines come before it and the hash of the last of them, which the chain ties to every line before.
 *
 * @module
 */
import type { KeyObject } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, writeSync } from "node:fs";
import { Buffer } from "node:buffer";
import { sha256Hex } from "../runtime/hash.ts";
import { nodeCrypto } from "../runtime/node_crypto.ts";

/** A loaded private key, ready to sign checkpoints. */
export interface SigningKey {
  /** The Ed25519 private key. */
  privateKey: KeyObject;
  /** {@linkcode keyFingerprint} of its public key. */
  fingerprint: string;
}

/** A loaded public key, to check checkpoints. */
export interface PublicKey {
  /** The Ed25519 public key. */
  publicKey: KeyObject;
  /** {@linkcode keyFingerprint} of it. */
  fingerprint: string;
}

/** The message a checkpoint signs: how many lines it covers and the hash of the last of them. */
export function checkpointMessage(lines: number, head: string): Uint8Array {
  return Buffer.from(`safe-exec witness checkpoint v1\n${lines}\n${head}\n`, "utf8");
}

/**
 * The first 16 hex digits of the sha256 of the raw 32-byte Ed25519 public key: the `key` of a checkpoint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateKeyPairSync } from "node:crypto";
 * import { keyFingerprint } from "./sign.ts";
 * assert.match(keyFingerprint(generateKeyPairSync("ed25519").publicKey), /^[0-9a-f]{16}$/);
 * ```
 */
export function keyFingerprint(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" }) as Uint8Array;
  return sha256Hex(der.subarray(der.length - 32)).slice(0, 16);
}

function ed25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== "ed25519") {
    throw new TypeError(`${what} is a ${key.asymmetricKeyType ?? "symmetric"} key, expected an Ed25519 key`);
  }
  return key;
}

/**
 * Load an Ed25519 private key from a PEM (PKCS #8) file, as `safe-exec log keygen` writes it. Throws an Error
 * that names the file and says what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { generateKeyFiles, loadSigningKey } from "./sign.ts";
 * const file = join(mkdtempSync(join(tmpdir(), "keys-")), "witness.key");
 * const made = generateKeyFiles(file);
 * assert.equal(loadSigningKey(file).fingerprint, made.fingerprint);
 * ```
 */
export function loadSigningKey(path: string): SigningKey {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read the signing key ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = ed25519(nodeCrypto().createPrivateKey(text), "it");
  } catch (err) {
    throw new Error(
      `cannot use the signing key ${JSON.stringify(path)}: ${
        (err as Error).message
      } (expected an Ed25519 private key in PEM, as \`safe-exec log keygen FILE\` writes)`,
    );
  }
  return { privateKey, fingerprint: keyFingerprint(nodeCrypto().createPublicKey(privateKey)) };
}

/**
 * Load an Ed25519 public key from PEM text (SPKI, or a private key, whose public half is taken). Throws an Error
 * saying what is wrong.
 */
export function parsePublicKey(pem: string): PublicKey {
  let publicKey: KeyObject;
  try {
    publicKey = ed25519(nodeCrypto().createPublicKey(pem), "it");
  } catch (err) {
    throw new Error(`${(err as Error).message} (expected an Ed25519 public key in PEM)`);
  }
  return { publicKey, fingerprint: keyFingerprint(publicKey) };
}

/** The base64 Ed25519 signature of a checkpoint over `lines` lines ending at `head`. */
export function signCheckpoint(key: SigningKey, lines: number, head: string): string {
  return nodeCrypto().sign(null, checkpointMessage(lines, head), key.privateKey).toString("base64");
}

/** Whether `signature` (base64) is `key`'s signature of a checkpoint over `lines` lines ending at `head`. */
export function checkCheckpoint(key: PublicKey, lines: number, head: string, signature: string): boolean {
  try {
    return nodeCrypto().verify(null, checkpointMessage(lines, head), key.publicKey, Buffer.from(signature, "base64"));
  } catch {
    return false;
  }
}

/**
 * Make a new Ed25519 key pair: the private key at `path` (PEM, mode 0600, never overwriting a file) and the
 * public key at `path + ".pub"`. Returns the paths and the key's fingerprint. Throws the fs error (`EEXIST` when
 * either file exists).
 */
export function generateKeyFiles(path: string): { privatePath: string; publicPath: string; fingerprint: string } {
  const publicPath = `${path}.pub`;
  for (const file of [path, publicPath]) {
    if (existsSync(file)) {
      throw Object.assign(new Error(`EEXIST: ${JSON.stringify(file)} exists; a key is never overwritten`), {
        code: "EEXIST",
      });
    }
  }
  const pair = nodeCrypto().generateKeyPairSync("ed25519");
  const write = (file: string, text: string, mode: number) => {
    const fd = openSync(file, "wx", mode);
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  };
  write(path, pair.privateKey.export({ type: "pkcs8", format: "pem" }) as string, 0o600);
  write(publicPath, pair.publicKey.export({ type: "spki", format: "pem" }) as string, 0o644);
  return { privatePath: path, publicPath, fingerprint: keyFingerprint(pair.publicKey) };
}

/**
 * What is wrong with the checkpoint line `value` (line `line` of the log) under `key`, or null when it holds: signed
 * by another key, signing other lines than those before it, or a bad signature.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateKeyPairSync } from "node:crypto";
 * import { checkpointProblem, keyFingerprint } from "./sign.ts";
 * const { publicKey } = generateKeyPairSync("ed25519");
 * const key = { publicKey, fingerprint: keyFingerprint(publicKey) };
 * const line = { seq: 4, prev: "a".repeat(64), details: { key: "other", lines: 3, head: "a".repeat(64) } };
 * assert.match(checkpointProblem(key, 4, line)!, /signed by another key/);
 * ```
 */
export function checkpointProblem(key: PublicKey, line: number, value: Record<string, unknown>): string | null {
  const d = value.details as Record<string, unknown>;
  const seq = value.seq as number;
  if (d.key !== key.fingerprint) {
    return `the checkpoint at line ${line} is signed by another key (${JSON.stringify(d.key)}), not ${key.fingerprint}`;
  }
  if (d.lines !== seq - 1 || d.head !== value.prev) {
    return `the checkpoint at line ${line} signs ${JSON.stringify(d.lines)} lines ending at ${
      String(d.head).slice(0, 12)
    }…, but it follows seq ${seq - 1} at ${String(value.prev).slice(0, 12)}…: the lines before it were changed`;
  }
  if (typeof d.signature !== "string" || !checkCheckpoint(key, d.lines as number, d.head as string, d.signature)) {
    return `the checkpoint at line ${line} has a bad signature`;
  }
  return null;
}
