/**
 * X25519 through OpenSSL (node:crypto): the node's seal key opens shares on every key release,
 * and noble's portable X25519 costs ~1.3 ms where OpenSSL's costs tens of microseconds. Same
 * bytes on the wire (RFC 7748); private KeyObjects are cached (the node's own key repeats).
 */
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import type { X25519Backend } from '@konsortium/protocol';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const CACHE_SIZE = 64;
const privateKeys = new Map<string, KeyObject>();

function privateKeyObject(raw: Uint8Array): KeyObject {
  const id = Buffer.from(raw).toString('hex');
  let k = privateKeys.get(id);
  if (k === undefined) {
    k = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
    if (privateKeys.size >= CACHE_SIZE) privateKeys.delete(privateKeys.keys().next().value!);
    privateKeys.set(id, k);
  }
  return k;
}

export const opensslX25519: X25519Backend = {
  publicKey(priv) {
    const der = createPublicKey(privateKeyObject(priv)).export({ format: 'der', type: 'spki' });
    return new Uint8Array(der.subarray(SPKI_PREFIX.length));
  },
  sharedSecret(priv, pub) {
    const publicKey = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pub]), format: 'der', type: 'spki' });
    const shared = diffieHellman({ privateKey: privateKeyObject(priv), publicKey });
    if (shared.every((b) => b === 0)) throw new Error('low-order X25519 public key');
    return new Uint8Array(shared);
  },
};
