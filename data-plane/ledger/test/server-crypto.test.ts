import t from 'tap';
import { intlSuite, smSuite, suiteById } from '@konsortium/protocol';
import { serverSuite } from '../src/index.js';

t.test('server intl suite: same hashes and verdicts as the portable suite', async (t) => {
  const fast = serverSuite('intl');
  const rnd = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));
  for (let i = 0; i < 50; i++) {
    const data = rnd(i * 7);
    t.same(fast.hash(data), intlSuite.hash(data));
    const kp = intlSuite.generateKeyPair();
    const sig = intlSuite.sign(kp.privateKey, data);
    t.same(fast.sign(kp.privateKey, data), sig, 'OpenSSL signs the same bytes (Ed25519 is deterministic)');
    t.equal(fast.verify(kp.publicKey, data, sig), true);
    const bad = Uint8Array.from(sig);
    bad[i % 64]! ^= 1 << i % 8;
    t.equal(fast.verify(kp.publicKey, data, bad), intlSuite.verify(kp.publicKey, data, bad));
    const otherKey = rnd(32);
    t.equal(fast.verify(otherKey, data, sig), intlSuite.verify(otherKey, data, sig));
  }
  // S >= L (order of the group) must be refused, as the portable suite does.
  const kp = intlSuite.generateKeyPair();
  const msg = new Uint8Array([1, 2, 3]);
  const sig = intlSuite.sign(kp.privateKey, msg);
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  let s = 0n;
  for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!);
  let sPlusL = s + L;
  const mall = Uint8Array.from(sig);
  for (let i = 0; i < 32; i++) {
    mall[32 + i] = Number(sPlusL & 0xffn);
    sPlusL >>= 8n;
  }
  t.equal(intlSuite.verify(kp.publicKey, msg, mall), false);
  t.equal(fast.verify(kp.publicKey, msg, mall), false, 'malleated S + L refused');
  t.equal(fast.verify(new Uint8Array(31), msg, sig), false, 'short key');
  t.equal(fast.verify(kp.publicKey, msg, sig.subarray(0, 63)), false, 'short signature');
});

t.test('server sm suite hashes with SM3 like the portable one; gost is the portable one', async (t) => {
  const fast = serverSuite('sm');
  for (const len of [0, 1, 55, 56, 64, 1000]) {
    const d = new Uint8Array(len).fill(0x61);
    t.same(fast.hash(d), smSuite.hash(d));
  }
  t.equal(serverSuite('gost'), serverSuite('gost'));
  t.equal(serverSuite('gost').hash, suiteById('gost').hash);
});
