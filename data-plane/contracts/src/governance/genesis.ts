/**
 * A channel's genesis: its first members and nodes. Every initial node builds block 0 from the
 * same genesis document, so they start from the same state root and block hash.
 */
import { Value } from '@sinclair/typebox/value';
import { Type, type Static } from '@sinclair/typebox';
import { jsonBytes, type Writes } from '@konsortium/ledger';
import { fromHex, isChannelName, suiteById } from '@konsortium/protocol';
import { FeeScheduleSchema, Hex, MemberId, NodeId, Roles, SealKey } from './methods.js';
import { type FeeSchedule, K, type Member, type NodeEntry } from './model.js';

export const GenesisSchema = Type.Object(
  {
    channel: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }),
    suite: Type.Union([Type.Literal('intl'), Type.Literal('gost'), Type.Literal('sm')]),
    /** ms since the epoch: block 0's timestamp. */
    timestamp: Type.Integer({ minimum: 0 }),
    maxTxBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 256 * 1024 })),
    members: Type.Array(
      Type.Object({ id: MemberId, name: Type.String({ minLength: 1, maxLength: 200 }), roles: Roles, keys: Type.Array(Hex, { maxItems: 16 }) }, { additionalProperties: false }),
      { minItems: 1 },
    ),
    nodes: Type.Array(Type.Object({ nodeId: NodeId, publicKey: Hex, owner: MemberId, sealKey: Type.Optional(SealKey) }, { additionalProperties: false }), { minItems: 1 }),
    /** The operator's initial fee schedule (gov/fees); absent: no fees until setFees. */
    fees: Type.Optional(FeeScheduleSchema),
  },
  { additionalProperties: false },
);

export type Genesis = Static<typeof GenesisSchema>;

export class GenesisError extends Error {
  readonly code = 'INVALID_GENESIS';
}

/** Validates a genesis document; throws GenesisError saying what is wrong. */
export function parseGenesis(doc: unknown): Genesis {
  if (!Value.Check(GenesisSchema, doc)) {
    const e = Value.Errors(GenesisSchema, doc).First();
    throw new GenesisError(`genesis: ${e ? `${e.path || '/'} ${e.message}` : 'invalid'}`);
  }
  const g = doc;
  if (!isChannelName(g.channel)) throw new GenesisError(`genesis: invalid channel name "${g.channel}"`);
  const keyBytes = suiteById(g.suite).publicKeyBytes;
  const ids = new Set<string>();
  const keys = new Set<string>();
  for (const m of g.members) {
    if (ids.has(m.id)) throw new GenesisError(`genesis: member "${m.id}" listed twice`);
    ids.add(m.id);
    for (const k of m.keys) {
      if (fromHex(k).length !== keyBytes) throw new GenesisError(`genesis: key of ${m.id} is not a ${g.suite} public key`);
      if (keys.has(k)) throw new GenesisError(`genesis: key ${k} listed twice`);
      keys.add(k);
    }
  }
  if (!g.members.some((m) => m.roles.includes('admin'))) throw new GenesisError('genesis: at least one member must be an admin');
  const nodeIds = new Set<number>();
  for (const n of g.nodes) {
    if (nodeIds.has(n.nodeId)) throw new GenesisError(`genesis: node ${n.nodeId} listed twice`);
    nodeIds.add(n.nodeId);
    if (!ids.has(n.owner)) throw new GenesisError(`genesis: node ${n.nodeId} owned by unknown member "${n.owner}"`);
    if (fromHex(n.publicKey).length !== keyBytes) throw new GenesisError(`genesis: key of node ${n.nodeId} is not a ${g.suite} public key`);
    if (keys.has(n.publicKey)) throw new GenesisError(`genesis: node ${n.nodeId} uses a member's key`);
    keys.add(n.publicKey);
  }
  if (g.fees !== undefined && !ids.has(g.fees.collector)) throw new GenesisError(`genesis: fee collector "${g.fees.collector}" is not a member`);
  return g;
}

/** The state block 0 commits to. */
export function genesisWrites(g: Genesis): Writes {
  const w: Writes = new Map();
  w.set(K.meta, jsonBytes({ channel: g.channel, suite: g.suite }));
  const admins: string[] = [];
  for (const m of g.members) {
    w.set(K.member(m.id), jsonBytes({ id: m.id, name: m.name, roles: m.roles, active: true, keys: m.keys } satisfies Member));
    for (const k of m.keys) w.set(K.key(k), jsonBytes({ member: m.id }));
    if (m.roles.includes('admin')) admins.push(m.id);
  }
  w.set(K.admins, jsonBytes(admins.sort()));
  const nodes: NodeEntry[] = [...g.nodes].sort((a, b) => a.nodeId - b.nodeId).map((n) => ({ ...n }));
  w.set(K.nodes, jsonBytes(nodes));
  if (g.fees !== undefined) w.set(K.fees, jsonBytes({ collector: g.fees.collector, rules: g.fees.rules } satisfies FeeSchedule));
  return w;
}
