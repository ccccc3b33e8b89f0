// The `intl` suite: SHA-256 + Ed25519 against published vectors, plus property tests.
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import t from 'tap';
import { intlSuite } from '../src/crypto/intl.js';
import { CryptoError } from '../src/crypto/suite.js';
import { suiteProperties } from './suite-properties.js';

const hex = bytesToHex;

t.test('suite shape', async (t) => {
  t.equal(intlSuite.id, 'intl');
  t.equal(intlSuite.hashBytes, 32);
  t.equal(intlSuite.publicKeyBytes, 32);
  t.equal(intlSuite.signatureBytes, 64);
});

// FIPS 180-2 Appendix B / NIST CSRC "Examples with Intermediate Values" (SHA-256), plus the
// well-known empty-string digest.
t.test('SHA-256: NIST vectors', async (t) => {
  const vectors: Array<[string, string]> = [
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
  ];
  for (const [msg, digest] of vectors) {
    const out = intlSuite.hash(utf8ToBytes(msg));
    t.equal(out.length, intlSuite.hashBytes);
    t.equal(hex(out), digest, `SHA-256(${JSON.stringify(msg)})`);
  }
});

// RFC 8032 §7.1 test vectors for Ed25519.
const RFC8032 = [
  {
    name: 'TEST 1',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    name: 'TEST SHA(abc)',
    secret: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
    public: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    // the message is SHA-512("abc")
    message:
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    signature:
      'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
  },
];

t.test('Ed25519: RFC 8032 §7.1 vectors', async (t) => {
  for (const v of RFC8032) {
    const sk = hexToBytes(v.secret);
    const pk = hexToBytes(v.public);
    const msg = hexToBytes(v.message);
    const sig = hexToBytes(v.signature);
    t.equal(hex(intlSuite.publicKeyOf(sk)), v.public, `${v.name}: public key`);
    t.equal(hex(intlSuite.generateKeyPair(() => hexToBytes(v.secret)).publicKey), v.public, `${v.name}: keypair from injected randomness`);
    t.equal(hex(intlSuite.sign(sk, msg)), v.signature, `${v.name}: signature`);
    t.equal(intlSuite.verify(pk, msg, sig), true, `${v.name}: verifies`);

    const otherMsg = concat(msg, Uint8Array.of(0));
    t.equal(intlSuite.verify(pk, otherMsg, sig), false, `${v.name}: tampered message`);
    const badSig = Uint8Array.from(sig);
    badSig[10]! ^= 0x04;
    t.equal(intlSuite.verify(pk, msg, badSig), false, `${v.name}: tampered signature`);
    const badPk = Uint8Array.from(pk);
    badPk[3]! ^= 0x80;
    t.equal(intlSuite.verify(badPk, msg, sig), false, `${v.name}: tampered key`);
    const otherPk = hexToBytes(RFC8032[(RFC8032.indexOf(v) + 1) % RFC8032.length]!.public);
    t.equal(intlSuite.verify(otherPk, msg, sig), false, `${v.name}: someone else's key`);
  }
});

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

t.test('Ed25519: malformed inputs verify false without throwing', async (t) => {
  const v = RFC8032[0]!;
  const pk = hexToBytes(v.public);
  const sig = hexToBytes(v.signature);
  const msg = new Uint8Array(0);
  const cases: Array<[string, unknown, unknown, unknown]> = [
    ['empty signature', pk, msg, new Uint8Array(0)],
    ['short signature', pk, msg, sig.subarray(0, 63)],
    ['long signature', pk, msg, concat(sig, Uint8Array.of(0))],
    ['empty key', new Uint8Array(0), msg, sig],
    ['short key', pk.subarray(0, 31), msg, sig],
    ['long key', concat(pk, Uint8Array.of(0)), msg, sig],
    ['all-zero signature', pk, msg, new Uint8Array(64)],
    ['all-0xff key (not a point)', new Uint8Array(32).fill(0xff), msg, sig],
    ['non-bytes signature', pk, msg, 'not bytes'],
    ['non-bytes key', null, msg, sig],
    ['non-bytes message', pk, undefined, sig],
  ];
  for (const [name, k, m, s] of cases) {
    let result: boolean | undefined;
    t.doesNotThrow(() => {
      result = intlSuite.verify(k as Uint8Array, m as Uint8Array, s as Uint8Array);
    }, name);
    t.equal(result, false, name);
  }
});

t.test('Ed25519: non-canonical S (S + L) is rejected (no malleability)', async (t) => {
  const v = RFC8032[1]!;
  const sig = hexToBytes(v.signature);
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  let S = 0n;
  for (let i = 31; i >= 0; i--) S = (S << 8n) | BigInt(sig[32 + i]!);
  let S2 = S + L;
  const mall = Uint8Array.from(sig);
  for (let i = 0; i < 32; i++) {
    mall[32 + i] = Number(S2 & 0xffn);
    S2 >>= 8n;
  }
  t.equal(intlSuite.verify(hexToBytes(v.public), hexToBytes(v.message), mall), false);
});

t.test('private keys of the wrong length are rejected with CryptoError', async (t) => {
  for (const bad of [new Uint8Array(0), new Uint8Array(31), new Uint8Array(33), new Uint8Array(64)]) {
    t.throws(() => intlSuite.sign(bad, new Uint8Array(1)), CryptoError);
    t.throws(() => intlSuite.publicKeyOf(bad), { code: 'INVALID_KEY' });
  }
  t.throws(() => intlSuite.generateKeyPair(() => new Uint8Array(16)), { code: 'INVALID_KEY' });
});

t.test('generateKeyPair uses fresh randomness by default', async (t) => {
  const a = intlSuite.generateKeyPair();
  const b = intlSuite.generateKeyPair();
  t.equal(a.privateKey.length, 32);
  t.equal(a.publicKey.length, 32);
  t.not(hex(a.privateKey), hex(b.privateKey));
  t.equal(hex(intlSuite.publicKeyOf(a.privateKey)), hex(a.publicKey));
});

suiteProperties(t, intlSuite, { seedBytes: 32, numRuns: 100 });
