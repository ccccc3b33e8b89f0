/**
 * The ledger end to end: three node processes serving a channel, driven through the client
 * SDK over HTTP. Transactions are submitted through followers (forwarded to the leader),
 * committed into blocks that every node builds identically, and checked with proofs; refusals
 * before ordering change nothing; the chain survives a kill -9; `konsortium verify` checks a
 * data directory and a node URL, and reports a flipped bit in a stored block.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { open as openLmdb } from 'lmdb';
import { KonsortiumApiError, KonsortiumClient, Signer, verifyChain } from '@konsortium/client';
import { type Operation, toHex } from '@konsortium/protocol';
import { repoRoot } from '../lib/konsortium-cluster.js';
import { type LedgerCluster, startLedgerCluster } from '../lib/ledger-cluster.js';

const CH = 'consortium';
const gov = (method: string, args: unknown): Operation => ({ contract: 'governance', method, args });
const konsortiumBin = join(repoRoot(), 'data-plane', 'node', 'dist', 'konsortium.js');

function verifyCli(args: string[]): { status: number | null; out: { ok: boolean; problem: { code: string; height: number } | null; head: number; stateChecked: boolean } } {
  const r = spawnSync(process.execPath, [konsortiumBin, 'verify', '--json', ...args], { encoding: 'utf8', timeout: 60_000 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let out;
  try {
    out = JSON.parse(last);
  } catch {
    throw new Error(`verify printed no JSON (status ${r.status}): ${r.stdout}\n${r.stderr}`);
  }
  return { status: r.status, out };
}

t.test('a 3-node ledger: submit, commit, prove, survive a crash, verify offline', async (t) => {
  const lc: LedgerCluster = await startLedgerCluster({ size: 3 });
  t.teardown(() => lc.destroy());
  const clients = [1, 2, 3].map((id) => new KonsortiumClient({ baseUrl: lc.url(id), timeoutMs: 10_000 }));
  const admin = new Signer('intl', lc.admin.privateKey);
  const leader = (await lc.cluster.waitForLeader()).node.id;
  const follower = [1, 2, 3].find((id) => id !== leader)!;
  const viaFollower = clients[follower - 1]!;

  await t.test('governance transactions commit through a follower, with proofs', async (t) => {
    const bob = Signer.generate('intl');
    const tx = admin.buildTx(CH, gov('addMember', { id: 'bob', name: 'Bob LLC', roles: ['issuer'], keys: [bob.publicKeyHex] }));
    const sub = await viaFollower.submit(tx);
    t.equal(sub.txId, toHex(tx.id));
    t.ok(['received', 'ordered', 'committed'].includes(sub.status));
    const final = await viaFollower.waitForStatus(CH, tx.id, { timeoutMs: 15_000 });
    t.equal(final.status, 'committed');
    t.type(final.height, 'number');
    const again = await clients[leader - 1]!.submit(tx);
    t.equal(again.alreadyKnown, true, 'submitting the same transaction again is idempotent');
    t.equal(again.status, 'committed');
    // The new member can transact right away.
    const own = await viaFollower.submitAndWait(bob.buildTx(CH, gov('addKey', { member: 'bob', publicKey: Signer.generate('intl').publicKeyHex })), { timeoutMs: 15_000 });
    t.equal(own.status, 'committed');
    // A proof of inclusion and a state proof, both checked here against the block header.
    const inc = await viaFollower.getVerifiedTx(CH, tx.id);
    t.equal(inc.code, 'OK');
    const st = await clients[2]!.getVerifiedState(CH, 'gov/member/bob');
    t.ok(st.value !== null && new TextDecoder().decode(st.value).includes('Bob LLC'));
    const absent = await clients[0]!.getVerifiedState(CH, 'gov/member/nobody');
    t.equal(absent.value, null, 'absence is proven too');
    // Rejected in execution: a non-admin cannot add members; the block records why.
    const bad = await viaFollower.submitAndWait(bob.buildTx(CH, gov('addMember', { id: 'eve', name: 'Eve', roles: ['member'], keys: [] })), { timeoutMs: 15_000 });
    t.equal(bad.status, 'rejected');
    t.equal(bad.code, 'FORBIDDEN');
  });

  await t.test('bad transactions are refused before ordering, and nothing is ordered', async (t) => {
    const before = await clients[0]!.head(CH);
    const stranger = Signer.generate('intl');
    const refusal = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
        return 'accepted';
      } catch (err) {
        return err instanceof KonsortiumApiError ? `${err.status} ${err.code}` : String(err);
      }
    };
    t.equal(await refusal(viaFollower.submit(stranger.buildTx(CH, gov('addKey', { member: 'x', publicKey: stranger.publicKeyHex })))), '403 UNKNOWN_SENDER');
    const postRaw = async (bytes: Uint8Array): Promise<string> => {
      const r = await fetch(`${lc.url(follower)}/v1/channels/${CH}/txs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tx: toHex(bytes) }) });
      return `${r.status} ${((await r.json()) as { code: string }).code}`;
    };
    t.equal(await postRaw(admin.buildTx('other-channel', gov('suspendMember', { id: 'bob' })).bytes), '400 WRONG_CHANNEL', 'a transaction of another channel');
    t.equal(await refusal(viaFollower.submit(admin.buildTx(CH, gov('addMember', { id: 'BAD ID' })))), '400 INVALID_ARGS');
    t.equal(await refusal(viaFollower.submit(admin.buildTx(CH, { contract: 'nothing', method: 'x', args: {} }))), '400 UNKNOWN_CONTRACT');
    const forged = admin.buildTx(CH, gov('suspendMember', { id: 'bob' }));
    const bytes = Uint8Array.from(forged.bytes);
    bytes[bytes.length - 5]! ^= 0x01;
    t.equal(await postRaw(bytes), '401 BAD_SIGNATURE');
    t.equal(await postRaw(Uint8Array.of(1, 1, 2)), '400 MALFORMED');
    const used = admin.buildTx(CH, gov('reinstateMember', { id: 'bob' }));
    await viaFollower.submitAndWait(used, { timeoutMs: 15_000 });
    const replay = admin.buildTx(CH, gov('suspendMember', { id: 'bob' }), { nonce: used.nonce });
    t.equal(await refusal(viaFollower.submit(replay)), '409 NONCE_REPLAYED');
    const after = await clients[0]!.head(CH);
    t.equal(after.height, before.height + 1, 'only the one valid transaction made a block');
    t.equal(await refusal(viaFollower.head('no-such-channel')), '404 CHANNEL_NOT_FOUND');
  });

  await t.test('a burst of transactions from several submitters commits in batches, identically everywhere', async (t) => {
    const txs = Array.from({ length: 300 }, (_, i) => admin.buildTx(CH, gov('addMember', { id: `m${i}`, name: `Member ${i}`, roles: ['member'], keys: [] })));
    const subs = await Promise.all(txs.map((tx, i) => clients[i % 3]!.submit(tx)));
    t.equal(subs.filter((s) => !s.alreadyKnown).length, 300);
    const done = await Promise.all(txs.map((tx, i) => clients[(i + 1) % 3]!.waitForStatus(CH, tx.id, { timeoutMs: 30_000 })));
    t.equal(done.filter((d) => d.status === 'committed').length, 300);
    const heights = new Set(done.map((d) => d.height));
    t.ok(heights.size < 300, `batched: 300 transactions in ${heights.size} blocks`);
    const heads = await Promise.all(clients.map((c) => c.head(CH)));
    const top = Math.min(...heads.map((h) => h.height));
    const hashes = await Promise.all(clients.map((c) => c.block(CH, top)));
    t.equal(new Set(hashes.map((b) => b.hash)).size, 1, 'all nodes hold the same block');
    for (const c of clients) {
      const v = await verifyChain(c, CH, { to: top });
      t.ok(v.ok, `chain verifies through the SDK: ${v.ok ? `${v.checked} blocks` : JSON.stringify(v.problem)}`);
    }
  });

  await t.test('the event stream replays from a height and resumes', async (t) => {
    const seen: number[] = [];
    const ac = new AbortController();
    for await (const ev of clients[0]!.events(CH, { from: 0, signal: ac.signal })) {
      seen.push(ev.height);
      if (ev.height >= 3) break;
    }
    t.same(seen, [0, 1, 2, 3]);
    const next = admin.buildTx(CH, gov('addMember', { id: 'late', name: 'Late', roles: ['member'], keys: [] }));
    const head = await clients[1]!.head(CH);
    const waiting = (async () => {
      for await (const ev of clients[1]!.events(CH, { from: head.height + 1 })) {
        if (ev.txs.some((x) => x.txId === toHex(next.id))) return ev;
      }
      return null;
    })();
    await clients[2]!.submit(next);
    const ev = await waiting;
    t.ok(ev !== null && ev.height > head.height, 'a live block arrives on the stream');

    // One stream that starts in the past: history, then live blocks, without a stall between
    // (the switch once waited for a 'drain' that a small write never emits).
    const later = admin.buildTx(CH, gov('addMember', { id: 'later', name: 'Later', roles: ['member'], keys: [] }));
    const top = (await clients[0]!.head(CH)).height;
    const ac2 = new AbortController();
    const started = Date.now();
    const both = (async () => {
      let history = 0;
      for await (const e of clients[0]!.events(CH, { from: top, signal: ac2.signal })) {
        if (e.height <= top) {
          history++;
          await clients[2]!.submit(later); // after the history block went out, the next block is live
        }
        if (e.txs.some((x) => x.txId === toHex(later.id))) return { history, live: e.height };
      }
      return null;
    })();
    const timer = setTimeout(() => ac2.abort(), 8_000);
    const got = await both.catch(() => null);
    clearTimeout(timer);
    t.ok(got !== null && got.history === 1 && got.live > top, `history then the live block on one stream (${got === null ? 'none' : `live at ${got.live}`})`);
    t.ok(Date.now() - started < 8_000, 'without waiting for a safety timeout');
  });

  await t.test('kill -9 a follower: the others go on; it restarts and catches up to the same chain', async (t) => {
    await lc.cluster.killNode(follower);
    const during = admin.buildTx(CH, gov('addMember', { id: 'during-crash', name: 'x', roles: ['member'], keys: [] }));
    const live = clients[leader - 1]!;
    t.equal((await live.submitAndWait(during, { timeoutMs: 15_000 })).status, 'committed');
    await lc.cluster.startNode(follower);
    await lc.cluster.waitReady([follower]);
    const target = (await live.head(CH)).height;
    const deadline = Date.now() + 30_000;
    while ((await viaFollower.head(CH)).height < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const a = await viaFollower.block(CH, target);
    const b = await live.block(CH, target);
    t.equal(a.hash, b.hash);
    t.equal((await viaFollower.status(CH, during.id)).status, 'committed');
  });

  await t.test('konsortium verify: data directory, URL, genesis anchor, and a flipped bit', async (t) => {
    const byUrl = verifyCli(['--channel', CH, '--url', lc.url(1), '--genesis', lc.genesisFile(CH)]);
    t.equal(byUrl.status, 0, JSON.stringify(byUrl.out));
    t.ok(byUrl.out.ok);
    const victim = follower;
    await lc.cluster.stopNode(victim);
    const dataDir = lc.cluster.node(victim).dataDir;
    const clean = verifyCli(['--channel', CH, '--data-dir', dataDir, '--genesis', lc.genesisFile(CH)]);
    t.equal(clean.status, 0, JSON.stringify(clean.out));
    t.ok(clean.out.stateChecked, 'the world state was rehashed too');
    // Flip one bit of block 2's stored bytes (in a transaction's signature: the block still decodes).
    const env = openLmdb({ path: join(dataDir, 'channels', CH, 'ledger') });
    const blocks = env.openDB({ name: 'blocks', encoding: 'binary', keyEncoding: 'binary' });
    let flipped = false;
    for (const { key, value } of blocks.getRange()) {
      const height = Buffer.from(key as Uint8Array).readUInt32BE((key as Uint8Array).length - 4);
      if (height !== 2) continue;
      const b = Buffer.from(value as Uint8Array);
      b[Math.floor(b.length / 2)]! ^= 0x04;
      await blocks.put(key, b);
      flipped = true;
    }
    await env.close();
    t.ok(flipped, 'found block 2 in the store');
    const broken = verifyCli(['--channel', CH, '--data-dir', dataDir]);
    t.equal(broken.status, 1);
    t.equal(broken.out.ok, false);
    t.equal(broken.out.problem?.height, 2, `first broken link at block 2: ${JSON.stringify(broken.out.problem)}`);
    t.ok(['TX_ROOT', 'TX_SIGNATURE', 'TX_MALFORMED', 'UNREADABLE', 'HEADER_HASH', 'TX_COUNT', 'CHANNEL'].includes(broken.out.problem!.code));
  });

});
