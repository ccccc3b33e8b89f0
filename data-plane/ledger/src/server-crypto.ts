/**
 * Server-side fast paths for the crypto suites, same results as protocol's portable ones:
 * hashing through node:crypto (OpenSSL SHA-256 and SM3), and Ed25519 verification through
 * node:crypto with the public keys kept as imported KeyObjects (re-importing a key per call
 * halves the rate). A transaction's verdict is the same on every node either way: the tests
 * check these against the portable suites, including malformed keys and signatures.
 */
import { createPrivateKey, createPublicKey, hash as oneShotHash, type KeyObject, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { type CryptoSuite, intlSuite, suiteById, type SuiteId } from '@konsortium/protocol';

/** DER SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410): the 32 key bytes follow. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** DER PKCS#8 prefix of an Ed25519 private key (RFC 8410): the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const KEY_CACHE_SIZE = 10_000;

class Ed25519KeyCache {
  private readonly keys = new Map<string, KeyObject | null>();

  get(publicKey: Uint8Array): KeyObject | null {
    const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1');
    let k = this.keys.get(id);
    if (k !== undefined) return k;
    try {
      k = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    } catch {
      k = null;
    }
    if (this.keys.size >= KEY_CACHE_SIZE) this.keys.delete(this.keys.keys().next().value!);
    this.keys.set(id, k);
    return k;
  }
}

/** One-shot hashing (crypto.hash): no Hash object per call, about a third faster on the small inputs of Merkle trees. */
function nodeHash(algorithm: string): (data: Uint8Array) => Uint8Array {
  return (data) => {
    const d = oneShotHash(algorithm, data, 'buffer');
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  };
}

function fastIntl(): CryptoSuite {
  const cache = new Ed25519KeyCache();
  // A node signs every block with the same key: import it once. (Ed25519 is deterministic, so
  // these signatures are byte for byte the portable suite's.)
  const signingKeys = new Map<string, KeyObject>();
  return Object.freeze({
    ...intlSuite,
    hash: nodeHash('sha256'),
    sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
      if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) return intlSuite.sign(privateKey, message); // throws INVALID_KEY
      const id = Buffer.from(privateKey.buffer, privateKey.byteOffset, privateKey.byteLength).toString('latin1');
      let key = signingKeys.get(id);
      if (key === undefined) {
        key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
        if (signingKeys.size >= 16) signingKeys.clear();
        signingKeys.set(id, key);
      }
      const sig = nodeSign(null, message, key);
      return new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength);
    },
    verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32 || !(signature instanceof Uint8Array) || signature.length !== 64) return false;
      // OpenSSL enforces S < L (RFC 8032 §5.1.7) like the portable suite. Every node runs the
      // same OpenSSL, so all replicas reach the same verdict on any signature.
      const key = cache.get(publicKey);
      if (key === null) return false;
      try {
        return nodeVerify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  });
}

const cached = new Map<SuiteId, CryptoSuite>();

/** The fastest implementation of a suite available in this process. */
export function serverSuite(id: SuiteId): CryptoSuite {
  let s = cached.get(id);
  if (s !== undefined) return s;
  const portable = suiteById(id);
  if (id === 'intl') s = fastIntl();
  else if (id === 'sm') s = Object.freeze({ ...portable, hash: nodeHash('sm3') });
  else s = portable;
  cached.set(id, s);
  return s;
}
