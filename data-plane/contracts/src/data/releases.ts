/**
 * The access log: a node that released its share of a version to a member says so on chain,
 * once per request. Logging the same request again is a no-op rather than a refusal: a node
 * logs several releases in one transaction, and one repeated request must not void the others. The log keeps whether the release was authorised at that block, so a release
 * that should not have happened is visible rather than refused.
 */
import type { Static } from '@sinclair/typebox';
import type { ContractContext } from '@konsortium/ledger';
import { senderNodeId } from '../governance/model.js';
import { releaseAccess } from './access.js';
import { fail } from './errors.js';
import { dataKeys } from './keys.js';
import type { DATA_METHODS } from './methods.js';
import type { DataVersion, Release } from './model.js';
import { getRecord } from './versions.js';

type Args<N extends keyof typeof DATA_METHODS> = Static<(typeof DATA_METHODS)[N]>;

export function logRelease(ctx: ContractContext, a: Args<'logRelease'>): void {
  // The ledger gives a channel node's key (and only that) the sender node:<id> with role node.
  const node = senderNodeId(ctx.sender);
  if (node === null) fail('FORBIDDEN', `${ctx.sender.memberId} is not a node: only nodes log key releases`);
  const record = getRecord(ctx, a.record);
  if (a.version > record.versions) fail('VERSION_NOT_FOUND', `record "${a.record}" has versions 1..${record.versions}, not ${a.version}`);
  const v = ctx.getJson<DataVersion>(dataKeys.version(a.record, a.version))!;
  if (!v.shares.some((s) => s.nodeId === node)) fail('NOT_A_SHAREHOLDER', `node ${node} holds no share of ${a.record} version ${a.version}`);
  const marker = dataKeys.releaseMarker(a.record, node, a.requestId);
  if (ctx.get(marker) !== undefined) return; // logged already: once per (record, node, request)
  const seq = ctx.getJson<number>(dataKeys.logCount(a.record)) ?? 0;
  const release: Release = {
    seq,
    version: a.version,
    node,
    requester: a.requester,
    requestId: a.requestId,
    authorised: releaseAccess(ctx, a.record, a.version, a.requester, ctx.timestamp).ok,
    height: ctx.height,
    timestamp: ctx.timestamp,
    txId: ctx.txId,
  };
  ctx.putJson(dataKeys.log(a.record, seq), release);
  ctx.putJson(dataKeys.logCount(a.record), seq + 1);
  ctx.putJson(marker, seq);
}
