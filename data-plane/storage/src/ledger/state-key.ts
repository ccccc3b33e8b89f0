/** What a state key may be. */
import { invalid } from './errors.js';

/** Longest state key in UTF-8 bytes (LMDB keys are limited to 1978 bytes). */
export const MAX_KEY_BYTES = 1024;

const LONE_SURROGATE = /\p{Cs}/u;

export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw invalid('a state key is a string');
  const n = Buffer.byteLength(key, 'utf8');
  if (n === 0 || n > MAX_KEY_BYTES) throw invalid(`state key of ${n} UTF-8 bytes (1..${MAX_KEY_BYTES})`);
  // TextEncoder turns a lone surrogate into U+FFFD: two different keys would share one entry.
  if (LONE_SURROGATE.test(key)) throw invalid('a state key must not contain lone surrogates');
}
