// Ready-made sequential models: a single string register and a string->string map of registers.
//
// Recording convention for the simulator:
// - a put that was acknowledged: output { ok: true }, return = ack time;
// - a get that returned: output { value } (null = key absent);
// - any operation without a definitive answer (timed out, client crashed, "unknown outcome" errors;
//   in Raft a proposal can commit after its leader failed to answer) must be recorded as pending:
//   return = Infinity, output = UNKNOWN_OUTPUT. Recording such a put as failed and leaving it out
//   would make a later read of its value look like a violation.
// - a request rejected before it could have been proposed (e.g. a definite "not leader" before
//   appending) can simply be left out of the history.

import type { Model, Operation, UnknownOutput } from './types.js';
import { isUnknownOutput } from './types.js';

export type KvInput = { kind: 'put'; key: string; value: string } | { kind: 'get'; key: string };
export type RegisterInput = { kind: 'put'; value: string } | { kind: 'get' };
export type PutOutput = { ok: true };
export type GetOutput = { value: string | null };
export type KvOutput = PutOutput | GetOutput | UnknownOutput;
export type RegisterOutput = KvOutput;
export type KvState = ReadonlyMap<string, string>;
export type RegisterState = string | null;

function showValue(v: string | null): string {
  return v === null ? 'null' : JSON.stringify(v);
}

function showOutput(output: KvOutput): string {
  if (isUnknownOutput(output)) return '?';
  if ('value' in output) return showValue(output.value);
  return 'ok';
}

/** Does a get's output agree with the current value? Unknown outputs agree with anything. */
function getAccepts(output: KvOutput, current: string | null): boolean {
  if (isUnknownOutput(output)) return true;
  return 'value' in output && output.value === current;
}

/** A single string register, initially null (absent). */
export const registerModel: Model<RegisterState, RegisterInput, RegisterOutput> = {
  init: () => null,
  step(state, input, output) {
    // A put's only possible output is an ack (or unknown), so any put is accepted.
    if (input.kind === 'put') return { ok: true, state: input.value };
    return { ok: getAccepts(output, state), state };
  },
  equal: (a, b) => a === b,
  hash: (s) => (s === null ? 'n' : `s${s}`),
  describe(input, output) {
    return input.kind === 'put' ? `put(${JSON.stringify(input.value)}) -> ${showOutput(output)}` : `get() -> ${showOutput(output)}`;
  },
  describeState: (s) => showValue(s),
};

function sortedEntries(m: KvState): [string, string][] {
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** A map of independent string registers (absent keys read as null), partitioned by key. */
export const kvModel: Model<KvState, KvInput, KvOutput> = {
  init: () => new Map<string, string>(),
  step(state, input, output) {
    if (input.kind === 'put') {
      if (state.get(input.key) === input.value) return { ok: true, state };
      const next = new Map(state);
      next.set(input.key, input.value);
      return { ok: true, state: next };
    }
    return { ok: getAccepts(output, state.get(input.key) ?? null), state };
  },
  equal(a, b) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (b.get(k) !== v) return false;
    return true;
  },
  hash(s) {
    // Length-prefixed, so the encoding is unambiguous whatever the strings contain.
    if (s.size === 0) return '';
    if (s.size === 1) for (const [k, v] of s) return `${k.length}:${k}${v}`;
    return sortedEntries(s)
      .map(([k, v]) => `${k.length}:${k}${v.length}:${v}`)
      .join('');
  },
  partition(history) {
    const byKey = new Map<string, Operation<KvInput, KvOutput>[]>();
    for (const op of history) {
      let list = byKey.get(op.input.key);
      if (list === undefined) byKey.set(op.input.key, (list = []));
      list.push(op);
    }
    return [...byKey.values()];
  },
  describe(input, output) {
    return input.kind === 'put'
      ? `put(${JSON.stringify(input.key)}, ${JSON.stringify(input.value)}) -> ${showOutput(output)}`
      : `get(${JSON.stringify(input.key)}) -> ${showOutput(output)}`;
  },
  describeState(s) {
    return `{${sortedEntries(s)
      .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      .join(', ')}}`;
  },
  describePartition(ops) {
    return ops.length > 0 ? `key ${JSON.stringify(ops[0]!.input.key)}` : 'empty';
  },
};

/** kvModel without `partition`: checks the whole history as one object (slower; for tests/debugging). */
export const kvModelUnpartitioned: Model<KvState, KvInput, KvOutput> = (() => {
  const { partition: _partition, describePartition: _describePartition, ...rest } = kvModel;
  return rest;
})();
