/**
 * The governance contract: who the channel's members are, their roles and signing keys, and
 * the channel's nodes with their block-signing keys. Every change is a transaction signed by
 * an admin (a member may add or revoke its own keys). The channel always keeps one active admin.
 */
import type { Static } from '@sinclair/typebox';
import { type Contract, type ContractContext, ContractError, type IdentityDirectory, type StateReader } from '@konsortium/ledger';
import { fromHex } from '@konsortium/protocol';
import { argsChecker } from '../schema.js';
import { GOVERNANCE_METHODS as M } from './methods.js';
import { type FeeSchedule, K, type Member, NODE_ROLE, type NodeEntry, nodeMemberId, type Role } from './model.js';

type Args<N extends keyof typeof M> = Static<(typeof M)[N]>;

function requireAdmin(ctx: ContractContext): void {
  if (!ctx.sender.roles.includes('admin')) throw new ContractError('FORBIDDEN', `member ${ctx.sender.memberId} is not an admin`);
}

function memberOf(ctx: StateReader, id: string): Member {
  const m = ctx.getJson<Member>(K.member(id));
  if (m === undefined) throw new ContractError('MEMBER_NOT_FOUND', `no member "${id}"`);
  return m;
}

function admins(ctx: StateReader): string[] {
  return ctx.getJson<string[]>(K.admins) ?? [];
}

/** Keeps gov/admins equal to the active members with the admin role; refuses to empty it. */
function saveMember(ctx: ContractContext, m: Member): void {
  ctx.putJson(K.member(m.id), m);
  const isAdmin = m.active && m.roles.includes('admin');
  const list = admins(ctx).filter((id) => id !== m.id);
  if (isAdmin) list.push(m.id);
  list.sort();
  if (list.length === 0) throw new ContractError('LAST_ADMIN', 'the channel must keep at least one active admin');
  ctx.putJson(K.admins, list);
}

function checkKey(ctx: ContractContext, hex: string, suiteKeyBytes: number | null): void {
  if (suiteKeyBytes !== null && fromHex(hex).length !== suiteKeyBytes) {
    throw new ContractError('INVALID_ARGS', `public key must be ${suiteKeyBytes} bytes`);
  }
  if (ctx.get(K.key(hex)) !== undefined) throw new ContractError('KEY_IN_USE', 'this key already belongs to a member');
  if ((ctx.getJson<NodeEntry[]>(K.nodes) ?? []).some((n) => n.publicKey === hex)) throw new ContractError('KEY_IN_USE', 'this key is a node key');
}

export interface GovernanceOptions {
  /** Public key length of the channel's suite (keys of another length are refused). */
  readonly publicKeyBytes: number;
}

export function governanceContract(opts: GovernanceOptions): Contract {
  const check = argsChecker('governance', M);
  const keyBytes = opts.publicKeyBytes;
  const handlers: Record<keyof typeof M, (ctx: ContractContext, a: never) => void> = {
    addMember(ctx, a: Args<'addMember'>) {
      requireAdmin(ctx);
      if (ctx.get(K.member(a.id)) !== undefined) throw new ContractError('MEMBER_EXISTS', `member "${a.id}" exists`);
      for (const k of a.keys) checkKey(ctx, k, keyBytes);
      for (const k of a.keys) ctx.putJson(K.key(k), { member: a.id });
      ctx.putJson(K.member(a.id), { id: a.id, name: a.name, roles: a.roles, active: true, keys: a.keys } satisfies Member);
      if (a.roles.includes('admin')) saveMember(ctx, memberOf(ctx, a.id));
    },
    setRoles(ctx, a: Args<'setRoles'>) {
      requireAdmin(ctx);
      saveMember(ctx, { ...memberOf(ctx, a.id), roles: a.roles as Role[] });
    },
    suspendMember(ctx, a: Args<'suspendMember'>) {
      requireAdmin(ctx);
      saveMember(ctx, { ...memberOf(ctx, a.id), active: false });
    },
    reinstateMember(ctx, a: Args<'reinstateMember'>) {
      requireAdmin(ctx);
      saveMember(ctx, { ...memberOf(ctx, a.id), active: true });
    },
    addKey(ctx, a: Args<'addKey'>) {
      if (ctx.sender.memberId !== a.member) requireAdmin(ctx);
      const m = memberOf(ctx, a.member);
      checkKey(ctx, a.publicKey, keyBytes);
      ctx.putJson(K.key(a.publicKey), { member: a.member });
      ctx.putJson(K.member(m.id), { ...m, keys: [...m.keys, a.publicKey] });
    },
    revokeKey(ctx, a: Args<'revokeKey'>) {
      const owner = ctx.getJson<{ member: string }>(K.key(a.publicKey));
      if (owner === undefined) throw new ContractError('KEY_NOT_FOUND', 'no member has this key');
      if (ctx.sender.memberId !== owner.member) requireAdmin(ctx);
      const m = memberOf(ctx, owner.member);
      const keys = m.keys.filter((k) => k !== a.publicKey);
      if (keys.length === 0 && admins(ctx).length === 1 && admins(ctx)[0] === m.id) {
        throw new ContractError('LAST_ADMIN', 'the last admin cannot revoke its last key');
      }
      ctx.delete(K.key(a.publicKey));
      ctx.putJson(K.member(m.id), { ...m, keys });
    },
    setNode(ctx, a: Args<'setNode'>) {
      requireAdmin(ctx);
      memberOf(ctx, a.owner);
      if (fromHex(a.publicKey).length !== keyBytes) throw new ContractError('INVALID_ARGS', `node key must be ${keyBytes} bytes`);
      const nodes = (ctx.getJson<NodeEntry[]>(K.nodes) ?? []).filter((n) => n.nodeId !== a.nodeId);
      if (ctx.get(K.key(a.publicKey)) !== undefined) throw new ContractError('KEY_IN_USE', 'a member signs with this key; a node needs its own');
      nodes.push({ nodeId: a.nodeId, publicKey: a.publicKey, owner: a.owner, ...(a.sealKey === undefined ? {} : { sealKey: a.sealKey }) });
      nodes.sort((x, y) => x.nodeId - y.nodeId);
      ctx.putJson(K.nodes, nodes);
    },
    removeNode(ctx, a: Args<'removeNode'>) {
      requireAdmin(ctx);
      const nodes = ctx.getJson<NodeEntry[]>(K.nodes) ?? [];
      if (!nodes.some((n) => n.nodeId === a.nodeId)) throw new ContractError('NODE_NOT_FOUND', `no node ${a.nodeId}`);
      ctx.putJson(
        K.nodes,
        nodes.filter((n) => n.nodeId !== a.nodeId),
      );
    },
    setFees(ctx, a: Args<'setFees'>) {
      if (!ctx.sender.roles.includes('admin') && !ctx.sender.roles.includes('operator')) {
        throw new ContractError('FORBIDDEN', `member ${ctx.sender.memberId} is neither an admin nor an operator`);
      }
      memberOf(ctx, a.collector);
      ctx.putJson(K.fees, { collector: a.collector, rules: a.rules } satisfies FeeSchedule);
    },
  };
  return {
    name: 'governance',
    check,
    execute(ctx, method, args) {
      const h = handlers[method as keyof typeof M];
      if (h === undefined) throw new ContractError('UNKNOWN_METHOD', `governance has no method "${method}"`);
      h(ctx, args as never);
    },
  };
}

/** The ledger's view of identities, read from the governance state. */
export const governanceDirectory: IdentityDirectory = {
  sender(state, publicKeyHex) {
    const owner = state.getJson<{ member: string }>(K.key(publicKeyHex));
    if (owner === undefined) {
      // A channel node sends its own transactions (key releases, ballot key shares) under its block-signing key.
      const node = (state.getJson<NodeEntry[]>(K.nodes) ?? []).find((n) => n.publicKey === publicKeyHex);
      return node === undefined ? null : { publicKey: publicKeyHex, memberId: nodeMemberId(node.nodeId), roles: [NODE_ROLE], active: true };
    }
    const m = state.getJson<Member>(K.member(owner.member));
    if (m === undefined) return null;
    return { publicKey: publicKeyHex, memberId: m.id, roles: m.roles, active: m.active };
  },
  nodeKeys(state) {
    return new Map((state.getJson<NodeEntry[]>(K.nodes) ?? []).map((n) => [n.nodeId, fromHex(n.publicKey)]));
  },
  isChannelNode(state, nodeId) {
    return (state.getJson<NodeEntry[]>(K.nodes) ?? []).some((n) => n.nodeId === nodeId);
  },
};
