/** The registry of crypto suites by id: a network names one, and every party resolves it here. */
import { gostSuite } from './gost.js';
import { intlSuite } from './intl.js';
import { smSuite } from './sm.js';
import { CryptoError, type CryptoSuite, type SuiteId } from './suite.js';

const SUITES: Readonly<Record<SuiteId, CryptoSuite>> = Object.freeze({ intl: intlSuite, gost: gostSuite, sm: smSuite });

export const SUITE_IDS: readonly SuiteId[] = Object.freeze(['intl', 'gost', 'sm']);

export function isSuiteId(id: string): id is SuiteId {
  return (SUITE_IDS as readonly string[]).includes(id);
}

/** The suite named `id`; throws CryptoError('UNKNOWN_SUITE') for anything else. */
export function suiteById(id: string): CryptoSuite {
  if (!isSuiteId(id)) throw new CryptoError('UNKNOWN_SUITE', `unknown crypto suite "${id}" (expected one of ${SUITE_IDS.join(', ')})`);
  return SUITES[id];
}

/** A suite's one-byte code in wire formats (transactions, block headers). */
const SUITE_CODES: Readonly<Record<SuiteId, number>> = Object.freeze({ intl: 1, gost: 2, sm: 3 });
const SUITE_BY_CODE: readonly (SuiteId | undefined)[] = [undefined, 'intl', 'gost', 'sm'];

export function suiteCode(id: SuiteId): number {
  return SUITE_CODES[id];
}

/** The suite of a wire code, or undefined for an unknown code. */
export function suiteOfCode(code: number): SuiteId | undefined {
  return SUITE_BY_CODE[code];
}
