/**
 * The movement logs: every credit and debit of units (per asset) and of money (per account), in
 * chunks of MOVE_CHUNK records (see keys.ts): record `seq` is element seq mod MOVE_CHUNK of chunk
 * moveChunkOf(seq). An asset log keeps every chunk under its own key and its length in a counter
 * key. A money log keeps its length and its open (last, not full) chunk in the money account,
 * which a money move writes anyway: only a chunk that fills gets a key of its own.
 */
import type { ContractContext } from '@konsortium/ledger';
import { cfaKeys as K, MOVE_CHUNK, moveChunkOf } from './keys.js';
import type { AssetMove, MoneyMove, MoveLog } from './model.js';
import { invariant } from './util.js';

type Recorded = 'seq' | 'txId' | 'height' | 'timestamp';

/** `chunk` (the records of its chunk before `record`) with `record` appended. */
function appended<T extends { seq: number }>(chunk: readonly T[], record: T, what: string): T[] {
  invariant(chunk.length === record.seq % MOVE_CHUNK, `${what} holds the records before ${record.seq}`);
  return [...chunk, record];
}

export function logAssetMove(ctx: ContractContext, m: Omit<AssetMove, Recorded>): void {
  const seq = ctx.getJson<MoveLog>(K.moves(m.asset))?.count ?? 0;
  const key = K.moveChunk(m.asset, moveChunkOf(seq));
  const before = seq % MOVE_CHUNK === 0 ? [] : (ctx.getJson<AssetMove[]>(key) ?? []);
  ctx.putJson(key, appended<AssetMove>(before, { seq, ...m, txId: ctx.txId, height: ctx.height, timestamp: ctx.timestamp }, key));
  ctx.putJson(K.moves(m.asset), { count: seq + 1 } satisfies MoveLog);
}

/**
 * Appends record `seq` to an account's money log whose open chunk is `open`; gives the new open
 * chunk, which the caller stores in the account with moves = seq + 1 (a chunk that fills is
 * written to its key and the open chunk starts empty).
 */
export function logMoneyMove(ctx: ContractContext, seq: number, open: readonly MoneyMove[], m: Omit<MoneyMove, Recorded>): readonly MoneyMove[] {
  const chunk = appended<MoneyMove>(open, { seq, ...m, txId: ctx.txId, height: ctx.height, timestamp: ctx.timestamp }, `the open chunk of ${m.account}'s money log`);
  if (chunk.length < MOVE_CHUNK) return chunk;
  ctx.putJson(K.moneyMoveChunk(m.account, moveChunkOf(seq)), chunk);
  return [];
}
