import gostLib from '@wavesenterprise/crypto-gost-js';
import fc from 'fast-check';
import t from 'tap';
import {
  GOST_CRYPTOPRO_A_256,
  GOST_TEST_CURVE_256,
  decodeGostPublicKey,
  encodeGostPublicKey,
  encodeGostSignature,
  gostPublicPoint,
  gostSignDigest,
  gostSuite,
  gostVerifyDigest,
  streebog256,
} from '../src/crypto/gost.js';
import { CryptoError } from '../src/crypto/suite.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** The RFCs print byte strings as integers (last byte first): reverse to get our byte order. */
const rfcHexToBytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex').reverse());

t.test('Streebog-256: RFC 6986 §10 / GOST R 34.11-2012 Appendix A examples', (t) => {
  // Vectors: RFC 6986 (https://www.rfc-editor.org/rfc/rfc6986) §10.1 (Example 1, M1) and §10.2
  // (Example 2, M2), "hash-code" for the 256-bit variant. Same numbers as GOST R 34.11-2012
  // Appendix A; cross-checked against public test suites that quote them (e.g. RustCrypto's
  // `streebog` crate tests, which likewise reverse the RFC's hex).
  const m1Rfc =
    '323130393837363534333231303938373635343332313039383736353433323130393837363534333231303938373635343332313039383736353433323130';
  const m1 = rfcHexToBytes(m1Rfc);
  t.equal(m1.length, 63);
  // The RFC's reversed hex is just the ASCII digits "0123…012".
  t.equal(Buffer.from(m1).toString('latin1'), '012345678901234567890123456789012345678901234567890123456789012');
  t.equal(hex(streebog256(m1)), hex(rfcHexToBytes('00557be5e584fd52a449b16b0251d05d27f94ab76cbaa6da890b59d8ef1e159d')));
  t.equal(hex(streebog256(m1)), '9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500');

  // M2: 72 bytes, "Се ветри, Стрибожи внуци, веютъ с моря стрелами на храбрыя плъкы Игоревы" in CP1251.
  const m2Rfc =
    'fbe2e5f0eee3c820fbeafaebef20fffbf0e1e0f0f520e0ed20e8ece0ebe5f0f2f120fff0eeec20f120faf2fee5e2202ce8f6f3ede220e8e6eee1e8f0f2d1202ce8f0f2e5e220e5d1';
  const m2 = rfcHexToBytes(m2Rfc);
  t.equal(m2.length, 72);
  t.equal(m2[0], 0xd1, 'first byte is CP1251 "С"');
  t.equal(hex(streebog256(m2)), hex(rfcHexToBytes('508f7e553c06501d749a66fc28c6cac0b005746d97537fa85d9e40904efed29d')));

  t.equal(gostSuite.hash(m2).length, gostSuite.hashBytes);
  t.equal(hex(gostSuite.hash(m1)), hex(streebog256(m1)));
  // Views at an offset hash like the copied bytes.
  const padded = new Uint8Array(m1.length + 5);
  padded.set(m1, 3);
  t.equal(hex(streebog256(padded.subarray(3, 3 + m1.length))), hex(streebog256(m1)));
  t.end();
});

t.test('GOST R 34.10-2012 Appendix A.1 (= RFC 7091 §7.1) on the test curve', (t) => {
  // Vectors: RFC 7091 (https://www.rfc-editor.org/rfc/rfc7091) §7.1 "Example 1", reproducing
  // GOST R 34.10-2012 Appendix A.1 (256-bit, test curve p = 0x8000…0431). These are integers, so
  // the hex below is the standard's big-endian notation.
  const C = GOST_TEST_CURVE_256;
  const d = 0x7a929ade789bb9be10ed359dd39a72c11b60961f49397eee1d19ce9891ec3b28n;
  const e = 0x2dfbc1b372d89a1188c09c52e0eec61fce52032ab1022e8e67ece6672b043ee5n;
  const k = 0x77105c9b20bcd3122823c8cf6fcc7b956de33814e95b7fe64fed924594dceab3n;
  const xQ = 0x7f2b49e270db6d90d8595bec458b50c58585ba1d4e9b788f6689dbd8e56fd80bn;
  const yQ = 0x26f1b489d6701dd185c8413a977b3cbbaf64d1c593d26627dffb101a87ff77dan;
  const r = 0x41aa28d2f1ab148280cd9ed56feda41974053554a42767b83ad043fd39dc0493n;
  const s = 0x01456c64ba4642a1653c235a98a60249bcd6d3f746b631df928014f6c5bf9c40n;
  // Decimal forms as printed in the RFC, to rule out transcription slips in the hex.
  t.equal(d, 55441196065363246126355624130324183196576709222340016572108097750006097525544n);
  t.equal(r, 29700980915817952874371204983938256990422752107994319651632687982059210933395n);
  t.equal(s, 574973400270084654178925310019147038455227042649098563933718999175515839552n);

  const Q = gostPublicPoint(d, C);
  t.equal(Q.x, xQ, 'x_Q');
  t.equal(Q.y, yQ, 'y_Q');

  const sig = gostSignDigest(d, e, k, C);
  t.equal(sig.r, r, 'r');
  t.equal(sig.s, s, 's');
  t.ok(gostVerifyDigest({ x: xQ, y: yQ }, e, { r, s }, C), 'verifies');
  t.notOk(gostVerifyDigest({ x: xQ, y: yQ }, e, { r, s: s ^ 1n }, C), 's ^ 1 fails');
  t.notOk(gostVerifyDigest({ x: xQ, y: yQ }, e ^ 1n, { r, s }, C), 'e ^ 1 fails');
  t.notOk(gostVerifyDigest({ x: xQ, y: yQ }, e, { r, s }, GOST_CRYPTOPRO_A_256), 'wrong curve fails');
  t.notOk(gostVerifyDigest({ x: xQ, y: yQ }, e, { r: C.q + r, s }, C), 'r ≥ q rejected');
  t.notOk(gostVerifyDigest({ x: xQ, y: yQ }, e, { r, s: 0n }, C), 's = 0 rejected');
  t.notOk(gostVerifyDigest({ x: xQ, y: yQ + 1n }, e, { r, s }, C), 'off-curve Q rejected');
  t.notOk(gostVerifyDigest({ x: xQ + C.p, y: yQ }, e, { r, s }, C), 'unreduced x_Q rejected');

  // Wire form s ‖ r (big-endian halves), as in RFC 4491 / RFC 9215 and crypto-gost-js's own test.
  t.equal(hex(encodeGostSignature(sig)), '01456c64ba4642a1653c235a98a60249bcd6d3f746b631df928014f6c5bf9c40' + '41aa28d2f1ab148280cd9ed56feda41974053554a42767b83ad043fd39dc0493');
  t.throws(() => gostSignDigest(0n, e, k, C), CryptoError);
  t.throws(() => gostSignDigest(d, e, 0n, C));
  t.throws(() => gostSignDigest(d, e, C.q, C));
  t.end();
});

t.test('interoperates with crypto-gost-js (GOST R 34.10-2012, CP, S-256-A)', (t) => {
  const lib = gostLib.GostEngine.getGostSign({
    name: 'GOST R 34.10',
    version: 2012,
    mode: 'SIGN',
    length: 256,
    procreator: 'CP',
    keySize: 32,
    namedCurve: 'S-256-A',
    hash: { name: 'GOST R 34.11', version: 2012, mode: 'HASH', length: 256, procreator: 'CP', keySize: 32 },
  });
  const random = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
  const { privateKey, publicKey } = gostSuite.generateKeyPair(random);
  const message = new TextEncoder().encode('Konsortium interop message');
  t.ok(lib.verify(publicKey, gostSuite.sign(privateKey, message), message), 'library verifies our signature');
  const theirs = new Uint8Array(lib.sign(privateKey, message));
  t.ok(gostSuite.verify(publicKey, message, theirs), 'we verify the library signature');
  t.end();
});

t.test('suite shape and key handling', (t) => {
  t.equal(gostSuite.id, 'gost');
  t.equal(gostSuite.hashBytes, 32);
  t.equal(gostSuite.publicKeyBytes, 64);
  t.equal(gostSuite.signatureBytes, 64);
  const { privateKey, publicKey } = gostSuite.generateKeyPair();
  t.equal(privateKey.length, 32);
  t.equal(publicKey.length, 64);
  t.same(gostSuite.publicKeyOf(privateKey), publicKey);
  const Q = decodeGostPublicKey(publicKey);
  t.same(encodeGostPublicKey(Q), publicKey);

  const isInvalidKey = { name: 'CryptoError', code: 'INVALID_KEY' };
  const q = GOST_CRYPTOPRO_A_256.q;
  const qLE = Uint8Array.from(Buffer.from(q.toString(16).padStart(64, '0'), 'hex').reverse());
  for (const bad of [new Uint8Array(32), new Uint8Array(31).fill(1), new Uint8Array(33).fill(1), qLE, new Uint8Array(32).fill(0xff)]) {
    t.throws(() => gostSuite.publicKeyOf(bad), isInvalidKey);
    t.throws(() => gostSuite.sign(bad, new Uint8Array(1)), isInvalidKey);
  }
  t.throws(() => gostSuite.generateKeyPair(() => new Uint8Array(16)), isInvalidKey);
  t.throws(() => gostSuite.generateKeyPair(() => new Uint8Array(32)), isInvalidKey, 'all-zero source is refused, not looped on');
  // Signing is randomized (fresh k), yet both signatures verify.
  const m = new Uint8Array([1, 2, 3]);
  const s1 = gostSuite.sign(privateKey, m);
  const s2 = gostSuite.sign(privateKey, m);
  t.not(hex(s1), hex(s2));
  t.ok(gostSuite.verify(publicKey, m, s1) && gostSuite.verify(publicKey, m, s2));
  t.end();
});

const keys = Array.from({ length: 4 }, () => gostSuite.generateKeyPair());
const arbKey = fc.constantFrom(...keys);

t.test('property: sign/verify round trip', (t) => {
  fc.assert(
    fc.property(arbKey, fc.uint8Array({ maxLength: 300 }), (kp, msg) => {
      const sig = gostSuite.sign(kp.privateKey, msg);
      return sig.length === 64 && gostSuite.verify(kp.publicKey, msg, sig);
    }),
    { numRuns: 40 },
  );
  t.pass('40 random messages round-trip');
  t.end();
});

t.test('property: any single-bit flip fails', (t) => {
  fc.assert(
    fc.property(
      arbKey,
      fc.uint8Array({ minLength: 1, maxLength: 100 }),
      fc.constantFrom('message', 'signature', 'publicKey'),
      fc.nat(),
      (kp, msg, where, bit) => {
        const sig = gostSuite.sign(kp.privateKey, msg);
        const target = where === 'message' ? msg.slice() : where === 'signature' ? sig.slice() : kp.publicKey.slice();
        const i = bit % (target.length * 8);
        target[i >> 3] = target[i >> 3]! ^ (1 << (i & 7));
        const ok =
          where === 'message'
            ? gostSuite.verify(kp.publicKey, target, sig)
            : where === 'signature'
              ? gostSuite.verify(kp.publicKey, msg, target)
              : gostSuite.verify(target, msg, sig);
        return ok === false;
      },
    ),
    { numRuns: 60 },
  );
  t.pass('60 random single-bit flips rejected');
  t.end();
});

t.test('property: malformed inputs return false and never throw', (t) => {
  const kp = keys[0]!;
  const msg = new Uint8Array([7, 7, 7]);
  const sig = gostSuite.sign(kp.privateKey, msg);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 130 }), fc.uint8Array({ maxLength: 130 }), (pk, s) => {
      fc.pre(pk.length !== 64 || s.length !== 64);
      return gostSuite.verify(pk, msg, s) === false && gostSuite.verify(kp.publicKey, msg, s.length === 64 ? sig : s) === (s.length === 64);
    }),
    { numRuns: 200 },
  );
  // Right lengths, garbage content: off-curve keys, r/s ≥ q, all-zero, all-0xff.
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), (pk, s) => {
      return gostSuite.verify(pk, msg, s) === false;
    }),
    { numRuns: 100 },
  );
  for (const bad of [new Uint8Array(64), new Uint8Array(64).fill(0xff)]) {
    t.equal(gostSuite.verify(bad, msg, sig), false);
    t.equal(gostSuite.verify(kp.publicKey, msg, bad), false);
  }
  const loose = gostSuite as unknown as { verify(a: unknown, b: unknown, c: unknown): boolean };
  t.equal(loose.verify(undefined, msg, sig), false);
  t.equal(loose.verify(kp.publicKey, 'not bytes', sig), false);
  t.equal(loose.verify(kp.publicKey, msg, Array.from(sig)), false);
  t.end();
});
