/**
 * The invariants of the cfa state, checked on a snapshot of all `cfa/` keys: money conserved
 * (against the reference model's minted and burned), supply = issued − redeemed, no negative
 * value, locks equal to open offers and pending applications, movement logs that replay to the
 * balances, owners and holdings in step. Used by cfa-model.test.ts.
 */
import { cfaKeys, MOVE_CHUNK, moveChunkOf } from '../src/index.js';
import { type CfaWorld, ownersFrom } from './cfa-world.js';

const decoder = new TextDecoder();

/** The reference model: what the money supply must be, and who is frozen. */
export class Model {
  minted = 0;
  burned = 0;
  frozen = new Set<string>();
  frozenAssets = new Set<string>();
}

export type State = Map<string, unknown>;

export function snapshot(w: CfaWorld): State {
  const s: State = new Map();
  for (const [k, v] of w.store.state) if (k.startsWith('cfa/')) s.set(k, JSON.parse(decoder.decode(v)));
  return s;
}

function checkNumbers(v: unknown, path: string): void {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${path} = ${v}: not a non-negative safe integer`);
  } else if (Array.isArray(v)) v.forEach((x, i) => checkNumbers(x, `${path}[${i}]`));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) checkNumbers(x, `${path}.${k}`);
}

const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

/** Every invariant of the cfa state; throws saying which one broke. */
export function checkInvariants(s: State, m: Model): void {
  const get = <T>(k: string): T | undefined => s.get(k) as T | undefined;
  const ownersOf = (code: string): Record<string, number> => ownersFrom((k) => s.get(k), code);
  /** A log of `count` records: full chunks, then the rest (`keyed`: only the full chunks have keys), nothing after. */
  const checkChunks = (chunk: (c: number) => string, count: number, keyed = count): void => {
    for (let c = 0; c * MOVE_CHUNK < keyed; c++) {
      const want = Math.min(MOVE_CHUNK, keyed - c * MOVE_CHUNK);
      if (get<unknown[]>(chunk(c))?.length !== want) fail(`${chunk(c)} holds ${get<unknown[]>(chunk(c))?.length} records, not ${want}`);
    }
    if (get(chunk(Math.ceil(keyed / MOVE_CHUNK))) !== undefined) fail(`${chunk(Math.ceil(keyed / MOVE_CHUNK))} is past the keyed part of the log`);
  };
  const fail = (msg: string): never => {
    throw new Error(msg);
  };
  for (const [k, v] of s) checkNumbers(v, k);
  // money: conservation, locks, logs
  const supply = get<{ minted: number; burned: number }>('cfa/money-supply') ?? { minted: 0, burned: 0 };
  if (supply.minted !== m.minted || supply.burned !== m.burned) fail(`money supply ${JSON.stringify(supply)} vs model ${m.minted}/${m.burned}`);
  let balances = 0;
  const expectLockedMoney: Record<string, number> = {};
  const expectLockedUnits: Record<string, Record<string, number>> = {};
  for (const [k, v] of s) {
    if (k.startsWith('cfa/application/')) {
      const a = v as { status: string; investor: string; money: number };
      if (a.status === 'pending') expectLockedMoney[a.investor] = (expectLockedMoney[a.investor] ?? 0) + a.money;
    } else if (k.startsWith('cfa/offer/')) {
      const o = v as { status: string; side: string; maker: string; remaining: number; price: number; asset: string };
      if (o.status !== 'open') continue;
      if (o.side === 'buy') expectLockedMoney[o.maker] = (expectLockedMoney[o.maker] ?? 0) + o.remaining * o.price;
      else (expectLockedUnits[o.maker] ??= {})[o.asset] = (expectLockedUnits[o.maker]![o.asset] ?? 0) + o.remaining;
    }
  }
  const accounts = new Set<string>();
  for (const k of s.keys()) {
    const mm = /^cfa\/(money|holdings)\/([^/]+)$/.exec(k);
    if (mm) accounts.add(mm[2]!);
  }
  for (const acc of accounts) {
    const money = get<{ balance: number; locked: number; moves: number; recent: { entry: string; amount: number; seq: number }[] }>(`cfa/money/${acc}`) ?? { balance: 0, locked: 0, moves: 0, recent: [] };
    balances += money.balance;
    if (money.locked > money.balance) fail(`${acc}: locked money ${money.locked} > balance ${money.balance}`);
    if (money.locked !== (expectLockedMoney[acc] ?? 0)) fail(`${acc}: locked money ${money.locked}, open applications and buy offers ${expectLockedMoney[acc] ?? 0}`);
    let replay = 0;
    const count = money.moves;
    const keyed = count - (count % MOVE_CHUNK);
    if (money.recent.length !== count - keyed) fail(`${acc}: the money log's open chunk holds ${money.recent.length} records, not ${count - keyed}`);
    for (let i = 0; i < count; i++) {
      const mv = i >= keyed ? money.recent[i - keyed]! : get<{ entry: string; amount: number; seq: number }[]>(cfaKeys.moneyMoveChunk(acc, moveChunkOf(i)))![i % MOVE_CHUNK]!;
      if (mv.seq !== i) fail(`money move ${acc}/${i} has seq ${mv.seq}`);
      replay += mv.entry === 'credit' ? mv.amount : -mv.amount;
    }
    if (replay !== money.balance) fail(`${acc}: money log replays to ${replay}, balance ${money.balance}`);
    checkChunks((c) => cfaKeys.moneyMoveChunk(acc, c), count, keyed);
    const { units: holdings, locked } = get<{ units: Record<string, number>; locked: Record<string, number> }>(`cfa/holdings/${acc}`) ?? { units: {}, locked: {} };
    if (JSON.stringify(locked) !== JSON.stringify(Object.fromEntries(Object.entries(expectLockedUnits[acc] ?? {}).filter(([, n]) => n > 0).sort()))) {
      fail(`${acc}: locked units ${JSON.stringify(locked)} vs open sell offers ${JSON.stringify(expectLockedUnits[acc])}`);
    }
    for (const [code, n] of Object.entries(locked)) if (n > (holdings[code] ?? 0)) fail(`${acc}: ${n} units of ${code} locked, ${holdings[code] ?? 0} held`);
    for (const [code, n] of Object.entries(holdings)) if (ownersOf(code)[acc] !== n) fail(`${acc}: holdings and owners of ${code} differ`);
  }
  if (balances !== m.minted - m.burned) fail(`sum of balances ${balances} ≠ minted − burned ${m.minted - m.burned}`);
  // assets: supply, logs
  for (const code of get<string[]>('cfa/assets') ?? []) {
    const a = get<{ issued: number; redeemed: number; status: string; decision: { volume: number } }>(`cfa/asset/${code}`)!;
    const owners = ownersOf(code);
    if (sum(owners) !== a.issued - a.redeemed) fail(`${code}: owners hold ${sum(owners)}, issued − redeemed = ${a.issued - a.redeemed}`);
    if (a.issued > a.decision.volume || a.redeemed > a.issued) fail(`${code}: issued ${a.issued}, redeemed ${a.redeemed}, volume ${a.decision.volume}`);
    if (a.status === 'closed' && sum(owners) !== 0) fail(`${code} closed with units outstanding`);
    for (const [acc, n] of Object.entries(owners)) if (get<{ units: Record<string, number> }>(`cfa/holdings/${acc}`)?.units[code] !== n) fail(`${code}: owners and holdings of ${acc} differ`);
    const net: Record<string, number> = {};
    let placed = 0;
    let redeemed = 0;
    const count = get<{ count: number }>(`cfa/moves/${code}`)?.count ?? 0;
    for (let i = 0; i < count; i++) {
      const mv = get<{ entry: string; account: string; quantity: number; cause: string }[]>(cfaKeys.moveChunk(code, moveChunkOf(i)))![i % MOVE_CHUNK]!;
      net[mv.account] = (net[mv.account] ?? 0) + (mv.entry === 'credit' ? mv.quantity : -mv.quantity);
      if (mv.cause === 'placement') placed += mv.quantity;
      if (mv.cause === 'redemption' || mv.cause === 'early-redemption') redeemed += mv.quantity;
    }
    checkChunks((c) => cfaKeys.moveChunk(code, c), count);
    const netNonZero = Object.fromEntries(Object.entries(net).filter(([, n]) => n !== 0).sort());
    if (JSON.stringify(netNonZero) !== JSON.stringify(owners)) fail(`${code}: movement log replays to ${JSON.stringify(netNonZero)}, owners ${JSON.stringify(owners)}`);
    if (placed !== a.issued || redeemed !== a.redeemed) fail(`${code}: log has ${placed} placed / ${redeemed} redeemed, asset says ${a.issued} / ${a.redeemed}`);
  }
}

/** What must not have changed for a frozen account or asset between two states. */
export function frozenView(s: State, id: string, isAsset: boolean): string {
  if (isAsset) return JSON.stringify([ownersFrom((k) => s.get(k), id), s.get(`cfa/moves/${id}`)]);
  const money = s.get(`cfa/money/${id}`) as { balance: number; moves: number } | undefined;
  return JSON.stringify([s.get(`cfa/holdings/${id}`), money?.balance ?? 0, money?.moves ?? 0]);
}

