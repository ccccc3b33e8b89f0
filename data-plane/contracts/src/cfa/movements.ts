/**
 * The movement logs: every credit and debit of units (per asset) and of money (per account),
 * appended in chunks of MOVE_CHUNK records (see keys.ts): record `seq` is element
 * seq mod MOVE_CHUNK of chunk moveChunkOf(seq). How many there are: the asset log's counter
 * key, and the money account's `moves` for a money log (written by the caller with the balance).
 */
import type { ContractContext } from '@konsortium/ledger';
import { cfaKeys as K, MOVE_CHUNK, moveChunkOf } from './keys.js';
import type { AssetMove, MoneyMove, MoveLog } from './model.js';
import { invariant } from './util.js';

type Recorded = 'seq' | 'txId' | 'height' | 'timestamp';

/** Writes record `seq` (the log holds seq records before it) into its chunk. */
function append<T extends { seq: number }>(ctx: ContractContext, key: string, record: T): void {
  const seq = record.seq;
  const chunk = seq % MOVE_CHUNK === 0 ? [] : (ctx.getJson<T[]>(key) ?? []);
  invariant(chunk.length === seq % MOVE_CHUNK, `${key} holds the records before ${seq}`);
  ctx.putJson(key, [...chunk, record]);
}

export function logAssetMove(ctx: ContractContext, m: Omit<AssetMove, Recorded>): void {
  const seq = ctx.getJson<MoveLog>(K.moves(m.asset))?.count ?? 0;
  append<AssetMove>(ctx, K.moveChunk(m.asset, moveChunkOf(seq)), { seq, ...m, txId: ctx.txId, height: ctx.height, timestamp: ctx.timestamp });
  ctx.putJson(K.moves(m.asset), { count: seq + 1 } satisfies MoveLog);
}

/** Appends record `seq` to the account's money log; the caller counts it in the account's `moves`. */
export function logMoneyMove(ctx: ContractContext, seq: number, m: Omit<MoneyMove, Recorded>): void {
  append<MoneyMove>(ctx, K.moneyMoveChunk(m.account, moveChunkOf(seq)), { seq, ...m, txId: ctx.txId, height: ctx.height, timestamp: ctx.timestamp });
}
