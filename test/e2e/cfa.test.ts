/**
 * A CFA's whole life on a 3-node ledger, through the SDK and the registry API: fees set,
 * money deposited, an issue filed and registered, placement oversubscribed and allocated pro
 * rata, a DvP trade, a gift, a partial early redemption, redemption of the rest at maturity.
 * Registries (owners, holdings, movements, fees) are read with proofs checked here, at the
 * heights that matter.
 */
import t from 'tap';
import { CFA_MOVE_CHUNK, cfaOwnersOf, KonsortiumClient, readCfaMoney, readCfaMoneyMoves, readCfaMoves, Signer, verifyCfaEntry, verifyCfaOwners } from '@konsortium/client';
import { fromHex, intlSuite, type Operation, type StateProofJson, verifyStateProof } from '@konsortium/protocol';
import { startLedgerCluster } from '../lib/ledger-cluster.js';

const CH = 'consortium';
const cfa = (method: string, args: unknown): Operation => ({ contract: 'cfa', method, args });
const sleepUntil = async (ms: number): Promise<void> => {
  while (Date.now() < ms) await new Promise((r) => setTimeout(r, Math.min(200, ms - Date.now())));
};

interface Proven<T> extends StateProofJson {
  json?: T;
}

t.test('a CFA from issue to redemption, with DvP, gift, early redemption and fees', async (t) => {
  const issuer = Signer.generate('intl');
  const alice = Signer.generate('intl');
  const bob = Signer.generate('intl');
  const carol = Signer.generate('intl');
  const keyOf = (s: Signer) => ({ privateKey: s.exportPrivateKey(), publicKey: s.publicKey });
  const lc = await startLedgerCluster({
    size: 3,
    members: [
      { id: 'issuer', roles: ['issuer'], keys: [keyOf(issuer)] },
      { id: 'alice', roles: ['investor'], keys: [keyOf(alice)] },
      { id: 'bob', roles: ['investor'], keys: [keyOf(bob)] },
      { id: 'carol', roles: ['investor'], keys: [keyOf(carol)] },
    ],
  });
  t.teardown(() => lc.destroy());
  const operator = new Signer('intl', lc.admin.privateKey);
  const clients = [1, 2, 3].map((id) => new KonsortiumClient({ baseUrl: lc.url(id), timeoutMs: 15_000 }));
  let turn = 0;
  /** Submits through the nodes in turn and waits for the outcome. */
  const run = async (signer: Signer, ...ops: Operation[]): Promise<{ status: string; code?: string; height?: number }> => {
    const c = clients[turn++ % 3]!;
    return c.submitAndWait(signer.buildTx(CH, ops), { timeoutMs: 20_000 });
  };
  const ok = async (what: string, signer: Signer, ...ops: Operation[]): Promise<number> => {
    const r = await run(signer, ...ops);
    t.equal(r.status, 'committed', `${what}${r.code ? `: ${r.code} ${(r as { message?: string }).message ?? ''}` : ''}`);
    return r.height!;
  };
  const registry = async <T>(path: string, height?: number): Promise<Proven<T>> => {
    const res = await fetch(`${lc.url(1 + (turn++ % 3))}/v1/channels/${CH}/cfa/${path}${height === undefined ? '' : `?height=${height}`}`);
    t.equal(res.status, 200, `GET cfa/${path}`);
    const body = (await res.json()) as Proven<T>;
    t.ok(verifyStateProof(intlSuite, body), `the ${path} registry proves against block ${body.height}`);
    if (body.value !== null) t.same(JSON.parse(new TextDecoder().decode(fromHex(body.value))), body.json, 'json is the proven value');
    return body;
  };
  /** The owners registry at `height`: every bucket read and proven (they are at one height, in one block). */
  const owners = async (height: number): Promise<Record<string, number>> => {
    const res = await fetch(`${lc.url(1 + (turn++ % 3))}/v1/channels/${CH}/cfa/assets/BOND1/owners?height=${height}`);
    t.equal(res.status, 200, 'GET cfa/assets/BOND1/owners');
    const reg = cfaOwnersOf(await res.json(), 'BOND1');
    t.ok(verifyCfaOwners(intlSuite, reg), `the owners registry (${reg.buckets.length} buckets) proves against block ${reg.height}`);
    t.equal(reg.height, height);
    return reg.value;
  };

  await ok('fee schedule', operator, {
    contract: 'governance',
    method: 'setFees',
    args: { collector: 'operator', rules: { trade: { fixed: 0, bps: 100 }, gift: { fixed: 500, bps: 0 }, 'early-redemption': { fixed: 0, bps: 50 } } },
  });
  await ok(
    'deposits',
    operator,
    cfa('mint', { account: 'alice', amount: 1_000_000, ref: 'bank-in-1' }),
    cfa('mint', { account: 'bob', amount: 1_000_000, ref: 'bank-in-2' }),
    cfa('mint', { account: 'carol', amount: 1_000_000, ref: 'bank-in-3' }),
    cfa('mint', { account: 'issuer', amount: 2_000_000, ref: 'bank-in-4' }),
  );
  const t0 = Date.now();
  const terms = {
    code: 'BOND1',
    name: 'Bond of Issuer LLC',
    volume: 1000,
    nominal: 1000,
    placementPrice: 1000,
    placementStart: t0 + 2000,
    placementEnd: t0 + 8000,
    maturityDate: t0 + 18_000,
    redemptionPrice: 1100,
    earlyRedemption: { from: t0 + 8000, price: 1050, byIssuer: false, byHolder: true },
    rights: 'Pays 1100 per unit at maturity.',
  };
  await ok('issue filed', issuer, cfa('fileIssue', terms));
  const early = await run(alice, cfa('apply', { asset: 'BOND1', quantity: 10 }));
  t.equal(early.code, 'NOT_REGISTERED', 'nothing is placed before registration');
  const wrong = await run(alice, cfa('registerIssue', { asset: 'BOND1' }));
  t.equal(wrong.code, 'FORBIDDEN', 'only the operator registers');
  await ok('registered', operator, cfa('registerIssue', { asset: 'BOND1' }));
  await sleepUntil(terms.placementStart + 200);
  await ok('alice applies', alice, cfa('apply', { asset: 'BOND1', quantity: 700 }));
  await ok('bob applies', bob, cfa('apply', { asset: 'BOND1', quantity: 600 }));
  const placed = await ok('placement closed (oversubscribed)', issuer, cfa('closePlacement', { asset: 'BOND1' }));
  // Pro rata: floor(700·1000/1300) = 538, floor(600·1000/1300) = 461, the unit left goes to the first filed (alice).
  t.same(await owners(placed), { alice: 539, bob: 461 });
  t.same((await registry<{ balance: number }>('accounts/alice/money', placed)).json?.balance, 1_000_000 - 539_000, 'alice paid for what she got; the rest came back');

  // Secondary market: a DvP trade, then a gift.
  await ok('alice offers 100 at 1200', alice, cfa('offerSell', { asset: 'BOND1', quantity: 100, price: 1200 }));
  const broke = await run(carol, cfa('acceptOffer', { offer: 'BOND1/0', quantity: 100 }), cfa('burn', { account: 'carol', amount: 1, ref: 'x' }));
  t.equal(broke.code, 'FORBIDDEN', 'a transaction with a failing operation changes nothing');
  const traded = await ok('carol buys (DvP)', carol, cfa('acceptOffer', { offer: 'BOND1/0' }));
  t.same((await registry<{ units: Record<string, number> }>('accounts/carol/holdings', traded)).json, { units: { BOND1: 100 }, locked: {} });
  t.same((await registry<{ balance: number }>('accounts/carol/money', traded)).json?.balance, 1_000_000 - 120_000);
  t.same((await registry<{ balance: number }>('accounts/alice/money', traded)).json?.balance, 1_000_000 - 539_000 + 120_000 - 1200, 'seller got the price minus the 1% trade fee');
  await ok('bob gives 50 to carol', bob, cfa('gift', { asset: 'BOND1', to: 'carol', quantity: 50, note: 'birthday' }));
  await sleepUntil(terms.earlyRedemption.from + 200);
  const earlyRedeemed = await ok('carol redeems 30 early', carol, cfa('redeemEarly', { asset: 'BOND1', quantity: 30 }));
  t.same(await owners(earlyRedeemed), { alice: 439, bob: 411, carol: 120 });

  // Maturity: the rest is redeemed and the asset closed.
  await sleepUntil(terms.maturityDate + 300);
  const lateTrade = await run(alice, cfa('offerSell', { asset: 'BOND1', quantity: 1, price: 1 }));
  t.equal(lateTrade.code, 'AFTER_MATURITY');
  const redeemed = await ok('redeemed at maturity', issuer, cfa('redeem', { asset: 'BOND1' }));
  const asset = await registry<{ status: string; issued: number; redeemed: number }>('assets/BOND1', redeemed);
  t.equal(asset.json?.status, 'closed');
  t.equal(asset.json?.issued, 1000);
  t.equal(asset.json?.redeemed, 1000);
  t.same(await owners(redeemed), {}, 'no owners left');
  t.same(await owners(placed), { alice: 539, bob: 461 }, 'owners at an earlier height are still provable');
  t.same((await registry<{ balance: number }>('accounts/carol/money', redeemed)).json?.balance, 1_000_000 - 120_000 + 30 * 1050 + 120 * 1100);

  // Movements: every credit and debit with its cause, provable page by page.
  const movesClient = new KonsortiumClient({ baseUrl: lc.url(2) });
  const moves = await readCfaMoves(movesClient, CH, 'BOND1', { limit: 100 });
  t.ok(moves.count >= 10);
  t.equal(moves.items.length, Math.min(100, moves.count));
  t.equal(moves.chunks.length, Math.ceil(moves.items.length / CFA_MOVE_CHUNK), `in chunks of ${CFA_MOVE_CHUNK}`);
  for (const c of moves.chunks) if (verifyCfaEntry(intlSuite, c) === null) t.fail(`movement chunk ${c.key} does not prove`);
  t.same(
    moves.items.map((m) => m.value.seq),
    moves.items.map((_, i) => i),
    'every record in its place',
  );
  const causes = new Set(moves.items.map((m) => m.value.cause));
  for (const c of ['placement', 'trade', 'gift', 'early-redemption', 'redemption'] as const) t.ok(causes.has(c), `a ${c} movement is logged`);
  // An account's money log: its length is the money account's `moves`, its records replay to the balance.
  const carolMoney = await readCfaMoney(movesClient, CH, 'carol', { height: redeemed });
  const carolLog = await readCfaMoneyMoves(movesClient, CH, 'carol', { height: redeemed, limit: 100 });
  t.equal(carolLog.count, carolMoney.value.moves, "the log's length is the account's");
  t.ok(verifyCfaEntry(intlSuite, { key: carolLog.log.key, height: carolLog.height, present: true, value: carolLog.count, proof: carolLog.log }), 'and proven by the money account');
  for (const c of carolLog.chunks) if (verifyCfaEntry(intlSuite, c) === null) t.fail(`money chunk ${c.key} does not prove`);
  t.equal(
    carolLog.items.reduce((sum, m) => sum + (m.value.entry === 'credit' ? m.value.amount : -m.value.amount), 0),
    carolMoney.value.balance,
    "carol's money log replays to her balance",
  );
  t.same(carolMoney.value.purchases, { year: new Date(carolLog.items.find((m) => m.value.cause === 'trade')!.value.timestamp).getUTCFullYear(), spent: 120_000 }, 'her purchase counts against the yearly limit');
  // Fees: the operator's income from the trade (1% of 120 000), the gift (500) and the early redemption (0.5% of 31 500).
  const operatorMoney = await registry<{ balance: number }>('accounts/operator/money', redeemed);
  t.equal(operatorMoney.json?.balance, 1200 + 500 + Math.floor((31_500 * 50) / 10_000));
  const fees = await registry<{ collector: string }>('fees');
  t.equal(fees.json?.collector, 'operator');
  const supply = await registry<{ minted: number; burned: number }>('money-supply');
  t.same(supply.json, { minted: 5_000_000, burned: 0 });
});
