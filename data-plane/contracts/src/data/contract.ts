/**
 * The data contract: encrypted data exchange. A client encrypts each record version under a
 * fresh data key; the key's secret scalar is sealed for the owner and shared t-of-n among the
 * channel's nodes, which release their shares to authorised readers and log every release here.
 * README.md ("data") lists the methods, who may call them, their error codes and the state.
 */
import type { Contract } from '@konsortium/ledger';
import { argsChecker, dispatcher, type HandlersOf } from '../schema.js';
import { grant, requireOneScope, revoke } from './grants.js';
import { DATA_METHODS as M } from './methods.js';
import { logRelease } from './releases.js';
import { addVersion, putRecord } from './versions.js';

const handlers: HandlersOf<typeof M> = { putRecord, addVersion, grant, revoke, logRelease };

export const DATA_CONTRACT = 'data';

export function dataContract(): Contract {
  const schemaCheck = argsChecker(DATA_CONTRACT, M);
  return {
    name: DATA_CONTRACT,
    check(method, args) {
      const parsed = schemaCheck(method, args);
      if (method === 'grant' || method === 'revoke') requireOneScope(method, parsed as { record?: string; collection?: string });
      return parsed;
    },
    execute: dispatcher(DATA_CONTRACT, handlers),
  };
}
