/**
 * The calls the consortium operator makes through `POST /v1/cfa/operator-operations`: every cfa
 * method the contract lets an operator call, and the fee schedule. Who may call what is the
 * contract's (data-plane/contracts/src/cfa: issue.ts, money.ts, controls.ts, deals.ts for
 * operator-only methods; placement.ts, redemption.ts and deals.ts for those an operator may make
 * on an issuer's or holder's behalf; governance/contract.ts `setFees`, admin or operator).
 *
 * The arguments are re-declared here because the control plane may not import the contracts:
 * field names, which are required, and their JSON types (data-plane/contracts/src/cfa/methods.ts,
 * governance/methods.ts), so a request that cannot be a call of the method is refused with 400
 * and nothing is recorded. Values (amounts ≥ 1, code patterns, lengths, categories) are left to
 * the contract's own schema: the node refuses such a transaction before ordering, and the
 * operation ends REJECTED with the contract's code, exactly as a tenant's would.
 * test/e2e/operator-cfa.test.ts compares these shapes with the contract's.
 */
import { type TObject, type TProperties, Type } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

const text = Type.String();
const whole = Type.Integer();
const args = <T extends TProperties>(p: T): TObject<T> => Type.Object(p, { additionalProperties: false });

/** governance/model.ts: FEE_OPERATIONS, the operation types a commission rule can name. */
export const FEE_OPERATIONS = ['issue', 'placement', 'trade', 'gift', 'inheritance', 'redemption', 'early-redemption'] as const;
const FeeRule = args({ fixed: whole, bps: whole });

interface OperatorMethod {
  readonly contract: 'cfa' | 'governance';
  readonly args: TObject;
}

export const OPERATOR_METHODS = {
  // issue decisions (operator only)
  registerIssue: { contract: 'cfa', args: args({ asset: text }) },
  rejectIssue: { contract: 'cfa', args: args({ asset: text, reason: text }) },
  // the settlement token: deposits and withdrawals from the bank side (operator only)
  mint: { contract: 'cfa', args: args({ account: text, amount: whole, ref: text }) },
  burn: { contract: 'cfa', args: args({ account: text, amount: whole, ref: text }) },
  // controls (operator only)
  freeze: { contract: 'cfa', args: args({ account: Type.Optional(text), asset: Type.Optional(text), reason: text }) },
  unfreeze: { contract: 'cfa', args: args({ account: Type.Optional(text), asset: Type.Optional(text) }) },
  setInvestorCategory: { contract: 'cfa', args: args({ account: text, category: text }) },
  setLimits: { contract: 'cfa', args: args({ nonQualifiedYearlyLimit: whole }) },
  inherit: { contract: 'cfa', args: args({ asset: text, from: text, to: text, quantity: whole, basis: text }) },
  // the issuer's or a holder's side, which an operator may also take
  closePlacement: { contract: 'cfa', args: args({ asset: text }) },
  redeem: { contract: 'cfa', args: args({ asset: text }) },
  redeemEarly: { contract: 'cfa', args: args({ asset: text, holder: Type.Optional(text), quantity: whole }) },
  cancelOffer: { contract: 'cfa', args: args({ offer: text }) },
  // the operator's commission (governance state gov/fees)
  setFees: {
    contract: 'governance',
    args: args({ collector: text, rules: args(Object.fromEntries(FEE_OPERATIONS.map((op) => [op, Type.Optional(FeeRule)]))) }),
  },
} as const satisfies Record<string, OperatorMethod>;

export type OperatorMethodName = keyof typeof OPERATOR_METHODS;
export const OPERATOR_METHOD_NAMES = Object.keys(OPERATOR_METHODS) as OperatorMethodName[];

const checks = new Map<string, TypeCheck<TObject>>(OPERATOR_METHOD_NAMES.map((m) => [m, TypeCompiler.Compile(OPERATOR_METHODS[m].args as TObject)]));

/** The stored method (`cfa.mint`, `governance.setFees`) and null, or what is wrong with the arguments. */
export function operatorCall(method: OperatorMethodName, a: unknown): { method: string; problem: string | null } {
  const check = checks.get(method)!;
  const first = check.Check(a) ? undefined : check.Errors(a).First();
  const problem = first === undefined ? null : `args${first.path.replaceAll('/', '.')}: ${first.message}`;
  return { method: `${OPERATOR_METHODS[method].contract}.${method}`, problem };
}
