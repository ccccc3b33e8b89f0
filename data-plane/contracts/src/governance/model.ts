/**
 * The governance state of a channel, as JSON values under `gov/`:
 *   gov/meta             { channel, suite }
 *   gov/member/<id>      Member
 *   gov/key/<hex>        { member }            a member's signing key (one member per key)
 *   gov/admins           string[]              ids of active admins (to keep at least one)
 *   gov/nodes            NodeEntry[]           the channel's nodes, their block-signing keys and seal keys
 *   gov/fees             FeeSchedule           the operator's commission per operation type (absent: no fees)
 */
import { CFA_FEE_OPERATIONS } from '@konsortium/protocol';

export const ROLES = ['admin', 'operator', 'issuer', 'investor', 'auditor', 'member'] as const;
export type Role = (typeof ROLES)[number];

export interface Member {
  readonly id: string;
  readonly name: string;
  readonly roles: readonly Role[];
  readonly active: boolean;
  readonly keys: readonly string[];
}

export interface NodeEntry {
  readonly nodeId: number;
  /** Signs blocks, and transactions the node sends itself (key releases, ballot key shares). */
  readonly publicKey: string;
  readonly owner: string;
  /** X25519 public key that key shares are sealed to (encrypted data, ballots); absent: the node holds no shares. */
  readonly sealKey?: string;
}

/** The member id a node's own transactions are sent under; its only role is NODE_ROLE. */
export const nodeMemberId = (nodeId: number): string => `node:${nodeId}`;
export const NODE_ROLE = 'node';

/** The node id behind a node's own transaction (sender `node:<id>` with role `node`), or null. */
export function senderNodeId(sender: { readonly memberId: string; readonly roles: readonly string[] }): number | null {
  if (!sender.roles.includes(NODE_ROLE)) return null;
  const m = /^node:([1-9][0-9]{0,9})$/.exec(sender.memberId);
  return m === null ? null : Number(m[1]);
}

/** Operation types the operator may charge a commission on (the cfa contract charges them). */
export const FEE_OPERATIONS = CFA_FEE_OPERATIONS;
export type FeeOperation = (typeof FEE_OPERATIONS)[number];

/**
 * One operation type's commission in minor units: fee = fixed + floor(base × bps / 10 000),
 * never below 0 (see the cfa contract for the base and the payer of each operation type).
 */
export interface FeeRule {
  readonly fixed: number;
  /** Basis points of the operation's money amount (0..10 000). */
  readonly bps: number;
}

export interface FeeSchedule {
  /** The member account that receives the fees; null: no fees are charged. */
  readonly collector: string | null;
  /** Operation types without a rule are free. */
  readonly rules: { readonly [op in FeeOperation]?: FeeRule };
}

/** No commission at all: what applies while gov/fees is absent. */
export const NO_FEES: FeeSchedule = { collector: null, rules: {} };

export const K = {
  meta: 'gov/meta',
  member: (id: string) => `gov/member/${id}`,
  key: (hex: string) => `gov/key/${hex}`,
  admins: 'gov/admins',
  nodes: 'gov/nodes',
  fees: 'gov/fees',
} as const;
