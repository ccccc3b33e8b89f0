// The canonical binary codec (codec/bytes.ts) and strict hex (codec/hex.ts): round trips, and
// every malformed input refused with a coded ProtocolError.
import { runIsolated } from './isolated.js';
import fc from 'fast-check';
import t from 'tap';
import { ByteReader, ByteWriter, bytesEqual, concatBytes, fromHex, fromUtf8, ProtocolError, registryBucket, toHex, utf8 } from '../src/index.js';

const MALFORMED = { name: 'ProtocolError', code: 'MALFORMED' };

type Field =
  | { readonly t: 'u8' | 'u16' | 'u32' | 'u64'; readonly v: number }
  | { readonly t: 'bytes8' | 'bytes16' | 'bytes32'; readonly v: Uint8Array }
  | { readonly t: 'str8'; readonly v: string };

const fieldArb: fc.Arbitrary<Field> = fc.oneof(
  fc.integer({ min: 0, max: 0xff }).map((v) => ({ t: 'u8', v }) as const),
  fc.integer({ min: 0, max: 0xffff }).map((v) => ({ t: 'u16', v }) as const),
  fc.integer({ min: 0, max: 0xffffffff }).map((v) => ({ t: 'u32', v }) as const),
  fc.oneof(fc.constantFrom(0, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER), fc.maxSafeNat()).map((v) => ({ t: 'u64', v }) as const),
  fc.uint8Array({ maxLength: 40 }).map((v) => ({ t: 'bytes8', v }) as const),
  fc.uint8Array({ maxLength: 40 }).map((v) => ({ t: 'bytes16', v }) as const),
  fc.uint8Array({ maxLength: 40 }).map((v) => ({ t: 'bytes32', v }) as const),
  fc.string({ unit: 'binary', maxLength: 12 }).map((v) => ({ t: 'str8', v }) as const),
);

function write(fields: readonly Field[]): Uint8Array {
  const w = new ByteWriter(1); // tiny, so growth is exercised
  for (const f of fields) {
    switch (f.t) {
      case 'str8':
        w.str8(f.v);
        break;
      case 'bytes8':
      case 'bytes16':
      case 'bytes32':
        w[f.t](f.v);
        break;
      default:
        w[f.t](f.v);
    }
  }
  return w.finish();
}

function read(bytes: Uint8Array, schema: readonly Field[]): unknown[] {
  const r = new ByteReader(bytes);
  const out = schema.map((f) => (f.t === 'str8' ? r.str8() : r[f.t]()));
  r.end('record');
  return out;
}

const plain = (fields: readonly Field[]): unknown[] => fields.map((f) => f.v);

/** Inside properties: a plain boolean (tap assertions per case would be slow). */
function throwsCode(fn: () => unknown, code: string): boolean {
  try {
    fn();
    return false;
  } catch (err) {
    return err instanceof ProtocolError && err.code === code;
  }
}

const same = (a: unknown[], b: unknown[]): boolean =>
  a.length === b.length && a.every((x, i) => (x instanceof Uint8Array ? bytesEqual(x, b[i] as Uint8Array) : Object.is(x, b[i])));

t.test('property: round trip of any record of fields, with exact length', async (t) => {
  fc.assert(
    fc.property(fc.array(fieldArb, { maxLength: 12 }), (fields) => {
      const bytes = write(fields);
      return same(read(bytes, fields), plain(fields));
    }),
    { numRuns: 300 },
  );
  t.pass('round trips');
});

t.test('property: every truncation and any appended byte is MALFORMED', async (t) => {
  fc.assert(
    fc.property(fc.array(fieldArb, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 255 }), (fields, extra) => {
      const bytes = write(fields);
      for (let n = 0; n < bytes.length; n++) {
        if (!throwsCode(() => read(bytes.subarray(0, n), fields), 'MALFORMED')) return false;
      }
      return throwsCode(() => read(concatBytes(bytes, Uint8Array.of(extra)), fields), 'MALFORMED');
    }),
    { numRuns: 100 },
  );
  t.pass('truncations and trailing bytes refused');
});

t.test('fixed-width integers are big-endian', async (t) => {
  const bytes = new ByteWriter().u8(1).u16(0x0203).u32(0x04050607).u64(0x08090a0b0c0d0e).finish();
  t.equal(toHex(bytes), '01' + '0203' + '04050607' + '0008090a0b0c0d0e');
  t.equal(toHex(new ByteWriter().u64(Number.MAX_SAFE_INTEGER).finish()), '001fffffffffffff');
  t.equal(toHex(new ByteWriter().bytes16(Uint8Array.of(0xaa)).bytes32(new Uint8Array(0)).str8('é').finish()), '0001aa' + '00000000' + '02c3a9');
});

t.test('a reader over a subarray at an odd offset reads the right bytes', async (t) => {
  const inner = new ByteWriter().u16(0xbeef).u32(0xdeadbeef).u64(2 ** 40 + 5).str8('ok').finish();
  const outer = concatBytes(Uint8Array.of(0xff, 0xff, 0xff), inner, Uint8Array.of(0xff));
  const r = new ByteReader(outer.subarray(3, 3 + inner.length));
  t.same([r.u16(), r.u32(), r.u64(), r.str8()], [0xbeef, 0xdeadbeef, 2 ** 40 + 5, 'ok']);
  t.equal(r.remaining, 0);
  t.doesNotThrow(() => r.end('inner'));
  t.equal(r.offset, inner.length);
});

t.test('u64 above 2^53 - 1 is refused on read and write', async (t) => {
  const max = Uint8Array.of(0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
  t.equal(new ByteReader(max).u64(), Number.MAX_SAFE_INTEGER);
  for (const hex of ['0020000000000000', '0020000000000001', '8000000000000000', 'ffffffffffffffff']) {
    t.throws(() => new ByteReader(fromHex(hex)).u64(), MALFORMED, hex);
  }
  const invalid = { name: 'ProtocolError', code: 'INVALID_FIELD' };
  for (const v of [2 ** 53, -1, 1.5, NaN, Infinity]) t.throws(() => new ByteWriter().u64(v), invalid, `u64 ${v}`);
  t.throws(() => new ByteWriter().u8(256), invalid);
  t.throws(() => new ByteWriter().u16(0x10000), invalid);
  t.throws(() => new ByteWriter().u32(2 ** 32), invalid);
  t.throws(() => new ByteWriter().u8(-1), invalid);
});

t.test('length prefixes: too long for the prefix is TOO_LARGE; fixed checks the length', async (t) => {
  const tooLarge = { name: 'ProtocolError', code: 'TOO_LARGE' };
  t.throws(() => new ByteWriter().bytes8(new Uint8Array(256)), tooLarge);
  t.throws(() => new ByteWriter().str8('x'.repeat(256)), tooLarge);
  t.throws(() => new ByteWriter().str8('é'.repeat(128)), tooLarge, 'the byte length counts, not the string length');
  t.equal(new ByteWriter().bytes8(new Uint8Array(255)).length, 256);
  t.throws(() => new ByteWriter().bytes16(new Uint8Array(0x10000)), tooLarge);
  t.throws(() => new ByteWriter().fixed(new Uint8Array(31), 32), { code: 'INVALID_FIELD' });
  t.equal(new ByteWriter().fixed(new Uint8Array(32), 32).length, 32);
});

t.test('invalid UTF-8 is MALFORMED, never replaced', async (t) => {
  const bad = [
    [0x80], // lone continuation byte
    [0xff],
    [0xc0, 0x80], // overlong NUL
    [0xe0, 0x80, 0xaf], // overlong '/'
    [0xed, 0xa0, 0x80], // UTF-16 surrogate D800
    [0xe2, 0x82], // truncated sequence
    [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
    [0x61, 0xc3], // valid then truncated
  ];
  for (const b of bad) {
    t.throws(() => fromUtf8(Uint8Array.from(b)), MALFORMED, toHex(Uint8Array.from(b)));
    t.throws(() => new ByteReader(Uint8Array.from([b.length, ...b])).str8(), MALFORMED);
  }
  t.equal(fromUtf8(Uint8Array.of(0xe2, 0x82, 0xac)), '€');
  // A leading BOM is content, not stripped: the decoded string re-encodes to the same bytes.
  const bom = utf8('\ufeffabc');
  t.equal(fromUtf8(bom), '\ufeffabc');
  t.same(utf8(new ByteReader(new ByteWriter().str8('\ufeffx').finish()).str8()), utf8('\ufeffx'));
});

t.test('raw reads are views; bytes8 of a truncated body is MALFORMED', async (t) => {
  const data = Uint8Array.of(3, 1, 2);
  t.throws(() => new ByteReader(data).bytes8(), MALFORMED);
  const r = new ByteReader(Uint8Array.of(1, 2, 3));
  const v = r.raw(2);
  t.same(Array.from(v), [1, 2]);
  t.throws(() => r.raw(2), MALFORMED);
  t.throws(() => r.end('x'), MALFORMED);
  t.throws(() => new ByteReader(new Uint8Array(0)).u8(), ProtocolError);
});

t.test('property: toHex/fromHex round trip, lower case, two digits per byte', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      const h = toHex(b);
      return h.length === 2 * b.length && /^[0-9a-f]*$/.test(h) && bytesEqual(fromHex(h), b) && bytesEqual(fromHex(h, b.length), b);
    }),
    { numRuns: 200 },
  );
  t.pass('hex round trips');
  t.equal(toHex(Uint8Array.of(0, 1, 0xab, 0xff)), '0001abff');
});

t.test('fromHex is strict: odd length, upper case, non-hex, prefixes and wrong lengths', async (t) => {
  for (const s of ['0', 'abc', 'AB', 'aB', '0A', 'zz', '0g', ' 00', '00 ', '0x00', '+1', '-1', 'é0', '\u0660\u0660', '00\n']) {
    t.throws(() => fromHex(s), MALFORMED, JSON.stringify(s));
  }
  t.same(fromHex(''), new Uint8Array(0));
  t.throws(() => fromHex('0011', 3), { name: 'ProtocolError', code: 'INVALID_FIELD' });
  t.throws(() => fromHex('00'.repeat(33), 32), { code: 'INVALID_FIELD' });
  t.same(Array.from(fromHex('00ff10', 3)), [0, 255, 16]);
});

t.test('property: fromHex accepts exactly what the plain definition accepts, with the same bytes', async (t) => {
  const reference = (h: string): number[] | null => (h.length % 2 === 0 && /^[0-9a-f]*$/.test(h) ? (h.match(/../g) ?? []).map((x) => parseInt(x, 16)) : null);
  const chars = fc.constantFrom(...'0123456789abcdefABCDEFgxz \u00e9\u0660\uff10'.split(''));
  fc.assert(
    fc.property(fc.array(chars, { maxLength: 40 }).map((cs) => cs.join('')), (h) => {
      const want = reference(h);
      let got: number[] | null;
      try {
        got = Array.from(fromHex(h));
      } catch {
        got = null;
      }
      return JSON.stringify(got) === JSON.stringify(want);
    }),
    { numRuns: 3000 },
  );
  t.pass('fromHex agrees with the definition on 3000 strings');
});

t.test('bytesEqual and concatBytes', async (t) => {
  t.ok(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)));
  t.notOk(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3)));
  t.notOk(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0)));
  t.ok(bytesEqual(new Uint8Array(0), new Uint8Array(0)));
  t.same(Array.from(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3))), [1, 2, 3]);
  t.equal(concatBytes().length, 0);
});


t.test('a ByteWriter created with initialBytes 0 grows instead of looping forever', async (t) => {
  const r = await runIsolated(import.meta.url, '../src/codec/bytes.js', `return Array.from(new P.ByteWriter(0).u8(7).u32(1).finish());`);
  t.equal(r.outcome, 'ok', `new ByteWriter(0).u8(7) must return (${r.outcome}): ${r.output.slice(0, 300)}`);
  t.same(r.value, [7, 0, 0, 0, 1]);
});

t.test('registryBucket: FNV-1a 32 of the UTF-8 bytes modulo the count (published vectors), spread, bad counts refused', async (t) => {
  // FNV-1a 32-bit test vectors (draft-eastlake-fnv): "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
  t.equal(registryBucket('', 2 ** 16), 0x811c9dc5 % 2 ** 16);
  t.equal(registryBucket('a', 65_536), 0xe40c292c % 65_536);
  t.equal(registryBucket('foobar', 65_521), 0xbf9cf968 % 65_521);
  t.equal(registryBucket('foobar', 1), 0);
  const counts = new Array<number>(16).fill(0);
  for (let i = 0; i < 1600; i++) counts[registryBucket(`investor-${i}`, 16)]!++;
  t.ok(Math.min(...counts) > 50 && Math.max(...counts) < 150, `1600 ids spread over 16 buckets: ${counts.join(',')}`);
  for (const bad of [0, -1, 1.5, 65_537, Number.NaN]) t.throws(() => registryBucket('x', bad), RangeError);
});
