// Signer: keys, nonces, and transactions that decode and verify with protocol's own checks.
import t from 'tap';
import { CryptoError, decodeTx, gostSuite, intlSuite, parseArgs, smSuite, toHex, verifyTxSignature } from '@konsortium/protocol';
import { randomNonce, Signer } from '../src/index.js';

t.test('a built transaction decodes to what was signed and its signature verifies', (t) => {
  const signer = Signer.generate();
  t.equal(signer.suiteId, 'intl');
  t.equal(signer.publicKey.length, 32);
  t.equal(signer.publicKeyHex, toHex(signer.publicKey));
  const tx = signer.buildTx('main', { contract: 'cfa', method: 'transfer', args: { to: 'bob', amount: 5 } }, { nonce: 42 });
  const decoded = decodeTx(tx.bytes);
  t.equal(toHex(decoded.id), toHex(tx.id), 'same id');
  t.equal(decoded.channel, 'main');
  t.equal(decoded.nonce, 42);
  t.equal(toHex(decoded.sender), signer.publicKeyHex);
  t.equal(decoded.operations.length, 1);
  t.same(parseArgs(decoded.operations[0]!), { to: 'bob', amount: 5 });
  t.ok(verifyTxSignature(decoded), 'signature verifies');
  const tampered = Uint8Array.from(tx.bytes);
  tampered[tampered.length - 1]! ^= 1;
  t.notOk(verifyTxSignature(decodeTx(tampered)), 'a flipped signature bit does not verify');
  t.end();
});

t.test('several operations in one transaction, in order', (t) => {
  const signer = Signer.generate();
  const tx = signer.buildTx('main', [
    { contract: 'cfa', method: 'freeze', args: { holder: 'x' } },
    { contract: 'data', method: 'grant', args: { to: 'y' } },
  ]);
  const decoded = decodeTx(tx.bytes);
  t.same(
    decoded.operations.map((o) => `${o.contract}.${o.method}`),
    ['cfa.freeze', 'data.grant'],
  );
  t.ok(verifyTxSignature(decoded));
  t.end();
});

t.test('random nonces: safe integers, different per transaction', (t) => {
  const seen = new Set<number>();
  const bad: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const n = randomNonce();
    if (!Number.isSafeInteger(n) || n < 0) bad.push(n);
    seen.add(n);
  }
  t.same(bad, [], 'all safe non-negative integers');
  t.equal(seen.size, 2000, 'no repeats in 2000 draws');
  // Some draw uses the high 21 bits (the chance that 2000 draws all stay below 2^32 is nil).
  t.ok([...seen].some((n) => n > 2 ** 32));
  const signer = Signer.generate();
  const a = signer.buildTx('main', { contract: 'cfa', method: 'ping', args: {} });
  const b = signer.buildTx('main', { contract: 'cfa', method: 'ping', args: {} });
  t.not(a.nonce, b.nonce, 'each transaction a fresh nonce');
  t.not(toHex(a.id), toHex(b.id), 'so different ids');
  t.end();
});

t.test('bad nonces and keys are refused', (t) => {
  const signer = Signer.generate();
  for (const nonce of [-1, 1.5, 2 ** 53, Number.NaN]) {
    t.throws(() => signer.buildTx('main', { contract: 'cfa', method: 'ping', args: {} }, { nonce }), RangeError, `nonce ${nonce}`);
  }
  t.throws(() => new Signer('intl', new Uint8Array(31)), CryptoError);
  t.throws(() => new Signer('nope' as 'intl', new Uint8Array(32)), CryptoError);
  t.throws(() => signer.buildTx('Main!', { contract: 'cfa', method: 'ping', args: {} }), /channel name/);
  t.end();
});

t.test('a signer restored from its private key (bytes or hex) has the same identity', (t) => {
  const a = Signer.generate('intl');
  const b = new Signer('intl', toHex(a.exportPrivateKey()));
  const c = new Signer(intlSuite, a.exportPrivateKey());
  t.equal(b.publicKeyHex, a.publicKeyHex);
  t.equal(c.publicKeyHex, a.publicKeyHex);
  const exported = a.exportPrivateKey();
  exported.fill(0);
  t.equal(new Signer('intl', a.exportPrivateKey()).publicKeyHex, a.publicKeyHex, 'export is a copy');
  t.notMatch(JSON.stringify(a), toHex(a.exportPrivateKey()), 'the private key is not serialised');
  t.end();
});

t.test('gost and sm signers build transactions their suites verify', (t) => {
  for (const suite of [gostSuite, smSuite]) {
    const signer = Signer.generate(suite.id);
    const tx = signer.buildTx('main', { contract: 'cfa', method: 'transfer', args: { n: 1 } });
    const decoded = decodeTx(tx.bytes);
    t.equal(decoded.suite, suite.id);
    t.ok(verifyTxSignature(decoded), `${suite.id} signature verifies`);
  }
  t.end();
});

t.test('src is isomorphic: no Node built-ins or Node-only globals (but the Node-only entry, @konsortium/client/node)', async (t) => {
  const { readdir, readFile } = await import('node:fs/promises');
  const dir = new URL('../src/', import.meta.url);
  for (const f of await readdir(dir)) {
    if (f === 'node-fetch.ts') continue;
    const text = await readFile(new URL(f, dir), 'utf8');
    t.notMatch(text, /from ['"]node:|require\(|\bBuffer\b|\bprocess\./, `${f} uses no Node-only API`);
  }
});
