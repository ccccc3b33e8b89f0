import fc from 'fast-check';
import t from 'tap';
import { LogShape } from '../src/log-shape.js';

t.test('termAt agrees with a plain array through appends, overwrites and snapshots', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.integer({ min: 0, max: 9 })), { maxLength: 80 }), (ops) => {
      const shape = new LogShape(0, 0);
      let base = 0;
      let terms: number[] = []; // terms[i] is the term of entry base + 1 + i
      let term = 1;
      for (const [at, bump, kind] of ops) {
        if (bump) term++;
        const last = base + terms.length;
        if (kind === 0) {
          // A snapshot: at an existing entry with its term (kept), or conflicting / beyond (reset).
          const index = base + (at % (terms.length + 2));
          const sameTerm = index > base && index <= last && at % 2 === 0;
          const t2 = sameTerm ? terms[index - base - 1]! : term + 1;
          if (!sameTerm) term++;
          const outcome = shape.applySnapshot(index, t2);
          if (sameTerm) {
            if (outcome !== 'kept') throw new Error(`expected kept at ${index}`);
          } else {
            if (outcome !== 'reset') throw new Error(`expected reset at ${index}`);
            base = index;
            terms = [];
          }
        } else {
          const index = base + 1 + (at % (terms.length + 1));
          if (shape.checkAppend(index, term) !== null) throw new Error(`append ${index} refused`);
          shape.append(index, term);
          terms.length = index - base - 1;
          terms.push(term);
        }
        if (shape.lastIndex() !== base + terms.length) throw new Error('lastIndex');
        for (let i = 0; i < terms.length; i++) {
          if (shape.termAt(base + 1 + i) !== terms[i]) throw new Error(`termAt ${base + 1 + i}`);
        }
        if (shape.termAt(base + terms.length + 1) !== undefined) throw new Error('beyond last');
      }
    }),
    { numRuns: 300 },
  );
  t.pass('property held');
});

t.test('refusals', async (t) => {
  const s = new LogShape(10, 3);
  t.match(s.checkAppend(12, 3), { kind: 'gap' });
  t.match(s.checkAppend(10, 3), { kind: 'below-base' });
  t.match(s.checkAppend(11, 2), { kind: 'term' });
  t.equal(s.checkAppend(11, 3), null);
  t.equal(s.applySnapshot(5, 1), 'stale');
  // A segment base (the oldest retained segment's start) may be undercut by a replayed overwrite.
  const seg = new LogShape(10, null, true);
  t.equal(seg.checkAppend(7, 2, true), null);
  t.match(seg.checkAppend(7, 2), { kind: 'below-base' }, 'but never by a new save');
  seg.append(7, 2, true);
  t.equal(seg.baseIndex(), 6);
  t.equal(seg.lastIndex(), 7);
  t.equal(seg.termAt(6), null, 'unknown term below');
  t.equal(seg.applySnapshot(6, 1), 'kept', 'an unknown base term is adopted');
  t.equal(seg.termAt(6), 1);
});
