// Linearizability checking: the Wing & Gong backtracking search with Lowe's memoisation, in the form
// popularised by Go's porcupine (Athalye), plus P-compositionality (Horn & Kroening) via
// `model.partition`.
//
// Sketch. Each operation contributes a call entry and a return entry; entries are put in time order
// in a doubly-linked list. The search walks the list from the front:
//   - at a call entry it tries to linearize that operation next: if the model accepts the observed
//     output and the pair (set of linearized ops, resulting state) has not been seen before, the
//     operation's two entries are unlinked ("lifted"), the choice is pushed on a stack and the walk
//     restarts at the front;
//   - at a return entry, the operation it belongs to was not linearized before its response, so the
//     current choice is a dead end: pop the last choice, relink ("unlift") its entries, and try the
//     entry after its call.
// Lowe's cache makes the search skip any (linearized set, state) pair it has already explored: the
// future of the search depends only on that pair, so a pair seen before cannot lead anywhere new.
//
// Equal timestamps. Entries are ordered by time; at equal times call entries come before return
// entries. An operation's own call must precede its own return (zero-length operations), and for two
// different operations placing b's call before a's return when a.return === b.call makes them
// *concurrent*, which only adds candidate linearizations: the checker never reports a violation that
// depends on how a timestamp tie was resolved. The opposite choice would assert a real-time order
// the history does not prove and could yield a false 'illegal' (e.g. with a coarse simulated clock).
// The price is that ties are never used as evidence, not even for the same client issuing its next
// call in the tick its previous call returned; the simulator should record times with enough
// resolution (e.g. a strictly increasing event counter) if it wants those orders checked. (A
// per-client "return first" rule cannot be added in general: with two clients both returning and
// calling in one tick it would demand a cyclic order.)
//
// Pending operations (return === Infinity). Their return entries sort after every finite entry, so
// the search may linearize them anywhere after their call. It may also omit them: once the first
// return entry at the front of the list belongs to a pending operation, every completed operation has
// been linearized and the history is accepted without placing the remaining pending ones (a lost
// write may simply not have happened). The model therefore only has to accept the unknown output of a
// pending operation as "it took effect"; "it did not" is the checker's job.

import { Bitset, fmix32 } from './bitset.js';
import { MemoCache } from './memo.js';
import type { CheckOptions, CheckResult, Model, Operation } from './types.js';

export const DEFAULT_MAX_STEPS = 1_000_000;

const NIL = -1;

type SingleResult<S> =
  | { kind: 'ok' }
  | { kind: 'unknown' }
  | { kind: 'illegal'; prefix: number[]; unplaced: number; state: S; candidates: number[] };

interface Budget {
  remaining: number;
}

/** FNV-1a over UTF-16 code units, 32-bit. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function validate<I, O>(history: readonly Operation<I, O>[]): void {
  for (let i = 0; i < history.length; i++) {
    const op = history[i]!;
    if (!Number.isFinite(op.call)) throw new RangeError(`operation ${i}: call time must be finite, got ${op.call}`);
    if (Number.isNaN(op.return) || op.return < op.call || op.return === -Infinity) {
      throw new RangeError(`operation ${i}: return time ${op.return} must be >= call time ${op.call} (or Infinity if it never returned)`);
    }
  }
}

/**
 * Checks one (sub-)history. Node ids: 0..n-1 are call entries of ops 0..n-1, n..2n-1 their return
 * entries, 2n is the list head sentinel.
 */
function checkSingle<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], budget: Budget): SingleResult<S> {
  const n = ops.length;
  if (n === 0) return { kind: 'ok' };
  const HEAD = 2 * n;
  const time = (e: number): number => (e < n ? ops[e]!.call : ops[e - n]!.return);

  // Entry order: time, then calls before returns, then operation index (determinism).
  const order: number[] = [];
  for (let e = 0; e < 2 * n; e++) order.push(e);
  order.sort((a, b) => {
    const ta = time(a);
    const tb = time(b);
    if (ta !== tb) return ta < tb ? -1 : 1;
    const ka = a < n ? 0 : 1;
    const kb = b < n ? 0 : 1;
    if (ka !== kb) return ka - kb;
    return a - b;
  });

  const next = new Int32Array(2 * n + 1);
  const prev = new Int32Array(2 * n + 1);
  let last = HEAD;
  for (const e of order) {
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  next[last] = NIL;
  prev[HEAD] = NIL;

  // Remove op c's call and return entries from the list; their own links are kept for unlift.
  const lift = (c: number): void => {
    const r = c + n;
    next[prev[c]!] = next[c]!;
    prev[next[c]!] = prev[c]!; // a call is always followed by at least its own return
    next[prev[r]!] = next[r]!;
    if (next[r] !== NIL) prev[next[r]!] = prev[r]!;
  };
  // Exact inverse of lift; must be applied in LIFO order.
  const unlift = (c: number): void => {
    const r = c + n;
    if (next[r] !== NIL) prev[next[r]!] = r;
    next[prev[r]!] = r;
    prev[next[c]!] = c;
    next[prev[c]!] = c;
  };

  const pending = ops.map((op) => op.return === Infinity);
  const linearized = new Bitset(n);
  // Lowe's memo: (linearized set, state) pairs already explored.
  const cache = new MemoCache<S>(linearized.words.length, (a, b) => model.equal(a, b));
  // Adds (linearized, state) to the cache; false if it was already there.
  const remember = (state: S): boolean => {
    const key = fmix32(linearized.hash() ^ Math.imul(hashString(model.hash(state)), 0x9e3779b1));
    return cache.add(key, linearized.words, state);
  };

  const stackOp = new Int32Array(n);
  const stackState: S[] = new Array<S>(n);
  let depth = 0;
  let state = model.init();

  let best: Extract<SingleResult<S>, { kind: 'illegal' }> | undefined;

  let entry = next[HEAD]!;
  while (entry !== NIL) {
    if (--budget.remaining < 0) return { kind: 'unknown' };
    if (entry < n) {
      const op = ops[entry]!;
      const r = model.step(state, op.input, op.output);
      if (r.ok) {
        linearized.set(entry);
        if (remember(r.state)) {
          stackOp[depth] = entry;
          stackState[depth] = state;
          depth++;
          state = r.state;
          lift(entry);
          entry = next[HEAD]!;
          continue;
        }
        linearized.clear(entry);
      }
      entry = next[entry]!;
    } else {
      const opIdx = entry - n;
      // First return in the list is a pending op's: all completed ops are linearized (see top).
      if (pending[opIdx]) return { kind: 'ok' };
      if (best === undefined || depth > best.prefix.length) {
        const candidates: number[] = [];
        for (let e = next[HEAD]!; e !== entry; e = next[e]!) if (e < n) candidates.push(e);
        best = { kind: 'illegal', prefix: Array.from(stackOp.subarray(0, depth)), unplaced: opIdx, state, candidates };
      }
      if (depth === 0) return best;
      depth--;
      const c = stackOp[depth]!;
      state = stackState[depth]!;
      stackState[depth] = undefined as S; // drop the reference
      linearized.clear(c);
      unlift(c);
      entry = next[c]!;
    }
  }
  return { kind: 'ok' };
}

function fmtTime(t: number): string {
  return t === Infinity ? 'pending' : String(t);
}

function json(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function describeOp<S, I, O>(model: Model<S, I, O>, op: Operation<I, O>): string {
  const what = model.describe ? model.describe(op.input, op.output) : `${json(op.input)} -> ${op.return === Infinity ? '?' : json(op.output)}`;
  const span = op.return === Infinity ? `[${op.call}, pending)` : `[${op.call}, ${fmtTime(op.return)}]`;
  return `client ${op.clientId} ${span} ${what}`;
}

function explain<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  partition: number,
  partitions: number,
  r: Extract<SingleResult<S>, { kind: 'illegal' }>,
): string {
  const completed = ops.filter((o) => o.return !== Infinity).length;
  const label = model.describePartition ? ` (${model.describePartition([...ops], partition)})` : '';
  const lines: string[] = [];
  lines.push(
    `History is not linearizable: partition ${partition}${label}` +
      (partitions > 1 ? ` of ${partitions}` : '') +
      `, ${ops.length} operations (${completed} completed).`,
  );
  lines.push(`Longest linearizable prefix found (${r.prefix.length} operations):`);
  if (r.prefix.length === 0) lines.push('  (none)');
  r.prefix.forEach((i, k) => lines.push(`  ${k + 1}. ${describeOp(model, ops[i]!)}`));
  lines.push(`State after the prefix: ${model.describeState ? model.describeState(r.state) : json(r.state)}`);
  const u = ops[r.unplaced]!;
  lines.push(`Could not place: ${describeOp(model, u)}`);
  // At the deepest dead end every candidate is normally rejected by the model outright (an accepted one
  // would have led deeper); the status is recomputed rather than assumed.
  lines.push(`  It returned at ${u.return}, so it must be linearized before then, but no operation that may come next fits:`);
  for (const c of r.candidates) {
    const op = ops[c]!;
    const ok = model.step(r.state, op.input, op.output).ok;
    lines.push(`  - ${describeOp(model, op)}: ${ok ? 'accepted here, but every continuation fails' : 'its output is illegal in this state'}`);
  }
  return lines.join('\n');
}

/**
 * Checks that `history` is linearizable with respect to `model`.
 * - 'ok': a linearization exists (every completed operation placed; pending ones placed or omitted).
 * - 'illegal': none exists; `explanation` shows the longest linearizable prefix and the operation
 *   that could not be placed after it.
 * - 'unknown': the search exceeded `opts.maxSteps` (the history is too concurrent to decide cheaply).
 * Throws RangeError on malformed times (non-finite call, return < call).
 */
export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  opts: CheckOptions = {},
): CheckResult<I, O> {
  validate(history);
  const maxSteps = opts.maxSteps ?? DEFAULT_MAX_STEPS;
  if (!(maxSteps >= 0)) throw new RangeError(`maxSteps must be >= 0, got ${maxSteps}`);
  const parts = model.partition ? model.partition([...history]) : [[...history]];
  // Smallest partitions first: a cheap violation is found before a hard partition eats the budget.
  const byIdx = parts.map((_, i) => i).sort((a, b) => parts[a]!.length - parts[b]!.length || a - b);
  const budget: Budget = { remaining: maxSteps };
  for (const p of byIdx) {
    const ops = parts[p]!;
    const r = checkSingle(model, ops, budget);
    if (r.kind === 'unknown') {
      return {
        result: 'unknown',
        reason: `search exceeded maxSteps=${maxSteps} in partition ${p} (${ops.length} operations); no verdict`,
      };
    }
    if (r.kind === 'illegal') {
      return {
        result: 'illegal',
        partition: p,
        longestPrefix: r.prefix.map((i) => ops[i]!),
        unplaced: ops[r.unplaced],
        explanation: explain(model, ops, p, parts.length, r),
      };
    }
  }
  return { result: 'ok' };
}
