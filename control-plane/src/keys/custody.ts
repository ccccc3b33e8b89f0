/**
 * Custodial signing keys: the platform keeps a tenant's ledger private key, sealed under a
 * master key, in `ledger_identities.sealed_key`.
 *
 * - MasterKey: 32 bytes, from KONSORTIUM_MASTER_KEY (base64url) or a key file; its id is the
 *   first 8 bytes of SHA-256 of the key, hex.
 * - Sealed format (v1): `0x01 ‖ key id (8) ‖ nonce (24) ‖ XChaCha20-Poly1305 ciphertext and tag`.
 *   The additional data is `version ‖ key id ‖ UTF-8 context`, and the context names the owner
 *   (custodyContext: `konsortium/custody/v1/<tenantId>/<publicKeyHex>`), so a sealed key copied
 *   to another tenant's row, or onto another public key, does not open.
 * - Private keys never reach a log: CustodialPrivateKey and MasterKey keep their bytes in
 *   private fields, and toJSON, toString and util.inspect print `[redacted]`.
 *
 * Errors are CustodyError with a code: CUSTODY_MASTER_KEY_INVALID, CUSTODY_MASTER_KEY_MISSING,
 * CUSTODY_SEALED_MALFORMED (too short, unknown version), CUSTODY_KEY_MISMATCH (sealed under
 * another master key), CUSTODY_OPEN_FAILED (tampered with, or the wrong context),
 * CUSTODY_INVALID_ARGUMENT, CUSTODY_PUBLIC_KEY_MISMATCH.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { inspect } from 'node:util';
import { suiteById, type SuiteId, toHex } from '@konsortium/protocol';
// Not yet declared in control-plane/package.json: resolved from the workspace's node_modules (README.md, "Custodial keys").
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';

export type CustodyErrorCode =
  | 'CUSTODY_MASTER_KEY_INVALID'
  | 'CUSTODY_MASTER_KEY_MISSING'
  | 'CUSTODY_SEALED_MALFORMED'
  | 'CUSTODY_KEY_MISMATCH'
  | 'CUSTODY_OPEN_FAILED'
  | 'CUSTODY_INVALID_ARGUMENT'
  | 'CUSTODY_PUBLIC_KEY_MISMATCH';

export class CustodyError extends Error {
  override readonly name = 'CustodyError';
  constructor(
    readonly code: CustodyErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export const MASTER_KEY_BYTES = 32;
export const KEY_ID_BYTES = 8;
export const SEALED_VERSION = 1;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;
/** The shortest sealed value: header, nonce and tag around an empty plaintext. */
export const SEALED_OVERHEAD = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;
const PRIVATE_KEY_BYTES_MAX = 1024;
const CONTEXT_CHARS_MAX = 1024;
const REDACTED = '[redacted]';
const BASE64URL_32 = /^[A-Za-z0-9_-]{43}$/;

/** The raw bytes of each MasterKey, reachable only from this module. */
const masterBytes = new WeakMap<MasterKey, Uint8Array>();

function bytesOf(master: MasterKey): Uint8Array {
  const k = master instanceof MasterKey ? masterBytes.get(master) : undefined;
  if (k === undefined) throw new CustodyError('CUSTODY_INVALID_ARGUMENT', 'not a MasterKey');
  return k;
}

/** The platform's 32-byte master key. Its bytes never leave the object except through exportBase64Url. */
export class MasterKey {
  /** First 8 bytes of SHA-256 of the key, hex (16 characters): stored in every sealed value. */
  readonly keyId: string;

  private constructor(key: Uint8Array) {
    const bytes = Uint8Array.from(key);
    masterBytes.set(this, bytes);
    this.keyId = createHash('sha256').update(bytes).digest().subarray(0, KEY_ID_BYTES).toString('hex');
  }

  static fromBytes(key: Uint8Array): MasterKey {
    if (!(key instanceof Uint8Array) || key.length !== MASTER_KEY_BYTES) throw new CustodyError('CUSTODY_MASTER_KEY_INVALID', `a master key is exactly ${MASTER_KEY_BYTES} bytes`);
    return new MasterKey(key);
  }

  /** 43 characters of base64url (no padding). */
  static fromBase64Url(text: string): MasterKey {
    const s = typeof text === 'string' ? text.trim() : '';
    if (!BASE64URL_32.test(s)) throw new CustodyError('CUSTODY_MASTER_KEY_INVALID', `a master key is ${MASTER_KEY_BYTES} bytes in base64url (43 characters)`);
    const bytes = Buffer.from(s, 'base64url');
    // Only the canonical spelling: the last character carries 2 spare bits.
    if (bytes.length !== MASTER_KEY_BYTES || bytes.toString('base64url') !== s) throw new CustodyError('CUSTODY_MASTER_KEY_INVALID', 'the master key is not canonical base64url');
    return new MasterKey(bytes);
  }

  /**
   * A key file: the key in base64url (surrounding whitespace ignored) or its 32 raw bytes. The
   * file must not be readable by group or others (like ssh's private keys).
   */
  static fromFile(file: string): MasterKey {
    let raw: Buffer;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new CustodyError('CUSTODY_MASTER_KEY_INVALID', `master key file ${file} is not a regular file`);
      if ((st.mode & 0o077) !== 0) throw new CustodyError('CUSTODY_MASTER_KEY_INVALID', `master key file ${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
      raw = readFileSync(file);
    } catch (err) {
      if (err instanceof CustodyError) throw err;
      throw new CustodyError('CUSTODY_MASTER_KEY_MISSING', `cannot read master key file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
    if (raw.length === MASTER_KEY_BYTES) return new MasterKey(raw);
    return MasterKey.fromBase64Url(raw.toString('utf8'));
  }

  /**
   * From the environment: KONSORTIUM_MASTER_KEY (base64url) or KONSORTIUM_MASTER_KEY_FILE (a
   * key file path); setting both is an error, setting neither is CUSTODY_MASTER_KEY_MISSING.
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): MasterKey {
    const inline = env.KONSORTIUM_MASTER_KEY;
    const file = env.KONSORTIUM_MASTER_KEY_FILE;
    const hasInline = inline !== undefined && inline !== '';
    const hasFile = file !== undefined && file !== '';
    if (hasInline && hasFile) throw new CustodyError('CUSTODY_MASTER_KEY_INVALID', 'set KONSORTIUM_MASTER_KEY or KONSORTIUM_MASTER_KEY_FILE, not both');
    if (hasInline) return MasterKey.fromBase64Url(inline);
    if (hasFile) return MasterKey.fromFile(file);
    throw new CustodyError('CUSTODY_MASTER_KEY_MISSING', 'no master key: set KONSORTIUM_MASTER_KEY (32 bytes, base64url) or KONSORTIUM_MASTER_KEY_FILE');
  }

  /** A fresh random key (for setup scripts and tests). */
  static generate(): MasterKey {
    return new MasterKey(randomBytes(MASTER_KEY_BYTES));
  }

  /** The key in base64url, to write a key file or a secret once. Never log it. */
  exportBase64Url(): string {
    return Buffer.from(bytesOf(this)).toString('base64url');
  }

  toJSON(): { keyId: string; key: string } {
    return { keyId: this.keyId, key: REDACTED };
  }

  toString(): string {
    return `MasterKey(${this.keyId}, ${REDACTED})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** A private key in memory. Its bytes never appear in JSON, strings or util.inspect output. */
export class CustodialPrivateKey {
  readonly #bytes: Uint8Array;
  #destroyed = false;

  constructor(bytes: Uint8Array) {
    if (!(bytes instanceof Uint8Array) || bytes.length === 0 || bytes.length > PRIVATE_KEY_BYTES_MAX) throw new CustodyError('CUSTODY_INVALID_ARGUMENT', `a private key is 1 to ${PRIVATE_KEY_BYTES_MAX} bytes`);
    this.#bytes = Uint8Array.from(bytes);
  }

  get length(): number {
    return this.#bytes.length;
  }

  /** A copy of the key's bytes, for signing; wipe it (`fill(0)`) when done. */
  bytes(): Uint8Array {
    if (this.#destroyed) throw new CustodyError('CUSTODY_INVALID_ARGUMENT', 'this private key was destroyed');
    return Uint8Array.from(this.#bytes);
  }

  /** Overwrites the key with zeros; bytes() then throws. */
  destroy(): void {
    this.#bytes.fill(0);
    this.#destroyed = true;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return `CustodialPrivateKey(${REDACTED})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** The context a custodial key is sealed under: binds it to its tenant and its public key. */
export function custodyContext(tenantId: string, publicKeyHex: string): string {
  if (typeof tenantId !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(tenantId)) throw new CustodyError('CUSTODY_INVALID_ARGUMENT', 'tenantId must be 1 to 128 characters of [A-Za-z0-9._:-]');
  if (typeof publicKeyHex !== 'string' || !/^(?:[0-9a-f]{2}){1,512}$/.test(publicKeyHex)) throw new CustodyError('CUSTODY_INVALID_ARGUMENT', 'publicKeyHex must be lowercase hex');
  return `konsortium/custody/v1/${tenantId}/${publicKeyHex}`;
}

function checkContext(context: string): Uint8Array {
  if (typeof context !== 'string' || context.length === 0 || context.length > CONTEXT_CHARS_MAX) throw new CustodyError('CUSTODY_INVALID_ARGUMENT', `the context is 1 to ${CONTEXT_CHARS_MAX} characters`);
  return Buffer.from(context, 'utf8');
}

function aadOf(header: Uint8Array, context: Uint8Array): Uint8Array {
  return Buffer.concat([header, context]);
}

/** Seals `privateKey` under `master`, bound to `context`. Returns the v1 sealed bytes. */
export function sealPrivateKey(master: MasterKey, privateKey: Uint8Array | CustodialPrivateKey, context: string): Uint8Array {
  const ctx = checkContext(context);
  const plain = privateKey instanceof CustodialPrivateKey ? privateKey.bytes() : Uint8Array.from(privateKey);
  try {
    if (plain.length === 0 || plain.length > PRIVATE_KEY_BYTES_MAX) throw new CustodyError('CUSTODY_INVALID_ARGUMENT', `a private key is 1 to ${PRIVATE_KEY_BYTES_MAX} bytes`);
    const header = Buffer.concat([Buffer.of(SEALED_VERSION), Buffer.from(master.keyId, 'hex')]);
    const nonce = randomBytes(NONCE_BYTES);
    const ciphertext = xchacha20poly1305(bytesOf(master), nonce, aadOf(header, ctx)).encrypt(plain);
    return new Uint8Array(Buffer.concat([header, nonce, ciphertext]));
  } finally {
    plain.fill(0);
  }
}

/** The key id a sealed value names (hex), without opening it. */
export function sealedKeyId(sealed: Uint8Array): string {
  checkSealedShape(sealed);
  return Buffer.from(sealed.subarray(1, HEADER_BYTES)).toString('hex');
}

function checkSealedShape(sealed: Uint8Array): void {
  if (!(sealed instanceof Uint8Array) || sealed.length < SEALED_OVERHEAD + 1) throw new CustodyError('CUSTODY_SEALED_MALFORMED', 'not a sealed key: too short');
  if (sealed[0] !== SEALED_VERSION) throw new CustodyError('CUSTODY_SEALED_MALFORMED', `unknown sealed key version ${sealed[0]}`);
}

/** Opens what sealPrivateKey sealed under the same master key and context. */
export function openPrivateKey(master: MasterKey, sealed: Uint8Array, context: string): CustodialPrivateKey {
  const ctx = checkContext(context);
  checkSealedShape(sealed);
  const header = sealed.subarray(0, HEADER_BYTES);
  if (!timingSafeEqual(header.subarray(1), Buffer.from(master.keyId, 'hex'))) {
    throw new CustodyError('CUSTODY_KEY_MISMATCH', `sealed under master key ${Buffer.from(header.subarray(1)).toString('hex')}, not ${master.keyId}`);
  }
  const nonce = sealed.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(bytesOf(master), nonce, aadOf(header, ctx)).decrypt(sealed.subarray(HEADER_BYTES + NONCE_BYTES));
  } catch (err) {
    throw new CustodyError('CUSTODY_OPEN_FAILED', 'the sealed key does not open: it was altered, or belongs to another context', { cause: err });
  }
  try {
    return new CustodialPrivateKey(plain);
  } finally {
    plain.fill(0);
  }
}

export interface CustodialIdentity {
  readonly suite: SuiteId;
  readonly publicKeyHex: string;
  /** For `ledger_identities.sealed_key`; sealed under custodyContext(tenantId, publicKeyHex). */
  readonly sealed: Uint8Array;
  /** The master key it is sealed under. */
  readonly keyId: string;
}

/** A new key pair of `suite` for `tenantId`: the public key, and the private key sealed (it is wiped from memory). */
export function generateCustodialIdentity(master: MasterKey, tenantId: string, suite: SuiteId | string): CustodialIdentity {
  const s = suiteById(suite);
  const pair = s.generateKeyPair();
  try {
    const publicKeyHex = toHex(pair.publicKey);
    const sealed = sealPrivateKey(master, pair.privateKey, custodyContext(tenantId, publicKeyHex));
    return { suite: s.id, publicKeyHex, sealed, keyId: master.keyId };
  } finally {
    pair.privateKey.fill(0);
  }
}

/**
 * Opens a custodial identity's private key and checks that it is the key of `publicKeyHex`
 * in `suite` (CUSTODY_PUBLIC_KEY_MISMATCH otherwise).
 */
export function openCustodialIdentity(master: MasterKey, tenantId: string, suite: SuiteId | string, publicKeyHex: string, sealed: Uint8Array): CustodialPrivateKey {
  const s = suiteById(suite);
  const key = openPrivateKey(master, sealed, custodyContext(tenantId, publicKeyHex));
  const bytes = key.bytes();
  try {
    if (toHex(s.publicKeyOf(bytes)) !== publicKeyHex) {
      key.destroy();
      throw new CustodyError('CUSTODY_PUBLIC_KEY_MISMATCH', `the sealed key is not the private key of ${publicKeyHex.slice(0, 16)}… in suite ${s.id}`);
    }
  } finally {
    bytes.fill(0);
  }
  return key;
}
