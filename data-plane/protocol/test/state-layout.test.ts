// The built-in contracts' state layouts (state/*.ts) are a storage format: chains already
// written hold these exact keys, and the SDK, node and portal find records by them. The literal
// strings below pin the format, so a change to it is a deliberate edit here too, never a side
// effect of a refactor.
import fc from 'fast-check';
import t from 'tap';
import {
  CFA_APPLICATION_STATUSES,
  CFA_ASSET_CAUSES,
  CFA_ASSET_STATUSES,
  CFA_FEE_OPERATIONS,
  CFA_MONEY_CAUSES,
  CFA_MOVE_CHUNK,
  CFA_OFFER_STATUSES,
  CFA_OWNER_BUCKETS,
  cfaKeys,
  cfaMoveChunkOf,
  dataGranteeKey,
  dataKeys,
  dataScopeKey,
  registryBucket,
  votingKeys,
} from '../src/index.js';

t.test('cfa: every key as it is stored', async (t) => {
  t.equal(CFA_MOVE_CHUNK, 16);
  t.equal(CFA_OWNER_BUCKETS, 16);
  const pinned: Record<keyof typeof cfaKeys, [string, string][]> = {
    assets: [[cfaKeys.assets, 'cfa/assets']],
    asset: [[cfaKeys.asset('BOND-1'), 'cfa/asset/BOND-1']],
    ownerBucket: [[cfaKeys.ownerBucket('BOND-1', 7), 'cfa/owners/BOND-1/7']],
    holdings: [[cfaKeys.holdings('alice'), 'cfa/holdings/alice']],
    moves: [[cfaKeys.moves('BOND-1'), 'cfa/moves/BOND-1']],
    moveChunk: [[cfaKeys.moveChunk('BOND-1', 3), 'cfa/moves/BOND-1/3']],
    money: [[cfaKeys.money('alice'), 'cfa/money/alice']],
    moneySupply: [[cfaKeys.moneySupply, 'cfa/money-supply']],
    moneyMoveChunk: [[cfaKeys.moneyMoveChunk('alice', 2), 'cfa/money-moves/alice/2']],
    application: [[cfaKeys.application('BOND-1/4'), 'cfa/application/BOND-1/4']],
    offers: [[cfaKeys.offers('BOND-1'), 'cfa/offers/BOND-1']],
    offer: [[cfaKeys.offer('BOND-1/9'), 'cfa/offer/BOND-1/9']],
    accountFreeze: [[cfaKeys.accountFreeze('alice'), 'cfa/freeze/account/alice']],
    assetFreeze: [[cfaKeys.assetFreeze('BOND-1'), 'cfa/freeze/asset/BOND-1']],
    investor: [[cfaKeys.investor('alice'), 'cfa/investor/alice']],
    settings: [[cfaKeys.settings, 'cfa/settings']],
    feeTotals: [[cfaKeys.feeTotals, 'cfa/fee-totals']],
    fees: [[cfaKeys.fees, 'gov/fees']],
    ownersOf: [[cfaKeys.ownersOf('BOND-1', 'alice'), `cfa/owners/BOND-1/${registryBucket('alice', 16)}`]], // and the property test below
  };
  // The Record type makes every key of the layout appear here.
  for (const [got, want] of Object.values(pinned).flat()) t.equal(got, want);
});

t.test("cfa: an account's owners bucket is its registry bucket", async (t) => {
  fc.assert(
    fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9.:-]{0,40}$/), (account) => cfaKeys.ownersOf('X-1', account) === cfaKeys.ownerBucket('X-1', registryBucket(account, CFA_OWNER_BUCKETS))),
    { numRuns: 500 },
  );
  t.pass('500 accounts');
});

t.test('cfa: a movement record lives in chunk ⌊seq / 16⌋', async (t) => {
  t.same([0, 15, 16, 31, 32, 1_000_000].map(cfaMoveChunkOf), [0, 0, 1, 1, 2, 62_500]);
});

t.test('cfa: the value sets its records use', async (t) => {
  t.same(CFA_ASSET_STATUSES, ['filed', 'registered', 'rejected', 'placing', 'placed', 'redeemed', 'closed']);
  t.same(CFA_ASSET_CAUSES, ['placement', 'trade', 'gift', 'inheritance', 'redemption', 'early-redemption']);
  t.same(CFA_MONEY_CAUSES, ['deposit', 'withdrawal', 'placement', 'trade', 'redemption', 'early-redemption', 'fee']);
  t.same(CFA_FEE_OPERATIONS, ['issue', 'placement', 'trade', 'gift', 'inheritance', 'redemption', 'early-redemption']);
  t.same(CFA_APPLICATION_STATUSES, ['pending', 'withdrawn', 'allocated', 'excluded']);
  t.same(CFA_OFFER_STATUSES, ['open', 'filled', 'cancelled', 'expired']);
});

t.test('voting: every key as it is stored', async (t) => {
  const pinned: Record<keyof typeof votingKeys, [string, string][]> = {
    ballot: [[votingKeys.ballot('agm'), 'voting/ballot/agm']],
    voters: [[votingKeys.voters('agm'), 'voting/voters/agm']],
    elig: [[votingKeys.elig('agm', 'alice'), 'voting/elig/agm/alice']],
    vote: [[votingKeys.vote('agm', 'ab12'), 'voting/vote/agm/ab12']],
    seq: [[votingKeys.seq('agm', 7), 'voting/seq/agm/000007']],
    share: [[votingKeys.share('agm', 3), 'voting/share/agm/3']],
    revealed: [[votingKeys.revealed('agm', 'ab12'), 'voting/revealed/agm/ab12']],
    pending: [[votingKeys.pending, 'voting/pending']],
  };
  // The Record type makes every key of the layout appear here.
  for (const [got, want] of Object.values(pinned).flat()) t.equal(got, want);
});

t.test('data: every key as it is stored', async (t) => {
  const pinned: Record<keyof typeof dataKeys, [string, string][]> = {
    record: [[dataKeys.record('doc'), 'data/rec/doc']],
    version: [[dataKeys.version('doc', 2), 'data/ver/doc/2']],
    keyUse: [[dataKeys.keyUse('c0ffee'), 'data/c0/c0ffee']],
    grant: [[dataKeys.grant({ record: 'doc' }, { member: 'bob' }), 'data/grant/rec:doc/member:bob'], [dataKeys.grant({ owner: 'alice', collection: 'board' }, { role: 'auditor' }), 'data/grant/col:alice:board/role:auditor']],
    logCount: [[dataKeys.logCount('doc'), 'data/logn/doc']],
    log: [[dataKeys.log('doc', 12), 'data/log/doc/0000000012']],
    releaseMarker: [[dataKeys.releaseMarker('doc', 2, 'req-1'), 'data/rlog/doc/2/req-1']],
  };
  // The Record type makes every key of the layout appear here.
  for (const [got, want] of Object.values(pinned).flat()) t.equal(got, want);
  t.equal(dataScopeKey({ record: 'doc' }), 'rec:doc');
  t.equal(dataGranteeKey({ role: 'auditor' }), 'role:auditor');
});

t.test('padded sequence keys sort as their numbers do', async (t) => {
  fc.assert(
    fc.property(fc.nat(999_999), fc.nat(999_999), (a, b) => Math.sign(votingKeys.seq('b', a).localeCompare(votingKeys.seq('b', b))) === Math.sign(a - b)),
    { numRuns: 500 },
  );
  fc.assert(fc.property(fc.nat(2 ** 31), fc.nat(2 ** 31), (a, b) => (dataKeys.log('r', a) < dataKeys.log('r', b)) === a < b), { numRuns: 500 });
  t.pass('voting seq and data log keys');
});
