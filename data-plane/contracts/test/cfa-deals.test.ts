import t from 'tap';
import { cfaKeys, type FeeSchedule, parseGenesis, type FeeTotals, type Offer, type OfferBook, MOVE_CHUNK, moveChunkOf, OWNER_BUCKETS } from '../src/index.js';
import { CfaWorld, DAY, decision, genesisDoc, placeAsset, T0 } from './cfa-world.js';

const FEES: FeeSchedule = {
  collector: 'fees',
  rules: { trade: { fixed: 10_00, bps: 50 }, gift: { fixed: 5_00, bps: 0 }, inheritance: { fixed: 0, bps: 10 }, placement: { fixed: 0, bps: 100 } },
};

t.test('fee schedule: set in governance by an operator, visible in state', async (t) => {
  const w = new CfaWorld();
  t.equal(w.run('alice', 'setFees', FEES, 'governance'), 'FORBIDDEN');
  t.equal(w.run('op', 'setFees', { ...FEES, collector: 'nobody' }, 'governance'), 'MEMBER_NOT_FOUND');
  t.equal(w.run('op', 'setFees', { collector: 'fees', rules: { trade: { fixed: 0, bps: 10_001 } } }, 'governance'), 'INVALID_ARGS');
  t.equal(w.run('op', 'setFees', { collector: 'fees', rules: { swap: { fixed: 0, bps: 1 } } }, 'governance'), 'INVALID_ARGS');
  t.equal(w.run('op', 'setFees', FEES, 'governance'), 'OK');
  t.same(w.json(cfaKeys.fees), FEES);
  t.same(new CfaWorld({ fees: FEES }).json(cfaKeys.fees), FEES, 'or in the genesis document');
  t.throws(() => parseGenesis(genesisDoc({ ...FEES, collector: 'ghost' })), { code: 'INVALID_GENESIS', message: /collector/ }, 'the collector must be a member');
  t.equal(new CfaWorld().json(cfaKeys.fees), undefined, 'no schedule: no fees');
});

t.test('secondary market: offers, delivery versus payment, partial fills, fees', async (t) => {
  const w = new CfaWorld({ fees: FEES });
  placeAsset(w, 'BOND1', { alice: 500, bob: 300, carol: 200 });
  // placement fee: 1% of 1000 × 100.00 = 1 000.00, deducted from the issuer's proceeds
  t.match(w.money('iss'), { balance: 100_000_00 - 1_000_00, locked: 0 });
  t.match(w.money('fees'), { balance: 1_000_00, locked: 0 });

  t.equal(w.run('alice', 'offerSell', { asset: 'BOND1', quantity: 600, price: 120_00 }), 'INSUFFICIENT_HOLDINGS');
  t.equal(w.run('alice', 'offerSell', { asset: 'NOPE', quantity: 1, price: 120_00 }), 'ASSET_NOT_FOUND');
  t.equal(w.run('alice', 'offerSell', { asset: 'BOND1', quantity: 100, price: 0 }), 'INVALID_ARGS');
  t.equal(w.run('alice', 'offerSell', { asset: 'BOND1', quantity: 100, price: 120_00 }), 'OK');
  t.same(w.json<OfferBook>(cfaKeys.offers('BOND1')), { count: 1, open: ['BOND1/0'] });
  t.equal(w.units('alice', 'BOND1'), 500, 'offered units stay owned...');
  t.same(w.json(cfaKeys.holdings('alice')), { units: { BOND1: 500 }, locked: { BOND1: 100 } }, '...and locked in her holdings');
  t.equal(w.run('alice', 'gift', { asset: 'BOND1', to: 'dave', quantity: 401 }), 'INSUFFICIENT_HOLDINGS', 'locked units cannot be given away');
  t.equal(w.run('alice', 'acceptOffer', { offer: 'BOND1/0' }), 'SELF_DEAL');
  t.equal(w.run('dave', 'acceptOffer', { offer: 'BOND1/0', quantity: 1 }), 'INSUFFICIENT_FUNDS', 'dave has no money');
  t.equal(w.run('bob', 'acceptOffer', { offer: 'BOND1/0', quantity: 101 }), 'INVALID_ARGS');
  t.equal(w.run('bob', 'acceptOffer', { offer: 'BOND1/9' }), 'OFFER_NOT_FOUND');
  t.equal(w.run('op', 'mint', { account: 'bob', amount: 10_000_00, ref: 'b2' }), 'OK');
  t.equal(w.run('bob', 'acceptOffer', { offer: 'BOND1/0', quantity: 40 }), 'OK');
  // 40 × 120.00 = 4 800.00; fee 10.00 + 0.5% = 10.00 + 24.00, paid by the seller
  t.same(w.owners('BOND1'), { alice: 460, bob: 340, carol: 200 });
  t.match(w.money('bob'), { balance: 10_000_00 - 4_800_00, locked: 0 });
  t.match(w.money('alice'), { balance: 4_800_00 - 34_00, locked: 0 });
  t.match(w.money('fees'), { balance: 1_000_00 + 34_00, locked: 0 });
  t.same(w.json<FeeTotals>(cfaKeys.feeTotals), { total: 1_034_00, byOperation: { placement: 1_000_00, trade: 34_00 } });
  const offer = w.json<Offer>(cfaKeys.offer('BOND1/0'))!;
  t.match(offer, { status: 'open', remaining: 60, quantity: 100, maker: 'alice', side: 'sell' });
  t.same(w.holdings('alice').locked, { BOND1: 60 });
  // the movement log of the deal
  const log = w.json<{ count: number }>(cfaKeys.moves('BOND1'))!.count;
  const deb = w.move('BOND1', log - 2)!;
  const cred = w.move('BOND1', log - 1)!;
  t.match(deb, { entry: 'debit', account: 'alice', quantity: 40, cause: 'trade', money: 4_800_00, counterparty: 'bob', ref: 'BOND1/0' });
  t.match(cred, { entry: 'credit', account: 'bob', quantity: 40, cause: 'trade', money: 4_800_00, counterparty: 'alice' });
  t.equal(deb.txId, cred.txId, 'one transaction');
  const aliceLog = w.money('alice').moves;
  t.match(w.moneyMove('alice', aliceLog - 1), { entry: 'debit', amount: 34_00, cause: 'fee', fee: 'trade', counterparty: 'fees' });
  t.match(w.moneyMove('alice', aliceLog - 2), { entry: 'credit', amount: 4_800_00, cause: 'trade', counterparty: 'bob' });

  // all or nothing: an accept followed by a failing operation in the same transaction leaves no trace
  const before = w.store.head!.stateRoot;
  t.equal(
    w.runOps('bob', [
      { method: 'acceptOffer', args: { offer: 'BOND1/0', quantity: 10 } },
      { method: 'gift', args: { asset: 'BOND1', to: 'dave', quantity: 10_000 } },
    ]),
    'INSUFFICIENT_HOLDINGS',
  );
  t.same(w.store.head!.stateRoot, before, 'the state did not change');
  t.same(w.owners('BOND1'), { alice: 460, bob: 340, carol: 200 });

  // an offer addressed to one counterparty
  t.equal(w.run('bob', 'offerSell', { asset: 'BOND1', quantity: 10, price: 100_00, counterparty: 'bob' }), 'SELF_DEAL');
  t.equal(w.run('bob', 'offerSell', { asset: 'BOND1', quantity: 10, price: 100_00, counterparty: 'nobody' }), 'ACCOUNT_NOT_FOUND');
  t.equal(w.run('bob', 'offerSell', { asset: 'BOND1', quantity: 10, price: 100_00, counterparty: 'carol' }), 'OK');
  t.equal(w.run('alice', 'acceptOffer', { offer: 'BOND1/1' }), 'WRONG_SIGNER');
  t.equal(w.run('op', 'mint', { account: 'carol', amount: 20_000_00, ref: 'c2' }), 'OK');
  t.equal(w.run('carol', 'acceptOffer', { offer: 'BOND1/1' }), 'OK');
  t.equal(w.json<Offer>(cfaKeys.offer('BOND1/1'))!.status, 'filled');
  t.equal(w.run('carol', 'acceptOffer', { offer: 'BOND1/1' }), 'INVALID_STATE');
  t.equal(w.units('carol', 'BOND1'), 210);

  // cancel
  t.equal(w.run('dave', 'cancelOffer', { offer: 'BOND1/0' }), 'WRONG_SIGNER');
  t.equal(w.run('alice', 'cancelOffer', { offer: 'BOND1/0' }), 'OK');
  t.equal(w.run('alice', 'cancelOffer', { offer: 'BOND1/0' }), 'INVALID_STATE');
  t.same(w.holdings('alice').locked, {}, 'nothing locked any more');
  t.same(w.json<OfferBook>(cfaKeys.offers('BOND1')), { count: 2, open: [] });

  // a buy offer locks money; the seller accepts
  t.equal(w.run('carol', 'offerBuy', { asset: 'BOND1', quantity: 50, price: 110_00 }), 'OK');
  t.same(w.money('carol').locked, 5_500_00);
  t.equal(w.run('dave', 'acceptOffer', { offer: 'BOND1/2' }), 'INSUFFICIENT_HOLDINGS');
  const carolBefore = w.money('carol').balance;
  t.equal(w.run('alice', 'acceptOffer', { offer: 'BOND1/2', quantity: 50 }), 'OK');
  t.match(w.money('carol'), { balance: carolBefore - 5_500_00, locked: 0 });
  t.equal(w.units('carol', 'BOND1'), 260);
  t.equal(w.units('alice', 'BOND1'), 410);
  t.equal(w.run('dave', 'offerBuy', { asset: 'BOND1', quantity: 1, price: 1 }), 'INSUFFICIENT_FUNDS');
});

t.test('gratuitous transfers: gift by the holder, inheritance by the operator, marked as such', async (t) => {
  const w = new CfaWorld({ fees: FEES });
  placeAsset(w, 'BOND1', { alice: 500, bob: 300 });
  t.equal(w.run('op', 'mint', { account: 'alice', amount: 10_00, ref: 'fee money' }), 'OK');
  t.equal(w.run('alice', 'gift', { asset: 'BOND1', to: 'alice', quantity: 1 }), 'SELF_DEAL');
  t.equal(w.run('alice', 'gift', { asset: 'BOND1', to: 'ghost', quantity: 1 }), 'ACCOUNT_NOT_FOUND');
  t.equal(w.run('alice', 'gift', { asset: 'BOND1', to: 'dave', quantity: 20, note: 'birthday' }), 'OK');
  t.equal(w.units('dave', 'BOND1'), 20);
  const n = w.json<{ count: number }>(cfaKeys.moves('BOND1'))!.count;
  t.match(w.move('BOND1', n - 2), { entry: 'debit', account: 'alice', cause: 'gift', money: 0, counterparty: 'dave', ref: 'birthday' });
  t.match(w.move('BOND1', n - 1), { entry: 'credit', account: 'dave', cause: 'gift', money: 0 });
  t.match(w.money('alice'), { balance: 5_00, locked: 0 }, 'fixed gift fee 5.00 charged to the giver');
  t.equal(w.run('bob', 'gift', { asset: 'BOND1', to: 'dave', quantity: 1 }), 'INSUFFICIENT_FUNDS', 'bob cannot pay the gift fee');
  t.equal(w.units('bob', 'BOND1'), 300);

  t.equal(w.run('carol', 'inherit', { asset: 'BOND1', from: 'bob', to: 'carol', quantity: 300, basis: 'certificate 77-1' }), 'FORBIDDEN');
  t.equal(w.run('op', 'inherit', { asset: 'BOND1', from: 'bob', to: 'carol', quantity: 301, basis: 'certificate 77-1' }), 'INSUFFICIENT_HOLDINGS');
  t.equal(w.run('op', 'mint', { account: 'carol', amount: 30_00, ref: 'c' }), 'OK');
  t.equal(w.run('op', 'inherit', { asset: 'BOND1', from: 'bob', to: 'carol', quantity: 300, basis: 'certificate 77-1' }), 'OK');
  t.same(w.owners('BOND1'), { alice: 480, carol: 300, dave: 20 });
  // 0.1% of 300 × 100.00 nominal = 30.00, paid by the heir
  t.match(w.money('carol'), { balance: 0, locked: 0 });
  t.equal(w.json(cfaKeys.holdings('bob')), undefined, 'bob holds nothing');
  const m = w.json<{ count: number }>(cfaKeys.moves('BOND1'))!.count;
  t.match(w.move('BOND1', m - 1), { entry: 'credit', account: 'carol', cause: 'inheritance', counterparty: 'bob', ref: 'certificate 77-1' });
});

t.test('freezes: every movement of a frozen account or asset is refused with the reason', async (t) => {
  const w = new CfaWorld();
  placeAsset(w, 'BOND1', { alice: 500, bob: 300 });
  t.equal(w.run('op', 'mint', { account: 'bob', amount: 50_000_00, ref: 'b' }), 'OK');
  t.equal(w.run('alice', 'offerSell', { asset: 'BOND1', quantity: 100, price: 100_00 }), 'OK');
  t.equal(w.run('alice', 'freeze', { account: 'bob', reason: 'x' }), 'FORBIDDEN');
  t.equal(w.run('op', 'freeze', { account: 'alice', asset: 'BOND1', reason: 'x' }), 'INVALID_ARGS', 'one target at a time');
  t.equal(w.run('op', 'freeze', { reason: 'x' }), 'INVALID_ARGS');
  t.equal(w.run('op', 'freeze', { account: 'ghost', reason: 'x' }), 'ACCOUNT_NOT_FOUND');
  t.equal(w.run('op', 'freeze', { account: 'alice', reason: 'KYC documents expired' }), 'OK');
  const r = w.runMsg('bob', 'acceptOffer', { offer: 'BOND1/0' });
  t.equal(r.code, 'FROZEN');
  t.match(r.message, /alice.*KYC documents expired/);
  t.equal(w.run('alice', 'offerSell', { asset: 'BOND1', quantity: 1, price: 1 }), 'FROZEN');
  t.equal(w.run('alice', 'gift', { asset: 'BOND1', to: 'bob', quantity: 1 }), 'FROZEN');
  t.equal(w.run('bob', 'gift', { asset: 'BOND1', to: 'alice', quantity: 1 }), 'FROZEN', 'nothing comes in either');
  t.equal(w.run('op', 'mint', { account: 'alice', amount: 1, ref: 'x' }), 'FROZEN');
  t.equal(w.run('op', 'inherit', { asset: 'BOND1', from: 'alice', to: 'bob', quantity: 1, basis: 'x' }), 'FROZEN');
  t.equal(w.run('alice', 'cancelOffer', { offer: 'BOND1/0' }), 'OK', 'cancelling moves nothing: allowed');
  t.equal(w.units('alice', 'BOND1'), 500);
  t.equal(w.run('op', 'unfreeze', { account: 'alice' }), 'OK');
  t.equal(w.run('op', 'unfreeze', { account: 'alice' }), 'INVALID_STATE');
  t.equal(w.run('alice', 'gift', { asset: 'BOND1', to: 'bob', quantity: 1 }), 'OK');

  t.equal(w.run('op', 'freeze', { asset: 'BOND1', reason: 'court order 12/3' }), 'OK');
  t.equal(w.json<{ reason: string }>(cfaKeys.assetFreeze('BOND1'))!.reason, 'court order 12/3');
  const g = w.runMsg('alice', 'gift', { asset: 'BOND1', to: 'bob', quantity: 1 });
  t.equal(g.code, 'FROZEN');
  t.match(g.message, /court order 12\/3/);
  t.equal(w.run('bob', 'offerBuy', { asset: 'BOND1', quantity: 1, price: 1 }), 'FROZEN');
  w.at(T0 + 60 * DAY);
  t.equal(w.run('bob', 'redeemEarly', { asset: 'BOND1', quantity: 1 }), 'FROZEN');
  t.equal(w.run('op', 'unfreeze', { asset: 'BOND1' }), 'OK');
  t.equal(w.run('bob', 'redeemEarly', { asset: 'BOND1', quantity: 1 }), 'OK');
});

t.test('investor limits: non-qualified yearly purchase limit, configurable, per UTC year', async (t) => {
  const w = new CfaWorld();
  placeAsset(w, 'LONG', { carol: 1000 }, { maturityDate: Date.UTC(2025, 6, 1) });
  t.equal(w.run('op', 'mint', { account: 'bob', amount: 1_000_000_00, ref: 'b' }), 'OK');
  t.equal(w.run('bob', 'setLimits', { nonQualifiedYearlyLimit: 1 }), 'FORBIDDEN');
  t.equal(w.run('op', 'setLimits', { nonQualifiedYearlyLimit: 10_000_00 }), 'OK');
  t.same(w.json(cfaKeys.settings), { nonQualifiedYearlyLimit: 10_000_00 });
  t.equal(w.run('carol', 'offerSell', { asset: 'LONG', quantity: 500, price: 100_00 }), 'OK');
  t.equal(w.run('bob', 'acceptOffer', { offer: 'LONG/0', quantity: 101 }), 'OVER_LIMIT', '10 100.00 > 10 000.00');
  t.equal(w.run('bob', 'acceptOffer', { offer: 'LONG/0', quantity: 100 }), 'OK', 'exactly the limit');
  t.equal(w.run('bob', 'acceptOffer', { offer: 'LONG/0', quantity: 1 }), 'OVER_LIMIT');
  t.equal(w.run('bob', 'offerBuy', { asset: 'LONG', quantity: 1, price: 1 }), 'OVER_LIMIT', 'a buy offer is checked up front');
  t.equal(w.run('alice', 'setInvestorCategory', { account: 'bob', category: 'qualified' }), 'FORBIDDEN');
  w.at(Date.UTC(2025, 0, 1));
  t.equal(w.run('bob', 'acceptOffer', { offer: 'LONG/0', quantity: 100 }), 'OK', 'a new year, a new limit');
  t.same(w.money('bob').purchases, { year: 2025, spent: 10_000_00 }, "the counter is the new year's");
  t.equal(w.run('bob', 'acceptOffer', { offer: 'LONG/0', quantity: 1 }), 'OVER_LIMIT');
  t.equal(w.run('op', 'setInvestorCategory', { account: 'bob', category: 'qualified' }), 'OK');
  t.equal(w.run('bob', 'acceptOffer', { offer: 'LONG/0', quantity: 300 }), 'OK', 'qualified investors are not limited');
  t.same(w.money('bob').purchases, { year: 2025, spent: 40_000_00 }, 'but still counted');
  t.equal(w.units('bob', 'LONG'), 500);
});

t.test('the limit applies to placement applications too', async (t) => {
  const w = new CfaWorld();
  t.equal(w.run('op', 'setLimits', { nonQualifiedYearlyLimit: 50_000_00 }), 'OK');
  t.equal(w.run('iss', 'fileIssue', decision('BOND1')), 'OK');
  t.equal(w.run('op', 'registerIssue', { asset: 'BOND1' }), 'OK');
  t.equal(w.run('op', 'mint', { account: 'alice', amount: 100_000_00, ref: 'a' }), 'OK');
  w.at(T0 + DAY);
  t.equal(w.run('alice', 'apply', { asset: 'BOND1', quantity: 501 }), 'OVER_LIMIT');
  t.equal(w.run('alice', 'apply', { asset: 'BOND1', quantity: 300 }), 'OK');
  t.equal(w.run('alice', 'apply', { asset: 'BOND1', quantity: 201 }), 'OVER_LIMIT', 'pending applications count');
  t.equal(w.run('op', 'setInvestorCategory', { account: 'alice', category: 'qualified' }), 'OK');
  t.equal(w.run('alice', 'apply', { asset: 'BOND1', quantity: 600 }), 'OK');
});

t.test('the counter is the latest year’s: a refund of an earlier year’s application leaves it alone', async (t) => {
  const w = new CfaWorld();
  const dec31 = Date.UTC(2024, 11, 31);
  const early = { from: dec31 + 50 * DAY, price: 105_00, byIssuer: true, byHolder: true };
  t.equal(w.run('iss', 'fileIssue', decision('YE', { placementStart: dec31, placementEnd: dec31 + 10 * DAY, maturityDate: dec31 + 100 * DAY, earlyRedemption: early })), 'OK');
  t.equal(w.run('op', 'registerIssue', { asset: 'YE' }), 'OK');
  t.equal(w.run('op', 'mint', { account: 'alice', amount: 100_000_00, ref: 'a' }), 'OK');
  w.at(dec31);
  t.equal(w.run('alice', 'apply', { asset: 'YE', quantity: 100 }), 'OK');
  t.same(w.money('alice').purchases, { year: 2024, spent: 10_000_00 });
  w.at(Date.UTC(2025, 0, 2));
  t.equal(w.run('alice', 'apply', { asset: 'YE', quantity: 50 }), 'OK');
  t.same(w.money('alice').purchases, { year: 2025, spent: 5_000_00 }, 'a new year starts from nothing');
  t.equal(w.run('alice', 'withdrawApplication', { application: 'YE/0' }), 'OK');
  t.same(w.money('alice').purchases, { year: 2025, spent: 5_000_00 }, 'the 2024 application is not taken off 2025');
  t.equal(w.run('alice', 'withdrawApplication', { application: 'YE/1' }), 'OK');
  t.same(w.money('alice').purchases, { year: 2025, spent: 0 }, 'the 2025 one is');
  t.match(w.money('alice'), { balance: 100_000_00, locked: 0 }, 'and all the money is free again');
});

t.test('what a trade writes: the two parties’ owners buckets, one money account per party; every account sits in its own bucket', async (t) => {
  const w = new CfaWorld({ fees: FEES });
  placeAsset(w, 'BOND1', { alice: 500, bob: 300, carol: 200 });
  t.equal(w.run('op', 'mint', { account: 'dave', amount: 1_000_000_00, ref: 'd' }), 'OK');
  t.equal(w.run('alice', 'offerSell', { asset: 'BOND1', quantity: 100, price: 120_00 }), 'OK');
  const store = w.store as unknown as { prepare(writes: ReadonlyMap<string, Uint8Array | null>): unknown };
  const prepare = store.prepare.bind(store);
  let written: string[] = [];
  store.prepare = (writes) => {
    written = [...writes.keys()];
    return prepare(writes);
  };
  t.equal(w.run('dave', 'acceptOffer', { offer: 'BOND1/0', quantity: 10 }), 'OK');
  const buckets = [...new Set([cfaKeys.ownersOf('BOND1', 'alice'), cfaKeys.ownersOf('BOND1', 'dave')])].sort();
  t.same(written.filter((k) => k.startsWith('cfa/owners/')).sort(), buckets, 'the seller’s and the buyer’s buckets only');
  t.same(written.filter((k) => /^cfa\/(holdings|locked)\//.test(k)).sort(), ['cfa/holdings/alice', 'cfa/holdings/dave'], 'each party’s holdings once, the seller’s lock included');
  t.same(w.holdings('alice'), { units: { BOND1: 490 }, locked: { BOND1: 90 } });
  t.same(written.filter((k) => k.startsWith('cfa/money/')).sort(), ['cfa/money/alice', 'cfa/money/dave', 'cfa/money/fees'], 'each party’s money account, written once per block');
  t.same(written.filter((k) => /^cfa\/(money-moves|purchases)\//.test(k)), [], 'no key of its own for a money log (its length and open chunk are in the account) or a purchase counter');
  t.match(w.money('dave'), { balance: 1_000_000_00 - 1_200_00, moves: 2, purchases: { year: 2024, spent: 1_200_00 } }, 'the deposit and the trade logged; the purchase counted');
  t.match(w.money('dave').recent, [{ seq: 0, cause: 'deposit' }, { seq: 1, entry: 'debit', cause: 'trade', amount: 1_200_00, counterparty: 'alice' }]);
  t.same(w.owners('BOND1'), { alice: 490, bob: 300, carol: 200, dave: 10 }, 'the merged registry (each account checked to be in its own bucket)');
  for (const account of ['alice', 'bob', 'carol', 'dave']) t.match(w.json<Record<string, number>>(cfaKeys.ownersOf('BOND1', account)), { [account]: w.owners('BOND1')[account] });
  t.ok(OWNER_BUCKETS >= 2 && cfaKeys.ownerBucket('BOND1', 0) === 'cfa/owners/BOND1/0');
});

t.test('movement logs in chunks: records cross chunk boundaries in order, several in one block share a chunk', async (t) => {
  const w = new CfaWorld({ fees: FEES });
  placeAsset(w, 'BOND1', { alice: 500, bob: 300, carol: 200 });
  t.equal(w.run('op', 'mint', { account: 'alice', amount: 100_000_00, ref: 'a' }), 'OK');
  t.equal(w.run('op', 'mint', { account: 'bob', amount: 100_000_00, ref: 'b' }), 'OK', 'gifts pay a fee');
  const start = w.json<{ count: number }>(cfaKeys.moves('BOND1'))!.count;
  for (let i = 0; i < 20; i++) t.equal(w.run(i % 2 === 0 ? 'alice' : 'bob', 'gift', { asset: 'BOND1', to: i % 2 === 0 ? 'bob' : 'alice', quantity: 1 }), 'OK');
  // Ten more in one block (one transaction each).
  const outcomes = w.block(Array.from({ length: 10 }, () => w.sign('alice', [{ contract: 'cfa', method: 'gift', args: { asset: 'BOND1', to: 'carol', quantity: 1 } }])));
  t.same(outcomes.map((o) => o.code), new Array(10).fill('OK'));
  const count = w.json<{ count: number }>(cfaKeys.moves('BOND1'))!.count;
  t.equal(count, start + 20 * 2 + 10 * 2, 'two records per gift');
  for (let seq = 0; seq < count; seq++) t.equal(w.move('BOND1', seq)?.seq, seq, `record ${seq} sits at ${seq % MOVE_CHUNK} of chunk ${moveChunkOf(seq)}`);
  t.match(w.move('BOND1', count - 1), { entry: 'credit', account: 'carol', cause: 'gift' });
  t.equal(w.json<unknown[]>(cfaKeys.moveChunk('BOND1', moveChunkOf(count - 1)))!.length, ((count - 1) % MOVE_CHUNK) + 1, 'the last chunk holds the rest');
  t.equal(w.json(cfaKeys.moveChunk('BOND1', moveChunkOf(count - 1) + 1)), undefined, 'nothing after it');
  // alice's money log: a deposit and a fee per gift she gave (10 + 10 in one block), more than one chunk.
  const alice = w.money('alice');
  t.ok(alice.moves > MOVE_CHUNK, `alice's money log spans chunks (${alice.moves} records)`);
  for (let seq = 0; seq < alice.moves; seq++) t.equal(w.moneyMove('alice', seq)?.seq, seq);
  const keyed = alice.moves - (alice.moves % MOVE_CHUNK);
  t.equal(alice.recent.length, alice.moves % MOVE_CHUNK, 'the open chunk is in the money account');
  for (let c = 0; c * MOVE_CHUNK < keyed; c++) t.equal(w.json<unknown[]>(cfaKeys.moneyMoveChunk('alice', c))?.length, MOVE_CHUNK, `full chunk ${c} has its own key`);
  t.equal(w.json(cfaKeys.moneyMoveChunk('alice', keyed / MOVE_CHUNK)), undefined, 'the open one has none');
});
