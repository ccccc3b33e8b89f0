/**
 * Which fetch the SDK suites run with: the global one by default, or the SDK's Node transport
 * (`@konsortium/client/node`) when node-fetch.test.ts runs the same suites again.
 */
import { nodeFetch } from '../../src/node-fetch.js';

export const NODE_FETCH_ENV = 'KONSORTIUM_TEST_NODE_FETCH';

export function fetchOption(): { fetch?: ReturnType<typeof nodeFetch> } {
  return process.env[NODE_FETCH_ENV] === '1' ? { fetch: nodeFetch() } : {};
}
