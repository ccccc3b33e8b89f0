/**
 * Custodial keys (src/keys/custody.ts): the master key and where it comes from, sealing and
 * opening private keys with XChaCha20-Poly1305, tampering with every region of a sealed value,
 * the context binding (another tenant, another public key), another master key, identities for
 * each crypto suite, and redaction in logs.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { SUITE_IDS, suiteById, toHex } from '@konsortium/protocol';
import t from 'tap';
import {
  custodyContext,
  CustodialPrivateKey,
  CustodyError,
  type CustodyErrorCode,
  generateCustodialIdentity,
  KEY_ID_BYTES,
  MasterKey,
  openCustodialIdentity,
  openPrivateKey,
  SEALED_OVERHEAD,
  SEALED_VERSION,
  sealedKeyId,
  sealPrivateKey,
} from '../src/keys/custody.js';

const TENANT = '5f0c3a8e-2b1d-4c6e-9a7f-0e1d2c3b4a59';
const OTHER_TENANT = '0b8e7d6c-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
const NONCE = 24;

function codeOf(work: () => unknown): CustodyErrorCode | 'NO_ERROR' | 'OTHER' {
  try {
    work();
    return 'NO_ERROR';
  } catch (err) {
    return err instanceof CustodyError ? err.code : 'OTHER';
  }
}

t.test('the master key: sources, key id, canonical base64url', async (t) => {
  const bytes = randomBytes(32);
  const b64 = bytes.toString('base64url');
  const m = MasterKey.fromBase64Url(b64);
  t.equal(m.keyId, (await import('node:crypto')).createHash('sha256').update(bytes).digest().subarray(0, KEY_ID_BYTES).toString('hex'), 'the key id is the first 8 bytes of SHA-256, hex');
  t.match(m.keyId, /^[0-9a-f]{16}$/);
  t.equal(MasterKey.fromBytes(bytes).keyId, m.keyId);
  t.equal(m.exportBase64Url(), b64, 'exports what it was given');
  t.equal(MasterKey.fromEnv({ KONSORTIUM_MASTER_KEY: b64 }).keyId, m.keyId, 'from KONSORTIUM_MASTER_KEY');
  t.equal(codeOf(() => MasterKey.fromEnv({})), 'CUSTODY_MASTER_KEY_MISSING', 'neither variable set');
  t.equal(codeOf(() => MasterKey.fromBase64Url(b64.slice(1))), 'CUSTODY_MASTER_KEY_INVALID', 'too short');
  t.equal(codeOf(() => MasterKey.fromBase64Url(`${b64}A`)), 'CUSTODY_MASTER_KEY_INVALID', 'too long');
  t.equal(codeOf(() => MasterKey.fromBase64Url(Buffer.alloc(32).toString('base64'))), 'CUSTODY_MASTER_KEY_INVALID', 'padded base64 is not base64url');
  const last = b64.at(-1)!;
  const sibling = `${b64.slice(0, -1)}${'AEIMQUYcgkosw048'.includes(last) ? String.fromCharCode(last.charCodeAt(0) + 1) : last}`;
  if (sibling !== b64) t.equal(codeOf(() => MasterKey.fromBase64Url(sibling)), 'CUSTODY_MASTER_KEY_INVALID', 'a non-canonical spelling (spare bits set) is refused');
  t.equal(codeOf(() => MasterKey.fromBytes(new Uint8Array(31))), 'CUSTODY_MASTER_KEY_INVALID');
  t.not(MasterKey.generate().keyId, MasterKey.generate().keyId, 'generated keys differ');

  const dir = await mkdtemp(path.join(tmpdir(), 'konsortium-custody-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const text = path.join(dir, 'master.key');
  await writeFile(text, `${b64}\n`, { mode: 0o600 });
  t.equal(MasterKey.fromFile(text).keyId, m.keyId, 'a key file in base64url');
  const raw = path.join(dir, 'master.bin');
  await writeFile(raw, bytes, { mode: 0o600 });
  t.equal(MasterKey.fromFile(raw).keyId, m.keyId, 'a key file of 32 raw bytes');
  t.equal(MasterKey.fromEnv({ KONSORTIUM_MASTER_KEY_FILE: text }).keyId, m.keyId, 'KONSORTIUM_MASTER_KEY_FILE');
  t.equal(codeOf(() => MasterKey.fromEnv({ KONSORTIUM_MASTER_KEY: b64, KONSORTIUM_MASTER_KEY_FILE: text })), 'CUSTODY_MASTER_KEY_INVALID', 'both set is ambiguous');
  await chmod(text, 0o644);
  t.equal(codeOf(() => MasterKey.fromFile(text)), 'CUSTODY_MASTER_KEY_INVALID', 'a key file others can read is refused');
  t.equal(codeOf(() => MasterKey.fromFile(path.join(dir, 'absent.key'))), 'CUSTODY_MASTER_KEY_MISSING');
});

t.test('seal and open: a round trip, the format, a fresh nonce each time', async (t) => {
  const master = MasterKey.generate();
  const privateKey = randomBytes(32);
  const context = custodyContext(TENANT, 'ab'.repeat(32));
  t.equal(context, `konsortium/custody/v1/${TENANT}/${'ab'.repeat(32)}`);
  const sealed = sealPrivateKey(master, privateKey, context);
  t.equal(sealed.length, SEALED_OVERHEAD + 32, 'version, key id, nonce, ciphertext and tag');
  t.equal(sealed[0], SEALED_VERSION, 'version byte first');
  t.equal(Buffer.from(sealed.subarray(1, 9)).toString('hex'), master.keyId, 'then the key id');
  t.equal(sealedKeyId(sealed), master.keyId);
  t.notOk(Buffer.from(sealed).includes(privateKey), 'the private key does not appear in it');
  const opened = openPrivateKey(master, sealed, context);
  t.ok(opened instanceof CustodialPrivateKey);
  t.same(Buffer.from(opened.bytes()), privateKey, 'opens to the same bytes');
  const again = sealPrivateKey(master, opened, context);
  t.not(Buffer.from(again).toString('hex'), Buffer.from(sealed).toString('hex'), 'sealing again uses a new nonce');
  t.same(Buffer.from(openPrivateKey(master, again, context).bytes()), privateKey, 'a CustodialPrivateKey can be sealed too');
  opened.destroy();
  t.equal(codeOf(() => opened.bytes()), 'CUSTODY_INVALID_ARGUMENT', 'a destroyed key cannot be read');
  t.equal(codeOf(() => sealPrivateKey(master, new Uint8Array(0), context)), 'CUSTODY_INVALID_ARGUMENT', 'an empty key');
  t.equal(codeOf(() => sealPrivateKey(master, privateKey, '')), 'CUSTODY_INVALID_ARGUMENT', 'an empty context');
  t.equal(codeOf(() => custodyContext('a/b', 'ab')), 'CUSTODY_INVALID_ARGUMENT', 'a tenant id with a slash');
  t.equal(codeOf(() => custodyContext(TENANT, 'AB')), 'CUSTODY_INVALID_ARGUMENT', 'uppercase hex');
});

t.test('tampering with any region of a sealed key is detected', async (t) => {
  const master = MasterKey.generate();
  const context = custodyContext(TENANT, 'cd'.repeat(32));
  const sealed = sealPrivateKey(master, randomBytes(32), context);
  const flip = (i: number, bit = 0x01) => {
    const copy = Uint8Array.from(sealed);
    copy[i]! ^= bit;
    return copy;
  };
  const regions: [string, number, number, CustodyErrorCode][] = [
    ['version', 0, 1, 'CUSTODY_SEALED_MALFORMED'],
    ['key id', 1, 1 + KEY_ID_BYTES, 'CUSTODY_KEY_MISMATCH'],
    ['nonce', 1 + KEY_ID_BYTES, 1 + KEY_ID_BYTES + NONCE, 'CUSTODY_OPEN_FAILED'],
    ['ciphertext', 1 + KEY_ID_BYTES + NONCE, sealed.length - 16, 'CUSTODY_OPEN_FAILED'],
    ['tag', sealed.length - 16, sealed.length, 'CUSTODY_OPEN_FAILED'],
  ];
  for (const [name, from, to, code] of regions) {
    const codes = new Set<string>();
    for (let i = from; i < to; i++) for (const bit of [0x01, 0x80]) codes.add(codeOf(() => openPrivateKey(master, flip(i, bit), context)));
    t.same([...codes], [code], `every bit flip in the ${name} (bytes ${from}..${to - 1}) fails with ${code}`);
  }
  t.equal(codeOf(() => openPrivateKey(master, sealed.subarray(0, sealed.length - 1), context)), 'CUSTODY_OPEN_FAILED', 'a truncated value');
  t.equal(codeOf(() => openPrivateKey(master, sealed.subarray(0, SEALED_OVERHEAD), context)), 'CUSTODY_SEALED_MALFORMED', 'a value with no ciphertext');
  t.equal(codeOf(() => openPrivateKey(master, Buffer.concat([sealed, Buffer.of(0)]), context)), 'CUSTODY_OPEN_FAILED', 'an appended byte');
  t.equal(codeOf(() => openPrivateKey(master, new Uint8Array(0), context)), 'CUSTODY_SEALED_MALFORMED', 'an empty value');
  t.equal(codeOf(() => openPrivateKey(master, sealed, context)), 'NO_ERROR', 'the original still opens');
});

t.test('the context binds a sealed key to its tenant and public key; another master key cannot open it', async (t) => {
  const master = MasterKey.generate();
  const pub = 'ef'.repeat(32);
  const sealed = sealPrivateKey(master, randomBytes(32), custodyContext(TENANT, pub));
  t.equal(codeOf(() => openPrivateKey(master, sealed, custodyContext(OTHER_TENANT, pub))), 'CUSTODY_OPEN_FAILED', 'moved to another tenant');
  t.equal(codeOf(() => openPrivateKey(master, sealed, custodyContext(TENANT, '01'.repeat(32)))), 'CUSTODY_OPEN_FAILED', 'moved onto another public key');
  t.equal(codeOf(() => openPrivateKey(master, sealed, `${custodyContext(TENANT, pub)} `)), 'CUSTODY_OPEN_FAILED', 'a context one character longer');

  const other = MasterKey.generate();
  t.equal(codeOf(() => openPrivateKey(other, sealed, custodyContext(TENANT, pub))), 'CUSTODY_KEY_MISMATCH', 'another master key: its id differs');
  try {
    openPrivateKey(other, sealed, custodyContext(TENANT, pub));
  } catch (err) {
    t.match((err as Error).message, master.keyId, 'the message names the key id it was sealed under');
  }
  // A forged header naming the other key's id: the id matches, the AEAD still refuses it.
  const forged = Uint8Array.from(sealed);
  forged.set(Buffer.from(other.keyId, 'hex'), 1);
  t.equal(codeOf(() => openPrivateKey(other, forged, custodyContext(TENANT, pub))), 'CUSTODY_OPEN_FAILED', 'another master key behind a forged key id');
});

t.test('custodial identities for every suite', async (t) => {
  const master = MasterKey.generate();
  for (const suiteId of SUITE_IDS) {
    const suite = suiteById(suiteId);
    const id = generateCustodialIdentity(master, TENANT, suiteId);
    t.equal(id.suite, suiteId);
    t.equal(id.keyId, master.keyId);
    t.match(id.publicKeyHex, new RegExp(`^[0-9a-f]{${suite.publicKeyBytes * 2}}$`), `${suiteId}: a public key of ${suite.publicKeyBytes} bytes`);
    const key = openCustodialIdentity(master, TENANT, suiteId, id.publicKeyHex, id.sealed);
    const priv = key.bytes();
    t.equal(toHex(suite.publicKeyOf(priv)), id.publicKeyHex, `${suiteId}: the sealed private key is the public key's`);
    const message = new TextEncoder().encode('transfer 100 to bob');
    t.ok(suite.verify(suite.publicKeyOf(priv), message, suite.sign(priv, message)), `${suiteId}: and it signs`);
    priv.fill(0);
    t.equal(codeOf(() => openCustodialIdentity(master, OTHER_TENANT, suiteId, id.publicKeyHex, id.sealed)), 'CUSTODY_OPEN_FAILED', `${suiteId}: another tenant cannot open it`);
  }
  const a = generateCustodialIdentity(master, TENANT, 'intl');
  const b = generateCustodialIdentity(master, TENANT, 'intl');
  t.not(a.publicKeyHex, b.publicKeyHex, 'every identity is a new key pair');
  // Another key sealed under the right context for a's public key: opening checks the key pair.
  const planted = sealPrivateKey(master, randomBytes(32), custodyContext(TENANT, a.publicKeyHex));
  t.equal(codeOf(() => openCustodialIdentity(master, TENANT, 'intl', a.publicKeyHex, planted)), 'CUSTODY_PUBLIC_KEY_MISMATCH', 'a sealed key that is not the public key\'s is refused');
  t.throws(() => generateCustodialIdentity(master, TENANT, 'rot13'), { code: 'UNKNOWN_SUITE' }, 'an unknown suite');
});

t.test('private keys and the master key never reach a log', async (t) => {
  const master = MasterKey.generate();
  const secretB64 = master.exportBase64Url();
  const secretHex = Buffer.from(secretB64, 'base64url').toString('hex');
  const privateBytes = randomBytes(32);
  const key = openPrivateKey(master, sealPrivateKey(master, privateBytes, 'ctx'), 'ctx');
  const outputs = [
    inspect(key),
    inspect({ key }, { depth: 5, showHidden: true }),
    JSON.stringify(key),
    JSON.stringify({ nested: { key } }),
    String(key),
    `${key}`,
    inspect(master, { showHidden: true }),
    JSON.stringify({ master }),
    String(master),
  ];
  for (const out of outputs) {
    t.notMatch(out, privateBytes.toString('hex'), `no private key hex in ${out.slice(0, 60)}`);
    t.notMatch(out, privateBytes.toString('base64url'));
    t.notMatch(out, secretHex, 'no master key hex');
    t.notMatch(out, secretB64, 'no master key base64url');
    t.match(out, /redacted/, 'says it is redacted');
  }
  t.equal(JSON.stringify(key), '"[redacted]"');
  t.same(JSON.parse(JSON.stringify(master)), { keyId: master.keyId, key: '[redacted]' }, 'the master key shows its id only');
  t.same(Object.keys(key), [], 'no enumerable fields');
  t.same(Object.keys(master), ['keyId'], 'the master key exposes only its id');
  t.equal(key.length, 32);
});
