/**
 * The data contract's state layout (JSON values under `data/`), defined once for the contract
 * that writes it and the node, SDK and portal that read it:
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

/** What a grant covers: one record, or every record of an owner's collection. */
export type DataGrantScope = { readonly record: string } | { readonly owner: string; readonly collection: string };
/** Whom a grant is for: one member, or every member with a governance role. */
export type DataGrantee = { readonly member: string } | { readonly role: string };

/** `rec:<id>` or `col:<owner>:<collection>` (ids contain neither ':' nor '/'). */
export function dataScopeKey(scope: DataGrantScope): string {
  return 'record' in scope ? `rec:${scope.record}` : `col:${scope.owner}:${scope.collection}`;
}

/** `member:<id>` or `role:<role>`. */
export function dataGranteeKey(grantee: DataGrantee): string {
  return 'member' in grantee ? `member:${grantee.member}` : `role:${grantee.role}`;
}

export const dataKeys = {
  record: (id: string) => `data/rec/${id}`,
  version: (id: string, version: number) => `data/ver/${id}/${version}`,
  /** The first Feldman commitment (s·B, hex) of every version ever written: data keys are never reused. */
  keyUse: (commitment0: string) => `data/c0/${commitment0}`,
  grant: (scope: DataGrantScope, grantee: DataGrantee) => `data/grant/${dataScopeKey(scope)}/${dataGranteeKey(grantee)}`,
  logCount: (id: string) => `data/logn/${id}`,
  log: (id: string, seq: number) => `data/log/${id}/${String(seq).padStart(10, '0')}`,
  releaseMarker: (id: string, nodeId: number, requestId: string) => `data/rlog/${id}/${nodeId}/${requestId}`,
} as const;
