/**
 * The governance state of a channel, as JSON values under `gov/`:
 *   gov/meta             { channel, suite }
 *   gov/member/<id>      Member
 *   gov/key/<hex>        { member }            a member's signing key (one member per key)
 *   gov/admins           string[]              ids of active admins (to keep at least one)
 *   gov/nodes            NodeEntry[]           the channel's nodes and their block-signing keys
 */
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
  readonly publicKey: string;
  readonly owner: string;
}

export const K = {
  meta: 'gov/meta',
  member: (id: string) => `gov/member/${id}`,
  key: (hex: string) => `gov/key/${hex}`,
  admins: 'gov/admins',
  nodes: 'gov/nodes',
} as const;
