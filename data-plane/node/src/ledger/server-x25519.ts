/**
 * X25519 through OpenSSL (node:crypto): the node opens and re-seals a share on every key
 * release, and noble's portable X25519 costs ~1 ms where OpenSSL's costs tens of microseconds.
 * Same bytes on the wire (RFC 7748). Keys cross into OpenSSL as JWK, which imports about ten
 * times faster than DER here; private KeyObjects are cached (the node's own key repeats, and a
 * key pair generated here is used right after for its one exchange).
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { X25519Backend } from '@konsortium/protocol';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const CACHE_SIZE = 256;
const privateKeys = new Map<string, KeyObject>();

function remember(raw: string, k: KeyObject): KeyObject {
  if (privateKeys.size >= CACHE_SIZE) privateKeys.delete(privateKeys.keys().next().value!);
  privateKeys.set(raw, k);
  return k;
}

function privateKeyObject(raw: Uint8Array): KeyObject {
  const id = Buffer.from(raw).toString('base64url');
  // A JWK private key needs its public half, unknown here: the slow DER path, once per key.
  return privateKeys.get(id) ?? remember(id, createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' }));
}

const fromB64 = (s: string | undefined): Uint8Array => new Uint8Array(Buffer.from(s ?? '', 'base64url'));

export const opensslX25519: X25519Backend = {
  publicKey(priv) {
    return fromB64(createPublicKey(privateKeyObject(priv)).export({ format: 'jwk' }).x);
  },
  sharedSecret(priv, pub) {
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(pub).toString('base64url') }, format: 'jwk' });
    const shared = diffieHellman({ privateKey: privateKeyObject(priv), publicKey });
    if (shared.every((b) => b === 0)) throw new Error('low-order X25519 public key');
    return new Uint8Array(shared);
  },
  generateKeyPair() {
    const { privateKey } = generateKeyPairSync('x25519');
    const jwk = privateKey.export({ format: 'jwk' });
    remember(jwk.d!, privateKey);
    return { privateKey: fromB64(jwk.d), publicKey: fromB64(jwk.x) };
  },
};
