/**
 * Model-based tests of the cfa contract: random sequences of operations (placements, money,
 * offers and deals, gifts, inheritance, redemptions, freezes, categories, time passing, and
 * two-operation transactions) run on two ledgers with different node keys, against a small
 * reference model (money minted and burned, who is frozen, the outcome of money operations).
 * After every block: the ledgers agree (block hash, state root), supply = issued − redeemed per
 * asset, money is conserved, no value is negative, locks match the open offers and
 * applications, the movement logs replay to the balances, frozen parties did not move.
 */
import t from 'tap';
import fc from 'fast-check';
import { toHex } from '@konsortium/protocol';
import { allocate, type Application, cfaKeys, type Offer, utcYear } from '../src/index.js';
import { CfaWorld, DAY, decision, type Op, placeAsset, T0, type Who } from './cfa-world.js';
import { checkInvariants, frozenView, Model, snapshot } from './cfa-invariants.js';

const INVESTORS = ['alice', 'bob', 'carol', 'dave', 'iss'] as const;
const ASSETS = ['ALFA', 'BETA', 'GAMMA'] as const;
const FEES = { collector: 'fees', rules: { trade: { fixed: 1_00, bps: 30 }, placement: { fixed: 0, bps: 50 }, gift: { fixed: 50, bps: 0 }, redemption: { fixed: 0, bps: 5 } } };

type Cmd =
  | { t: 'mint' | 'burn'; who: Who; amount: number }
  | { t: 'freeze' | 'unfreeze'; who: Who }
  | { t: 'freezeAsset' | 'unfreezeAsset'; asset: string }
  | { t: 'apply'; who: Who; asset: string; qty: number }
  | { t: 'withdraw'; who: Who; asset: string; n: number }
  | { t: 'close' | 'redeem'; asset: string; by: Who }
  | { t: 'offerSell' | 'offerBuy'; who: Who; asset: string; qty: number; price: number; to: Who | null }
  | { t: 'accept'; who: Who; asset: string; n: number; qty: number | null }
  | { t: 'cancel'; who: Who; asset: string; n: number }
  | { t: 'gift'; who: Who; to: Who; asset: string; qty: number }
  | { t: 'inherit'; from: Who; to: Who; asset: string; qty: number }
  | { t: 'redeemEarly'; who: Who; holder: Who | null; asset: string; qty: number }
  | { t: 'category'; who: Who; qualified: boolean }
  | { t: 'tick'; days: number }
  | { t: 'pair'; a: Cmd; b: Cmd };

const who = fc.constantFrom<Who>(...INVESTORS);
const asset = fc.constantFrom(...ASSETS);
const qty = fc.integer({ min: 1, max: 200 });
const price = fc.integer({ min: 1, max: 120_00 });
const userCmd: fc.Arbitrary<Cmd> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('apply' as const), who, asset, qty }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant('withdraw' as const), who, asset, n: fc.nat(6) }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constantFrom('offerSell' as const, 'offerBuy' as const), who, asset, qty, price, to: fc.option(who) }), weight: 5 },
  { arbitrary: fc.record({ t: fc.constant('accept' as const), who, asset, n: fc.nat(8), qty: fc.option(qty) }), weight: 5 },
  { arbitrary: fc.record({ t: fc.constant('cancel' as const), who, asset, n: fc.nat(8) }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('gift' as const), who, to: who, asset, qty }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('redeemEarly' as const), who, holder: fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, who), asset, qty }), weight: 2 },
);
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { arbitrary: userCmd, weight: 20 },
  { arbitrary: fc.record({ t: fc.constantFrom('mint' as const, 'burn' as const), who, amount: fc.integer({ min: 1, max: 40_000_00 }) }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant('freeze' as const), who }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('unfreeze' as const), who }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constantFrom('freezeAsset' as const, 'unfreezeAsset' as const, 'unfreezeAsset' as const), asset }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constantFrom('close' as const, 'redeem' as const), asset, by: fc.constantFrom<Who>('iss', 'iss', 'op', 'alice') }), weight: 5 },
  { arbitrary: fc.record({ t: fc.constant('inherit' as const), from: who, to: who, asset, qty }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('category' as const), who, qualified: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('tick' as const), days: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 8 }), weight: 2 }, fc.integer({ min: 15, max: 80 })) }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('pair' as const), a: userCmd, b: userCmd }), weight: 2 },
);

/**
 * The transaction a command becomes: signer and operation. Offer and application numbers pick
 * among the asset's open offers and filed applications in the current state, so that the
 * commands mostly name things that exist.
 */
function opOf(w: CfaWorld, c: Cmd): { signer: Who; op: Op } {
  // Mostly an open offer the signer may act on (accept: someone else's, addressed to anyone or
  // to the signer; cancel: its own); one time in four any open offer, for the refusals.
  const offerId = (who: Who, n: number, mine: boolean, a: string): string => {
    const open = ASSETS.flatMap((x) => w.json<{ open: string[] }>(cfaKeys.offers(x))?.open ?? []).map((id) => w.json<Offer>(cfaKeys.offer(id))!);
    const fit = n % 4 === 3 ? open : open.filter((o) => (mine ? o.maker === who : o.maker !== who && (o.counterparty === null || o.counterparty === who)));
    return fit.length > 0 ? fit[n % fit.length]!.id : `${a}/${n}`;
  };
  const applicationId = (who: Who, n: number, a: string): string => {
    const all = ASSETS.flatMap((x) => Array.from({ length: w.json<{ applications: number }>(cfaKeys.asset(x))?.applications ?? 0 }, (_, i) => `${x}/${i}`));
    const mine = all.filter((id) => {
      const app = w.json<Application>(cfaKeys.application(id))!;
      return app.investor === who && app.status === 'pending';
    });
    const fit = n % 4 === 3 || mine.length === 0 ? all : mine;
    return fit.length > 0 ? fit[n % fit.length]! : `${a}/${n}`;
  };
  switch (c.t) {
    case 'mint':
    case 'burn':
      return { signer: 'op', op: { method: c.t, args: { account: c.who, amount: c.amount, ref: 'bank' } } };
    case 'freeze':
      return { signer: 'op', op: { method: 'freeze', args: { account: c.who, reason: 'model freeze' } } };
    case 'unfreeze': {
      // mostly someone who is frozen
      const frozen = INVESTORS.filter((x) => w.json(cfaKeys.accountFreeze(x)) !== undefined);
      const target = w.json(cfaKeys.accountFreeze(c.who)) === undefined && frozen.length > 0 ? frozen[0]! : c.who;
      return { signer: 'op', op: { method: 'unfreeze', args: { account: target } } };
    }
    case 'freezeAsset':
      return { signer: 'op', op: { method: 'freeze', args: { asset: c.asset, reason: 'model freeze' } } };
    case 'unfreezeAsset':
      return { signer: 'op', op: { method: 'unfreeze', args: { asset: c.asset } } };
    case 'apply':
      return { signer: c.who, op: { method: 'apply', args: { asset: c.asset, quantity: c.qty } } };
    case 'withdraw':
      return { signer: c.who, op: { method: 'withdrawApplication', args: { application: applicationId(c.who, c.n, c.asset) } } };
    case 'close':
      return { signer: c.by, op: { method: 'closePlacement', args: { asset: c.asset } } };
    case 'redeem':
      return { signer: c.by, op: { method: 'redeem', args: { asset: c.asset } } };
    case 'offerSell':
    case 'offerBuy':
      return { signer: c.who, op: { method: c.t, args: { asset: c.asset, quantity: c.qty, price: c.price, ...(c.to === null ? {} : { counterparty: c.to }) } } };
    case 'accept':
      return { signer: c.who, op: { method: 'acceptOffer', args: { offer: offerId(c.who, c.n, false, c.asset), ...(c.qty === null ? {} : { quantity: c.qty }) } } };
    case 'cancel':
      return { signer: c.who, op: { method: 'cancelOffer', args: { offer: offerId(c.who, c.n, true, c.asset) } } };
    case 'gift':
      return { signer: c.who, op: { method: 'gift', args: { asset: c.asset, to: c.to, quantity: c.qty } } };
    case 'inherit':
      return { signer: 'op', op: { method: 'inherit', args: { asset: c.asset, from: c.from, to: c.to, quantity: c.qty, basis: 'will' } } };
    case 'redeemEarly':
      return { signer: c.who, op: { method: 'redeemEarly', args: { asset: c.asset, quantity: c.qty, ...(c.holder === null ? {} : { holder: c.holder }) } } };
    case 'category':
      return { signer: 'op', op: { method: 'setInvestorCategory', args: { account: c.who, category: c.qualified ? 'qualified' : 'non-qualified' } } };
    default:
      throw new Error(`no single operation for ${c.t}`);
  }
}

/** Accounts and assets whose units or money a command could move (for the frozen checks). */
function touched(c: Cmd): string[] {
  switch (c.t) {
    case 'mint':
    case 'burn':
    case 'apply':
    case 'offerSell':
    case 'offerBuy':
      return [c.who];
    case 'gift':
      return [c.who, c.to];
    case 'inherit':
      return [c.from, c.to];
    default:
      return [];
  }
}

function setupWorld(): CfaWorld {
  const w = new CfaWorld({ ledgers: 2, fees: FEES });
  // ALFA and GAMMA: placed at once (GAMMA matures in 2025, no early redemption);
  // BETA: applications from day 3 to day 20, early redemption from day 40, maturity on day 90.
  placeAsset(w, 'ALFA', { alice: 300, bob: 200, carol: 100 }, { placementStart: T0 + DAY, placementEnd: T0 + 2 * DAY });
  placeAsset(w, 'GAMMA', { dave: 400, iss: 100, bob: 100 }, { placementStart: T0 + 2 * DAY, placementEnd: T0 + 3 * DAY, maturityDate: T0 + 420 * DAY, earlyRedemption: undefined });
  const must = (c: string): void => {
    if (c !== 'OK') throw new Error(`setup: ${c}`);
  };
  must(w.run('iss', 'fileIssue', decision('BETA', { volume: 500, placementStart: T0 + 3 * DAY, placementEnd: T0 + 20 * DAY, maturityDate: T0 + 90 * DAY, earlyRedemption: { from: T0 + 40 * DAY, price: 102_00, byIssuer: true, byHolder: true } })));
  must(w.run('op', 'registerIssue', { asset: 'BETA' }));
  for (const x of ['alice', 'bob', 'carol', 'dave', 'iss'] as const) must(w.run('op', 'mint', { account: x, amount: 60_000_00, ref: 'seed' }));
  return w;
}

function runScenario(blocks: Cmd[][], tally: Map<string, number>): void {
  const w = setupWorld();
  const m = new Model();
  const s0 = snapshot(w);
  const supply = s0.get('cfa/money-supply') as { minted: number; burned: number };
  m.minted = supply.minted;
  m.burned = supply.burned;
  checkInvariants(s0, m);
  let before = s0;
  for (const block of blocks) {
    const txs: { cmds: Cmd[]; signer: Who; ops: Op[] }[] = [];
    for (const c of block) {
      if (c.t === 'tick') {
        w.at(w.now + c.days * DAY);
        continue;
      }
      if (c.t === 'pair') {
        // both operations signed by the first one's signer
        const a = opOf(w, c.a);
        const cb = 'who' in c.b ? ({ ...c.b, who: a.signer } as Cmd) : c.b;
        txs.push({ cmds: [c.a, cb], signer: a.signer, ops: [a.op, opOf(w, cb).op] });
      } else {
        const o = opOf(w, c);
        txs.push({ cmds: [c], signer: o.signer, ops: [o.op] });
      }
    }
    if (txs.length === 0) continue;
    const frozenAtStart = { accounts: new Set(m.frozen), assets: new Set(m.frozenAssets) };
    const unfrozenInBlock = new Set<string>();
    const avail = (acc: string): number => {
      const mo = w.json<{ balance: number; locked: number }>(`cfa/money/${acc}`) ?? { balance: 0, locked: 0 };
      return mo.balance - mo.locked;
    };
    // Predictions for the money operations of single-operation transactions alone in their block.
    const predicted = txs.length === 1 && txs[0]!.cmds.length === 1 ? predict(txs[0]!.cmds[0]!, txs[0]!.ops[0]!, m, avail) : null;
    const outcomes = w.block(txs.map((x) => w.sign(x.signer, x.ops)));
    if (predicted !== null && outcomes[0]!.code !== predicted) throw new Error(`${JSON.stringify(txs[0]!.cmds[0])}: ${outcomes[0]!.code} (${outcomes[0]!.message}), model expects ${predicted}`);
    outcomes.forEach((r, i) => {
      const tx = txs[i]!;
      const key = `${tx.cmds.length > 1 ? 'pair' : tx.cmds[0]!.t}:${r.code}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
      for (const [j, c] of tx.cmds.entries()) {
        if (r.code === 'OK' && touched(c).some((x) => m.frozen.has(x))) throw new Error(`${JSON.stringify(c)} moved a frozen account`);
        if (r.code !== 'OK') continue;
        const target = (tx.ops[j]!.args as { account?: string }).account;
        if (c.t === 'mint') m.minted += c.amount;
        if (c.t === 'burn') m.burned += c.amount;
        if (c.t === 'freeze') m.frozen.add(c.who);
        if (c.t === 'unfreeze') {
          m.frozen.delete(target!);
          unfrozenInBlock.add(target!);
        }
        if (c.t === 'freezeAsset') m.frozenAssets.add(c.asset);
        if (c.t === 'unfreezeAsset') {
          m.frozenAssets.delete(c.asset);
          unfrozenInBlock.add(c.asset);
        }
      }
    });
    const a = w.stores[0]!.head!;
    const b = w.stores[1]!.head!;
    if (toHex(a.hash) !== toHex(b.hash) || toHex(a.stateRoot) !== toHex(b.stateRoot)) throw new Error(`ledgers diverged at height ${a.height}`);
    const after = snapshot(w);
    checkInvariants(after, m);
    for (const acc of frozenAtStart.accounts) {
      if (!unfrozenInBlock.has(acc) && frozenView(before, acc, false) !== frozenView(after, acc, false)) throw new Error(`frozen account ${acc} moved`);
    }
    for (const code of frozenAtStart.assets) {
      if (!unfrozenInBlock.has(code) && frozenView(before, code, true) !== frozenView(after, code, true)) throw new Error(`frozen asset ${code} moved`);
    }
    before = after;
  }
  // Both ledgers hold exactly the same state.
  const [s1, s2] = w.stores;
  if (s1!.state.size !== s2!.state.size) throw new Error('state sizes differ');
  for (const [k, v] of s1!.state) if (toHex(v) !== toHex(s2!.state.get(k) ?? new Uint8Array([1]))) throw new Error(`state differs at ${k}`);
}

/** The model's exact expectation for money and control operations (null: no exact prediction). */
function predict(c: Cmd, op: Op, m: Model, available: (acc: string) => number): string | null {
  if (c.t === 'mint') return m.frozen.has(c.who) ? 'FROZEN' : 'OK';
  if (c.t === 'burn') return m.frozen.has(c.who) ? 'FROZEN' : available(c.who) >= c.amount ? 'OK' : 'INSUFFICIENT_FUNDS';
  if (c.t === 'freeze' || c.t === 'category') return 'OK';
  if (c.t === 'unfreeze') return m.frozen.has((op.args as { account: string }).account) ? 'OK' : 'INVALID_STATE';
  if (c.t === 'unfreezeAsset') return m.frozenAssets.has(c.asset) ? 'OK' : 'INVALID_STATE';
  return null;
}

t.test('random operation sequences keep every invariant, on two ledgers that agree', async (t) => {
  const tally = new Map<string, number>();
  const blocks = fc.array(fc.array(cmd, { minLength: 1, maxLength: 3 }), { minLength: 25, maxLength: 50 });
  fc.assert(
    fc.property(blocks, (b) => {
      runScenario(b, tally);
    }),
    { numRuns: 25, seed: 20240110, endOnFailure: true },
  );
  t.comment(JSON.stringify([...tally].sort()));
  // The runs are not vacuous: each kind of movement happened, and freezes refused some.
  for (const k of ['apply', 'withdraw', 'close', 'offerSell', 'offerBuy', 'accept', 'cancel', 'gift', 'inherit', 'redeemEarly', 'redeem', 'burn', 'pair']) {
    t.ok((tally.get(`${k}:OK`) ?? 0) > 0, `${k} succeeded ${tally.get(`${k}:OK`) ?? 0} times`);
  }
  t.ok([...tally.keys()].some((k) => k.endsWith(':FROZEN')), 'some operations were refused as FROZEN');
});

t.test('allocation rule: never more than requested or the volume, pro rata, remainder in filing order', async (t) => {
  t.same(allocate([700, 500, 300], 1000), [467, 333, 200]);
  t.same(allocate([1, 1, 1], 2), [1, 1, 0]);
  t.same(allocate([10, 20], 100), [10, 20], 'undersubscribed: everyone gets what it asked');
  t.same(allocate([], 100), []);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 1e9 }), { maxLength: 60 }), fc.integer({ min: 1, max: 1e9 }), (req, volume) => {
      const out = allocate(req, volume);
      const total = req.reduce((s, r) => s + r, 0);
      const got = out.reduce((s, r) => s + r, 0);
      if (got !== Math.min(total, volume)) return false;
      return out.every((o, i) => o >= 0 && o <= req[i]! && (total <= volume || Math.abs(o - (req[i]! * volume) / total) < 1 + 1e-9));
    }),
    { numRuns: 300, seed: 3 },
  );
});

t.test('utcYear agrees with Date', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: -62_000_000_000_000, max: 8_000_000_000_000_000 }), (ms) => utcYear(ms) === new Date(ms).getUTCFullYear()),
    { numRuns: 2000, seed: 5 },
  );
  t.equal(utcYear(Date.UTC(2024, 11, 31, 23, 59, 59, 999)), 2024);
  t.equal(utcYear(Date.UTC(2025, 0, 1)), 2025);
});
