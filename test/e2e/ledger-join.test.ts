/**
 * A node that is not in a channel's genesis joins it: the genesis admin registers it in
 * governance (governance.setNode), the channel leader adds it as a Raft learner (admin route),
 * it starts with --join and the genesis file, catches up from the leader's snapshot, serves
 * proven reads and the same blocks, is promoted to voter and takes transactions. A joining
 * node that governance does not vouch for (no entry, or other keys) is refused by the leader
 * or does not serve: /readyz 503 and submissions refused with the code, until governance
 * lists it with its keys.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { KonsortiumApiError, KonsortiumClient, Signer, verifyChain } from '@konsortium/client';
import { type Operation, toHex } from '@konsortium/protocol';
import { type JoiningNode, type LedgerCluster, startLedgerCluster } from '../lib/ledger-cluster.js';
import { httpJson, type HttpResult, waitFor } from '../lib/process.js';

const CH = 'consortium';
const WAIT_MS = 30_000;
const gov = (method: string, args: unknown): Operation => ({ contract: 'governance', method, args });

interface MemberJson {
  readonly id: number;
  readonly role: 'voter' | 'learner';
}

t.test('a node outside the genesis joins a channel as a learner and is promoted', async (t) => {
  const lc: LedgerCluster = await startLedgerCluster({ size: 3 });
  t.teardown(() => lc.destroy());
  const admin = new Signer('intl', lc.admin.privateKey);
  const client = (id: number): KonsortiumClient => new KonsortiumClient({ baseUrl: lc.url(id), timeoutMs: 10_000 });
  const adminCall = (id: number, method: string, path: string, body?: unknown): Promise<HttpResult> =>
    httpJson(method, `${lc.url(id)}/v1/channels/${CH}/admin${path}`, body, 10_000);
  const leader = async (): Promise<number> => (await lc.cluster.waitForLeader({ timeoutMs: WAIT_MS })).node.id;
  const codeOf = (r: HttpResult): string => (r.json as { code?: string } | undefined)?.code ?? `HTTP ${r.status}`;
  /** A governance transaction by the genesis admin, committed. */
  const govTx = async (method: string, args: unknown): Promise<void> => {
    const s = await client(await leader()).submitAndWait(admin.buildTx(CH, gov(method, args)), { timeoutMs: WAIT_MS });
    if (s.status !== 'committed') throw new Error(`governance.${method} was ${s.status}: ${s.code ?? ''} ${s.message ?? ''}`);
  };
  const register = (n: JoiningNode, publicKey = toHex(n.key.publicKey)): Promise<void> =>
    govTx('setNode', { nodeId: n.id, publicKey, owner: 'operator', sealKey: toHex(n.seal.publicKey) });
  /** Adds `n` as a learner on the leader; retried (bounded) while the leader moves or has not applied its registration yet. */
  const addLearner = (n: JoiningNode): Promise<HttpResult> =>
    waitFor(
      async () => {
        const r = await adminCall(await leader(), 'POST', '/members', { id: n.id, raftAddr: n.raftAddr, httpAddr: n.httpAddr });
        if (r.status === 202 || codeOf(r) === 'MEMBER_EXISTS') return r;
        throw new Error(`add learner ${n.id}: ${r.status} ${r.text}`);
      },
      { timeoutMs: WAIT_MS, what: `learner ${n.id} added` },
    );
  const refusal = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
      return 'accepted';
    } catch (err) {
      return err instanceof KonsortiumApiError ? `${err.status} ${err.code}` : String(err);
    }
  };
  const readyz = (id: number): Promise<HttpResult> => httpJson('GET', `${lc.url(id)}/readyz`, undefined, 5000);

  // Some history before anyone joins.
  for (let i = 0; i < 5; i++) await govTx('addMember', { id: `early${i}`, name: `Early ${i}`, roles: ['member'], keys: [] });

  await t.test('node 4: registered, added as learner, catches up, serves, is promoted, takes transactions', async (t) => {
    const n4 = await lc.addNode();
    t.equal(n4.id, 4);
    const refused = await adminCall(await leader(), 'POST', '/members', { id: 4, raftAddr: n4.raftAddr, httpAddr: n4.httpAddr });
    t.equal(`${refused.status} ${codeOf(refused)}`, '503 NODE_NOT_REGISTERED', 'the leader adds no node that governance does not list');

    await register(n4);
    // A snapshot on the leader: the learner, whose log is empty, catches up from it.
    const snap = await adminCall(await leader(), 'POST', '/snapshot');
    t.equal(snap.status, 200, `the leader took a snapshot: ${snap.text}`);
    await addLearner(n4);
    const asLearner = ((await adminCall(await leader(), 'GET', '/status')).json as { members: MemberJson[] }).members.find((m) => m.id === 4);
    t.equal(asLearner?.role, 'learner', 'node 4 is a learner of the channel');
    await lc.cluster.startNode(4);

    const c4 = client(4);
    const top = await waitFor(
      async () => {
        const [mine, theirs] = await Promise.all([c4.head(CH), client(await leader()).head(CH)]);
        return mine.height === theirs.height ? mine.height : undefined;
      },
      { timeoutMs: WAIT_MS, what: "node 4's head to reach the leader's" },
    );
    await lc.cluster.waitReady([4], WAIT_MS);
    t.pass('node 4 is ready: governance lists it with its keys');

    const [b4, b1] = await Promise.all([c4.block(CH, top), client(1).block(CH, top)]);
    t.equal(b4.hash, b1.hash, `block ${top} has the same hash on node 4 as on node 1`);
    const early = await c4.getVerifiedState(CH, 'gov/member/early3');
    t.ok(early.value !== null && new TextDecoder().decode(early.value).includes('Early 3'), 'a proven state read of history from before it joined');
    const nodes = await c4.getVerifiedState(CH, 'gov/nodes');
    t.ok(nodes.value !== null && new TextDecoder().decode(nodes.value).includes(toHex(n4.key.publicKey)), 'its own registration, proven');
    const lowest = (await c4.blocks(CH, 0, 1))[0]!.height;
    t.ok(lowest > 0, `caught up from the leader's snapshot (holds blocks from ${lowest} on)`);

    // Retried (bounded) while the leader moves; a retry after a lost answer finds it a voter already.
    await waitFor(
      async () => {
        const r = await adminCall(await leader(), 'POST', '/members/4/promote');
        if (r.status === 200 || r.text.includes('already a voter')) return r;
        throw new Error(`promote 4: ${r.status} ${r.text}`);
      },
      { timeoutMs: WAIT_MS, what: 'node 4 promoted' },
    );
    const voters = await waitFor(
      async () => {
        const r = await adminCall(4, 'GET', '/status');
        const v = ((r.json as { members?: MemberJson[] }).members ?? []).filter((m) => m.role === 'voter').map((m) => m.id);
        return v.length === 4 ? v : undefined;
      },
      { timeoutMs: WAIT_MS, what: "4 voters in node 4's channel status" },
    );
    t.same(voters, [1, 2, 3, 4], 'the channel has 4 voters');
    const leaderStatus = await adminCall(await leader(), 'GET', '/status');
    t.same(((leaderStatus.json as { members: MemberJson[] }).members.filter((m) => m.role === 'voter').map((m) => m.id)), [1, 2, 3, 4], 'the leader says so too');

    // Transactions through node 4 (forwarded to the leader unless it leads), committed everywhere.
    const txs = Array.from({ length: 20 }, (_, i) => admin.buildTx(CH, gov('addMember', { id: `via4-${i}`, name: `Via node 4 ${i}`, roles: ['member'], keys: [] })));
    const subs = await Promise.all(txs.map((tx) => c4.submit(tx)));
    t.equal(subs.filter((s) => !s.alreadyKnown).length, 20, 'node 4 admits transactions');
    for (const id of [1, 2, 3, 4]) {
      const done = await Promise.all(txs.map((tx) => client(id).waitForStatus(CH, tx.id, { timeoutMs: WAIT_MS })));
      t.equal(done.filter((d) => d.status === 'committed').length, 20, `all 20 committed on node ${id}`);
    }
    const heads = await Promise.all([1, 2, 3, 4].map((id) => client(id).head(CH)));
    const common = Math.min(...heads.map((h) => h.height));
    const hashes = await Promise.all([1, 2, 3, 4].map((id) => client(id).block(CH, common)));
    t.equal(new Set(hashes.map((b) => b.hash)).size, 1, `all four nodes hold the same block ${common}`);
    // Its blocks since the snapshot, the ones it signed itself included, verify with the channel's node keys.
    const anchor = await client(1).block(CH, lowest - 1);
    const chain = await verifyChain(c4, CH, { from: lowest, prevHash: anchor.hash });
    t.ok(chain.ok, `node 4's chain verifies, anchored on node 1's block ${lowest - 1}: ${chain.ok ? `${chain.checked} blocks` : JSON.stringify(chain.problem)}`);
  });

  await t.test('node 5: not vouched for by governance, it does not serve', async (t) => {
    const n5 = await lc.addNode();
    t.equal(n5.id, 5);
    const c5 = client(5);
    const submitVia5 = (i: number): Promise<unknown> => c5.submit(admin.buildTx(CH, gov('addMember', { id: `via5-${i}`, name: 'x', roles: ['member'], keys: [] })));

    // Not registered at all: the leader does not add it, and on its own it neither becomes
    // ready nor admits transactions.
    const refused = await adminCall(await leader(), 'POST', '/members', { id: 5, raftAddr: n5.raftAddr, httpAddr: n5.httpAddr });
    t.equal(`${refused.status} ${codeOf(refused)}`, '503 NODE_NOT_REGISTERED');
    await lc.cluster.startNode(5);
    await waitFor(async () => ((await httpJson('GET', `${lc.url(5)}/healthz`, undefined, 2000)).status === 200 ? true : undefined), {
      timeoutMs: WAIT_MS,
      what: 'node 5 up',
    });
    t.equal((await readyz(5)).status, 503, 'not ready');
    t.equal(await refusal(submitVia5(0)), '503 NODE_NOT_REGISTERED', 'submissions are refused with the code');
    const members = ((await adminCall(await leader(), 'GET', '/status')).json as { members: MemberJson[] }).members.map((m) => m.id);
    t.notOk(members.includes(5), 'node 5 is not in the Raft group');

    // Registered with another key than the one it holds: it is let in as a learner and catches
    // up, then refuses to act as node 5.
    const other = Signer.generate('intl');
    await register(n5, other.publicKeyHex);
    await addLearner(n5);
    const top = (await client(await leader()).head(CH)).height;
    await waitFor(async () => ((await c5.head(CH)).height >= top ? true : undefined), { timeoutMs: WAIT_MS, what: 'node 5 to catch up' });
    const notReady = await waitFor(
      async () => {
        const r = await readyz(5);
        return r.status === 503 && r.text.includes('NODE_KEY_MISMATCH') ? r : undefined;
      },
      { timeoutMs: WAIT_MS, what: 'node 5 /readyz to name the key mismatch' },
    );
    t.match((notReady.json as { reason: string }).reason, /NODE_KEY_MISMATCH.*block-signing key/, 'readiness says why');
    t.equal(await refusal(submitVia5(1)), '503 NODE_KEY_MISMATCH', 'submissions are refused with the code');
    const logged = await waitFor(
      () => {
        const lines = readFileSync(lc.cluster.node(5).logFile, 'utf8').split('\n');
        return lines.find((l) => l.includes('"level":50') && l.includes('NODE_KEY_MISMATCH'));
      },
      { timeoutMs: WAIT_MS, what: 'the mismatch logged as an error' },
    );
    t.ok(logged, 'the mismatch is logged as an error');

    // Governance corrects the entry: the node serves from that block on, without a restart.
    await register(n5);
    await lc.cluster.waitReady([5], WAIT_MS);
    t.pass('node 5 becomes ready once governance lists its keys');
    const late = admin.buildTx(CH, gov('addMember', { id: 'via5-late', name: 'x', roles: ['member'], keys: [] }));
    t.equal((await c5.submitAndWait(late, { timeoutMs: WAIT_MS })).status, 'committed', 'and admits transactions');
  });
});
