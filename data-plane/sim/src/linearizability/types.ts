// Types shared by the linearizability checker and its models.

/** One client operation as observed by the test harness. */
export interface Operation<Input, Output> {
  clientId: number;
  input: Input;
  /** Logical/simulated time the call was issued. Must be finite. */
  call: number;
  /**
   * Time the response arrived (>= call). `Infinity` for an operation that never returned (timed out,
   * crashed client, lost response): it may have taken effect at any point after `call`, or not at all.
   */
  return: number;
  /**
   * The observed result. For a pending operation (`return === Infinity`) the output is unknown; pass
   * the model's "unknown" output (for the bundled models, `UNKNOWN_OUTPUT`) and make the model's `step`
   * accept it. The checker never *needs* to linearize a pending operation (see checker.ts), so a
   * model only has to say what state a pending op leads to if it did take effect.
   */
  output: Output;
}

/** A sequential specification of the object under test. States must be treated as immutable. */
export interface Model<State, Input, Output> {
  init(): State;
  /** Is `output` a legal result of `input` applied to `state`, and the state after it. */
  step(state: State, input: Input, output: Output): { ok: boolean; state: State };
  equal(a: State, b: State): boolean;
  /** Memo-cache key: states that are `equal` must have the same hash. */
  hash(state: State): string;
  /**
   * P-compositionality: split the history into independent sub-histories (e.g. one per key), each
   * checked against `init()` on its own. Only valid if the object is a product of independent objects.
   */
  partition?(history: Operation<Input, Output>[]): Operation<Input, Output>[][];
  describe?(input: Input, output: Output): string;
  /** For failure explanations. */
  describeState?(state: State): string;
  /** For failure explanations: a short label for a partition (e.g. its key). */
  describePartition?(ops: Operation<Input, Output>[], index: number): string;
}

export type CheckResult<Input = unknown, Output = unknown> =
  | { result: 'ok' }
  | {
      result: 'illegal';
      /** Index of the failing sub-history in `model.partition(history)` (0 when unpartitioned). */
      partition: number;
      /** Longest linearization of the failing partition found before the search gave up. */
      longestPrefix: Operation<Input, Output>[];
      /** The completed operation that could not be placed after `longestPrefix`. */
      unplaced: Operation<Input, Output> | undefined;
      explanation: string;
    }
  | { result: 'unknown'; reason: string };

export interface CheckOptions {
  /**
   * Upper bound on search steps (entry visits) across all partitions. Exceeding it yields
   * `{ result: 'unknown' }`. Default 1_000_000 (roughly 0.3–1 s of search in the worst case);
   * `Infinity` disables the bound. Memory follows: the memo cache holds at most one entry per step,
   * each about (ops in the partition)/8 bytes plus a state reference.
   */
  maxSteps?: number;
}

/** Output of an operation that never returned, for the bundled models. */
export interface UnknownOutput {
  readonly unknown: true;
}
export const UNKNOWN_OUTPUT: UnknownOutput = Object.freeze({ unknown: true as const });

export function isUnknownOutput(o: unknown): o is UnknownOutput {
  return typeof o === 'object' && o !== null && (o as { unknown?: unknown }).unknown === true;
}

export function isPending(op: { return: number }): boolean {
  return op.return === Infinity;
}
