/**
 * The operator's commission. The schedule is governance state (gov/fees, set with
 * governance.setFees); the cfa contract computes and charges it in the same transaction as
 * the operation, as a money movement with cause `fee` on the payer and on the collector.
 *
 * Rule: fee = fixed + floor(base × bps / 10 000) (never negative; AMOUNT_TOO_LARGE beyond a
 * safe integer), capped at `cap` where the fee is deducted from proceeds. No collector or no
 * rule for the operation type: no fee. Base and payer per operation type:
 *   issue             volume × nominal                   issuer, when filing (from its available money)
 *   placement         placement proceeds                 issuer, deducted from the proceeds at close
 *   trade             deal money (quantity × price)      seller, deducted from what it receives
 *   gift              quantity × nominal                 the giver (from its available money)
 *   inheritance       quantity × nominal                 the heir (from its available money)
 *   redemption        total paid to holders              issuer, on top of the payments
 *   early-redemption  money paid to the holder           issuer, on top of the payment
 */
import type { ContractContext, StateReader } from '@konsortium/ledger';
import { type FeeOperation, type FeeSchedule, NO_FEES } from '../governance/model.js';
import { cfaKeys as K } from './keys.js';
import type { FeeTotals } from './model.js';
import { creditMoney, debitMoney } from './money.js';
import { add, mulDivFloor } from './util.js';

export function feeSchedule(state: StateReader): FeeSchedule {
  return state.getJson<FeeSchedule>(K.fees) ?? NO_FEES;
}

/** The fee of an operation on `base` minor units under `schedule` (before any cap). */
export function feeFor(schedule: FeeSchedule, op: FeeOperation, base: number): number {
  const rule = schedule.rules[op];
  if (schedule.collector === null || rule === undefined) return 0;
  return add(rule.fixed, mulDivFloor(base, rule.bps, 10_000), `${op} fee`);
}

export interface FeeCharge {
  readonly asset: string;
  readonly ref: string | null;
  /** At most this much (the fee is deducted from proceeds of this size). */
  readonly cap?: number;
}

/** Charges the fee of `op` on `base` to `payer`; returns it (0: nothing recorded). */
export function chargeFee(ctx: ContractContext, op: FeeOperation, payer: string, base: number, c: FeeCharge): number {
  const schedule = feeSchedule(ctx);
  const fee = Math.min(feeFor(schedule, op, base), c.cap ?? Number.MAX_SAFE_INTEGER);
  if (fee === 0 || schedule.collector === null) return 0;
  const collector = schedule.collector;
  debitMoney(ctx, payer, fee, { cause: 'fee', fee: op, asset: c.asset, counterparty: collector, ref: c.ref });
  creditMoney(ctx, collector, fee, { cause: 'fee', fee: op, asset: c.asset, counterparty: payer, ref: c.ref });
  const totals = ctx.getJson<FeeTotals>(K.feeTotals) ?? { total: 0, byOperation: {} };
  ctx.putJson(K.feeTotals, {
    total: add(totals.total, fee, 'fees collected'),
    byOperation: { ...totals.byOperation, [op]: add(totals.byOperation[op] ?? 0, fee, 'fees collected') },
  } satisfies FeeTotals);
  return fee;
}
