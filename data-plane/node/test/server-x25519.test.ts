// X25519 through OpenSSL agrees byte for byte with the portable noble backend (RFC 7748).
import { randomBytes } from 'node:crypto';
import { fromHex, nobleX25519, openSealed, PrivacyError, sealTo, toHex, type X25519Backend } from '@konsortium/protocol';
import t from 'tap';
import { opensslX25519 } from '../src/ledger/server-x25519.js';

const openssl: X25519Backend = opensslX25519;
const noble: X25519Backend = nobleX25519;
const key = (): Uint8Array => new Uint8Array(randomBytes(32));

t.test('publicKey agrees with noble', async (t) => {
  // More keys than the private-key cache holds (256), so eviction is exercised too.
  let disagree = 0;
  for (let i = 0; i < 300; i++) {
    const priv = key();
    const a = openssl.publicKey(priv);
    if (a.length !== 32 || toHex(a) !== toHex(noble.publicKey(priv))) disagree++;
  }
  t.equal(disagree, 0, '300 random private keys');
  // Scalars that clamping changes (low bits set, top bit set) and all-ones.
  for (const priv of [new Uint8Array(32).fill(0xff), Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 7 : i === 31 ? 0xc0 : 0))]) {
    t.equal(toHex(openssl.publicKey(priv)), toHex(noble.publicKey(priv)), `private ${toHex(priv).slice(0, 8)}…`);
  }
  // A cached key gives the same answer on repeat.
  const priv = key();
  t.equal(toHex(openssl.publicKey(priv)), toHex(openssl.publicKey(priv)));
  t.equal(toHex(openssl.publicKey(priv.slice())), toHex(noble.publicKey(priv)), 'also from a copy of the key');
});

t.test('sharedSecret agrees with noble, both ways', async (t) => {
  let disagree = 0;
  for (let i = 0; i < 50; i++) {
    const a = key();
    const b = key();
    const A = noble.publicKey(a);
    const B = noble.publicKey(b);
    const k = toHex(noble.sharedSecret(a, B));
    if (toHex(openssl.sharedSecret(a, B)) !== k || toHex(openssl.sharedSecret(b, A)) !== k || toHex(noble.sharedSecret(b, A)) !== k) disagree++;
  }
  t.equal(disagree, 0, '50 random pairs');
  // Keys passed as views into larger buffers (as openSealed does with the ephemeral key).
  const a = key();
  const b = key();
  const big = new Uint8Array(70);
  big.set(noble.publicKey(b), 5);
  const view = big.subarray(5, 37);
  t.equal(toHex(openssl.sharedSecret(a, view)), toHex(noble.sharedSecret(a, noble.publicKey(b))), 'public key as a subarray view');
  const privBig = new Uint8Array(40);
  privBig.set(a, 8);
  t.equal(toHex(openssl.sharedSecret(privBig.subarray(8), noble.publicKey(b))), toHex(noble.sharedSecret(a, noble.publicKey(b))), 'private key as a subarray view');
  // RFC 7748 §5: the top bit of a u-coordinate is ignored.
  const high = noble.publicKey(b).slice();
  high[31] = high[31]! | 0x80;
  t.equal(toHex(openssl.sharedSecret(a, high)), toHex(noble.sharedSecret(a, high)), 'non-canonical public key (top bit set)');
});

t.test('RFC 7748 §6.1 test vector', async (t) => {
  const alicePriv = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const alicePub = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
  const bobPriv = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  const bobPub = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
  const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
  for (const [name, backend] of [
    ['openssl', openssl],
    ['noble', noble],
  ] as const) {
    t.equal(toHex(backend.publicKey(alicePriv)), alicePub, `${name}: Alice's public key`);
    t.equal(toHex(backend.publicKey(bobPriv)), bobPub, `${name}: Bob's public key`);
    t.equal(toHex(backend.sharedSecret(alicePriv, fromHex(bobPub))), shared, `${name}: K from Alice's side`);
    t.equal(toHex(backend.sharedSecret(bobPriv, fromHex(alicePub))), shared, `${name}: K from Bob's side`);
  }
});

t.test('generateKeyPair returns a consistent pair', async (t) => {
  const generate = openssl.generateKeyPair;
  t.type(generate, 'function', 'the OpenSSL backend generates key pairs');
  if (generate === undefined) return;
  const seen = new Set<string>();
  let bad = 0;
  for (let i = 0; i < 20; i++) {
    const pair = generate.call(openssl);
    seen.add(toHex(pair.privateKey));
    const pub = toHex(pair.publicKey);
    if (pair.privateKey.length !== 32 || pair.publicKey.length !== 32) bad++;
    if (toHex(noble.publicKey(pair.privateKey)) !== pub || toHex(openssl.publicKey(pair.privateKey)) !== pub) bad++;
    const other = key();
    const otherPub = noble.publicKey(other);
    const k = toHex(noble.sharedSecret(other, pair.publicKey));
    if (toHex(openssl.sharedSecret(pair.privateKey, otherPub)) !== k || toHex(noble.sharedSecret(pair.privateKey, otherPub)) !== k) bad++;
  }
  t.equal(bad, 0, '20 pairs: 32-byte halves, public = publicKey(private) under both backends, shared secrets match noble');
  t.equal(seen.size, 20, 'every pair is fresh');
});

t.test('low-order public keys are refused', async (t) => {
  const lowOrder = [
    ['all zeros', new Uint8Array(32)],
    ['u = 1', fromHex('0100000000000000000000000000000000000000000000000000000000000000')],
    ['the order-8 point', fromHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800')],
  ] as const;
  const priv = key();
  for (const [name, pub] of lowOrder) {
    t.throws(() => openssl.sharedSecret(priv, pub), `openssl: ${name}`);
    t.throws(() => noble.sharedSecret(priv, pub), `noble: ${name}`);
    t.throws(() => sealTo(pub, Uint8Array.of(1, 2, 3), 'ctx', { backend: openssl }), { name: 'PrivacyError', code: 'INVALID_KEY' }, `sealTo (openssl): ${name}`);
  }
  // A generated key pair's private key is refused against them too (it comes from the cache).
  const pair = openssl.generateKeyPair!();
  t.throws(() => openssl.sharedSecret(pair.privateKey, new Uint8Array(32)), 'generated key vs all zeros');
});

t.test('sealTo / openSealed interoperate across backends', async (t) => {
  const context = 'konsortium/test/share/rec-1/v1/node-2';
  const recipient = key();
  const recipientPub = noble.publicKey(recipient);
  const secret = new Uint8Array(randomBytes(48));
  const pairs = [
    ['openssl', openssl, 'noble', noble],
    ['noble', noble, 'openssl', openssl],
    ['openssl', openssl, 'openssl', openssl],
  ] as const;
  for (const [sealName, sealWith, openName, openWith] of pairs) {
    const sealed = sealTo(recipientPub, secret, context, { backend: sealWith });
    t.equal(toHex(openSealed(recipient, sealed, context, { backend: openWith })), toHex(secret), `sealed with ${sealName}, opened with ${openName}`);
    t.equal(toHex(openSealed(recipient, sealed, context, { backend: openWith, recipient: recipientPub })), toHex(secret), `… with the recipient given`);
    t.throws(() => openSealed(recipient, sealed, context + '/other', { backend: openWith }), PrivacyError, `${sealName}→${openName}: another context does not open`);
    t.throws(() => openSealed(key(), sealed, context, { backend: openWith }), PrivacyError, `${sealName}→${openName}: another key does not open`);
  }
  // A recipient key generated by OpenSSL, sealed to with noble.
  const pair = openssl.generateKeyPair!();
  const sealed = sealTo(pair.publicKey, secret, context, { backend: noble });
  t.equal(toHex(openSealed(pair.privateKey, sealed, context, { backend: openssl })), toHex(secret), 'OpenSSL-generated recipient');
  t.equal(toHex(openSealed(pair.privateKey, sealed, context, { backend: noble })), toHex(secret), '… opened with noble as well');
});
