// The CFA registry readers against a stand-in node serving a real chain whose state holds cfa
// values: routes and queries, values decoded from the proven bytes and checked, absent keys,
// wrong shapes and wrong keys refused, movement pages, and offline proof checks.
import t, { type Test } from 'tap';
import { utf8 } from '@konsortium/protocol';
import {
  cfaStateKeys,
  KonsortiumClient,
  KonsortiumResponseError,
  readCfaApplication,
  readCfaAsset,
  readCfaAssets,
  readCfaFees,
  readCfaHoldings,
  readCfaLocked,
  readCfaMoney,
  readCfaMoneyMoves,
  readCfaMoves,
  readCfaOwners,
  verifyCfaOwners,
  CFA_OWNER_BUCKETS,
  CFA_MOVE_CHUNK,
  verifyCfaEntry,
} from '../src/index.js';
import { buildChain, CHANNEL, flipHexBit, stateProofOf, suite } from './helpers/chain.js';
import { FakeNode, sendJson } from './helpers/fake-node.js';

const stamp = { by: 'issuer', height: 3, timestamp: 1_700_000_000_000, txId: 'ab'.repeat(32) };
const asset = {
  code: 'BOND1',
  issuer: 'issuer',
  decision: {
    code: 'BOND1',
    name: 'Bond of Issuer LLC',
    volume: 1000,
    nominal: 1000,
    placementPrice: 1000,
    placementStart: 1,
    placementEnd: 2,
    maturityDate: 3,
    redemptionPrice: 1100,
    earlyRedemption: { from: 2, price: 1050, byIssuer: false, byHolder: true },
    rights: 'Pays 1100 per unit at maturity.',
  },
  status: 'placed',
  filed: stamp,
  registered: stamp,
  rejected: null,
  placementClosed: stamp,
  closed: null,
  applications: 2,
  requested: 0,
  issued: 1000,
  redeemed: 0,
  proceeds: 1_000_000,
};
const move = (seq: number, account: string, entry: 'credit' | 'debit', cause: string) => ({
  seq,
  asset: 'BOND1',
  entry,
  account,
  quantity: 10,
  cause,
  money: cause === 'gift' ? 0 : 10_000,
  counterparty: 'issuer',
  ref: 'BOND1/0',
  txId: 'cd'.repeat(32),
  height: 4,
  timestamp: 1_700_000_000_500,
});
const moneyMove = (seq: number, entry: 'credit' | 'debit', cause: string, amount: number) => ({
  seq,
  account: 'alice',
  entry,
  amount,
  cause,
  asset: cause === 'deposit' ? null : 'BOND1',
  fee: null,
  counterparty: null,
  ref: 'r',
  txId: 'ef'.repeat(32),
  height: 2,
  timestamp: 1_700_000_000_200,
});
/** An owners registry laid out in its buckets, as the contract keeps it. */
const ownerBuckets = (code: string, owners: Record<string, number>): Record<string, Record<string, number>> => {
  const out: Record<string, Record<string, number>> = {};
  for (const [account, units] of Object.entries(owners)) (out[cfaStateKeys.ownersOf(code, account)] ??= {})[account] = units;
  return out;
};
const ownBucket = (account: string): number => Number(cfaStateKeys.ownersOf('X', account).split('/').at(-1));
const values: Record<string, unknown> = {
  [cfaStateKeys.assets]: ['BOND1'],
  [cfaStateKeys.asset('BOND1')]: asset,
  ...ownerBuckets('BOND1', { alice: 539, bob: 461 }),
  // MIS: alice's units filed in a bucket that is not hers.
  [cfaStateKeys.ownerBucket('MIS', (ownBucket('alice') + 1) % CFA_OWNER_BUCKETS)]: { alice: 5 },
  [cfaStateKeys.holdings('alice')]: { units: { BOND1: 539 }, locked: { BOND1: 39 } },
  // alice's money log: 18 records, a full chunk under its own key and the open chunk (2) in the account.
  [cfaStateKeys.money('alice')]: { balance: 461_000, locked: 1000, moves: 18, purchases: { year: 2023, spent: 700_000 }, recent: [moneyMove(16, 'credit', 'deposit', 1_161_000), moneyMove(17, 'debit', 'placement', 700_000)] },
  [cfaStateKeys.moneyMoveChunk('alice', 0)]: Array.from({ length: 16 }, (_, i) => moneyMove(i, 'credit', 'deposit', 0)),
  'cfa/money/mallory': { balance: 5, locked: 0, moves: 1, purchases: { year: 2023 }, recent: [moneyMove(0, 'credit', 'deposit', 5)] },
  'cfa/money/trudy': { balance: 5, locked: 0, moves: 2, purchases: null, recent: [moneyMove(0, 'credit', 'deposit', 5), moneyMove(5, 'credit', 'deposit', 0)] },
  [cfaStateKeys.moves('BOND1')]: { count: 3 },
  [cfaStateKeys.moveChunk('BOND1', 0)]: [move(0, 'alice', 'credit', 'placement'), move(1, 'bob', 'credit', 'placement'), move(2, 'bob', 'debit', 'gift')],
  // LONG: 20 records, a full chunk and 4 in the next.
  [cfaStateKeys.moves('LONG')]: { count: 20 },
  [cfaStateKeys.moveChunk('LONG', 0)]: Array.from({ length: 16 }, (_, i) => ({ ...move(i, 'alice', 'credit', 'placement'), asset: 'LONG' })),
  [cfaStateKeys.moveChunk('LONG', 1)]: Array.from({ length: 4 }, (_, i) => ({ ...move(16 + i, 'alice', 'credit', 'placement'), asset: 'LONG' })),
  // SKEW: its chunk's records are numbered wrong.
  [cfaStateKeys.moves('SKEW')]: { count: 2 },
  [cfaStateKeys.moveChunk('SKEW', 0)]: [move(0, 'alice', 'credit', 'placement'), move(5, 'bob', 'credit', 'placement')],
  [cfaStateKeys.application('BOND1/0')]: {
    id: 'BOND1/0',
    asset: 'BOND1',
    investor: 'alice',
    quantity: 700,
    price: 1000,
    money: 700_000,
    year: 2023,
    status: 'allocated',
    allocated: 539,
    filed: stamp,
    settled: stamp,
  },
  [cfaStateKeys.fees]: { collector: 'operator', rules: { trade: { fixed: 0, bps: 100 } } },
  'cfa/holdings/mallory': { units: { BOND1: -5 }, locked: {} },
  'cfa/holdings/trudy': { units: { BOND1: 5 }, locked: { BOND1: 6 } },
  'cfa/asset/BAD': { ...asset, code: 'BAD', status: 'lost' },
};
const chain = buildChain(3, new Map(Object.entries(values).map(([k, v]) => [k, utf8(JSON.stringify(v))])));

/** Serves the node's cfa registry routes from the chain's state, as data-plane/node does. */
async function setup(t: Test): Promise<{ node: FakeNode; client: KonsortiumClient }> {
  const node = await FakeNode.start(chain);
  t.teardown(() => node.close());
  const ch = `/v1/channels/${CHANNEL}/cfa`;
  const reply = (key: string, h: string | null) => {
    const p = stateProofOf(chain, key, h === null ? node.height : Number(h));
    return p.value === null ? p : { ...p, json: JSON.parse(Buffer.from(p.value, 'hex').toString('utf8')) as unknown };
  };
  const one: [RegExp, (m: RegExpMatchArray) => string][] = [
    [new RegExp(`^${ch}/assets$`), () => cfaStateKeys.assets],
    [new RegExp(`^${ch}/fees$`), () => cfaStateKeys.fees],
    [new RegExp(`^${ch}/assets/([^/]+)$`), (m) => cfaStateKeys.asset(decodeURIComponent(m[1]!))],
    [new RegExp(`^${ch}/accounts/([^/]+)/holdings$`), (m) => cfaStateKeys.holdings(decodeURIComponent(m[1]!))],
    [new RegExp(`^${ch}/accounts/([^/]+)/money$`), (m) => cfaStateKeys.money(decodeURIComponent(m[1]!))],
  ];
  for (const [re, keyOf] of one) node.on('GET', re, ({ res, url, match }) => sendJson(res, 200, reply(keyOf(match), url.searchParams.get('height'))));
  node.on('GET', new RegExp(`^${ch}/assets/([^/]+)/owners$`), ({ res, url, match }) => {
    const code = decodeURIComponent(match[1]!);
    sendJson(res, 200, { buckets: Array.from({ length: CFA_OWNER_BUCKETS }, (_, b) => reply(cfaStateKeys.ownerBucket(code, b), url.searchParams.get('height'))) });
  });
  // A log page: the record that counts the log (`field` of it) and the chunks of the page.
  const pages: [RegExp, (id: string) => { key: string; field: string; open?: boolean }, (id: string, c: number) => string][] = [
    [new RegExp(`^${ch}/assets/([^/]+)/moves$`), (code) => ({ key: cfaStateKeys.moves(code), field: 'count' }), cfaStateKeys.moveChunk],
    [new RegExp(`^${ch}/accounts/([^/]+)/money-moves$`), (account) => ({ key: cfaStateKeys.money(account), field: 'moves', open: true }), cfaStateKeys.moneyMoveChunk],
  ];
  for (const [re, counter, chunkKey] of pages) {
    node.on('GET', re, ({ res, url, match }) => {
      const id = decodeURIComponent(match[1]!);
      const h = url.searchParams.get('height');
      const { key, field, open } = counter(id);
      const log = reply(key, h);
      const count = (log as { json?: Record<string, number> }).json?.[field] ?? 0;
      const from = Number(url.searchParams.get('from') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 20);
      const chunks = [];
      const to = Math.min(count, from + limit);
      const keyed = open === true ? Math.floor(count / CFA_MOVE_CHUNK) : Infinity;
      for (let c = Math.floor(from / CFA_MOVE_CHUNK); from < to && c <= Math.floor((to - 1) / CFA_MOVE_CHUNK) && c < keyed; c++) chunks.push(reply(chunkKey(id, c), h));
      sendJson(res, 200, { count, log, chunks });
    });
  }
  return { node, client: new KonsortiumClient({ baseUrl: node.url, timeoutMs: 5000, retries: 0 }) };
}

t.test('registry reads: routes, checked values, proofs', async (t) => {
  const { node, client } = await setup(t);
  const codes = await readCfaAssets(client, CHANNEL);
  t.same(codes.value, ['BOND1']);
  t.equal(codes.height, 3, 'at the head by default');
  const a = await readCfaAsset(client, CHANNEL, 'BOND1', { height: 2 });
  t.equal(node.requests.at(-1)!.path, '/v1/channels/main/cfa/assets/BOND1');
  t.equal(node.requests.at(-1)!.query.get('height'), '2', 'the height is asked for');
  t.equal(a.height, 2);
  t.equal(a.value?.status, 'placed');
  t.same(a.value?.decision.earlyRedemption, asset.decision.earlyRedemption);
  t.ok(verifyCfaEntry(suite, a), 'the entry proves against its block');

  const owners = await readCfaOwners(client, CHANNEL, 'BOND1');
  t.same(owners.value, { alice: 539, bob: 461 }, 'the owners, every bucket merged');
  t.equal(owners.buckets.length, CFA_OWNER_BUCKETS);
  t.equal(owners.height, 3);
  t.ok(verifyCfaOwners(suite, owners), 'every bucket proves against the same block');
  const forged = { ...owners, buckets: owners.buckets.map((b, i) => (i === ownBucket('bob') ? { ...b, proof: { ...b.proof, value: Buffer.from(JSON.stringify({ bob: 1 })).toString('hex') } } : b)) };
  t.equal(verifyCfaOwners(suite, forged), null, 'one changed bucket and the registry does not prove');
  t.equal(verifyCfaOwners(suite, { ...owners, buckets: owners.buckets.slice(1) }), null, 'nor with a bucket left out');
  const money = await readCfaMoney(client, CHANNEL, 'alice');
  t.match(money.value, { balance: 461_000, locked: 1000, moves: 18, purchases: { year: 2023, spent: 700_000 } });
  t.same(money.value.recent.map((r) => r.seq), [16, 17], 'with the open chunk of its money log');
  t.same((await readCfaHoldings(client, CHANNEL, 'alice')).value, { BOND1: 539 });
  const locked = await readCfaLocked(client, CHANNEL, 'alice');
  t.same(locked.value, { BOND1: 39 }, 'the locked part, from the same proven holdings');
  t.equal(locked.key, cfaStateKeys.holdings('alice'));
  const fees = await readCfaFees(client, CHANNEL);
  t.same(fees.value, { collector: 'operator', rules: { trade: { fixed: 0, bps: 100 } } });

  const nobody = await readCfaMoney(client, CHANNEL, 'nobody');
  t.same(nobody.value, { balance: 0, locked: 0, moves: 0, purchases: null, recent: [] }, 'an absent account has no money');
  t.equal(nobody.present, false);
  t.ok(verifyCfaEntry(suite, nobody), 'and its absence is proven');
  t.same((await readCfaHoldings(client, CHANNEL, 'nobody')).value, {}, 'nor holdings');
  t.equal((await readCfaAsset(client, CHANNEL, 'NONE')).value, null, 'an unknown asset is null');

  const tampered = { ...a, proof: { ...a.proof, value: Buffer.from(JSON.stringify({ ...asset, issued: 1 })).toString('hex') } };
  t.equal(verifyCfaEntry(suite, tampered), null, 'a changed value does not prove');
  const flipped = { ...a, proof: { ...a.proof, siblings: a.proof.siblings.map((s, i) => (i === 0 ? flipHexBit(s, 0) : s)) } };
  if (a.proof.siblings.length > 0) t.equal(verifyCfaEntry(suite, flipped), null, 'nor does a changed proof path');
  t.equal(verifyCfaEntry(suite, { ...a, height: 1 }), null, 'nor an entry claiming another height');
});

t.test('the value comes from the proven bytes and must have the contract shape', async (t) => {
  const { node, client } = await setup(t);
  await t.rejects(readCfaHoldings(client, CHANNEL, 'mallory'), KonsortiumResponseError, 'negative units are refused');
  await t.rejects(readCfaLocked(client, CHANNEL, 'trudy'), { message: /6 units of BOND1 locked, 5 owned/ }, 'more locked than owned is refused');
  await t.rejects(readCfaAsset(client, CHANNEL, 'BAD'), KonsortiumResponseError, 'an unknown status is refused');
  await t.rejects(readCfaOwners(client, CHANNEL, 'MIS'), { message: /alice is listed in owners bucket \d+ of MIS, not in its own/ }, 'an account outside its own bucket is refused');
  const buckets = (code: string, h?: (b: number) => number) => ({ buckets: Array.from({ length: CFA_OWNER_BUCKETS }, (_, b) => stateProofOf(chain, cfaStateKeys.ownerBucket(code, b), h?.(b))) });
  node.on('GET', /\/cfa\/assets\/BOND1\/owners$/, ({ res }) => sendJson(res, 200, buckets('BOND9')));
  await t.rejects(readCfaOwners(client, CHANNEL, 'BOND1'), KonsortiumResponseError, 'an answer for another asset is refused');
  node.on('GET', /\/cfa\/assets\/BOND1\/owners$/, ({ res }) => sendJson(res, 200, { buckets: buckets('BOND1').buckets.slice(1) }));
  await t.rejects(readCfaOwners(client, CHANNEL, 'BOND1'), { message: /expected 16 buckets/ }, 'a bucket left out is refused');
  node.on('GET', /\/cfa\/assets\/BOND1\/owners$/, ({ res }) => sendJson(res, 200, buckets('BOND1', (b) => (b === 3 ? 2 : 3))));
  await t.rejects(readCfaOwners(client, CHANNEL, 'BOND1'), { message: /at height 2, bucket 0 at 3/ }, 'buckets from different heights are refused');
  node.on('GET', /\/cfa\/accounts\/alice\/money$/, ({ res }) => sendJson(res, 200, { ...stateProofOf(chain, cfaStateKeys.money('alice')), json: { balance: 9e15, locked: 0 } }));
  t.equal((await readCfaMoney(client, CHANNEL, 'alice')).value.balance, 461_000, 'the node’s convenience json is not trusted');
  await t.rejects(readCfaMoney(client, CHANNEL, 'mallory'), { message: /cfa\/money\/mallory.purchases: "spent" is not/ }, 'a purchase counter without its sum is refused');
  await t.rejects(readCfaMoney(client, CHANNEL, 'trudy'), { message: /record 1 of cfa\/money\/trudy.recent has seq 5, not 1/ }, 'an open chunk out of order is refused');
  await t.rejects(readCfaOwners(client, CHANNEL, 'BOND1', { height: -1 }), RangeError);
});

t.test('movement pages and state-key reads', async (t) => {
  const { node, client } = await setup(t);
  const page = await readCfaMoves(client, CHANNEL, 'BOND1', { from: 1, limit: 5 });
  t.equal(node.requests.at(-1)!.query.get('from'), '1');
  t.equal(node.requests.at(-1)!.query.get('limit'), '5');
  t.equal(page.count, 3);
  t.same(
    page.items.map((i) => [i.value.seq, i.value.account, i.value.entry, i.value.cause, i.value.money]),
    [
      [1, 'bob', 'credit', 'placement', 10_000],
      [2, 'bob', 'debit', 'gift', 0],
    ],
  );
  t.equal(page.chunks.length, 1);
  for (const c of page.chunks) t.ok(verifyCfaEntry(suite, c), `${c.key} proves`);
  const long = await readCfaMoves(client, CHANNEL, 'LONG', { from: 10, limit: 10 });
  t.same(long.items.map((i) => i.seq), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 'records across a chunk boundary');
  t.same(long.items.map((i) => i.chunk), [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  t.same(long.chunks.map((c) => c.key), [cfaStateKeys.moveChunk('LONG', 0), cfaStateKeys.moveChunk('LONG', 1)]);
  t.equal((await readCfaMoves(client, CHANNEL, 'LONG', { from: 20 })).items.length, 0, 'past the end: no records, no chunks');
  await t.rejects(readCfaMoves(client, CHANNEL, 'SKEW'), { message: /record 1 of cfa\/moves\/SKEW\/0 has seq 5, not 1/ }, 'a record out of place is refused');
  node.on('GET', /\/cfa\/assets\/LONG\/moves$/, ({ res }) => {
    const p = stateProofOf(chain, cfaStateKeys.moves('LONG'));
    sendJson(res, 200, { count: 20, log: p, chunks: [stateProofOf(chain, cfaStateKeys.moveChunk('LONG', 0))] });
  });
  await t.rejects(readCfaMoves(client, CHANNEL, 'LONG', { from: 10, limit: 10 }), { message: /in 2 chunks, the node sent 1/ }, 'a chunk left out is refused');
  node.on('GET', /\/cfa\/assets\/LONG\/moves$/, ({ res }) => sendJson(res, 200, { count: 3, log: stateProofOf(chain, cfaStateKeys.moves('LONG')), chunks: [] }));
  await t.rejects(readCfaMoves(client, CHANNEL, 'LONG'), { message: /proves 20 records, the node says 3/ }, 'a count the log does not prove is refused');
  await t.rejects(readCfaMoves(client, CHANNEL, 'BOND1', { limit: 101 }), RangeError);

  const money = await readCfaMoneyMoves(client, CHANNEL, 'alice', { from: 14, limit: 10 });
  t.equal(node.requests.at(-1)!.path, '/v1/channels/main/cfa/accounts/alice/money-moves');
  t.equal(money.count, 18, "the money log's length is the account's `moves`");
  t.equal(money.log.key, cfaStateKeys.money('alice'), 'proven by the money account');
  t.same(money.items.map((i) => [i.seq, i.chunk]), [[14, 0], [15, 0], [16, -1], [17, -1]], 'the full chunk from its key, the rest from the account');
  t.same(money.items.slice(2).map((i) => [i.value.entry, i.value.cause, i.value.amount]), [['credit', 'deposit', 1_161_000], ['debit', 'placement', 700_000]]);
  t.same(money.chunks.map((c) => c.key), [cfaStateKeys.moneyMoveChunk('alice', 0)]);
  t.same((await readCfaMoneyMoves(client, CHANNEL, 'alice', { from: 16 })).chunks, [], 'a page inside the open chunk needs no chunk key');
  t.equal((await readCfaMoneyMoves(client, CHANNEL, 'nobody')).count, 0, 'an account that never moved money has an empty log');
  node.on('GET', /\/cfa\/accounts\/alice\/money-moves$/, ({ res }) => sendJson(res, 200, { count: 17, log: stateProofOf(chain, cfaStateKeys.money('alice')), chunks: [stateProofOf(chain, cfaStateKeys.moneyMoveChunk('alice', 0))] }));
  await t.rejects(readCfaMoneyMoves(client, CHANNEL, 'alice'), { message: /proves 18 records, the node says 17/ }, 'a length the money account does not prove is refused');
  node.on('GET', /\/cfa\/accounts\/alice\/money-moves$/, ({ res }) => sendJson(res, 200, { count: 18, log: stateProofOf(chain, cfaStateKeys.money('alice')), chunks: [] }));
  await t.rejects(readCfaMoneyMoves(client, CHANNEL, 'alice', { from: 14 }), { message: /in 1 chunks, the node sent 0/ }, 'a full chunk left out is refused');

  const app = await readCfaApplication(client, CHANNEL, 'BOND1/0');
  t.equal(node.requests.at(-1)!.path, '/v1/channels/main/state/cfa%2Fapplication%2FBOND1%2F0', 'the key is one path segment');
  t.equal(app.value?.allocated, 539);
  t.equal((await readCfaApplication(client, CHANNEL, 'BOND1/7')).value, null);
});
