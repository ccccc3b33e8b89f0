/**
 * Ledger nodes beyond the happy path: several channels per node (multi-Raft on one port, each
 * channel its own chain among its own nodes), callers authenticated with JWTs against a JWKS,
 * and a node that fell behind a compacted log catching up through a ledger snapshot.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { type KonsortiumApiError, KonsortiumClient, Signer } from '@konsortium/client';
import type { Operation } from '@konsortium/protocol';
import { makeTempDir, removeTempDir } from '../lib/process.js';
import { startLedgerCluster } from '../lib/ledger-cluster.js';

const gov = (method: string, args: unknown): Operation => ({ contract: 'governance', method, args });
const member = (i: number | string): Operation => gov('addMember', { id: `m${i}`, name: `Member ${i}`, roles: ['member'], keys: [] });

t.test('two channels: each its own chain; a node serves only the channels it belongs to', async (t) => {
  const lc = await startLedgerCluster({ size: 3, channels: [{ name: 'consortium' }, { name: 'bilateral', nodes: [1, 2] }] });
  t.teardown(() => lc.destroy());
  const c = [1, 2, 3].map((id) => new KonsortiumClient({ baseUrl: lc.url(id), timeoutMs: 10_000 }));
  const admin = new Signer('intl', lc.admin.privateKey);
  t.same((await c[0]!.channels()).map((x) => x.name), ['bilateral', 'consortium']);
  t.same((await c[2]!.channels()).map((x) => x.name), ['consortium'], 'node 3 lists only its channel');
  try {
    await c[2]!.head('bilateral');
    t.fail('node 3 must not serve bilateral');
  } catch (err) {
    t.equal((err as KonsortiumApiError).code, 'CHANNEL_NOT_FOUND');
  }
  // A leader per channel, then a transaction on each; they land in separate chains.
  const deadline = Date.now() + 20_000;
  const onBilateral = admin.buildTx('bilateral', member('b'));
  const onConsortium = admin.buildTx('consortium', member('c'));
  for (;;) {
    try {
      await c[1]!.submit(onBilateral);
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200)); // the bilateral group may still be electing
    }
  }
  await c[0]!.submit(onConsortium);
  t.equal((await c[0]!.waitForStatus('bilateral', onBilateral.id, { timeoutMs: 15_000 })).status, 'committed');
  t.equal((await c[2]!.waitForStatus('consortium', onConsortium.id, { timeoutMs: 15_000 })).status, 'committed');
  const b = await c[0]!.getVerifiedState('bilateral', 'gov/member/mb');
  t.ok(b.value !== null);
  const notThere = await c[0]!.getVerifiedState('consortium', 'gov/member/mb');
  t.equal(notThere.value, null, 'the consortium channel never saw the bilateral transaction');
  const bh = await c[0]!.head('bilateral');
  const ch = await c[0]!.head('consortium');
  t.not(bh.hash, ch.hash);
});

t.test('JWT auth: no token 401, bad token 401, member token reads and submits, admin routes need an admin role', async (t) => {
  const dir = makeTempDir('konsortium-jwks');
  t.teardown(() => removeTempDir(dir));
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' };
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
  const token = (roles: string[], o: { aud?: string; exp?: string } = {}): Promise<string> =>
    new SignJWT({ roles, tenant: 't1' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .setSubject('user-1')
      .setIssuer('konsortium')
      .setAudience(o.aud ?? 'konsortium-node')
      .setIssuedAt()
      .setExpirationTime(o.exp ?? '5m')
      .sign(privateKey);
  const lc = await startLedgerCluster({ size: 3, extraArgs: () => ['--auth-jwks', jwksFile], adminToken: await token(['admin'], { exp: '10m' }) });
  t.teardown(() => lc.destroy());
  const head = (id: number, auth?: string): Promise<Response> =>
    fetch(`${lc.url(id)}/v1/channels/consortium/head`, { headers: auth === undefined ? {} : { authorization: `Bearer ${auth}` } });
  t.equal((await head(1)).status, 401, 'no token');
  t.equal((await head(1, 'not.a.jwt')).status, 401, 'garbage token');
  t.equal((await head(1, await token(['member'], { aud: 'someone-else' }))).status, 401, 'wrong audience');
  const { privateKey: otherKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const forged = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'EdDSA', kid: 'k1' }).setIssuer('konsortium').setAudience('konsortium-node').setExpirationTime('5m').sign(otherKey);
  t.equal((await head(1, forged)).status, 401, 'signed by a key not in the JWKS');
  const memberToken = await token(['member']);
  t.equal((await head(1, memberToken)).status, 200);
  t.equal((await fetch(`${lc.url(1)}/healthz`)).status, 200, 'health needs no token');
  const status = (auth: string): Promise<Response> => fetch(`${lc.url(1)}/v1/channels/consortium/admin/status`, { headers: { authorization: `Bearer ${auth}` } });
  t.equal((await status(memberToken)).status, 403, 'admin routes need an admin role');
  t.equal((await status(await token(['operator']))).status, 200);
  // Submitting through a follower still works: it forwards to the leader with its node signature.
  const client = (id: number): KonsortiumClient => new KonsortiumClient({ baseUrl: lc.url(id), token: memberToken, timeoutMs: 10_000 });
  const admin = new Signer('intl', lc.admin.privateKey);
  const leader = (await lc.cluster.waitForLeader()).node.id;
  const follower = leader === 1 ? 2 : 1;
  const tx = admin.buildTx('consortium', member('auth'));
  await client(follower).submit(tx);
  t.equal((await client(follower).waitForStatus('consortium', tx.id, { timeoutMs: 15_000 })).status, 'committed');
  const forward = await fetch(`${lc.url(leader)}/v1/channels/consortium/txs/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'x-konsortium-node': '2', 'x-konsortium-node-signature': '00'.repeat(64) },
    body: new Uint8Array(4),
  });
  t.equal(forward.status, 401, 'a forged node signature is refused');
});

t.test('a node that missed compacted entries catches up from a ledger snapshot', async (t) => {
  const lc = await startLedgerCluster({ size: 3, extraArgs: () => ['--snapshot-entries', '20', '--snapshot-keep-entries', '5'] });
  t.teardown(() => lc.destroy());
  const admin = new Signer('intl', lc.admin.privateKey);
  const leader = (await lc.cluster.waitForLeader()).node.id;
  const lagging = leader === 3 ? 2 : 3;
  const live = new KonsortiumClient({ baseUrl: lc.url(leader), timeoutMs: 10_000 });
  await lc.cluster.stopNode(lagging);
  // Enough blocks (one per sequential transaction) for two snapshots and a compacted log.
  for (let i = 0; i < 60; i++) {
    const s = await live.submitAndWait(admin.buildTx('consortium', member(`s${i}`)), { timeoutMs: 15_000, useEvents: false });
    if (s.status !== 'committed') t.fail(`tx ${i}: ${JSON.stringify(s)}`);
  }
  const target = await live.head('consortium');
  await lc.cluster.startNode(lagging);
  await lc.cluster.waitReady([lagging]);
  const lag = new KonsortiumClient({ baseUrl: lc.url(lagging), timeoutMs: 10_000 });
  const deadline = Date.now() + 30_000;
  while ((await lag.head('consortium')).height < target.height && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const h = await lag.block('consortium', target.height);
  t.equal(h.hash, target.hash, 'the lagging node holds the same head block');
  const st = await lag.getVerifiedState('consortium', 'gov/member/ms59');
  t.ok(st.value !== null, 'and the state that came with the snapshot proves against it');
  const log = lc.cluster.node(lagging).process!.tail(400);
  t.match(log, /ledger state restored from a snapshot/, 'it was restored from a snapshot, not by replaying blocks');
  const afterTx = admin.buildTx('consortium', member('after'));
  const after = await live.submitAndWait(afterTx, { timeoutMs: 15_000 });
  t.equal(after.status, 'committed');
  while ((await lag.head('consortium')).height < after.height! && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 50));
  t.equal((await lag.status('consortium', afterTx.id)).status, 'committed', 'and it goes on applying new blocks');
});
