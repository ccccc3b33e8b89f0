/**
 * Self-custody keys in the browser. A user's identity is two private keys made here and never
 * sent anywhere: the signing key of the network's suite (its public half is registered on chain
 * for the tenant's member, so the ledger accepts the transactions it signs) and an X25519 sealing
 * key (record versions are sealed to it, so the owner opens them without asking any node).
 *
 * At rest (IndexedDB) the private keys are encrypted with AES-GCM under a WebCrypto key that is
 * not extractable: script can use it in this browser profile but cannot read it out, so a copy
 * of the database files alone opens nothing. A backup is a file the user downloads: the keys
 * encrypted under a key derived from a passphrase (PBKDF2-SHA-256), with the public halves
 * readable so that an import can say whose keys they are before asking for the passphrase.
 */
import { fromBase64, Signer, toBase64 } from '@konsortium/client';
import { bytesEqual, fromHex, isSuiteId, type SuiteId, toHex, utf8, x25519KeyPair, x25519PublicKey } from '@konsortium/protocol';
import { coded } from '../errors.js';
import { DB_NAME, dbDelete, dbGet, dbPut } from './db.js';

/** The private halves (hold them in memory only as long as needed). */
export interface IdentityKeys {
  readonly suite: SuiteId;
  readonly signingKey: Uint8Array;
  readonly sealKey: Uint8Array;
}

export type RegistrationStatus = 'unregistered' | 'pending' | 'registered';

export interface Registration {
  readonly status: RegistrationStatus;
  /** The control plane's provisioning operation registering the key. */
  readonly operationId: string | null;
  /** The governance member the key is registered for (checked on chain). */
  readonly memberId: string | null;
}

/** What is known about an identity besides its private keys. */
export interface IdentityInfo {
  readonly userId: string;
  readonly tenantId: string;
  readonly suite: SuiteId;
  /** Signing public key (hex). */
  readonly publicKey: string;
  /** X25519 public key (hex). */
  readonly sealPublicKey: string;
  readonly createdAt: number;
  readonly registration: Registration;
}

interface StoredIdentity extends IdentityInfo {
  readonly wrapKey: CryptoKey;
  readonly iv: Uint8Array;
  readonly sealed: Uint8Array;
}

export function generateIdentityKeys(suite: SuiteId): IdentityKeys {
  const signer = Signer.generate(suite);
  return { suite, signingKey: signer.exportPrivateKey(), sealKey: x25519KeyPair().privateKey };
}

export function publicPartsOf(keys: IdentityKeys): { readonly publicKey: string; readonly sealPublicKey: string } {
  return { publicKey: new Signer(keys.suite, keys.signingKey).publicKeyHex, sealPublicKey: toHex(x25519PublicKey(keys.sealKey)) };
}

export function signerOf(keys: IdentityKeys): Signer {
  return new Signer(keys.suite, keys.signingKey);
}

/** The private keys as bytes: suite-id length, suite id, signing key length, signing key, seal key (32). */
function packKeys(keys: IdentityKeys): Uint8Array {
  const suite = utf8(keys.suite);
  const out = new Uint8Array(2 + suite.length + keys.signingKey.length + keys.sealKey.length);
  out[0] = suite.length;
  out.set(suite, 1);
  out[1 + suite.length] = keys.signingKey.length;
  out.set(keys.signingKey, 2 + suite.length);
  out.set(keys.sealKey, 2 + suite.length + keys.signingKey.length);
  return out;
}

function unpackKeys(bytes: Uint8Array): IdentityKeys {
  const sl = bytes[0] ?? 0;
  const suite = new TextDecoder().decode(bytes.subarray(1, 1 + sl));
  const kl = bytes[1 + sl] ?? 0;
  const signingKey = bytes.slice(2 + sl, 2 + sl + kl);
  const sealKey = bytes.slice(2 + sl + kl);
  if (!isSuiteId(suite) || signingKey.length !== kl || sealKey.length !== 32) throw coded('KEYSTORE_DAMAGED', 'the stored keys do not decode');
  return { suite, signingKey, sealKey };
}

function localAad(userId: string, publicKey: string): Uint8Array {
  return utf8(`konsortium.identity/1/${userId}/${publicKey}`);
}

function buf(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Stores an identity for `userId` (replacing any other of this user in this browser). */
export async function saveIdentity(info: Omit<IdentityInfo, 'publicKey' | 'sealPublicKey'>, keys: IdentityKeys, dbName = DB_NAME): Promise<IdentityInfo> {
  const pub = publicPartsOf(keys);
  const wrapKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const packed = packKeys(keys);
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: buf(localAad(info.userId, pub.publicKey)) }, wrapKey, buf(packed)));
  packed.fill(0);
  const stored: StoredIdentity = { ...info, ...pub, suite: keys.suite, wrapKey, iv, sealed };
  await dbPut('identities', stored, dbName);
  return infoOf(stored);
}

function infoOf(s: StoredIdentity): IdentityInfo {
  return { userId: s.userId, tenantId: s.tenantId, suite: s.suite, publicKey: s.publicKey, sealPublicKey: s.sealPublicKey, createdAt: s.createdAt, registration: s.registration };
}

/** The identity of `userId` in this browser, or null. */
export async function loadIdentity(userId: string, dbName = DB_NAME): Promise<{ readonly info: IdentityInfo; readonly keys: IdentityKeys } | null> {
  const s = await dbGet<StoredIdentity>('identities', userId, dbName);
  if (s === undefined) return null;
  let packed: Uint8Array;
  try {
    packed = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(s.iv), additionalData: buf(localAad(s.userId, s.publicKey)) }, s.wrapKey, buf(s.sealed)));
  } catch {
    throw coded('KEYSTORE_DAMAGED', 'the keys stored in this browser do not open');
  }
  const keys = unpackKeys(packed);
  packed.fill(0);
  const pub = publicPartsOf(keys);
  if (pub.publicKey !== s.publicKey || pub.sealPublicKey !== s.sealPublicKey) throw coded('KEYSTORE_DAMAGED', 'the stored keys do not match their public keys');
  return { info: infoOf(s), keys };
}

export async function updateRegistration(userId: string, registration: Registration, dbName = DB_NAME): Promise<IdentityInfo> {
  const s = await dbGet<StoredIdentity>('identities', userId, dbName);
  if (s === undefined) throw coded('NO_IDENTITY', 'no keys in this browser');
  const next = { ...s, registration };
  await dbPut('identities', next, dbName);
  return infoOf(next);
}

export async function removeIdentity(userId: string, dbName = DB_NAME): Promise<void> {
  await dbDelete('identities', userId, dbName);
}

// --- Backups ------------------------------------------------------------------------------

export const BACKUP_FORMAT = 'konsortium.identity-backup';
export const MIN_PASSPHRASE = 12;
const ITERATIONS = 600_000;

export interface Backup {
  readonly format: typeof BACKUP_FORMAT;
  readonly version: 1;
  readonly tenantId: string;
  readonly memberId: string | null;
  readonly suite: SuiteId;
  readonly publicKey: string;
  readonly sealPublicKey: string;
  readonly createdAt: string;
  readonly kdf: { readonly name: 'PBKDF2'; readonly hash: 'SHA-256'; readonly iterations: number; readonly salt: string };
  readonly cipher: { readonly name: 'AES-GCM'; readonly iv: string };
  readonly ciphertext: string;
}

function backupAad(b: Pick<Backup, 'tenantId' | 'suite' | 'publicKey' | 'sealPublicKey'>): Uint8Array {
  return utf8(`${BACKUP_FORMAT}/1/${b.tenantId}/${b.suite}/${b.publicKey}/${b.sealPublicKey}`);
}

async function passphraseKey(passphrase: string, salt: Uint8Array, iterations: number, usage: KeyUsage): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', buf(utf8(passphrase.normalize('NFC'))), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt: buf(salt), iterations }, base, { name: 'AES-GCM', length: 256 }, false, [usage]);
}

/** The backup file's bytes (JSON) for these keys, encrypted under the passphrase. */
export async function exportBackup(keys: IdentityKeys, o: { readonly tenantId: string; readonly memberId: string | null; readonly passphrase: string; readonly iterations?: number }): Promise<Uint8Array> {
  if (o.passphrase.length < MIN_PASSPHRASE) throw coded('BACKUP_PASSPHRASE_SHORT', `a backup passphrase has at least ${MIN_PASSPHRASE} characters`);
  const pub = publicPartsOf(keys);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const iterations = o.iterations ?? ITERATIONS;
  const header = { tenantId: o.tenantId, suite: keys.suite, ...pub };
  const key = await passphraseKey(o.passphrase, salt, iterations, 'encrypt');
  const packed = packKeys(keys);
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: buf(backupAad(header)) }, key, buf(packed)));
  packed.fill(0);
  const backup: Backup = {
    format: BACKUP_FORMAT,
    version: 1,
    tenantId: o.tenantId,
    memberId: o.memberId,
    suite: keys.suite,
    publicKey: pub.publicKey,
    sealPublicKey: pub.sealPublicKey,
    createdAt: new Date().toISOString(),
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: toBase64(salt) },
    cipher: { name: 'AES-GCM', iv: toBase64(iv) },
    ciphertext: toBase64(ct),
  };
  return utf8(JSON.stringify(backup, null, 2));
}

/** Reads a backup file's public part (whose keys, for which tenant) without the passphrase. */
export function readBackup(bytes: Uint8Array): Backup {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw coded('BACKUP_MALFORMED', 'the file is not a key backup (not JSON)');
  }
  const b = v as Partial<Backup> | null;
  const hex = (x: unknown) => typeof x === 'string' && /^[0-9a-f]{64,200}$/.test(x);
  if (
    b === null ||
    typeof b !== 'object' ||
    b.format !== BACKUP_FORMAT ||
    b.version !== 1 ||
    typeof b.tenantId !== 'string' ||
    !isSuiteId(b.suite ?? '') ||
    !hex(b.publicKey) ||
    !hex(b.sealPublicKey) ||
    b.kdf?.name !== 'PBKDF2' ||
    b.kdf.hash !== 'SHA-256' ||
    !Number.isSafeInteger(b.kdf.iterations) ||
    b.kdf.iterations < 100_000 ||
    b.kdf.iterations > 10_000_000 ||
    typeof b.kdf.salt !== 'string' ||
    b.cipher?.name !== 'AES-GCM' ||
    typeof b.cipher.iv !== 'string' ||
    typeof b.ciphertext !== 'string'
  ) {
    throw coded('BACKUP_MALFORMED', 'the file is not a Konsortium key backup, or of an unknown version');
  }
  return b as Backup;
}

/** Opens a backup with its passphrase; BACKUP_PASSPHRASE if it does not open, BACKUP_MALFORMED if it is not one. */
export async function importBackup(bytes: Uint8Array, passphrase: string): Promise<{ readonly backup: Backup; readonly keys: IdentityKeys }> {
  const backup = readBackup(bytes);
  let salt: Uint8Array;
  let iv: Uint8Array;
  let ct: Uint8Array;
  try {
    salt = fromBase64(backup.kdf.salt);
    iv = fromBase64(backup.cipher.iv);
    ct = fromBase64(backup.ciphertext);
  } catch {
    throw coded('BACKUP_MALFORMED', 'the backup is damaged (not base64)');
  }
  const key = await passphraseKey(passphrase, salt, backup.kdf.iterations, 'decrypt');
  let packed: Uint8Array;
  try {
    packed = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: buf(backupAad(backup)) }, key, buf(ct)));
  } catch {
    throw coded('BACKUP_PASSPHRASE', 'the passphrase does not open this backup (or the file was changed)');
  }
  const keys = unpackKeys(packed);
  packed.fill(0);
  const pub = publicPartsOf(keys);
  if (keys.suite !== backup.suite || !bytesEqual(fromHex(pub.publicKey), fromHex(backup.publicKey)) || pub.sealPublicKey !== backup.sealPublicKey) {
    throw coded('BACKUP_MALFORMED', 'the keys in the backup do not match its public keys');
  }
  return { backup, keys };
}
