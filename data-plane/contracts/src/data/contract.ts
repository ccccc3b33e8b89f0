/**
 * The data contract: encrypted data exchange. A client encrypts each record version under a
 * fresh data key; the key's secret scalar is sealed for the owner and shared t-of-n among the
 * channel's nodes, which release their shares to authorised readers and log every release here.
 * README.md ("data") lists the methods, who may call them, their error codes and the state.
 */
import type { Static } from '@sinclair/typebox';
import { type Contract, type ContractContext, ContractError } from '@konsortium/ledger';
import { argsChecker } from '../schema.js';
import { grant, requireOneScope, revoke } from './grants.js';
import { DATA_METHODS as M, type DataMethod } from './methods.js';
import { logRelease } from './releases.js';
import { addVersion, putRecord } from './versions.js';

type Handlers = { readonly [N in DataMethod]: (ctx: ContractContext, a: Static<(typeof M)[N]>) => void };

const handlers: Handlers = { putRecord, addVersion, grant, revoke, logRelease };

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
    execute(ctx, method, args) {
      if (!Object.hasOwn(handlers, method)) throw new ContractError('UNKNOWN_METHOD', `data has no method "${method}"`);
      (handlers[method as DataMethod] as (ctx: ContractContext, a: unknown) => void)(ctx, args);
    },
  };
}
