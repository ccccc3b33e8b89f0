/** The movement logs: every credit and debit of units (per asset) and of money (per account). */
import type { ContractContext } from '@konsortium/ledger';
import { cfaKeys as K } from './keys.js';
import type { AssetMove, MoneyMove, MoveLog } from './model.js';

type Recorded = 'seq' | 'txId' | 'height' | 'timestamp';

export function logAssetMove(ctx: ContractContext, m: Omit<AssetMove, Recorded>): void {
  const log = ctx.getJson<MoveLog>(K.moves(m.asset)) ?? { count: 0 };
  const rec: AssetMove = { seq: log.count, ...m, txId: ctx.txId, height: ctx.height, timestamp: ctx.timestamp };
  ctx.putJson(K.move(m.asset, log.count), rec);
  ctx.putJson(K.moves(m.asset), { count: log.count + 1 } satisfies MoveLog);
}

export function logMoneyMove(ctx: ContractContext, m: Omit<MoneyMove, Recorded>): void {
  const log = ctx.getJson<MoveLog>(K.moneyMoves(m.account)) ?? { count: 0 };
  const rec: MoneyMove = { seq: log.count, ...m, txId: ctx.txId, height: ctx.height, timestamp: ctx.timestamp };
  ctx.putJson(K.moneyMove(m.account, log.count), rec);
  ctx.putJson(K.moneyMoves(m.account), { count: log.count + 1 } satisfies MoveLog);
}
