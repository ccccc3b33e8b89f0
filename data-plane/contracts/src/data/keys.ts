/**
 * Where the data contract keeps things (JSON values), and the context strings that bind sealed
 * key material and ciphertext to one record version (so nothing can be replayed as another):
 *
 *   data/rec/<record>                          DataRecord   owner, collection, latest version
 *   data/ver/<record>/<version>                DataVersion  ciphertext or blob hash, sealed key material
 *   data/c0/<commitment 0 hex>                 string       the record whose version used this key
 *   data/grant/<scope>/<grantee>               Grant        scope rec:<id> | col:<owner>:<collection>,
 *                                                           grantee member:<id> | role:<role>
 *   data/logn/<record>                         number       releases logged for the record
 *   data/log/<record>/<seq, 10 digits>         Release      one key release by a node
 *   data/rlog/<record>/<node>/<requestId>      number       seq of that release (no double logging)
 */
import type { Grantee, GrantScope } from './model.js';

/** `rec:<id>` or `col:<owner>:<collection>` (ids contain neither ':' nor '/'). */
export function scopeKey(scope: GrantScope): string {
  return 'record' in scope ? `rec:${scope.record}` : `col:${scope.owner}:${scope.collection}`;
}

/** `member:<id>` or `role:<role>`. */
export function granteeKey(grantee: Grantee): string {
  return 'member' in grantee ? `member:${grantee.member}` : `role:${grantee.role}`;
}

export const dataKeys = {
  record: (id: string) => `data/rec/${id}`,
  version: (id: string, version: number) => `data/ver/${id}/${version}`,
  /** The first Feldman commitment (s·B, hex) of every version ever written: data keys are never reused. */
  keyUse: (commitment0: string) => `data/c0/${commitment0}`,
  grant: (scope: GrantScope, grantee: Grantee) => `data/grant/${scopeKey(scope)}/${granteeKey(grantee)}`,
  logCount: (id: string) => `data/logn/${id}`,
  log: (id: string, seq: number) => `data/log/${id}/${String(seq).padStart(10, '0')}`,
  releaseMarker: (id: string, nodeId: number, requestId: string) => `data/rlog/${id}/${nodeId}/${requestId}`,
} as const;

/**
 * The contexts that bind sealed key material and ciphertext to one record version (the same
 * strings for client, node and contract, defined once in the protocol):
 *   shareContext(channel, record, version, nodeId)   `data-share:<channel>/<record>/<version>/<nodeId>`
 *   ownerKeyContext(channel, record, version)        `data-owner:<channel>/<record>/<version>`
 *   releaseContext(channel, record, version, nodeId, requestId)
 *                                                    `data-release:<channel>/<record>/<version>/<nodeId>/<requestId>`
 *   recordAad(channel, record, version)              utf8 `data-record:<channel>/<record>/<version>`
 */
export { ownerKeyContext, recordAad, releaseContext, shareContext } from '@konsortium/protocol';
