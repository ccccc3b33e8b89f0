// Property checks every signature suite must pass: round trip, and any single-bit flip of the
// message or of the signature is refused. Keys come from a fixed-size random seed fed to
// generateKeyPair, so fast-check can shrink failing keys too.
import fc from 'fast-check';
import type { Test } from 'tap';
import type { CryptoSuite } from '../src/crypto/suite.js';

export interface SuitePropertyOptions {
  /** Bytes generateKeyPair draws from its random source. */
  readonly seedBytes: number;
  readonly numRuns: number;
}

function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(b);
  const i = bit % (b.length * 8);
  out[i >> 3]! ^= 1 << (i & 7);
  return out;
}

export function suiteProperties(t: Test, suite: CryptoSuite, opts: SuitePropertyOptions): void {
  const seed = fc.uint8Array({ minLength: opts.seedBytes, maxLength: opts.seedBytes });
  const message = fc.uint8Array({ minLength: 0, maxLength: 256 });

  t.test('property: sign/verify round trip for random keys and messages', async (t) => {
    fc.assert(
      fc.property(seed, message, (s, m) => {
        const { privateKey, publicKey } = suite.generateKeyPair(() => s);
        const sig = suite.sign(privateKey, m);
        return sig.length === suite.signatureBytes && suite.verify(publicKey, m, sig);
      }),
      { numRuns: opts.numRuns },
    );
    t.pass('round trip holds');
  });

  t.test('property: any single-bit flip in message or signature fails verification', async (t) => {
    fc.assert(
      fc.property(seed, message.filter((m) => m.length > 0), fc.nat(), fc.nat(), (s, m, msgBit, sigBit) => {
        const { privateKey, publicKey } = suite.generateKeyPair(() => s);
        const sig = suite.sign(privateKey, m);
        return !suite.verify(publicKey, flipBit(m, msgBit), sig) && !suite.verify(publicKey, m, flipBit(sig, sigBit));
      }),
      { numRuns: opts.numRuns },
    );
    t.pass('bit flips are rejected');
  });
}
