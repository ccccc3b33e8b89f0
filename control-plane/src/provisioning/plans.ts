/** Which steps each kind of provisioning operation runs, in order. */
import type { OperationKind } from '../db/prisma.js';
import * as s from './steps.js';

export type Step = (ctx: s.StepContext) => Promise<void>;

const NODE_STEPS: readonly [string, Step][] = [
  ['allocate-node', s.allocateNode],
  ['register-node', s.registerNode],
  ['add-learner', s.addLearner],
  ['start-node', s.startNode],
  ['catch-up', s.catchUp],
  ['promote', s.promote],
];

const IDENTITY_STEPS: readonly [string, Step][] = [
  ['custodial-key', s.custodialKey],
  ['ledger-member', s.ledgerMember],
  ['register-keys', s.registerKeys],
];

export const PLANS: Readonly<Record<OperationKind, readonly [string, Step][]>> = {
  onboard_shared: IDENTITY_STEPS,
  register_identity: IDENTITY_STEPS,
  onboard_dedicated: [...IDENTITY_STEPS, ...NODE_STEPS],
  move_to_dedicated: [...NODE_STEPS, ['switch-plan', s.switchPlan]],
  provision_node: NODE_STEPS,
};
