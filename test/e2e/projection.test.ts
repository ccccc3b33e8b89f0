/**
 * The ledger-DB projection against a real 3-node ledger and a real PostgreSQL: CFA operations
 * submitted through CfaOperationService go CREATED → PROCESSING → ONCHAIN_SUBMITTED →
 * FINALIZED → SETTLED (a test-only trigger logs every phase change) and the projected balances
 * match the chain's registries (read and proven here, independently of the projection); the
 * follower repairs what the API never recorded (transactions sent around it, a deleted row
 * replayed from genesis), resumes after a stop without duplicates, and stops on a fork; the
 * integrity audit is clean on a clean projection and lists tampered rows. It also checks that
 * the projection's re-declared view of the cfa contract still matches the contract.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { cfaOwnersOf, KonsortiumClient, Signer, verifyCfaOwners } from '@konsortium/client';
import { CFA_METHODS, cfaKeys, GOVERNANCE_KEYS, OWNER_BUCKETS as CONTRACT_OWNER_BUCKETS } from '@konsortium/contracts';
import { decodeBlock, decodeTx, fromHex, intlSuite, type Operation, type StateProofJson, toHex, verifyStateProof } from '@konsortium/protocol';
import { startEmbeddedPostgres } from '../../control-plane/src/db/embedded-postgres.js';
import { createPrisma, migrateDeploy } from '../../control-plane/src/db/prisma.js';
import {
  BlockFollower,
  CFA_METHOD_NAMES,
  CFA_REQUIRED_ARGS,
  type CfaOperationRow,
  CfaOperationService,
  cfaStateKeys,
  clientSubmitter,
  govKeyOf,
  IntegrityAudit,
  OWNER_BUCKETS,
  ProjectionError,
  readCursor,
  resetCursor,
  tenantActiveValidator,
} from '../../control-plane/src/projection/index.js';
import { startLedgerCluster } from '../lib/ledger-cluster.js';
import { sleep, waitFor } from '../lib/process.js';

const CH = 'consortium';
const cfa = (method: string, args: unknown): Operation => ({ contract: 'cfa', method, args });
const DAVE = 't-0000000000d4';

interface Proven<T> extends StateProofJson {
  json?: T;
}

/** `p`, or a rejection after `ms` (the timer does not outlive it). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

t.test('the CFA projection: two-phase sync, reconciliation, resume, audit', async (t) => {
  const issuer = Signer.generate('intl');
  const alice = Signer.generate('intl');
  const bob = Signer.generate('intl');
  const carol = Signer.generate('intl');
  const dave = Signer.generate('intl');
  const keyOf = (s: Signer) => ({ privateKey: s.exportPrivateKey(), publicKey: s.publicKey });
  const base = await mkdtemp(path.join(tmpdir(), 'konsortium-projection-e2e-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const [lc, pg] = await Promise.all([
    startLedgerCluster({
      size: 3,
      members: [
        { id: 'issuer', roles: ['issuer'], keys: [keyOf(issuer)] },
        { id: 'alice', roles: ['investor'], keys: [keyOf(alice)] },
        { id: 'bob', roles: ['investor'], keys: [keyOf(bob)] },
        { id: 'carol', roles: ['investor'], keys: [keyOf(carol)] },
        { id: DAVE, roles: ['investor'], keys: [keyOf(dave)] },
      ],
    }),
    (async () => {
      const server = await startEmbeddedPostgres({ dataDir: path.join(base, 'pg'), persistent: false });
      try {
        const url = await server.database('konsortium_projection');
        await migrateDeploy(url);
        return { server, url };
      } catch (err) {
        await server.stop().catch(() => undefined);
        throw err;
      }
    })(),
  ]);
  t.teardown(() => lc.destroy());
  t.teardown(() => pg.server.stop().catch(() => undefined));
  const db = createPrisma(pg.url);
  t.teardown(() => db.$disconnect());
  // Test-only: log every phase change, to see the path each operation took.
  await db.$executeRawUnsafe('CREATE TABLE test_phase_log (id bigserial PRIMARY KEY, op uuid NOT NULL, from_phase text NOT NULL, to_phase text NOT NULL)');
  await db.$executeRawUnsafe(
    `CREATE FUNCTION test_log_phase() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN IF NEW.phase <> OLD.phase THEN INSERT INTO test_phase_log (op, from_phase, to_phase) VALUES (NEW.id, OLD.phase, NEW.phase); END IF; RETURN NEW; END $f$`,
  );
  await db.$executeRawUnsafe('CREATE TRIGGER test_log_phase AFTER UPDATE OF phase ON cfa_operations FOR EACH ROW EXECUTE FUNCTION test_log_phase()');
  const phasePath = async (op: string): Promise<string[]> =>
    (await db.$queryRawUnsafe<{ from_phase: string; to_phase: string }[]>(`SELECT from_phase, to_phase FROM test_phase_log WHERE op = '${op}' ORDER BY id`)).map(
      (r) => `${r.from_phase}→${r.to_phase}`,
    );

  const operator = new Signer('intl', lc.admin.privateKey);
  const clients = [1, 2, 3].map((id) => new KonsortiumClient({ baseUrl: lc.url(id), timeoutMs: 15_000 }));
  const client = clients[0]!;
  let turn = 0;
  const nextClient = () => clients[turn++ % 3]!;
  const tenant = await db.tenant.create({ data: { name: 'Dave Ltd', memberId: DAVE } });
  const svc = new CfaOperationService({ db, validate: tenantActiveValidator(db) });
  const followers: BlockFollower[] = [];
  const follower = (o: Partial<ConstructorParameters<typeof BlockFollower>[0]> = {}) => {
    const f = new BlockFollower({ db, client, channel: CH, pollIntervalMs: 200, retryBaseMs: 100, retryCapMs: 2_000, maxConsecutiveFailures: 20, ...o });
    followers.push(f);
    return f;
  };
  t.teardown(async () => {
    for (const f of followers) await f.stop().catch(() => undefined);
  });

  /** Creates and submits an operation through the service; returns it as submit left it. */
  const submit = async (t: Test, signer: Signer, sender: string, method: string, args: unknown, tenantId: string | null = null): Promise<CfaOperationRow> => {
    const op = await svc.create({ channel: CH, tenantId, sender, method, args });
    t.equal(op.phase, 'CREATED', `${method}: created`);
    return svc.submit(op.id, { submitter: clientSubmitter(nextClient(), signer) });
  };
  /** submit, then wait for SETTLED (or REJECTED) and check it against the node's status. */
  const settle = async (t: Test, signer: Signer, sender: string, method: string, args: unknown, expect: 'SETTLED' | 'REJECTED' = 'SETTLED', tenantId: string | null = null): Promise<CfaOperationRow> => {
    const sent = await submit(t, signer, sender, method, args, tenantId);
    t.ok(['ONCHAIN_SUBMITTED', 'FINALIZED', 'SETTLED', 'REJECTED'].includes(sent.phase), `${method}: submitted (${sent.phase})`);
    const done = await svc.waitForPhase(sent.id, 'final', { timeoutMs: 30_000 });
    t.equal(done.phase, expect, `${method}: ${expect}${done.resultCode !== null && done.resultCode !== 'OK' ? ` (${done.resultCode})` : ''}`);
    const s = await client.waitForStatus(CH, done.txId!, { timeoutMs: 20_000 });
    t.equal(done.blockHeight, BigInt(s.height!), `${method}: at the transaction's block`);
    t.equal(done.resultCode, s.code ?? 'OK', `${method}: with its result code`);
    return done;
  };
  const direct = async (signer: Signer, ...ops: Operation[]): Promise<{ txId: string; height: number; code: string }> => {
    const tx = signer.buildTx(CH, ops);
    const s = await nextClient().submitAndWait(tx, { timeoutMs: 20_000 });
    return { txId: s.txId, height: s.height!, code: s.code ?? 'OK' };
  };
  const registry = async <T>(p: string, height: number): Promise<T | undefined> => {
    const res = await fetch(`${lc.url(1 + (turn++ % 3))}/v1/channels/${CH}/cfa/${p}?height=${height}`);
    if (res.status !== 200) throw new Error(`GET cfa/${p}: ${res.status}`);
    const body = (await res.json()) as Proven<T>;
    if (!verifyStateProof(intlSuite, body)) throw new Error(`cfa/${p} does not prove`);
    return body.json;
  };
  const ownersAt = async (height: number): Promise<Record<string, number>> => {
    const res = await fetch(`${lc.url(1 + (turn++ % 3))}/v1/channels/${CH}/cfa/assets/BOND1/owners?height=${height}`);
    if (res.status !== 200) throw new Error(`GET cfa/assets/BOND1/owners: ${res.status}`);
    const reg = cfaOwnersOf(await res.json(), 'BOND1');
    if (verifyCfaOwners(intlSuite, reg) === null) throw new Error('the owners registry does not prove');
    return reg.value;
  };
  /** Every projected row equals the chain's registry at the cursor height, and every owner of BOND1 has a row. */
  const balancesMatchChain = async (t: Test, label: string): Promise<Map<string, bigint>> => {
    const cursor = (await readCursor(db, CH))!;
    const rows = await db.cfaBalance.findMany({ where: { channel: CH }, orderBy: [{ asset: 'asc' }, { account: 'asc' }] });
    const out = new Map<string, bigint>();
    const owners = await ownersAt(cursor.height);
    let bad = 0;
    for (const r of rows) {
      const projected = BigInt(r.amount.toFixed(0));
      out.set(`${r.asset}/${r.account}`, projected);
      const chain = r.asset === 'money' ? ((await registry<{ balance: number }>(`accounts/${r.account}/money`, cursor.height))?.balance ?? 0) : (owners[r.account] ?? 0);
      if (BigInt(chain) !== projected) {
        bad++;
        t.fail(`${label}: ${r.asset}/${r.account} is ${projected} in the projection, ${chain} on chain`);
      }
    }
    for (const [acc, units] of Object.entries(owners)) if (out.get(`BOND1/${acc}`) !== BigInt(units)) t.fail(`${label}: BOND1 owner ${acc} (${units}) has no matching row`);
    t.equal(bad, 0, `${label}: ${rows.length} balance rows match the chain at ${cursor.height}`);
    return out;
  };
  /** Every projected transaction on chain up to the cursor, from the blocks (independently of the projection). */
  const chainCfaTxs = async (): Promise<Map<string, { height: number; code: string }>> => {
    const cursor = (await readCursor(db, CH))!;
    const out = new Map<string, { height: number; code: string }>();
    for (let from = 0; from <= cursor.height; from += 100) {
      for (const b of await client.blocks(CH, from, Math.min(100, cursor.height - from + 1))) {
        const block = decodeBlock((d) => intlSuite.hash(d), fromHex(b.block));
        block.txs.forEach((bytes, i) => {
          const tx = decodeTx(bytes);
          // The fee schedule (governance.setFees) is projected too: it is the CFA commission's.
          if (tx.operations.some((o) => o.contract === 'cfa' || (o.contract === 'governance' && o.method === 'setFees'))) out.set(toHex(tx.id), { height: b.height, code: block.results[i]! });
        });
      }
    }
    return out;
  };
  const noDuplicatesAndAllThere = async (t: Test, label: string): Promise<void> => {
    const chain = await chainCfaTxs();
    const ops = await db.cfaOperation.findMany({ where: { channel: CH, txId: { in: [...chain.keys()] } } });
    t.equal(ops.length, chain.size, `${label}: one operation per cfa transaction on chain (${chain.size})`);
    const wrong = ops.filter((o) => {
      const c = chain.get(o.txId!)!;
      return o.blockHeight !== BigInt(c.height) || o.resultCode !== c.code || o.phase !== (c.code === 'OK' ? 'SETTLED' : 'REJECTED');
    });
    t.same(wrong.map((o) => o.txId), [], `${label}: each at its block with its outcome`);
  };

  t.test('the projection declares the cfa contract as it is', async (t) => {
    t.same([...CFA_METHOD_NAMES].sort(), Object.keys(CFA_METHODS).sort(), 'the same methods');
    for (const m of CFA_METHOD_NAMES) t.same([...CFA_REQUIRED_ARGS[m]].sort(), [...((CFA_METHODS[m] as { required?: string[] }).required ?? [])].sort(), `required arguments of ${m}`);
    t.equal(cfaStateKeys.assets, cfaKeys.assets);
    t.equal(cfaStateKeys.moneySupply, cfaKeys.moneySupply);
    t.equal(cfaStateKeys.fees, cfaKeys.fees);
    for (const [k, v] of [
      ['asset', 'BOND1'],
      ['holdings', 'alice'],
      ['money', 'alice'],
      ['offer', 'BOND1/3'],
      ['application', 'BOND1/4'],
    ] as const) {
      t.equal(cfaStateKeys[k](v), cfaKeys[k](v), `key ${k}`);
    }
    t.equal(OWNER_BUCKETS, CONTRACT_OWNER_BUCKETS, 'owners buckets');
    for (let b = 0; b < OWNER_BUCKETS; b++) t.equal(cfaStateKeys.ownerBucket('BOND1', b), cfaKeys.ownerBucket('BOND1', b), `owners bucket ${b}`);
    t.equal(govKeyOf('ab12'), GOVERNANCE_KEYS.key('ab12'), 'gov/key/<hex>');
  });

  t.test('operations go CREATED → … → SETTLED and balances follow the chain', async (t) => {
    await direct(operator, { contract: 'governance', method: 'setFees', args: { collector: 'operator', rules: { trade: { fixed: 0, bps: 100 }, gift: { fixed: 500, bps: 0 } } } });
    // The first one with no follower running: it waits in ONCHAIN_SUBMITTED until one runs.
    const first = await submit(t, operator, 'operator', 'mint', { account: 'alice', amount: 1_000_000, ref: 'bank-in-1' });
    t.equal(first.phase, 'ONCHAIN_SUBMITTED', 'sent, not yet projected');
    await client.waitForStatus(CH, first.txId!, { until: 'committed', timeoutMs: 20_000 });
    t.equal((await svc.get(first.id)).phase, 'ONCHAIN_SUBMITTED', 'committed on chain, but nobody projected it yet');
    const live = follower();
    live.start();
    const settled = await svc.waitForPhase(first.id, ['SETTLED'], { timeoutMs: 30_000 });
    t.same(await phasePath(first.id), ['CREATED→PROCESSING', 'PROCESSING→ONCHAIN_SUBMITTED', 'ONCHAIN_SUBMITTED→FINALIZED', 'FINALIZED→SETTLED'], 'the whole two-phase path');
    t.equal(settled.source, 'api');

    await settle(t, operator, 'operator', 'mint', { account: 'bob', amount: 1_000_000, ref: 'bank-in-2' });
    await settle(t, operator, 'operator', 'mint', { account: 'carol', amount: 1_000_000, ref: 'bank-in-3' });
    await settle(t, operator, 'operator', 'mint', { account: 'issuer', amount: 2_000_000, ref: 'bank-in-4' });
    const t0 = Date.now();
    await settle(t, issuer, 'issuer', 'fileIssue', {
      code: 'BOND1',
      name: 'Bond of Issuer LLC',
      volume: 1000,
      nominal: 1000,
      placementPrice: 1000,
      placementStart: t0 + 1500,
      placementEnd: t0 + 600_000,
      maturityDate: t0 + 1_200_000,
      redemptionPrice: 1100,
      rights: 'Pays 1100 per unit at maturity.',
    });
    await settle(t, operator, 'operator', 'registerIssue', { asset: 'BOND1' });
    while (Date.now() < t0 + 1700) await sleep(100);
    await settle(t, alice, 'alice', 'apply', { asset: 'BOND1', quantity: 700 });
    await settle(t, bob, 'bob', 'apply', { asset: 'BOND1', quantity: 600 });
    await settle(t, issuer, 'issuer', 'closePlacement', { asset: 'BOND1' }); // fully subscribed: may close early
    await settle(t, alice, 'alice', 'offerSell', { asset: 'BOND1', quantity: 100, price: 1200 });
    await settle(t, carol, 'carol', 'acceptOffer', { offer: 'BOND1/0' });
    await settle(t, bob, 'bob', 'gift', { asset: 'BOND1', to: 'carol', quantity: 50, note: 'birthday' });
    const late = await settle(t, alice, 'alice', 'apply', { asset: 'BOND1', quantity: 1 }, 'REJECTED');
    t.equal(late.resultCode, 'INVALID_STATE', 'refused in execution: REJECTED at its block with the contract’s code');
    const refused = await submit(t, operator, 'operator', 'mint', { account: 'alice', amount: -5, ref: 'bad' });
    t.match(refused, { phase: 'REJECTED', resultCode: 'INVALID_ARGS', blockHeight: null }, 'refused before ordering: REJECTED with the node’s code');

    const rows = await balancesMatchChain(t, 'after the life');
    t.same(
      Object.fromEntries([...rows].filter(([k]) => !k.startsWith('money/') || ['money/alice', 'money/bob', 'money/carol', 'money/issuer', 'money/operator'].includes(k)).map(([k, v]) => [k, Number(v)])),
      {
        'BOND1/alice': 439,
        'BOND1/bob': 411,
        'BOND1/carol': 150,
        'money/alice': 1_000_000 - 539_000 + 120_000 - 1200,
        'money/bob': 1_000_000 - 461_000 - 500,
        'money/carol': 1_000_000 - 120_000,
        'money/issuer': 3_000_000,
        'money/operator': 1700,
      },
      'the balances the contract computed: placement pro rata, DvP with the trade fee, the gift and its fee',
    );
    await noDuplicatesAndAllThere(t, 'after the life');
  });

  t.test('the follower repairs what the API never recorded', async (t) => {
    const mints = await direct(operator, cfa('mint', { account: DAVE, amount: 10_000, ref: 'bank-in-5' }), cfa('mint', { account: 'carol', amount: 1, ref: 'bank-in-6' }));
    const offer = await direct(dave, cfa('offerBuy', { asset: 'BOND1', quantity: 1, price: 1000 }));
    const found = await waitFor(async () => {
      const op = await svc.findByTxId(offer.txId);
      return op?.phase === 'SETTLED' ? op : undefined;
    }, { timeoutMs: 30_000, what: 'the follower to project a transaction sent around the API' });
    t.match(found, { source: 'reconciler', method: 'cfa.offerBuy', sender: DAVE, tenantId: tenant.id, blockHeight: BigInt(offer.height), resultCode: 'OK' }, 'created from the chain, its tenant found by member id');
    const multi = (await svc.findByTxId(mints.txId))!;
    t.match(multi, { source: 'reconciler', method: 'multi', sender: 'operator', tenantId: null, phase: 'SETTLED' });
    t.same((multi.args as { operations: { method: string }[] }).operations.map((o) => o.method), ['mint', 'mint'], 'a multi-operation transaction keeps its operations');
    const cancelled = await settle(t, dave, DAVE, 'cancelOffer', { offer: 'BOND1/1' }, 'SETTLED', tenant.id);
    t.match(cancelled, { source: 'api', tenantId: tenant.id, sender: DAVE }, 'a tenant’s own operation through the service');
    const before = await balancesMatchChain(t, 'after sending around the API');
    t.equal(before.get(`money/${DAVE}`), 10_000n);

    // Lose a row, and replay the whole chain from genesis.
    const live = followers[0]!;
    await live.stop();
    const trade = (await db.cfaOperation.findFirst({ where: { channel: CH, method: 'cfa.acceptOffer' } }))!;
    await db.cfaOperation.delete({ where: { id: trade.id } });
    const apiBefore = await db.cfaOperation.count({ where: { channel: CH, source: 'api' } });
    const head = (await readCursor(db, CH))!;
    await resetCursor(db, CH, null);
    const replay = follower();
    const r = await replay.syncOnce();
    t.equal(r.from, -1, 'replayed from genesis');
    t.equal(r.to, head.height, 'up to where it was');
    t.equal(r.created, 1, 'one operation recreated');
    const recreated = (await svc.findByTxId(trade.txId!))!;
    t.match(recreated, { source: 'reconciler', phase: 'SETTLED', blockHeight: trade.blockHeight, resultCode: 'OK', method: 'cfa.acceptOffer', sender: 'carol' }, 'the lost trade is back, from the chain');
    t.not(recreated.id, trade.id);
    t.equal(await db.cfaOperation.count({ where: { channel: CH, source: 'api' } }), apiBefore, 'the API’s operations are left as they were');
    t.same(await balancesMatchChain(t, 'after the replay'), before, 'and the balances are unchanged');
    await noDuplicatesAndAllThere(t, 'after the replay');
  });

  t.test('a stopped follower resumes where it stopped, without duplicates', async (t) => {
    const sent = [];
    for (let i = 1; i <= 5; i++) sent.push(await direct(operator, cfa('mint', { account: 'alice', amount: i, ref: `resume-${i}` })));
    let applied = 0;
    let stopping: Promise<void> | undefined;
    const first = follower({
      pageSize: 1,
      onBlock: () => {
        if (++applied === 2) stopping = first.stop();
      },
    });
    await within(first.run(), 30_000, 'the follower to stop');
    await stopping;
    const cursor = (await readCursor(db, CH))!;
    const projected = await Promise.all(sent.map((s) => svc.findByTxId(s.txId)));
    t.equal(applied, 2, 'it applied two blocks with cfa transactions, then stopped');
    t.ok(cursor.height < sent[4]!.height, `stopped part way (cursor ${cursor.height}, last mint at ${sent[4]!.height})`);
    t.same(
      projected.map((p) => p !== null),
      sent.map((s) => s.height <= cursor.height),
      'exactly the blocks up to the cursor are projected',
    );
    const second = follower();
    const r = await second.syncOnce();
    t.equal(r.from, cursor.height, 'the next one starts at the cursor');
    t.equal(r.created, sent.filter((s) => s.height > cursor.height).length, 'and creates only the rest');
    await noDuplicatesAndAllThere(t, 'after resuming');
    const rows = await balancesMatchChain(t, 'after resuming');
    t.equal(rows.get('money/alice'), BigInt(1_000_000 - 539_000 + 120_000 - 1200 + 15), 'each mint counted once');
    t.equal((await second.syncOnce()).blocks, 0, 'nothing left to do');
  });

  t.test('the follower stops on a fork and on a projection that does not add up', async (t) => {
    const f = follower();
    const real = (await readCursor(db, CH))!;
    await resetCursor(db, CH, { height: real.height, hash: 'ab'.repeat(32) });
    await direct(operator, cfa('mint', { account: 'bob', amount: 1, ref: 'fork-1' }));
    const err = await f.syncOnce().then(
      () => null,
      (e: unknown) => e,
    );
    t.ok(err instanceof ProjectionError && err.code === 'CHAIN_FORK', `a block that does not extend the followed one: CHAIN_FORK (${(err as Error).message})`);
    await resetCursor(db, CH, real);
    await f.syncOnce();

    await db.$executeRaw`UPDATE cfa_balances SET amount = amount + 1 WHERE channel = ${CH} AND asset = 'money' AND account = 'alice'`;
    await direct(operator, cfa('mint', { account: 'bob', amount: 1, ref: 'sum-1' }));
    const sum = await f.syncOnce().then(
      () => null,
      (e: unknown) => e,
    );
    t.ok(sum instanceof ProjectionError && sum.code === 'PROJECTION_INCOMPLETE', 'money that does not add up to the supply: PROJECTION_INCOMPLETE, nothing applied');
    await db.$executeRaw`UPDATE cfa_balances SET amount = amount - 1 WHERE channel = ${CH} AND asset = 'money' AND account = 'alice'`;
    t.equal((await f.syncOnce()).cfaTxs, 1, 'once repaired it goes on');
    await noDuplicatesAndAllThere(t, 'after the fork and the repair');
  });

  t.test('the integrity audit', async (t) => {
    const audit = new IntegrityAudit({ db, client: clients[1]! });
    const clean = await audit.run(CH);
    const cursor = (await readCursor(db, CH))!;
    const chain = await chainCfaTxs();
    t.match(clean, { channel: CH, height: cursor.height, ok: true, differences: [] }, 'a clean projection is ok');
    t.equal(clean.checked.cfaTxs, chain.size, 'every cfa transaction on chain was compared');
    t.ok(clean.checked.balances >= 8, `every balance row was compared (${clean.checked.balances})`);

    const trade = (await db.cfaOperation.findFirst({ where: { channel: CH, method: 'cfa.acceptOffer' } }))!;
    await db.$executeRaw`UPDATE cfa_balances SET amount = amount + 7 WHERE channel = ${CH} AND asset = 'BOND1' AND account = 'alice'`;
    await db.$executeRaw`UPDATE cfa_operations SET block_height = block_height + 1 WHERE tx_id = ${trade.txId}`;
    await db.$executeRaw`DELETE FROM cfa_balances WHERE channel = ${CH} AND asset = 'BOND1' AND account = 'carol'`;
    const dirty = await audit.run(CH);
    t.equal(dirty.ok, false, 'a tampered projection is not ok');
    const kinds = dirty.differences.map((d) => `${d.kind} ${d.key}`).sort();
    t.same(
      kinds,
      ['balance_missing BOND1/carol', 'balance_mismatch BOND1/alice', `operation_mismatch ${trade.txId}`].sort(),
      'it lists each tampered row',
    );
    t.match(dirty.differences.find((d) => d.kind === 'balance_mismatch'), { key: 'BOND1/alice', chain: '439', projection: '446' });
    t.match(dirty.differences.find((d) => d.kind === 'balance_missing'), { key: 'BOND1/carol', chain: '150', projection: null });
    t.match(dirty.differences.find((d) => d.kind === 'operation_mismatch'), { chain: { height: Number(trade.blockHeight), code: 'OK' }, projection: { height: Number(trade.blockHeight) + 1, phase: 'SETTLED' } });
    const stored = await db.integrityReport.findMany({ where: { channel: CH }, orderBy: { id: 'asc' } });
    t.equal(stored.length, 2, 'each run is stored');
    t.same(stored.map((r) => r.ok), [true, false]);
    t.same(stored[1]!.differences, JSON.parse(JSON.stringify(dirty.differences)), 'with its differences');

    await db.$executeRaw`UPDATE cfa_balances SET amount = amount - 7 WHERE channel = ${CH} AND asset = 'BOND1' AND account = 'alice'`;
    await db.$executeRaw`UPDATE cfa_operations SET block_height = block_height - 1 WHERE tx_id = ${trade.txId}`;
    await db.$executeRaw`UPDATE cfa_balances SET amount = amount + 1 WHERE channel = ${CH} AND asset = 'money' AND account = 'bob'`;
    const money = await audit.run(CH);
    t.same(money.differences.map((d) => d.kind).sort(), ['balance_mismatch', 'balance_missing', 'money_supply'], 'a money row changed by hand breaks the supply too');
    await db.$executeRaw`UPDATE cfa_balances SET amount = amount - 1 WHERE channel = ${CH} AND asset = 'money' AND account = 'bob'`;
    await db.cfaBalance.create({ data: { channel: CH, asset: 'BOND1', account: 'carol', amount: 150, height: BigInt(cursor.height) } });
    t.match(await audit.run(CH), { ok: true, differences: [] }, 'repaired: ok again');
    t.equal(await audit.run('no-such-channel').catch((e: unknown) => (e as ProjectionError).code), 'NOT_FOLLOWED');
  });
});
