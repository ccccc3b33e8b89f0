/**
 * The cfa contract: digital financial assets (ЦФА) — issue decisions and their registration,
 * primary placement, a settlement token for the money leg, secondary deals with delivery versus
 * payment, gifts and inheritance, redemption at maturity and early, freezes, investor limits,
 * the operator's commission, and the registries of owners, holdings and movements.
 * README.md ("cfa") lists the methods, who may call them, their error codes and the state.
 */
import type { Contract } from '@konsortium/ledger';
import { argsChecker, dispatcher, type HandlersOf } from '../schema.js';
import { freeze, setInvestorCategory, setLimits, unfreeze } from './controls.js';
import { acceptOffer, cancelOffer, gift, inherit, offerBuy, offerSell } from './deals.js';
import { fileIssue, registerIssue, rejectIssue } from './issue.js';
import { CFA_METHODS as M } from './methods.js';
import { burn, mint } from './money.js';
import { apply, closePlacement, withdrawApplication } from './placement.js';
import { redeem, redeemEarly } from './redemption.js';

const handlers: HandlersOf<typeof M> = {
  fileIssue,
  registerIssue,
  rejectIssue,
  apply,
  withdrawApplication,
  closePlacement,
  mint,
  burn,
  offerSell,
  offerBuy,
  acceptOffer,
  cancelOffer,
  gift,
  inherit,
  redeem,
  redeemEarly,
  freeze,
  unfreeze,
  setInvestorCategory,
  setLimits,
};

export const CFA_CONTRACT = 'cfa';

export function cfaContract(): Contract {
  const check = argsChecker(CFA_CONTRACT, M);
  return {
    name: CFA_CONTRACT,
    check,
    execute: dispatcher(CFA_CONTRACT, handlers),
  };
}
