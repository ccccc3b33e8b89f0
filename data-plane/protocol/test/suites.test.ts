import t from 'tap';
import { CryptoError, SUITE_IDS, suiteById } from '../src/index.js';

t.test('every suite signs, verifies and refuses a foreign signature', async (t) => {
  const msg = new TextEncoder().encode('konsortium');
  for (const id of SUITE_IDS) {
    const s = suiteById(id);
    t.equal(s.id, id);
    t.equal(s.hash(msg).byteLength, s.hashBytes, `${id}: digest size`);
    const kp = s.generateKeyPair();
    t.same(s.publicKeyOf(kp.privateKey), kp.publicKey, `${id}: public key derives from the private key`);
    const sig = s.sign(kp.privateKey, msg);
    t.equal(sig.byteLength, s.signatureBytes);
    t.ok(s.verify(kp.publicKey, msg, sig), `${id}: verifies`);
    for (const other of SUITE_IDS.filter((o) => o !== id)) {
      const o = suiteById(other);
      const okp = o.generateKeyPair();
      t.notOk(s.verify(okp.publicKey, msg, o.sign(okp.privateKey, msg)), `${id} refuses a ${other} signature`);
    }
  }
});

t.test('an unknown suite is a coded error', async (t) => {
  t.throws(() => suiteById('md5'), CryptoError);
  t.throws(() => suiteById('md5'), { code: 'UNKNOWN_SUITE' });
});
