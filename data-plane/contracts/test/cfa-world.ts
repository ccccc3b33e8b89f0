/**
 * A channel with governance + cfa on one or more in-memory ledgers (different node keys), for the
 * cfa tests: signed transactions from named members, one batch per block at a chosen block
 * time, and readers of the cfa state. Every batch goes to every ledger; they must agree.
 */
import { intlSuite, type KeyPair, toHex, type Transaction } from '@konsortium/protocol';
import {
  type CfaAsset,
  cfaContract,
  cfaKeys,
  type FeeSchedule,
  type Genesis,
  type AssetMove,
  type Holdings,
  type MoneyAccount,
  type MoneyMove,
  MOVE_CHUNK,
  moveChunkOf,
  OWNER_BUCKETS,
  parseGenesis,
} from '../src/index.js';
import { ChannelWorld, type Op } from './channel-world.js';

const seeded = (b: number): KeyPair => intlSuite.generateKeyPair((n) => new Uint8Array(n).fill(b));

/** Block time of genesis: 2024-01-10T00:00:00Z. */
export const T0 = Date.UTC(2024, 0, 10);
export const DAY = 86_400_000;

export const MEMBERS = {
  op: { roles: ['admin', 'operator'] as const, key: 1 },
  iss: { roles: ['issuer'] as const, key: 2 },
  iss2: { roles: ['issuer'] as const, key: 3 },
  alice: { roles: ['investor'] as const, key: 4 },
  bob: { roles: ['investor'] as const, key: 5 },
  carol: { roles: ['investor'] as const, key: 6 },
  dave: { roles: ['investor'] as const, key: 7 },
  fees: { roles: ['member'] as const, key: 8 },
} as const;
export type Who = keyof typeof MEMBERS;

const keys = Object.fromEntries(Object.entries(MEMBERS).map(([id, m]) => [id, seeded(m.key)])) as Record<Who, KeyPair>;
const nodeKeys = [seeded(101), seeded(102)];

export function genesisDoc(fees?: FeeSchedule): Genesis {
  return {
    channel: 'consortium',
    suite: 'intl',
    timestamp: T0,
    members: Object.entries(MEMBERS).map(([id, m]) => ({ id, name: id, roles: [...m.roles], keys: [toHex(keys[id as Who].publicKey)] })),
    nodes: nodeKeys.map((k, i) => ({ nodeId: i + 1, publicKey: toHex(k.publicKey), owner: 'op' })),
    ...(fees === undefined || fees.collector === null ? {} : { fees: { collector: fees.collector, rules: fees.rules } }),
  };
}

export type { Op };

/** An asset's owners from every bucket of its registry, sorted by account; throws if an account sits outside its own bucket. */
export function ownersFrom(get: (key: string) => unknown, code: string): Record<string, number> {
  const all: [string, number][] = [];
  for (let b = 0; b < OWNER_BUCKETS; b++) {
    for (const [account, units] of Object.entries((get(cfaKeys.ownerBucket(code, b)) as Record<string, number> | undefined) ?? {})) {
      if (cfaKeys.ownersOf(code, account) !== cfaKeys.ownerBucket(code, b)) throw new Error(`${account} sits in owners bucket ${b} of ${code}, not its own`);
      all.push([account, units]);
    }
  }
  return Object.fromEntries(all.sort(([x], [y]) => (x < y ? -1 : 1)));
}

export class CfaWorld extends ChannelWorld {
  constructor(o: { ledgers?: number; fees?: FeeSchedule } = {}) {
    super(parseGenesis(genesisDoc(o.fees)), () => [cfaContract()], (nodeId) => nodeKeys[nodeId - 1]!.privateKey, o.ledgers ?? 1, 'cfa');
  }

  /** A signed transaction of `who` with these operations (cfa unless said otherwise). */
  sign(who: Who, ops: readonly Op[]): Transaction {
    return this.signWith(keys[who], ops);
  }

  run(who: Who, method: string, args: unknown, contract = 'cfa'): string {
    return this.runMsg(who, method, args, contract).code;
  }

  runMsg(who: Who, method: string, args: unknown, contract = 'cfa'): { code: string; message: string | null } {
    return this.block([this.sign(who, [{ contract, method, args }])])[0]!;
  }

  /** Several operations in one transaction (all-or-nothing). */
  runOps(who: Who, ops: readonly Op[]): string {
    return this.block([this.sign(who, ops)])[0]!.code;
  }

  money(account: string): MoneyAccount {
    return this.json<MoneyAccount>(cfaKeys.money(account)) ?? { balance: 0, locked: 0, moves: 0, purchases: null, recent: [] };
  }

  units(account: string, code: string): number {
    return this.holdings(account).units[code] ?? 0;
  }

  /** The account's units per asset and the part locked in sell offers. */
  holdings(account: string): Holdings {
    return this.json<Holdings>(cfaKeys.holdings(account)) ?? { units: {}, locked: {} };
  }

  /** Record `seq` of the asset's movement log (from its chunk). */
  move(code: string, seq: number): AssetMove | undefined {
    return this.json<AssetMove[]>(cfaKeys.moveChunk(code, moveChunkOf(seq)))?.[seq % MOVE_CHUNK];
  }

  /** Record `seq` of the account's money log (from its chunk, or the open chunk in the account). */
  moneyMove(account: string, seq: number): MoneyMove | undefined {
    const m = this.money(account);
    const keyed = m.moves - (m.moves % MOVE_CHUNK);
    if (seq >= keyed) return m.recent[seq - keyed];
    return this.json<MoneyMove[]>(cfaKeys.moneyMoveChunk(account, moveChunkOf(seq)))?.[seq % MOVE_CHUNK];
  }

  /** The asset's owners, every bucket merged (and each account checked to sit in its own bucket). */
  owners(code: string): Record<string, number> {
    return ownersFrom((key) => this.json(key), code);
  }


  asset(code: string): CfaAsset {
    return this.json<CfaAsset>(cfaKeys.asset(code))!;
  }

  /** All keys of the state with this prefix (sorted). */
  keysWith(prefix: string, store = this.store): string[] {
    return [...store.state.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

/** A standard issue decision for `code`, its times relative to T0. */
export function decision(code: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    code,
    name: `Asset ${code}`,
    volume: 1000,
    nominal: 100_00,
    placementPrice: 100_00,
    placementStart: T0 + 1 * DAY,
    placementEnd: T0 + 10 * DAY,
    maturityDate: T0 + 100 * DAY,
    redemptionPrice: 110_00,
    earlyRedemption: { from: T0 + 50 * DAY, price: 105_00, byIssuer: true, byHolder: true },
    rights: 'Right to receive the redemption price at maturity.',
    ...over,
  };
}

/**
 * Files `code` as `iss` (decision over `over`), registers it, has each investor apply for its
 * units (minting the money first) and closes the placement at its end: the asset is placed with
 * exactly these holdings (volume = their sum unless `over` says otherwise).
 */
export function placeAsset(w: CfaWorld, code: string, units: Partial<Record<Who, number>>, over: Record<string, unknown> = {}): void {
  const total = Object.values(units).reduce((s, n) => s + n, 0);
  const d = decision(code, { volume: total, ...over });
  const must = (what: string, r: { code: string; message: string | null }): void => {
    if (r.code !== 'OK') throw new Error(`${what}: ${r.code} ${r.message}`);
  };
  must('fileIssue', w.runMsg((d.issuer as Who | undefined) ?? 'iss', 'fileIssue', { ...d, issuer: undefined }));
  must('registerIssue', w.runMsg('op', 'registerIssue', { asset: code }));
  w.at(d.placementStart as number);
  for (const [who, q] of Object.entries(units) as [Who, number][]) {
    must('mint', w.runMsg('op', 'mint', { account: who, amount: q * (d.placementPrice as number), ref: `deposit-${code}-${who}` }));
    must('apply', w.runMsg(who, 'apply', { asset: code, quantity: q }));
  }
  w.at(d.placementEnd as number);
  must('closePlacement', w.runMsg('op', 'closePlacement', { asset: code }));
}
