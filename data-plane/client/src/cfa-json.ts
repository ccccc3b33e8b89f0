/** Shape checks of registry JSON (internal to the SDK): a wrong shape is a KonsortiumResponseError naming what and why. */
import { KonsortiumResponseError } from './errors.js';

export type Json = Record<string, unknown>;

export function bad(what: string, why: string): never {
  throw new KonsortiumResponseError(`unexpected CFA registry value for ${what}: ${why}`);
}

/**
 * `length` records of a movement log starting at seq `start` (a chunk, or a money log's open
 * chunk): an array of them, each checked by `check` and at its place.
 */
export function logRecords<T extends { readonly seq: number }>(v: unknown, start: number, length: number, check: (v: unknown, what: string) => T, what: string): T[] {
  if (!Array.isArray(v)) bad(what, 'not an array of records');
  if (v.length !== length) throw new KonsortiumResponseError(`${what} holds ${v.length} records, the log says ${length}`);
  return v.map((x, j) => {
    const r = check(x, `${what}[${j}]`);
    if (r.seq !== start + j) throw new KonsortiumResponseError(`record ${j} of ${what} has seq ${r.seq}, not ${start + j}`);
    return r;
  });
}

export function obj(v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(what, 'not a JSON object');
  return v as Json;
}

export function str(o: Json, k: string, what: string): string {
  const v = o[k];
  if (typeof v !== 'string') bad(what, `"${k}" is not a string`);
  return v;
}

export function nstr(o: Json, k: string, what: string): string | null {
  return o[k] === null ? null : str(o, k, what);
}

export function uint(o: Json, k: string, what: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(what, `"${k}" is not a non-negative safe integer`);
  return v;
}

export function bool(o: Json, k: string, what: string): boolean {
  const v = o[k];
  if (typeof v !== 'boolean') bad(what, `"${k}" is not a boolean`);
  return v;
}

export function oneOf<T extends string>(o: Json, k: string, allowed: readonly T[], what: string): T {
  const v = str(o, k, what);
  if (!(allowed as readonly string[]).includes(v)) bad(what, `"${k}" is "${v}", not one of ${allowed.join(', ')}`);
  return v as T;
}
