import t from 'tap';
import { type Application, cfaKeys, type MoneySupply } from '../src/index.js';
import { CfaWorld, DAY, decision, T0 } from './cfa-world.js';

t.test('issue decisions: filing, registration, rejection, with the refusals', async (t) => {
  const w = new CfaWorld();
  t.equal(w.run('alice', 'fileIssue', decision('BOND1')), 'FORBIDDEN', 'only issuers file');
  t.equal(w.run('iss', 'fileIssue', decision('bond1')), 'INVALID_ARGS', 'codes are upper-case');
  t.equal(w.run('iss', 'fileIssue', decision('BOND1', { volume: 2 ** 53 })), 'INVALID_ARGS', 'not a safe integer');
  t.equal(w.run('iss', 'fileIssue', decision('BOND1', { volume: 1.5 })), 'INVALID_ARGS');
  t.equal(w.run('iss', 'fileIssue', decision('BOND1', { extra: 1 })), 'INVALID_ARGS');
  t.equal(w.run('iss', 'fileIssue', decision('BOND1', { placementEnd: T0 })), 'INVALID_ARGS', 'window ends before it starts');
  t.equal(w.run('iss', 'fileIssue', decision('BOND1', { maturityDate: T0 + 5 * DAY })), 'INVALID_ARGS', 'matures inside the window');
  t.equal(w.run('iss', 'fileIssue', decision('BOND1', { earlyRedemption: { from: T0, price: 1, byIssuer: true, byHolder: false } })), 'INVALID_ARGS');
  t.equal(w.run('iss', 'fileIssue', decision('BOND1', { volume: 10 ** 15, placementPrice: 10_000 })), 'AMOUNT_TOO_LARGE', 'volume × price beyond 2^53');
  t.equal(w.run('iss', 'fileIssue', decision('BOND1')), 'OK');
  t.equal(w.run('iss2', 'fileIssue', decision('BOND1')), 'ASSET_EXISTS');
  const a = w.asset('BOND1');
  t.equal(a.status, 'filed');
  t.equal(a.issuer, 'iss');
  t.equal(a.decision.redemptionPrice, 110_00);
  t.same(a.decision.earlyRedemption, { from: T0 + 50 * DAY, price: 105_00, byIssuer: true, byHolder: true });

  w.at(T0 + 2 * DAY);
  t.equal(w.run('op', 'mint', { account: 'alice', amount: 1_000_000_00, ref: 'bank-1' }), 'OK');
  t.equal(w.run('alice', 'apply', { asset: 'BOND1', quantity: 10 }), 'NOT_REGISTERED', 'nothing is placed before registration');
  t.equal(w.run('alice', 'registerIssue', { asset: 'BOND1' }), 'FORBIDDEN');
  t.equal(w.run('iss', 'registerIssue', { asset: 'BOND1' }), 'FORBIDDEN', 'the issuer does not register itself');
  t.equal(w.run('op', 'registerIssue', { asset: 'NOPE' }), 'ASSET_NOT_FOUND');
  t.equal(w.run('op', 'registerIssue', { asset: 'BOND1' }), 'OK');
  t.equal(w.run('op', 'registerIssue', { asset: 'BOND1' }), 'INVALID_STATE');
  t.equal(w.run('op', 'rejectIssue', { asset: 'BOND1', reason: 'late' }), 'INVALID_STATE');
  t.equal(w.asset('BOND1').status, 'registered');
  t.equal(w.asset('BOND1').registered!.by, 'op');

  t.equal(w.run('iss', 'fileIssue', decision('BOND2')), 'OK');
  t.equal(w.run('op', 'rejectIssue', { asset: 'BOND2', reason: 'prospectus incomplete' }), 'OK');
  t.equal(w.asset('BOND2').status, 'rejected');
  t.equal(w.asset('BOND2').rejected!.reason, 'prospectus incomplete');
  t.equal(w.run('alice', 'apply', { asset: 'BOND2', quantity: 10 }), 'NOT_REGISTERED');
  t.equal(w.run('op', 'registerIssue', { asset: 'BOND2' }), 'INVALID_STATE');

  t.equal(w.run('iss', 'fileIssue', decision('BOND3', { placementEnd: T0 + 3 * DAY })), 'OK');
  w.at(T0 + 3 * DAY);
  t.equal(w.run('op', 'registerIssue', { asset: 'BOND3' }), 'OUTSIDE_WINDOW', 'too late to register');
  t.same(w.json(cfaKeys.assets), ['BOND1', 'BOND2', 'BOND3']);
});

t.test('placement: window, reservations, withdrawal, pro-rata allocation, refunds, all in the close', async (t) => {
  const w = new CfaWorld();
  t.equal(w.run('iss', 'fileIssue', decision('BOND1')), 'OK');
  t.equal(w.run('op', 'registerIssue', { asset: 'BOND1' }), 'OK');
  t.equal(w.run('alice', 'mint', { account: 'alice', amount: 100, ref: 'x' }), 'FORBIDDEN', 'only an operator mints');
  t.equal(w.run('op', 'mint', { account: 'nobody', amount: 100, ref: 'x' }), 'ACCOUNT_NOT_FOUND');
  t.equal(w.run('op', 'mint', { account: 'alice', amount: 0, ref: 'x' }), 'INVALID_ARGS');
  for (const who of ['alice', 'bob', 'carol'] as const) t.equal(w.run('op', 'mint', { account: who, amount: 80_000_00, ref: `in-${who}` }), 'OK');
  t.same(w.json<MoneySupply>(cfaKeys.moneySupply), { minted: 240_000_00, burned: 0 });
  t.equal(w.run('alice', 'apply', { asset: 'BOND1', quantity: 700 }), 'OUTSIDE_WINDOW', 'before placementStart');

  w.at(T0 + 1 * DAY);
  t.equal(w.run('alice', 'apply', { asset: 'BOND1', quantity: 700 }), 'OK');
  t.match(w.money('alice'), { balance: 80_000_00, locked: 70_000_00 }, 'the payment is reserved');
  t.equal(w.asset('BOND1').status, 'placing');
  t.equal(w.run('alice', 'apply', { asset: 'BOND1', quantity: 101 }), 'INSUFFICIENT_FUNDS', 'only 10 000 roubles left');
  t.equal(w.run('alice', 'apply', { asset: 'BOND1', quantity: 1001 }), 'INVALID_ARGS', 'more than the volume');
  t.equal(w.run('dave', 'apply', { asset: 'BOND1', quantity: 1 }), 'INSUFFICIENT_FUNDS');
  t.equal(w.run('op', 'burn', { account: 'alice', amount: 10_000_01, ref: 'out' }), 'INSUFFICIENT_FUNDS', 'reserved money cannot be withdrawn');
  t.equal(w.run('iss', 'closePlacement', { asset: 'BOND1' }), 'OUTSIDE_WINDOW', 'not over and not fully subscribed');
  t.equal(w.run('bob', 'apply', { asset: 'BOND1', quantity: 500 }), 'OK');
  t.equal(w.run('carol', 'apply', { asset: 'BOND1', quantity: 100 }), 'OK');
  t.equal(w.run('bob', 'withdrawApplication', { application: 'BOND1/2' }), 'WRONG_SIGNER', "bob cannot withdraw carol's application");
  t.equal(w.run('carol', 'withdrawApplication', { application: 'BOND1/2' }), 'OK');
  t.equal(w.run('carol', 'withdrawApplication', { application: 'BOND1/2' }), 'INVALID_STATE');
  t.equal(w.run('carol', 'withdrawApplication', { application: 'BOND1/9' }), 'APPLICATION_NOT_FOUND');
  t.match(w.money('carol'), { balance: 80_000_00, locked: 0 });
  t.equal(w.run('carol', 'apply', { asset: 'BOND1', quantity: 300 }), 'OK');
  t.equal(w.asset('BOND1').requested, 1500);

  w.at(T0 + 10 * DAY);
  t.equal(w.run('alice', 'apply', { asset: 'BOND1', quantity: 1 }), 'OUTSIDE_WINDOW', 'at placementEnd');
  t.equal(w.run('alice', 'closePlacement', { asset: 'BOND1' }), 'FORBIDDEN');
  t.equal(w.run('iss', 'closePlacement', { asset: 'BOND1' }), 'OK');
  // 700, 500, 300 of 1000: floor(700·1000/1500)=466, 333, 200 = 999; the last unit to the first filed.
  t.same(w.owners('BOND1'), { alice: 467, bob: 333, carol: 200 });
  t.match(w.money('alice'), { balance: 80_000_00 - 467 * 100_00, locked: 0 }, 'unallocated money returned');
  t.match(w.money('bob'), { balance: 80_000_00 - 333 * 100_00, locked: 0 });
  t.match(w.money('carol'), { balance: 80_000_00 - 200 * 100_00, locked: 0 });
  t.match(w.money('iss'), { balance: 1000 * 100_00, locked: 0 });
  const a = w.asset('BOND1');
  t.equal(a.status, 'placed');
  t.equal(a.issued, 1000);
  t.equal(a.proceeds, 1000 * 100_00);
  t.equal(a.requested, 0);
  t.same(w.json(cfaKeys.holdings('alice')), { units: { BOND1: 467 }, locked: {} });
  const app = w.json<Application>(cfaKeys.application('BOND1/0'))!;
  t.equal(app.status, 'allocated');
  t.equal(app.allocated, 467);
  t.equal(w.json<Application>(cfaKeys.application('BOND1/2'))!.status, 'withdrawn');
  t.same(w.money('alice').purchases, { year: 2024, spent: 467 * 100_00 }, 'the limit counts what was bought');
  t.same(w.money('carol').purchases?.spent, 200 * 100_00, 'withdrawn and unallocated money is taken off');
  t.same(w.json(cfaKeys.moves('BOND1')), { count: 3 });
  const m0 = w.move('BOND1', 0)!;
  t.match(m0, { seq: 0, asset: 'BOND1', entry: 'credit', account: 'alice', quantity: 467, cause: 'placement', money: 467 * 100_00, counterparty: 'iss', ref: 'BOND1/0' });
  const mm = w.moneyMove('alice', 1)!;
  t.match(mm, { entry: 'debit', amount: 467 * 100_00, cause: 'placement', asset: 'BOND1', counterparty: 'iss' });
  t.equal(w.run('alice', 'apply', { asset: 'BOND1', quantity: 1 }), 'INVALID_STATE', 'the placement is over');
  t.equal(w.run('op', 'closePlacement', { asset: 'BOND1' }), 'INVALID_STATE');
});

t.test('a fully subscribed placement may close early; an empty one closes the asset', async (t) => {
  const w = new CfaWorld();
  t.equal(w.run('iss', 'fileIssue', decision('FULL', { volume: 10 })), 'OK');
  t.equal(w.run('iss', 'fileIssue', decision('EMPTY', { volume: 10 })), 'OK');
  t.equal(w.run('op', 'registerIssue', { asset: 'FULL' }), 'OK');
  t.equal(w.run('op', 'registerIssue', { asset: 'EMPTY' }), 'OK');
  t.equal(w.run('op', 'mint', { account: 'bob', amount: 10 * 100_00, ref: 'b' }), 'OK');
  w.at(T0 + 1 * DAY);
  t.equal(w.run('bob', 'apply', { asset: 'FULL', quantity: 10 }), 'OK');
  t.equal(w.run('iss', 'closePlacement', { asset: 'FULL' }), 'OK', 'fully subscribed before the end');
  t.same(w.owners('FULL'), { bob: 10 });
  t.equal(w.run('iss', 'closePlacement', { asset: 'EMPTY' }), 'OUTSIDE_WINDOW');
  w.at(T0 + 10 * DAY);
  t.equal(w.run('op', 'closePlacement', { asset: 'EMPTY' }), 'OK');
  t.equal(w.asset('EMPTY').status, 'closed', 'nothing placed: closed');
  t.equal(w.asset('EMPTY').issued, 0);
});

t.test('a frozen applicant is left out of the allocation at close', async (t) => {
  const w = new CfaWorld();
  t.equal(w.run('iss', 'fileIssue', decision('BOND1', { volume: 100 })), 'OK');
  t.equal(w.run('op', 'registerIssue', { asset: 'BOND1' }), 'OK');
  for (const who of ['alice', 'bob'] as const) t.equal(w.run('op', 'mint', { account: who, amount: 100 * 100_00, ref: who }), 'OK');
  w.at(T0 + 1 * DAY);
  t.equal(w.run('alice', 'apply', { asset: 'BOND1', quantity: 100 }), 'OK');
  t.equal(w.run('bob', 'apply', { asset: 'BOND1', quantity: 100 }), 'OK');
  t.equal(w.run('op', 'freeze', { account: 'bob', reason: 'AML review #7' }), 'OK');
  w.at(T0 + 10 * DAY);
  t.equal(w.run('iss', 'closePlacement', { asset: 'BOND1' }), 'OK');
  t.same(w.owners('BOND1'), { alice: 100 }, 'alice gets the whole volume');
  t.match(w.money('bob'), { balance: 100 * 100_00, locked: 0 }, "bob's reservation is released, his money did not move");
  t.equal(w.json<Application>(cfaKeys.application('BOND1/1'))!.status, 'excluded');
  t.same(w.money('bob').purchases, { year: 2024, spent: 0 });
});

t.test('the work of a close is bounded: too many applications are refused', async (t) => {
  const w = new CfaWorld();
  t.equal(w.run('iss', 'fileIssue', decision('MANY', { volume: 5000, placementPrice: 1 })), 'OK');
  t.equal(w.run('op', 'registerIssue', { asset: 'MANY' }), 'OK');
  t.equal(w.run('op', 'mint', { account: 'alice', amount: 5000, ref: 'a' }), 'OK');
  w.at(T0 + 1 * DAY);
  // 1000 applications, 50 per transaction (64 operations at most per transaction).
  const txs = Array.from({ length: 20 }, () => w.sign('alice', Array.from({ length: 50 }, () => ({ method: 'apply', args: { asset: 'MANY', quantity: 1 } }))));
  t.same(
    w.block(txs).map((r) => r.code),
    txs.map(() => 'OK'),
  );
  t.equal(w.asset('MANY').applications, 1000);
  t.equal(w.run('alice', 'apply', { asset: 'MANY', quantity: 1 }), 'TOO_MANY_APPLICATIONS');
  w.at(T0 + 10 * DAY);
  t.equal(w.run('iss', 'closePlacement', { asset: 'MANY' }), 'OK');
  t.same(w.owners('MANY'), { alice: 1000 });
  t.same(w.json(cfaKeys.moves('MANY')), { count: 1000 });
});
