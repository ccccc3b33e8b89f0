/**
 * The encrypted-data screens' browser crypto, exposed on `window.harness` for the component test:
 * sealing and opening documents (owner key, node shares), what must fail (wrong key, tampered
 * ciphertext, too few shares, a changed byte against the on-chain hash), key backups and the
 * IndexedDB keystore across a reload. Results are plain JSON so the test can compare them.
 */
import { fromBase64, KeyReleaseError, Signer } from '@konsortium/client';
import { combineShares, fromHex, openSealed, shareContext, toHex, x25519KeyPair } from '@konsortium/protocol';
import { checkPlaintext, type ChainVersion, openDocument, ownerOpen, sealDocument } from '../../src/features/data/crypto.js';
import { type NodeOutcome, releaseError } from '../../src/features/data/download.js';
import { openDb } from '../../src/features/data/identity/db.js';
import { exportBackup, generateIdentityKeys, importBackup, loadIdentity, publicPartsOf, readBackup, saveIdentity, signerOf } from '../../src/features/data/identity/keystore.js';

const CHANNEL = 'consortium';
const DB = 'konsortium-harness';

/** Three nodes with their X25519 keys (the private halves stand in for the nodes' own). */
function nodes() {
  return [1, 2, 3].map((nodeId) => ({ nodeId, pair: x25519KeyPair() }));
}

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'OK';
  } catch (err) {
    return String((err as { code?: unknown }).code ?? (err as Error).name);
  }
}

async function codeOfAsync(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'OK';
  } catch (err) {
    return String((err as { code?: unknown }).code ?? (err as Error).name);
  }
}

/** A sealed version as the chain would store it, plus what only the test holds (owner key, node keys, ciphertext). */
function sealed(size: number, record = 'doc-1', version = 1) {
  const ns = nodes();
  const owner = x25519KeyPair();
  const plaintext = randomBytes(size);
  const s = sealDocument({ channel: CHANNEL, record, version, plaintext, nodes: ns.map((n) => ({ nodeId: n.nodeId, sealKey: toHex(n.pair.publicKey) })), ownerSealKey: owner.publicKey, meta: { name: 'scan.pdf', contentType: 'application/pdf' } });
  const v: ChainVersion = { ...s.args, version, author: 'alice', createdAt: 0, height: 1, txId: '00'.repeat(32), meta: s.args.meta ?? null };
  const ciphertext = s.blob === null ? fromBase64((s.args.body as { inline: string }).inline) : s.blob.bytes;
  return { ns, owner, plaintext, v, ciphertext, inline: s.blob === null, blobHash: s.blob?.hash ?? null };
}

/** The shares the nodes would release: each opened with that node's key. */
function nodeShares(x: ReturnType<typeof sealed>, record = 'doc-1') {
  return x.v.shares.map((s) => ({ index: s.index, value: openSealed(x.ns.find((n) => n.nodeId === s.nodeId)!.pair.privateKey, fromHex(s.sealed), shareContext(CHANNEL, record, x.v.version, s.nodeId)) }));
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

const harness = {
  /** Owner and readers decrypt what was sealed; the hash on chain matches. */
  roundTrip(size: number) {
    const x = sealed(size);
    const t0 = performance.now();
    const mine = openDocument(CHANNEL, 'doc-1', x.v, ownerOpen(CHANNEL, 'doc-1', x.v, x.owner.privateKey), x.ciphertext);
    const shares = nodeShares(x);
    const fromNodes = openDocument(CHANNEL, 'doc-1', x.v, combineShares(shares.slice(0, x.v.threshold), x.v.threshold), x.ciphertext);
    const other = openDocument(CHANNEL, 'doc-1', x.v, combineShares(shares.slice(1, 1 + x.v.threshold), x.v.threshold), x.ciphertext);
    return {
      inline: x.inline,
      threshold: x.v.threshold,
      shares: x.v.shares.length,
      ownerEqual: equal(mine.plaintext, x.plaintext),
      ownerVerified: mine.verified,
      nodesEqual: equal(fromNodes.plaintext, x.plaintext) && equal(other.plaintext, x.plaintext),
      nodesVerified: fromNodes.verified && other.verified,
      ciphertextLonger: x.ciphertext.length - x.plaintext.length,
      noPlaintextOnChain: !JSON.stringify(x.v).includes(toHex(x.plaintext.subarray(0, 16))),
      meta: x.v.meta,
      ms: Math.round(performance.now() - t0),
    };
  },
  /** A key that is not the version's opens nothing. */
  wrongKey() {
    const x = sealed(5000);
    const stranger = x25519KeyPair();
    const shares = nodeShares(x);
    const y = sealed(5000);
    return {
      strangerOwnerKey: codeOf(() => ownerOpen(CHANNEL, 'doc-1', x.v, stranger.privateKey)),
      otherVersionsKey: codeOf(() => openDocument(CHANNEL, 'doc-1', x.v, ownerOpen(CHANNEL, 'doc-1', y.v, y.owner.privateKey), x.ciphertext)),
      tooFewShares: codeOf(() => openDocument(CHANNEL, 'doc-1', x.v, combineShares(shares.slice(0, x.v.threshold - 1), x.v.threshold - 1), x.ciphertext)),
      otherRecord: codeOf(() => openDocument(CHANNEL, 'doc-2', x.v, ownerOpen(CHANNEL, 'doc-1', x.v, x.owner.privateKey), x.ciphertext)),
    };
  },
  /** A changed byte of the ciphertext fails authentication, wherever it is. */
  tampered(size: number) {
    const x = sealed(size);
    const secret = ownerOpen(CHANNEL, 'doc-1', x.v, x.owner.privateKey);
    const at = [0, 30, Math.floor(x.ciphertext.length / 2), x.ciphertext.length - 1];
    return at.map((i) => {
      const c = Uint8Array.from(x.ciphertext);
      c[i]! ^= 0x01;
      return codeOf(() => openDocument(CHANNEL, 'doc-1', x.v, secret, c));
    });
  },
  /** The hash check: a changed byte of the plaintext, or a version whose recorded hash is not its plaintext's. */
  hashCheck() {
    const x = sealed(3000);
    const changed = Uint8Array.from(x.plaintext);
    changed[1234]! ^= 0x80;
    const secret = ownerOpen(CHANNEL, 'doc-1', x.v, x.owner.privateKey);
    const lying = openDocument(CHANNEL, 'doc-1', { ...x.v, plaintextHash: '11'.repeat(32) }, secret, x.ciphertext);
    return {
      same: checkPlaintext(x.plaintext, x.v.plaintextHash),
      oneByteChanged: checkPlaintext(changed, x.v.plaintextHash),
      lyingHashVerified: lying.verified,
      lyingHashExpected: lying.expected,
      lyingHashGot: lying.hash === x.v.plaintextHash,
    };
  },
  /** Backup file round trip and its failures (low iteration count: the test's time, not security). */
  async backup(passphrase: string) {
    const keys = generateIdentityKeys('intl');
    const file = await exportBackup(keys, { tenantId: 'tenant-1', memberId: 't-1', passphrase, iterations: 100_000 });
    const text = new TextDecoder().decode(file);
    const back = await importBackup(file, passphrase);
    const sig = signerOf(back.keys).signMessage(new Uint8Array([1, 2, 3]));
    const tamperedPublic = new TextEncoder().encode(text.replace(/"publicKey": "([0-9a-f])/, (_m, c: string) => `"publicKey": "${c === 'a' ? 'b' : 'a'}`));
    const truncated = file.subarray(0, 40);
    return {
      same: publicPartsOf(back.keys).publicKey === publicPartsOf(keys).publicKey && publicPartsOf(back.keys).sealPublicKey === publicPartsOf(keys).sealPublicKey && equal(back.keys.signingKey, keys.signingKey) && equal(back.keys.sealKey, keys.sealKey),
      signs: new Signer('intl', keys.signingKey).suite.verify(new Signer('intl', keys.signingKey).publicKey, new Signer('intl', keys.signingKey).suite.hash(new Uint8Array([1, 2, 3])), sig),
      tenant: readBackup(file).tenantId,
      privateKeyInFile: text.includes(toHex(keys.signingKey)) || text.includes(toHex(keys.sealKey)),
      wrongPassphrase: await codeOfAsync(() => importBackup(file, `${passphrase}!`)),
      tamperedPublic: await codeOfAsync(() => importBackup(tamperedPublic, passphrase)),
      notABackup: await codeOfAsync(() => importBackup(truncated, passphrase)),
      shortPassphrase: await codeOfAsync(() => exportBackup(keys, { tenantId: 'tenant-1', memberId: null, passphrase: 'short' })),
    };
  },
  /** How a failed key release reads: the nodes' common refusal, or how many of how many answered. */
  releaseErrors() {
    const err = new KeyReleaseError('not enough shares', []);
    const progress = (nodes: [number, NodeOutcome][]) => ({ threshold: 2, holders: 3, reachable: 3, nodes: new Map(nodes) });
    const refused = (code: string): NodeOutcome => ({ state: 'refused', code, message: code });
    const all = releaseError(err, progress([[1, refused('NOT_GRANTED')], [2, refused('NOT_GRANTED')], [3, refused('NOT_GRANTED')]]));
    const expired = releaseError(err, progress([[1, refused('GRANT_EXPIRED')], [2, refused('GRANT_EXPIRED')], [3, refused('GRANT_EXPIRED')]]));
    const partial = releaseError(err, progress([[1, { state: 'released' }], [2, refused('KonsortiumNetworkError')], [3, refused('UNAVAILABLE')]]));
    return { all: all.code, expired: expired.code, partial: { code: partial.code, details: partial.details } };
  },
  /** Stores keys for a user (before a reload). */
  async store(userId: string) {
    const keys = generateIdentityKeys('intl');
    const info = await saveIdentity({ userId, tenantId: 'tenant-1', suite: 'intl', createdAt: Date.now(), registration: { status: 'registered', operationId: 'op-1', memberId: 't-1' } }, keys, DB);
    return { publicKey: info.publicKey, sealPublicKey: info.sealPublicKey, signingKeyHex: toHex(keys.signingKey) };
  },
  /** Loads them (after the reload): the same keys, still able to sign; the raw record holds no plaintext key. */
  async load(userId: string, signingKeyHex: string) {
    const found = await loadIdentity(userId, DB);
    if (found === null) return null;
    const db = await openDb(DB);
    const raw = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const r = db.transaction('identities', 'readonly').objectStore('identities').get(userId);
      r.onsuccess = () => resolve(r.result as Record<string, unknown>);
      r.onerror = () => reject(r.error);
    });
    const wrap = raw.wrapKey as CryptoKey;
    const rawText = JSON.stringify(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v instanceof Uint8Array ? toHex(v) : v])));
    const signer = signerOf(found.keys);
    return {
      publicKey: found.info.publicKey,
      sealPublicKey: found.info.sealPublicKey,
      registration: found.info.registration,
      sameKey: toHex(found.keys.signingKey) === signingKeyHex,
      signerPublic: signer.publicKeyHex,
      wrapKeyExtractable: wrap.extractable,
      wrapKeyType: wrap.type,
      plaintextKeyStored: rawText.includes(signingKeyHex),
    };
  },
};

export type DataCryptoHarness = typeof harness;
(window as unknown as { harness: DataCryptoHarness }).harness = harness;
document.body.dataset.ready = 'true';
