/**
 * The movement logs: every credit and debit of units (per asset) and of money (per account),
 * appended in chunks of MOVE_CHUNK records (see keys.ts): record `seq` is element
 * seq mod MOVE_CHUNK of chunk moveChunkOf(seq), and the log's counter says how many there are.
 */
import type { ContractContext } from '@konsortium/ledger';
import { cfaKeys as K, MOVE_CHUNK, moveChunkOf } from './keys.js';
import type { AssetMove, MoneyMove, MoveLog } from './model.js';
import { invariant } from './util.js';

type Recorded = 'seq' | 'txId' | 'height' | 'timestamp';

function append<T extends { seq: number }>(ctx: ContractContext, logKey: string, chunkKey: (chunk: number) => string, record: (seq: number) => T): void {
  const count = ctx.getJson<MoveLog>(logKey)?.count ?? 0;
  const key = chunkKey(moveChunkOf(count));
  const chunk = count % MOVE_CHUNK === 0 ? [] : (ctx.getJson<T[]>(key) ?? []);
  invariant(chunk.length === count % MOVE_CHUNK, `${key} holds the records before ${count}`);
  ctx.putJson(key, [...chunk, record(count)]);
  ctx.putJson(logKey, { count: count + 1 } satisfies MoveLog);
}

export function logAssetMove(ctx: ContractContext, m: Omit<AssetMove, Recorded>): void {
  append<AssetMove>(ctx, K.moves(m.asset), (c) => K.moveChunk(m.asset, c), (seq) => ({ seq, ...m, txId: ctx.txId, height: ctx.height, timestamp: ctx.timestamp }));
}

export function logMoneyMove(ctx: ContractContext, m: Omit<MoneyMove, Recorded>): void {
  append<MoneyMove>(ctx, K.moneyMoves(m.account), (c) => K.moneyMoveChunk(m.account, c), (seq) => ({ seq, ...m, txId: ctx.txId, height: ctx.height, timestamp: ctx.timestamp }));
}
