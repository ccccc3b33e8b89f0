/** Shape checks of registry JSON (internal to the SDK): a wrong shape is a KonsortiumResponseError naming what and why. */
import { KonsortiumResponseError } from './errors.js';

export type Json = Record<string, unknown>;

export function bad(what: string, why: string): never {
  throw new KonsortiumResponseError(`unexpected CFA registry value for ${what}: ${why}`);
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
