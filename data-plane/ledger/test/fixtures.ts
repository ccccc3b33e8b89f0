/** A tiny contract and identity directory for executor tests (the real ones live in contracts/). */
import { ContractError, type Contract, type IdentityDirectory, jsonBytes, type Writes } from '../src/index.js';
import { fromHex, type KeyPair, toHex } from '@konsortium/protocol';

/** "counter": add(n) adds to counter/<sender>; fail() always fails; put(key) writes a key. */
export const counterContract: Contract = {
  name: 'counter',
  check(method, args) {
    if (method === 'add') {
      const n = (args as { n?: unknown }).n;
      if (typeof n !== 'number' || !Number.isInteger(n)) throw new ContractError('INVALID_ARGS', 'n must be an integer');
      return args;
    }
    if (method === 'fail' || method === 'put' || method === 'crash') return args;
    throw new ContractError('UNKNOWN_METHOD', `no method ${method}`);
  },
  execute(ctx, method, args) {
    if (method === 'add') {
      const key = `counter/${ctx.sender.memberId}`;
      const cur = ctx.getJson<number>(key) ?? 0;
      const next = cur + (args as { n: number }).n;
      if (next < 0) throw new ContractError('NEGATIVE', 'counter would go below zero');
      ctx.putJson(key, next);
    } else if (method === 'put') {
      ctx.putJson(String((args as { key: string }).key), { at: ctx.height, ts: ctx.timestamp });
    } else if (method === 'crash') {
      throw new TypeError('a bug');
    } else {
      throw new ContractError('ALWAYS_FAILS', 'this method always fails');
    }
  },
};

/** Members keyed by public key hex under id/<hex> → { member, active }. Node keys under nodes. */
export const testDirectory: IdentityDirectory = {
  sender(state, hex) {
    const m = state.getJson<{ member: string; active: boolean; roles: string[] }>(`id/${hex}`);
    return m === undefined ? null : { publicKey: hex, memberId: m.member, roles: m.roles, active: m.active };
  },
  nodeKeys(state) {
    return new Map((state.getJson<{ id: number; key: string }[]>('nodes') ?? []).map((n) => [n.id, fromHex(n.key)]));
  },
  isChannelNode(state, id) {
    return (state.getJson<{ id: number }[]>('nodes') ?? []).some((n) => n.id === id);
  },
};

export function genesisOf(members: { name: string; key: KeyPair; active?: boolean }[], nodes: { id: number; key: KeyPair }[]): Writes {
  const w: Writes = new Map();
  for (const m of members) w.set(`id/${toHex(m.key.publicKey)}`, jsonBytes({ member: m.name, active: m.active ?? true, roles: ['member'] }));
  w.set('nodes', jsonBytes(nodes.map((n) => ({ id: n.id, key: toHex(n.key.publicKey) }))));
  return w;
}
