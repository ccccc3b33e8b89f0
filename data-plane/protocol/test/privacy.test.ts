// The encryption layer (src/privacy): published vectors for every primitive it is built on,
// properties of threshold sharing and of the three kinds of box, error codes at the edges, and
// a cross-check of the pluggable X25519 against OpenSSL (node:crypto).
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ristretto255 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import t, { type Test } from 'tap';
import {
  AEAD_KEY_BYTES,
  AEAD_OVERHEAD,
  aeadOpen,
  aeadSeal,
  BALLOT_BOX_OVERHEAD,
  combineShares,
  concatBytes,
  contentHash,
  dataKeyOf,
  decodePoint,
  MAX_SHARES,
  nobleX25519,
  openBallotBox,
  openSealed,
  plaintextHash,
  PrivacyError,
  publicPointOf,
  randomScalar,
  type RandomSource,
  SCALAR_ORDER,
  scalarFromBytes,
  scalarToBytes,
  SEALED_OVERHEAD,
  sealTo,
  sealToBallot,
  type Share,
  splitSecret,
  verifyShare,
  votePseudonym,
  type X25519Backend,
  x25519KeyPair,
  x25519PublicKey,
} from '../src/index.js';
import {
  RFC5869_A1,
  RFC7748_DH,
  RFC7748_X25519,
  RISTRETTO_INVALID,
  RISTRETTO_MULTIPLES,
  RISTRETTO_ORDER,
  X25519_LOW_ORDER,
  XCHACHA_A31,
} from './privacy-vectors.js';

const hex = bytesToHex;
const hb = hexToBytes;
const L = RISTRETTO_ORDER;

/** The PrivacyError code `fn` throws, 'returned' if it does not throw, or a description of another error. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof PrivacyError) return e.code;
    return `not a PrivacyError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
  }
  return 'returned';
}

/** A reproducible RandomSource: SHA-256(seed ‖ counter) blocks, so fast-check can replay and shrink. */
function seededRandom(seed: Uint8Array): RandomSource {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let o = 0; o < n; o += 32) {
      const c = counter++;
      const block = sha256(concatBytes(seed, Uint8Array.of(c >>> 24, (c >>> 16) & 255, (c >>> 8) & 255, c & 255)));
      out.set(block.subarray(0, Math.min(32, n - o)), o);
    }
    return out;
  };
}

/** A RandomSource that hands out exactly `chunks`, in order, and fails on any other request. */
function scriptedRandom(...chunks: Uint8Array[]): RandomSource & { readonly left: () => number } {
  const queue = [...chunks];
  const fn = (n: number): Uint8Array => {
    const next = queue.shift();
    if (next === undefined) throw new Error(`scripted random source exhausted (asked for ${n} bytes)`);
    if (next.length !== n) throw new Error(`scripted random source: asked for ${n} bytes, next chunk has ${next.length}`);
    return Uint8Array.from(next);
  };
  return Object.assign(fn, { left: () => queue.length });
}

function xorAt(b: Uint8Array, i: number, mask: number): Uint8Array {
  const out = Uint8Array.from(b);
  out[i] = out[i]! ^ mask;
  return out;
}

function flipBit(b: Uint8Array, bit: number): Uint8Array {
  return xorAt(b, bit >> 3, 1 << (bit & 7));
}

/** 64 bytes little-endian: what randomScalar reduces modulo L. */
const le64 = (v: bigint): Uint8Array => {
  const out = new Uint8Array(64);
  let x = v;
  for (let i = 0; i < 64; i++, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
};

/** One tap assertion per property: fails with fast-check's counterexample report. */
function holds<Ts>(t: Test, name: string, prop: fc.IRawProperty<Ts, false>, numRuns: number): void {
  const details = fc.check(prop, { numRuns });
  t.notOk(details.failed, details.failed ? `${name}\n${fc.defaultReportMessage(details) ?? ''}` : name);
}

// ---------------------------------------------------------------------------------------------
// An X25519 backend on node:crypto (OpenSSL), as a server would plug in.

const X25519_PKCS8_PREFIX = hb('302e020100300506032b656e04220420');

function nodePrivateKey(priv: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(concatBytes(X25519_PKCS8_PREFIX, priv)), format: 'der', type: 'pkcs8' });
}

function nodePublicKey(pub: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(pub).toString('base64url') }, format: 'jwk' });
}

const nodeX25519: X25519Backend = {
  publicKey(priv) {
    const jwk = createPublicKey(nodePrivateKey(priv)).export({ format: 'jwk' });
    return new Uint8Array(Buffer.from(jwk.x!, 'base64url'));
  },
  sharedSecret(priv, pub) {
    return new Uint8Array(diffieHellman({ privateKey: nodePrivateKey(priv), publicKey: nodePublicKey(pub) }));
  },
};

/** An X25519 that, like TweetNaCl's scalarMult, returns the all-zero value for a low-order key instead of throwing. */
const laxX25519: X25519Backend = {
  publicKey: (priv) => nobleX25519.publicKey(priv),
  sharedSecret(priv, pub) {
    try {
      return nobleX25519.sharedSecret(priv, pub);
    } catch {
      return new Uint8Array(32);
    }
  },
};

// =============================================================================================
// 1. Published known-answer vectors.

t.test('X25519: RFC 7748 §5.2 single-iteration vectors, through both backends', async (t) => {
  for (const [i, v] of RFC7748_X25519.entries()) {
    t.equal(hex(nobleX25519.sharedSecret(hb(v.scalar), hb(v.u))), v.out, `vector ${i + 1}: noble`);
    t.equal(hex(nodeX25519.sharedSecret(hb(v.scalar), hb(v.u))), v.out, `vector ${i + 1}: node:crypto`);
  }
});

t.test('X25519: RFC 7748 §6.1 Diffie-Hellman', async (t) => {
  const v = RFC7748_DH;
  t.equal(hex(x25519PublicKey(hb(v.alicePrivate))), v.alicePublic, "Alice's public key (default backend)");
  t.equal(hex(x25519PublicKey(hb(v.bobPrivate))), v.bobPublic, "Bob's public key (default backend)");
  for (const [name, backend] of [
    ['noble', nobleX25519],
    ['node:crypto', nodeX25519],
  ] as const) {
    t.equal(hex(x25519PublicKey(hb(v.alicePrivate), backend)), v.alicePublic, `${name}: Alice's public key`);
    t.equal(hex(x25519PublicKey(hb(v.bobPrivate), backend)), v.bobPublic, `${name}: Bob's public key`);
    t.equal(hex(backend.sharedSecret(hb(v.alicePrivate), hb(v.bobPublic))), v.shared, `${name}: K from Alice's side`);
    t.equal(hex(backend.sharedSecret(hb(v.bobPrivate), hb(v.alicePublic))), v.shared, `${name}: K from Bob's side`);
  }
  // The key pair helper takes its private key from the random source as is.
  const kp = x25519KeyPair(scriptedRandom(hb(v.alicePrivate)));
  t.equal(hex(kp.privateKey), v.alicePrivate);
  t.equal(hex(kp.publicKey), v.alicePublic, 'x25519KeyPair from injected randomness');
});

t.test('HKDF-SHA256: RFC 5869 A.1 (the hkdf import the layer uses)', async (t) => {
  const v = RFC5869_A1;
  t.equal(hex(hkdf(sha256, hb(v.ikm), hb(v.salt), hb(v.info), v.length)), v.okm);
});

t.test('XChaCha20-Poly1305: draft-irtf-cfrg-xchacha-03 A.3.1', async (t) => {
  const v = XCHACHA_A31;
  const key = hb(v.key);
  const aad = hb(v.aad);
  const pt = utf8ToBytes(v.plaintext);
  const wire = concatBytes(hb(v.nonce), hb(v.ciphertext), hb(v.tag));
  t.equal(pt.length, hb(v.ciphertext).length, 'plaintext and ciphertext have the same length');
  t.equal(hex(aeadOpen(key, wire, aad)), hex(pt), 'aeadOpen opens nonce ‖ ciphertext ‖ tag');
  const rnd = scriptedRandom(hb(v.nonce));
  t.equal(hex(aeadSeal(key, pt, aad, rnd)), hex(wire), 'aeadSeal with that nonce produces exactly the vector');
  t.equal(rnd.left(), 0, 'aeadSeal drew exactly one nonce');
  t.equal(codeOf(() => aeadOpen(key, xorAt(wire, wire.length - 1, 1), aad)), 'DECRYPT_FAILED', 'altered tag');
  t.equal(codeOf(() => aeadOpen(key, wire, aad.subarray(1))), 'DECRYPT_FAILED', 'other aad');
  t.equal(codeOf(() => aeadOpen(key, wire, new Uint8Array(0))), 'DECRYPT_FAILED', 'no aad');
});

t.test('ristretto255: RFC 9496 A.1 multiples of the generator', async (t) => {
  t.equal(SCALAR_ORDER, L, 'SCALAR_ORDER is the group order of RFC 9496 / RFC 8032');
  const B = decodePoint(hb(RISTRETTO_MULTIPLES[1]));
  for (const [k, enc] of RISTRETTO_MULTIPLES.entries()) {
    const P = decodePoint(hb(enc));
    t.equal(hex(P.toBytes()), enc, `decode/encode round trip of ${k}·B`);
    t.equal(P.is0(), k === 0, `${k}·B ${k === 0 ? 'is' : 'is not'} the identity`);
    if (k >= 1) {
      t.equal(hex(publicPointOf(BigInt(k))), enc, `publicPointOf(${k})`);
      t.ok(P.equals(decodePoint(hb(RISTRETTO_MULTIPLES[k - 1]!)).add(B)), `${k}·B = ${k - 1}·B + B`);
    }
  }
  t.equal(hex(publicPointOf(L - 1n)), hex(decodePoint(hb(RISTRETTO_MULTIPLES[1])).multiply(L - 1n).toBytes()), '(L−1)·B');
  t.not(hex(publicPointOf(L - 1n)), RISTRETTO_MULTIPLES[1], '(L−1)·B is −B, not B');
});

t.test('ristretto255: RFC 9496 A.2 invalid encodings are INVALID_KEY', async (t) => {
  let n = 0;
  for (const [reason, list] of Object.entries(RISTRETTO_INVALID)) {
    for (const enc of list) {
      t.equal(codeOf(() => decodePoint(hb(enc))), 'INVALID_KEY', `${reason}: ${enc}`);
      n++;
    }
  }
  t.equal(n, 29, 'all 29 listed encodings were tried');
  t.equal(codeOf(() => decodePoint(new Uint8Array(31))), 'INVALID_KEY', '31 bytes');
  t.equal(codeOf(() => decodePoint(new Uint8Array(33))), 'INVALID_KEY', '33 bytes');
  const bad = hb(RISTRETTO_INVALID['non-square x^2']![0]!);
  t.equal(codeOf(() => sealToBallot(bad, new Uint8Array(1), new Uint8Array(0))), 'INVALID_KEY', 'sealToBallot refuses an invalid ballot key');
  t.equal(codeOf(() => sealToBallot(hb(RISTRETTO_MULTIPLES[0]), new Uint8Array(1), new Uint8Array(0))), 'INVALID_KEY', 'and the identity as a ballot key');
  const share: Share = { index: 1, value: scalarToBytes(1n) };
  t.equal(verifyShare(share, [hb(RISTRETTO_MULTIPLES[1])]), true, 'share 1 of the constant polynomial 1 verifies against C_0 = B');
  t.equal(verifyShare(share, [bad]), false, 'but not against an invalid commitment');
  t.equal(verifyShare(share, []), false, 'nor against no commitments');
});

// =============================================================================================
// 2. Properties.

const scalarArb = fc.bigInt({ min: 1n, max: L - 1n });
const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

t.test('property: any t distinct shares, in any order and with repeats, rebuild the secret', async (t) => {
  const stats = { runs: 0, withRepeats: 0, moreThanT: 0 };
  const arb = fc
    .record({ secret: scalarArb, n: fc.integer({ min: 1, max: 6 }), seed: seedArb })
    .chain((r) => fc.record({ r: fc.constant(r), t: fc.integer({ min: 1, max: r.n }) }))
    .chain(({ r, t }) =>
      fc.record({
        r: fc.constant(r),
        t: fc.constant(t),
        subset: fc.shuffledSubarray([...Array(r.n).keys()], { minLength: t }),
        repeats: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 3 }),
      }),
    );
  holds(
    t,
    'split, verify, combine',
    fc.property(arb, ({ r, t: th, subset, repeats }) => {
      const d = splitSecret(r.secret, th, r.n, seededRandom(r.seed));
      if (d.shares.length !== r.n || d.commitments.length !== th) return false;
      if (d.shares.some((s, i) => s.index !== i + 1 || s.value.length !== 32)) return false;
      if (hex(d.commitments[0]!) !== hex(publicPointOf(r.secret))) return false;
      if (!d.shares.every((s) => verifyShare(s, d.commitments))) return false;
      const picked: Share[] = subset.map((i) => d.shares[i]!);
      for (const [which, where] of repeats) picked.splice(where % (picked.length + 1), 0, picked[which % picked.length]!);
      stats.runs++;
      if (repeats.length > 0) stats.withRepeats++;
      if (subset.length > th) stats.moreThanT++;
      return combineShares(picked, th) === r.secret;
    }),
    40,
  );
  t.equal(stats.runs, 40);
  t.ok(stats.withRepeats > 0, `runs with repeated shares: ${stats.withRepeats}`);
  t.ok(stats.moreThanT > 0, `runs with more than t shares: ${stats.moreThanT}`);
});

t.test('property: t − 1 shares do not rebuild the secret', async (t) => {
  const arb = fc
    .record({ secret: scalarArb, n: fc.integer({ min: 2, max: 6 }), seed: seedArb })
    .chain((r) => fc.record({ r: fc.constant(r), t: fc.integer({ min: 2, max: r.n }) }))
    .chain(({ r, t }) => fc.record({ r: fc.constant(r), t: fc.constant(t), subset: fc.shuffledSubarray([...Array(r.n).keys()], { minLength: t - 1, maxLength: t - 1 }) }));
  holds(
    t,
    't − 1 shares fail',
    fc.property(arb, ({ r, t: th, subset }) => {
      const d = splitSecret(r.secret, th, r.n, seededRandom(r.seed));
      const few = subset.map((i) => d.shares[i]!);
      if (codeOf(() => combineShares(few, th)) !== 'NOT_ENOUGH_SHARES') return false;
      // Repeating the shares does not make them count twice.
      if (codeOf(() => combineShares([...few, ...few], th)) !== 'NOT_ENOUGH_SHARES') return false;
      // Interpolating them as if the threshold were t − 1 gives some other scalar, and the
      // check the callers are told to make (against C_0) catches it.
      const wrong = combineShares(few, th - 1);
      if (wrong === r.secret) return false;
      return wrong === 0n || hex(publicPointOf(wrong)) !== hex(d.commitments[0]!);
    }),
    40,
  );
});

t.test('property: an altered share, another index, or another dealing fails verifyShare', async (t) => {
  const arb = fc
    .record({ secret: scalarArb, other: scalarArb, n: fc.integer({ min: 2, max: 5 }), seed: seedArb, seed2: seedArb, bit: fc.integer({ min: 0, max: 255 }) })
    .chain((r) => fc.record({ r: fc.constant(r), t: fc.integer({ min: 2, max: r.n }), which: fc.nat({ max: r.n - 1 }), newIndex: fc.integer({ min: 1, max: MAX_SHARES }) }));
  const seen = { flippedOutOfRange: 0, flippedInRange: 0 };
  holds(
    t,
    'tampered shares fail verifyShare',
    fc.property(arb, ({ r, t: th, which, newIndex }) => {
      fc.pre(r.secret !== r.other);
      const d = splitSecret(r.secret, th, r.n, seededRandom(r.seed));
      const s = d.shares[which]!;
      if (!verifyShare(s, d.commitments)) return false;
      const flipped = flipBit(s.value, r.bit);
      if (codeOf(() => scalarFromBytes(flipped)) === 'returned') seen.flippedInRange++;
      else seen.flippedOutOfRange++;
      if (verifyShare({ index: s.index, value: flipped }, d.commitments)) return false;
      const idx = newIndex === s.index ? (newIndex % MAX_SHARES) + 1 : newIndex;
      if (verifyShare({ index: idx, value: s.value }, d.commitments)) return false;
      // Same secret, fresh coefficients: C_0 agrees, the rest do not.
      const again = splitSecret(r.secret, th, r.n, seededRandom(r.seed2));
      if (hex(again.commitments[0]!) !== hex(d.commitments[0]!)) return false;
      if (verifyShare(s, again.commitments)) return false;
      const other = splitSecret(r.other, th, r.n, seededRandom(r.seed));
      return !verifyShare(s, other.commitments);
    }),
    30,
  );
  t.ok(seen.flippedInRange > 0, `flips that leave a canonical scalar were tried: ${seen.flippedInRange}`);
  t.equal(verifyShare({ index: 0, value: scalarToBytes(1n) }, [publicPointOf(1n)]), false, 'index 0 is never a share');
  t.equal(verifyShare({ index: 256, value: scalarToBytes(1n) }, [publicPointOf(1n)]), false, 'index 256 is never a share');
  t.equal(verifyShare({ index: 1.5, value: scalarToBytes(1n) }, [publicPointOf(1n)]), false, 'a fractional index is never a share');
  t.equal(verifyShare({ index: 1, value: new Uint8Array(31) }, [publicPointOf(1n)]), false, 'a short value is never a share');
});

/** Where a byte of a sealed box sits: 0 version, 1..32 ephemeral key, then nonce, ciphertext, tag. */
function sealedRegion(i: number, len: number): 'version' | 'ephemeral' | 'nonce' | 'ciphertext' | 'tag' {
  if (i === 0) return 'version';
  if (i < 33) return 'ephemeral';
  if (i < 33 + 24) return 'nonce';
  if (i < len - 16) return 'ciphertext';
  return 'tag';
}

t.test('property: sealTo/openSealed round trip; anything else is refused with its code', async (t) => {
  const regions: Record<string, number> = {};
  const arb = fc.record({
    recipientSeed: seedArb,
    otherSeed: seedArb,
    sealSeed: seedArb,
    pt: fc.uint8Array({ minLength: 0, maxLength: 48 }),
    context: fc.string({ maxLength: 24 }),
    otherContext: fc.string({ maxLength: 24 }),
    picks: fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
    mask: fc.integer({ min: 1, max: 255 }),
    cut: fc.nat(),
  });
  holds(
    t,
    'sealed box round trip and refusals',
    fc.property(arb, (a) => {
      fc.pre(a.context !== a.otherContext);
      const me = x25519KeyPair(seededRandom(a.recipientSeed));
      const other = x25519KeyPair(seededRandom(a.otherSeed));
      fc.pre(hex(me.publicKey) !== hex(other.publicKey));
      const box = sealTo(me.publicKey, a.pt, a.context, { random: seededRandom(a.sealSeed) });
      if (box.length !== a.pt.length + SEALED_OVERHEAD || box[0] !== 1) return false;
      if (hex(openSealed(me.privateKey, box, a.context)) !== hex(a.pt)) return false;
      if (hex(openSealed(me.privateKey, box, a.context, { recipient: me.publicKey })) !== hex(a.pt)) return false;
      if (codeOf(() => openSealed(other.privateKey, box, a.context)) !== 'DECRYPT_FAILED') return false;
      if (codeOf(() => openSealed(me.privateKey, box, a.otherContext, { recipient: me.publicKey })) !== 'DECRYPT_FAILED') return false;
      // The recipient's public key is bound into the key derivation.
      if (codeOf(() => openSealed(me.privateKey, box, a.context, { recipient: other.publicKey })) !== 'DECRYPT_FAILED') return false;
      // One altered byte in each region of the box (the tag and nonce always exist; the ciphertext when pt is non-empty).
      const starts = [0, 1, 33, 57, box.length - 16];
      const sizes = [1, 32, 24, box.length - 16 - 57, 16];
      for (const [k, p] of a.picks.entries()) {
        if (sizes[k] === 0) continue;
        const i = starts[k]! + (p % sizes[k]!);
        const region = sealedRegion(i, box.length);
        regions[region] = (regions[region] ?? 0) + 1;
        const want = region === 'version' ? 'MALFORMED' : 'DECRYPT_FAILED';
        if (codeOf(() => openSealed(me.privateKey, xorAt(box, i, a.mask), a.context, { recipient: me.publicKey })) !== want) return false;
      }
      // Truncation: below the fixed overhead the box is MALFORMED, above it the tag fails.
      const len = a.cut % box.length;
      const want = len < SEALED_OVERHEAD ? 'MALFORMED' : 'DECRYPT_FAILED';
      if (codeOf(() => openSealed(me.privateKey, box.subarray(0, len), a.context, { recipient: me.publicKey })) !== want) return false;
      if (codeOf(() => openSealed(me.privateKey, box.subarray(0, box.length - 1), a.context, { recipient: me.publicKey })) !== (a.pt.length === 0 ? 'MALFORMED' : 'DECRYPT_FAILED')) return false;
      return codeOf(() => openSealed(me.privateKey, concatBytes(box, Uint8Array.of(0)), a.context, { recipient: me.publicKey })) === 'DECRYPT_FAILED';
    }),
    40,
  );
  for (const r of ['version', 'ephemeral', 'nonce', 'ciphertext', 'tag']) t.ok((regions[r] ?? 0) > 0, `flips in the ${r} were tried: ${regions[r] ?? 0}`);
});

t.test('property: sealToBallot/openBallotBox round trip; anything else is refused', async (t) => {
  const rCodes: Record<string, number> = {};
  const arb = fc.record({
    x: scalarArb,
    y: scalarArb,
    sealSeed: seedArb,
    pt: fc.uint8Array({ minLength: 0, maxLength: 48 }),
    aad: fc.uint8Array({ minLength: 0, maxLength: 16 }),
    aad2: fc.uint8Array({ minLength: 0, maxLength: 16 }),
    inR: fc.nat({ max: 31 }),
    inAead: fc.nat(),
    mask: fc.integer({ min: 1, max: 255 }),
  });
  holds(
    t,
    'ballot box round trip and refusals',
    fc.property(arb, (a) => {
      fc.pre(a.x !== a.y && hex(a.aad) !== hex(a.aad2));
      const X = publicPointOf(a.x);
      const Y = publicPointOf(a.y);
      const box = sealToBallot(X, a.pt, a.aad, seededRandom(a.sealSeed));
      if (box.length !== a.pt.length + BALLOT_BOX_OVERHEAD) return false;
      if (hex(openBallotBox(a.x, X, box, a.aad)) !== hex(a.pt)) return false;
      if (codeOf(() => openBallotBox(a.y, X, box, a.aad)) !== 'DECRYPT_FAILED') return false;
      if (codeOf(() => openBallotBox(a.x, Y, box, a.aad)) !== 'DECRYPT_FAILED') return false;
      if (codeOf(() => openBallotBox(a.x, X, box, a.aad2)) !== 'DECRYPT_FAILED') return false;
      const rc = codeOf(() => openBallotBox(a.x, X, xorAt(box, a.inR, a.mask), a.aad));
      rCodes[rc] = (rCodes[rc] ?? 0) + 1;
      if (rc !== 'DECRYPT_FAILED' && rc !== 'INVALID_KEY') return false;
      const j = 32 + (a.inAead % (box.length - 32));
      return codeOf(() => openBallotBox(a.x, X, xorAt(box, j, a.mask), a.aad)) === 'DECRYPT_FAILED';
    }),
    40,
  );
  t.ok((rCodes.INVALID_KEY ?? 0) > 0, `altered R bytes that make R non-canonical were tried: ${JSON.stringify(rCodes)}`);

  // Both outcomes for R, made deterministic: another valid element, an invalid one, the identity.
  const x = 0x1234_5678_9abc_def0n;
  const X = publicPointOf(x);
  const box = sealToBallot(X, utf8ToBytes('yes'), utf8ToBytes('ballot-1'));
  t.equal(hex(openBallotBox(x, X, box, utf8ToBytes('ballot-1'))), hex(utf8ToBytes('yes')));
  const withR = (R: Uint8Array): Uint8Array => concatBytes(R, box.subarray(32));
  t.equal(codeOf(() => openBallotBox(x, X, withR(hb(RISTRETTO_MULTIPLES[2])), utf8ToBytes('ballot-1'))), 'DECRYPT_FAILED', 'R replaced by another valid element');
  t.equal(codeOf(() => openBallotBox(x, X, withR(hb(RISTRETTO_INVALID['negative field elements']![0]!)), utf8ToBytes('ballot-1'))), 'INVALID_KEY', 'R replaced by a non-canonical encoding');
  t.equal(codeOf(() => openBallotBox(x, X, withR(new Uint8Array(32)), utf8ToBytes('ballot-1'))), 'DECRYPT_FAILED', 'R replaced by the identity');
  t.equal(codeOf(() => openBallotBox(x, X, box.subarray(0, BALLOT_BOX_OVERHEAD - 1), utf8ToBytes('ballot-1'))), 'MALFORMED', 'shorter than the overhead');
  t.equal(codeOf(() => openBallotBox(0n, X, box, utf8ToBytes('ballot-1'))), 'INVALID_KEY', 'secret 0');
  t.equal(codeOf(() => openBallotBox(L, X, box, utf8ToBytes('ballot-1'))), 'INVALID_KEY', 'secret L');
});

t.test('property: aeadSeal/aeadOpen round trip; tampering, wrong key or aad, wrong key length', async (t) => {
  const arb = fc.record({
    key: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    key2: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    nonceSeed: seedArb,
    pt: fc.uint8Array({ maxLength: 64 }),
    aad: fc.uint8Array({ maxLength: 16 }),
    at: fc.nat(),
    mask: fc.integer({ min: 1, max: 255 }),
    badLen: fc.integer({ min: 0, max: 64 }).filter((n) => n !== AEAD_KEY_BYTES),
    cut: fc.nat({ max: AEAD_OVERHEAD - 1 }),
  });
  holds(
    t,
    'AEAD round trip and refusals',
    fc.property(arb, (a) => {
      fc.pre(hex(a.key) !== hex(a.key2));
      const box = aeadSeal(a.key, a.pt, a.aad, seededRandom(a.nonceSeed));
      if (box.length !== a.pt.length + AEAD_OVERHEAD) return false;
      if (hex(box.subarray(0, 24)) !== hex(seededRandom(a.nonceSeed)(24))) return false;
      if (hex(aeadOpen(a.key, box, a.aad)) !== hex(a.pt)) return false;
      if (codeOf(() => aeadOpen(a.key, xorAt(box, a.at % box.length, a.mask), a.aad)) !== 'DECRYPT_FAILED') return false;
      if (codeOf(() => aeadOpen(a.key2, box, a.aad)) !== 'DECRYPT_FAILED') return false;
      if (codeOf(() => aeadOpen(a.key, box, concatBytes(a.aad, Uint8Array.of(0)))) !== 'DECRYPT_FAILED') return false;
      if (codeOf(() => aeadOpen(a.key, box.subarray(0, a.cut), a.aad)) !== 'MALFORMED') return false;
      if (codeOf(() => aeadSeal(new Uint8Array(a.badLen), a.pt, a.aad)) !== 'INVALID_KEY') return false;
      return codeOf(() => aeadOpen(new Uint8Array(a.badLen), box, a.aad)) === 'INVALID_KEY';
    }),
    100,
  );
  t.equal(codeOf(() => aeadSeal(new Uint8Array(32), new Uint8Array(1), new Uint8Array(0), () => new Uint8Array(12))), 'MALFORMED', 'a random source returning a short nonce');
});

// =============================================================================================
// 3. Edges and errors.

t.test('splitSecret: parameters out of range', async (t) => {
  const cases: Array<[string, bigint, number, number, string]> = [
    ['t = 0', 5n, 0, 3, 'MALFORMED'],
    ['t > n', 5n, 4, 3, 'MALFORMED'],
    ['n = 0', 5n, 1, 0, 'MALFORMED'],
    ['n = 256', 5n, 2, 256, 'MALFORMED'],
    ['fractional t', 5n, 1.5, 3, 'MALFORMED'],
    ['fractional n', 5n, 1, 2.5, 'MALFORMED'],
    ['secret 0', 0n, 2, 3, 'INVALID_KEY'],
    ['secret L', L, 2, 3, 'INVALID_KEY'],
    ['secret L + 1', L + 1n, 2, 3, 'INVALID_KEY'],
    ['secret −1', -1n, 2, 3, 'INVALID_KEY'],
  ];
  for (const [name, s, th, n, code] of cases) t.equal(codeOf(() => splitSecret(s, th, n)), code, name);
  const d = splitSecret(L - 1n, 2, MAX_SHARES);
  t.equal(d.shares.length, 255, 'n = 255 is allowed');
  t.equal(d.shares[254]!.index, 255);
  t.equal(combineShares([d.shares[254]!, d.shares[0]!], 2), L - 1n, 'shares 255 and 1 rebuild L − 1');
  const one = splitSecret(42n, 1, 3);
  t.same(
    one.shares.map((s) => scalarFromBytes(s.value)),
    [42n, 42n, 42n],
    't = 1: every share is the secret',
  );
  t.equal(combineShares([one.shares[2]!], 1), 42n);
});

t.test('combineShares: threshold and share validation', async (t) => {
  const d = splitSecret(7n, 2, 3);
  t.equal(codeOf(() => combineShares([], 0)), 'MALFORMED', 'threshold 0 with no shares (used to return 0)');
  t.equal(codeOf(() => combineShares(d.shares, 0)), 'MALFORMED', 'threshold 0');
  t.equal(codeOf(() => combineShares(d.shares, 1.5)), 'MALFORMED', 'fractional threshold');
  t.equal(codeOf(() => combineShares(d.shares, 256)), 'MALFORMED', 'threshold 256');
  t.equal(codeOf(() => combineShares(d.shares, -1)), 'MALFORMED', 'negative threshold');
  t.equal(codeOf(() => combineShares([], 1)), 'NOT_ENOUGH_SHARES', 'no shares');
  t.equal(codeOf(() => combineShares([{ index: 0, value: scalarToBytes(7n) }, ...d.shares], 2)), 'MALFORMED', 'index 0');
  t.equal(codeOf(() => combineShares([{ index: 256, value: scalarToBytes(7n) }, ...d.shares], 2)), 'MALFORMED', 'index 256');
  t.equal(codeOf(() => combineShares([{ index: 1, value: scalarToBytes(L - 1n).fill(0xff) }, d.shares[1]!], 2)), 'INVALID_KEY', 'value ≥ L');
  t.equal(combineShares([d.shares[2]!, d.shares[0]!], 2), 7n, 'two shares rebuild');
});

t.test('scalars: encoding, range and randomScalar', async (t) => {
  // L, little-endian (RFC 8032 §5.1 / RFC 9496 §4.4).
  const L_LE = 'edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010';
  const Lminus1 = 'ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010';
  t.equal(scalarFromBytes(hb(Lminus1)), L - 1n, 'L − 1 decodes');
  t.equal(hex(scalarToBytes(L - 1n)), Lminus1, 'L − 1 encodes');
  t.equal(codeOf(() => scalarFromBytes(hb(L_LE))), 'INVALID_KEY', 'L is refused');
  t.equal(codeOf(() => scalarFromBytes(new Uint8Array(32).fill(0xff))), 'INVALID_KEY', '2^256 − 1 is refused');
  t.equal(codeOf(() => scalarFromBytes(new Uint8Array(31))), 'INVALID_KEY', '31 bytes');
  t.equal(codeOf(() => scalarFromBytes(new Uint8Array(33))), 'INVALID_KEY', '33 bytes');
  t.equal(codeOf(() => scalarFromBytes(new Uint8Array(0))), 'INVALID_KEY', '0 bytes');
  t.equal(codeOf(() => scalarToBytes(L)), 'INVALID_KEY', 'scalarToBytes(L)');
  t.equal(codeOf(() => scalarToBytes(-1n)), 'INVALID_KEY', 'scalarToBytes(−1)');
  t.equal(hex(scalarToBytes(0x0102n)), '0201' + '00'.repeat(30), 'little-endian');
  t.equal(scalarFromBytes(scalarToBytes(0n)), 0n, '0 round-trips');
  holds(
    t,
    'scalar encoding round trip',
    fc.property(fc.bigInt({ min: 0n, max: L - 1n }), (s) => scalarFromBytes(scalarToBytes(s)) === s),
    200,
  );
  t.equal(codeOf(() => publicPointOf(0n)), 'INVALID_KEY', 'publicPointOf(0)');
  t.equal(codeOf(() => publicPointOf(L)), 'INVALID_KEY', 'publicPointOf(L)');

  // randomScalar reduces 64 bytes mod L and draws again on 0.
  const rnd = scriptedRandom(le64(L), le64(5n));
  t.equal(randomScalar(rnd), 5n, 'a draw ≡ 0 (mod L) is rejected and the next one used');
  t.equal(rnd.left(), 0);
  t.equal(randomScalar(scriptedRandom(le64(L + 3n))), 3n, 'reduction modulo L');
  t.equal(codeOf(() => randomScalar(() => new Uint8Array(32))), 'MALFORMED', 'a source returning too few bytes');
});

t.test('votePseudonym, dataKeyOf and the hashes', async (t) => {
  const p = votePseudonym('ch', 'ballot-1', 'member-a');
  t.match(p, /^[0-9a-f]{64}$/, '64 hex characters');
  t.equal(votePseudonym('ch', 'ballot-1', 'member-a'), p, 'deterministic');
  t.equal(p, hex(sha256(utf8ToBytes('konsortium:vote-pseudonym:v1\0ch\0ballot-1\0member-a'))), 'the documented domain and layout');
  const others = [
    votePseudonym('ch2', 'ballot-1', 'member-a'),
    votePseudonym('ch', 'ballot-2', 'member-a'),
    votePseudonym('ch', 'ballot-1', 'member-b'),
    votePseudonym('ballot-1', 'ch', 'member-a'),
    votePseudonym('chb', 'allot-1', 'member-a'),
    votePseudonym('ch', 'ballot-1member-a', ''),
  ];
  t.equal(new Set([p, ...others]).size, 7, 'differs per channel, ballot and member, and when text moves across a separator');
  // Ids containing NUL could collide (('a', 'b\0c') vs ('a\0b', 'c')): the layout separates
  // fields with NUL and does not length-prefix them. Ids in this product never contain NUL.

  const k = dataKeyOf(123n);
  t.equal(k.length, 32, 'a data key is 32 bytes');
  t.equal(hex(dataKeyOf(123n)), hex(k), 'deterministic');
  t.not(hex(dataKeyOf(124n)), hex(k), 'another secret, another key');
  t.equal(hex(k), hex(hkdf(sha256, scalarToBytes(123n), new Uint8Array(0), utf8ToBytes('konsortium:data-key:v1'), 32)), 'HKDF-SHA256 over the 32-byte scalar');
  t.equal(codeOf(() => dataKeyOf(L)), 'INVALID_KEY', 'dataKeyOf(L)');

  // FIPS 180-2 "abc".
  t.equal(plaintextHash(utf8ToBytes('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  t.equal(contentHash(utf8ToBytes('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

t.test('sealed box: low-order and malformed X25519 keys are INVALID_KEY', async (t) => {
  for (const lo of X25519_LOW_ORDER) {
    t.equal(codeOf(() => sealTo(hb(lo), new Uint8Array(8), 'ctx')), 'INVALID_KEY', `noble: ${lo.slice(0, 8)}…`);
    t.equal(codeOf(() => sealTo(hb(lo), new Uint8Array(8), 'ctx', { backend: nodeX25519 })), 'INVALID_KEY', `node:crypto: ${lo.slice(0, 8)}…`);
    // A backend that returns the all-zero secret instead of throwing must not produce a box.
    t.equal(codeOf(() => sealTo(hb(lo), new Uint8Array(8), 'ctx', { backend: laxX25519 })), 'INVALID_KEY', `zero-returning backend: ${lo.slice(0, 8)}…`);
  }
  t.equal(codeOf(() => sealTo(new Uint8Array(31), new Uint8Array(8), 'ctx')), 'INVALID_KEY', 'a 31-byte recipient');
  t.equal(codeOf(() => x25519PublicKey(new Uint8Array(33))), 'INVALID_KEY', 'a 33-byte private key');
  const me = x25519KeyPair();
  const box = sealTo(me.publicKey, utf8ToBytes('share'), 'ctx');
  t.equal(codeOf(() => openSealed(new Uint8Array(31), box, 'ctx')), 'INVALID_KEY', 'a 31-byte private key');
  t.throws(() => openSealed(new Uint8Array(31), box, 'ctx', { recipient: me.publicKey }), { code: 'INVALID_KEY', message: /private key is 32 bytes/ }, 'a 31-byte private key with the recipient given');
  // A box whose ephemeral key is of low order cannot have come from sealTo.
  const forged = Uint8Array.from(box);
  forged.set(new Uint8Array(32), 1);
  t.equal(codeOf(() => openSealed(me.privateKey, forged, 'ctx')), 'INVALID_KEY', 'low-order ephemeral key in the box');
  t.equal(codeOf(() => openSealed(me.privateKey, forged, 'ctx', { backend: laxX25519 })), 'INVALID_KEY', 'also with a zero-returning backend');
  t.equal(codeOf(() => openSealed(me.privateKey, xorAt(box, 0, 2), 'ctx')), 'MALFORMED', 'version 3');
});

t.test('sealed box and ballot box: the documented wire layout, rebuilt from the primitives', async (t) => {
  const recipient = hb(RFC7748_DH.bobPublic);
  const eph = hb(RFC7748_DH.alicePrivate);
  const nonce = hb(XCHACHA_A31.nonce);
  const pt = utf8ToBytes('share #3');
  const context = 'record r1 v2 node n3';
  const box = sealTo(recipient, pt, context, { random: scriptedRandom(eph, nonce) });
  const key = hkdf(sha256, hb(RFC7748_DH.shared), concatBytes(hb(RFC7748_DH.alicePublic), recipient), utf8ToBytes(`konsortium:seal:v1\0${context}`), 32);
  const expected = concatBytes(Uint8Array.of(1), hb(RFC7748_DH.alicePublic), nonce, xchacha20poly1305(key, nonce, utf8ToBytes(context)).encrypt(pt));
  t.equal(hex(box), hex(expected), 'version 1 ‖ ephemeral ‖ XChaCha20-Poly1305 under HKDF(shared, eph ‖ recipient, domain ‖ context)');
  t.equal(hex(openSealed(hb(RFC7748_DH.bobPrivate), box, context)), hex(pt), "Bob opens it with the RFC's private key");
  t.equal(SEALED_OVERHEAD, 1 + 32 + 24 + 16);

  const x = 987654321n;
  const X = publicPointOf(x);
  const r = 5n;
  const aad = utf8ToBytes('ballot b1');
  const ballotBox = sealToBallot(X, pt, aad, scriptedRandom(le64(r), nonce));
  const R = hb(RISTRETTO_MULTIPLES[5]);
  const shared = ristretto255.Point.fromBytes(X).multiply(r).toBytes();
  const bkey = hkdf(sha256, shared, concatBytes(R, X), utf8ToBytes('konsortium:ballot-box:v1'), 32);
  t.equal(hex(ballotBox), hex(concatBytes(R, nonce, xchacha20poly1305(bkey, nonce, aad).encrypt(pt))), 'R = r·B ‖ XChaCha20-Poly1305 under HKDF(r·X, R ‖ X)');
  t.equal(hex(openBallotBox(x, X, ballotBox, aad)), hex(pt));
  t.equal(BALLOT_BOX_OVERHEAD, 32 + 24 + 16);
});

// =============================================================================================
// 4. node:crypto X25519 backend against noble.

t.test('property: node:crypto and noble X25519 backends interoperate', async (t) => {
  holds(
    t,
    'backends interoperate',
    fc.property(seedArb, seedArb, fc.uint8Array({ maxLength: 32 }), fc.string({ maxLength: 16 }), (s1, s2, pt, context) => {
      const priv = seededRandom(s1)(32);
      if (hex(nodeX25519.publicKey(priv)) !== hex(nobleX25519.publicKey(priv))) return false;
      const me = x25519KeyPair(seededRandom(s1), nodeX25519);
      const a = sealTo(me.publicKey, pt, context, { random: seededRandom(s2), backend: nobleX25519 });
      const b = sealTo(me.publicKey, pt, context, { random: seededRandom(s2), backend: nodeX25519 });
      if (hex(a) !== hex(b)) return false; // same randomness, same bytes on the wire
      if (hex(openSealed(me.privateKey, a, context, { backend: nodeX25519 })) !== hex(pt)) return false;
      return hex(openSealed(me.privateKey, b, context, { backend: nobleX25519 })) === hex(pt);
    }),
    30,
  );
  const me = x25519KeyPair(undefined, nodeX25519);
  const box = sealTo(me.publicKey, utf8ToBytes('x'), 'c', { backend: nodeX25519 });
  t.equal(codeOf(() => openSealed(x25519KeyPair().privateKey, box, 'c', { backend: nodeX25519 })), 'DECRYPT_FAILED', 'node backend: another key fails');
});
