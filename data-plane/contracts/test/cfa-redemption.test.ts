import t from 'tap';
import { cfaKeys, type FeeTotals, type Offer, OWNER_BUCKETS } from '../src/index.js';
import { CfaWorld, DAY, placeAsset, T0 } from './cfa-world.js';

t.test('early redemption per the terms, partial; after maturity no more deals', async (t) => {
  const w = new CfaWorld({ fees: { collector: 'fees', rules: { 'early-redemption': { fixed: 1_00, bps: 0 }, redemption: { fixed: 0, bps: 10 } } } });
  placeAsset(w, 'BOND1', { alice: 500, bob: 300, carol: 200 });
  t.match(w.money('iss'), { balance: 100_000_00, locked: 0 });
  t.equal(w.run('alice', 'redeemEarly', { asset: 'BOND1', quantity: 50 }), 'OUTSIDE_WINDOW', 'before earlyRedemption.from');
  w.at(T0 + 50 * DAY);
  t.equal(w.run('dave', 'redeemEarly', { asset: 'BOND1', holder: 'alice', quantity: 50 }), 'FORBIDDEN', "dave cannot redeem alice's units");
  t.equal(w.run('alice', 'redeemEarly', { asset: 'BOND1', quantity: 501 }), 'INSUFFICIENT_HOLDINGS');
  t.equal(w.run('alice', 'redeemEarly', { asset: 'BOND1', quantity: 50 }), 'OK', 'the holder demands it');
  t.equal(w.units('alice', 'BOND1'), 450);
  t.match(w.money('alice'), { balance: 50 * 105_00, locked: 0 });
  t.match(w.money('iss'), { balance: 100_000_00 - 50 * 105_00 - 1_00, locked: 0 }, 'paid by the issuer, plus the fee');
  t.equal(w.run('iss', 'redeemEarly', { asset: 'BOND1', holder: 'bob', quantity: 100 }), 'OK', 'the issuer redeems part of a holding');
  t.equal(w.units('bob', 'BOND1'), 200);
  const a = w.asset('BOND1');
  t.equal(a.redeemed, 150);
  t.equal(a.status, 'placed');
  const n = w.json<{ count: number }>(cfaKeys.moves('BOND1'))!.count;
  t.match(w.move('BOND1', n - 1), { entry: 'debit', account: 'bob', quantity: 100, cause: 'early-redemption', money: 100 * 105_00, counterparty: 'iss' });

  t.equal(w.run('bob', 'offerSell', { asset: 'BOND1', quantity: 100, price: 100_00 }), 'OK');
  t.equal(w.run('op', 'mint', { account: 'carol', amount: 100_00, ref: 'c' }), 'OK');
  t.equal(w.run('carol', 'offerBuy', { asset: 'BOND1', quantity: 1, price: 100_00 }), 'OK');
  t.equal(w.run('iss', 'redeem', { asset: 'BOND1' }), 'OUTSIDE_WINDOW', 'before maturity');

  w.at(T0 + 100 * DAY);
  t.equal(w.run('alice', 'offerSell', { asset: 'BOND1', quantity: 1, price: 1 }), 'AFTER_MATURITY');
  t.equal(w.run('alice', 'acceptOffer', { offer: 'BOND1/0' }), 'AFTER_MATURITY');
  t.equal(w.run('alice', 'gift', { asset: 'BOND1', to: 'dave', quantity: 1 }), 'AFTER_MATURITY');
  t.equal(w.run('alice', 'redeemEarly', { asset: 'BOND1', quantity: 1 }), 'AFTER_MATURITY');
  t.equal(w.run('alice', 'redeem', { asset: 'BOND1' }), 'FORBIDDEN');
  // 850 units × 110.00 = 93 500.00 + 0.1% fee 93.50; the issuer has 100 000 − 5 251 − 10 501 = 84 248.00
  t.equal(w.run('iss', 'redeem', { asset: 'BOND1' }), 'INSUFFICIENT_FUNDS');
  t.same(w.owners('BOND1'), { alice: 450, bob: 200, carol: 200 }, 'nothing happened');
  t.equal(w.run('op', 'mint', { account: 'iss', amount: 9_252_00, ref: 'i' }), 'OK');
  t.equal(w.run('iss', 'redeem', { asset: 'BOND1' }), 'INSUFFICIENT_FUNDS', 'the payments are covered, the fee is not');
  t.equal(w.run('op', 'mint', { account: 'iss', amount: 93_50, ref: 'i' }), 'OK');
  t.equal(w.run('iss', 'redeem', { asset: 'BOND1' }), 'OK');
  t.same(w.owners('BOND1'), {});
  for (let b = 0; b < OWNER_BUCKETS; b++) t.equal(w.json(cfaKeys.ownerBucket('BOND1', b)), undefined, `owners bucket ${b} is gone`);
  t.match(w.money('iss'), { balance: 0, locked: 0 });
  t.match(w.money('alice'), { balance: 50 * 105_00 + 450 * 110_00, locked: 0 });
  t.match(w.money('bob'), { balance: 100 * 105_00 + 200 * 110_00, locked: 0 }, "bob's offered units were redeemed too");
  t.match(w.money('carol'), { balance: 100_00 + 200 * 110_00, locked: 0 }, "carol's buy offer released");
  t.equal(w.json<Offer>(cfaKeys.offer('BOND1/0'))!.status, 'expired');
  t.equal(w.json<Offer>(cfaKeys.offer('BOND1/1'))!.status, 'expired');
  t.same(w.holdings('bob').locked, {});
  const closed = w.asset('BOND1');
  t.equal(closed.status, 'closed');
  t.equal(closed.redeemed, 1000);
  t.equal(closed.issued, 1000);
  t.ok(closed.closed);
  t.same(w.json<FeeTotals>(cfaKeys.feeTotals), { total: 2_00 + 93_50, byOperation: { 'early-redemption': 2_00, redemption: 93_50 } });
  const log = w.money('alice').moves;
  t.match(w.moneyMove('alice', log - 1), { entry: 'credit', amount: 450 * 110_00, cause: 'redemption', counterparty: 'iss' });
  t.equal(w.run('iss', 'redeem', { asset: 'BOND1' }), 'INVALID_STATE', 'closed');
});

t.test('early redemption needs terms that allow it', async (t) => {
  const w = new CfaWorld();
  placeAsset(w, 'PLAIN', { alice: 10 }, { earlyRedemption: undefined });
  placeAsset(w, 'ISSUERONLY', { alice: 10 }, { placementStart: T0 + 11 * DAY, placementEnd: T0 + 12 * DAY, earlyRedemption: { from: T0 + 50 * DAY, price: 1, byIssuer: true, byHolder: false } });
  w.at(T0 + 60 * DAY);
  t.equal(w.run('alice', 'redeemEarly', { asset: 'PLAIN', quantity: 1 }), 'EARLY_REDEMPTION_NOT_ALLOWED');
  t.equal(w.run('iss', 'redeemEarly', { asset: 'PLAIN', holder: 'alice', quantity: 1 }), 'EARLY_REDEMPTION_NOT_ALLOWED');
  t.equal(w.run('alice', 'redeemEarly', { asset: 'ISSUERONLY', quantity: 1 }), 'EARLY_REDEMPTION_NOT_ALLOWED');
  t.equal(w.run('op', 'redeemEarly', { asset: 'ISSUERONLY', holder: 'alice', quantity: 10 }), 'OK', 'an operator may act for the issuer');
  t.equal(w.asset('ISSUERONLY').status, 'closed', 'every unit redeemed early: closed');
  t.equal(w.run('op', 'redeemEarly', { asset: 'ISSUERONLY', holder: 'alice', quantity: 1 }), 'INVALID_STATE');
});

t.test('redemption skips frozen holders; a later redeem pays them and closes the asset', async (t) => {
  const w = new CfaWorld();
  placeAsset(w, 'BOND1', { alice: 10, bob: 20 });
  t.equal(w.run('op', 'mint', { account: 'iss', amount: 1_000_00, ref: 'top-up' }), 'OK');
  t.equal(w.run('op', 'freeze', { account: 'bob', reason: 'sanctions screening' }), 'OK');
  w.at(T0 + 100 * DAY);
  t.equal(w.run('iss', 'redeem', { asset: 'BOND1' }), 'OK');
  t.same(w.owners('BOND1'), { bob: 20 });
  t.equal(w.asset('BOND1').status, 'redeemed', 'units outstanding');
  t.match(w.money('bob'), { balance: 0, locked: 0 });
  t.equal(w.run('op', 'inherit', { asset: 'BOND1', from: 'bob', to: 'dave', quantity: 20, basis: 'x' }), 'FROZEN');
  t.equal(w.run('op', 'unfreeze', { account: 'bob' }), 'OK');
  t.equal(w.run('op', 'freeze', { account: 'iss', reason: 'licence suspended' }), 'OK');
  t.equal(w.run('op', 'redeem', { asset: 'BOND1' }), 'FROZEN', 'the issuer is frozen');
  t.equal(w.run('op', 'unfreeze', { account: 'iss' }), 'OK');
  t.equal(w.run('op', 'redeem', { asset: 'BOND1' }), 'OK');
  t.match(w.money('bob'), { balance: 20 * 110_00, locked: 0 });
  t.equal(w.asset('BOND1').status, 'closed');
});
