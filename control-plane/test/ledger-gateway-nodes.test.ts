/**
 * The ledger gateway and node health against REAL ledger node processes (the platform on
 * embedded defaults: PostgreSQL, redis-server, 3 local nodes that verify tokens against the
 * API's JWKS; run `npx tsc -b` first), over real sockets:
 *
 * - a self-custody tenant, onboarded by the worker, uses the SDK with `<api>/ledger/<id>` as
 *   its node base URL and a node token: channels, head, a transaction signed with its own key
 *   submitted and followed to its block, a 5 MiB blob stored and read back;
 * - the block event stream (SSE) passes through live: the stream is open before the block
 *   exists, and the block's event arrives while it stays open;
 * - the node itself refuses the tenant's node token on its admin routes (no admin role), and
 *   the gateway refuses them before the node is asked;
 * - node health: one leader, followers in the same term, heights and lag; a node stopped is
 *   reported unreachable and the gateway answers 502 NODE_UNREACHABLE for it;
 * - the platform serves a portal build given as `portalDir`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { KonsortiumApiError, KonsortiumClient, Signer } from '@konsortium/client';
import { startPlatform, type Platform } from '../src/platform/platform.js';
import type { LocalNodeRuntime } from '../src/runtime/local-runtime.js';

const PASSWORD = 'correct horse battery staple';
const CH = 'consortium';

async function api(p: Platform, method: string, url: string, token: string | null, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${p.url}${url}`, {
    method,
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

async function login(p: Platform, email: string, password: string): Promise<string> {
  const r = await api(p, 'POST', '/v1/auth/login', null, { email, password });
  if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.accessToken as string;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Reads an SSE body until `until` matches what arrived, or the deadline. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, seen: { text: string }, until: RegExp, timeoutMs: number): Promise<void> {
  const decoder = new TextDecoder();
  const deadline = Date.now() + timeoutMs;
  while (!until.test(seen.text)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out waiting for ${until} in the event stream; got:\n${seen.text}`);
    let timer: NodeJS.Timeout | undefined;
    const chunk = await Promise.race([reader.read(), new Promise<null>((r) => (timer = setTimeout(() => r(null), left)))]);
    clearTimeout(timer);
    if (chunk === null) continue;
    if (chunk.done) throw new Error(`the event stream ended; got:\n${seen.text}`);
    seen.text += decoder.decode(chunk.value, { stream: true });
  }
}

t.test('the gateway and node health with real nodes', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'konsortium-gateway-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const portalDir = path.join(dataDir, 'portal');
  await mkdir(path.join(portalDir, 'assets'), { recursive: true });
  await writeFile(path.join(portalDir, 'index.html'), '<!doctype html><title>portal</title>');
  await writeFile(path.join(portalDir, 'assets', 'x.js'), 'export {};');

  const p = await startPlatform({ dataDir, port: 0, network: { name: 'consortium', nodes: 3 }, nodeExtraArgs: ['--no-fsync'], logger: pino({ level: 'warn' }), demoTenant: false, portalDir });
  t.teardown(() => p.close());
  const root = await login(p, p.credentials.admin.email, p.credentials.admin.password);

  // A self-custody tenant: its key is ours, so the test can sign its transactions.
  const key = Signer.generate('intl');
  const created = await api(p, 'POST', '/v1/tenants', root, { name: 'Gamma Bank', plan: 'shared', admin: { email: 'admin@gamma.example', password: PASSWORD }, custody: 'self', publicKey: key.publicKeyHex });
  t.equal(created.status, 201, 'tenant created');
  const opId = (created.body.operation as { id: string }).id;
  const op = await waitFor('onboarding', 120_000, async () => {
    const r = await api(p, 'GET', `/v1/operations/${opId}`, root);
    return r.body.status === 'succeeded' || r.body.status === 'failed' ? r.body : undefined;
  });
  t.equal(op.status, 'succeeded', 'onboarded: its key is registered on chain');
  const tenantAdmin = await login(p, 'admin@gamma.example', PASSWORD);

  const endpoints = (await api(p, 'GET', '/v1/ledger/endpoints', tenantAdmin)).body as { channels: string[]; nodes: { id: string; nodeId: number; gatewayPath: string; sealKey: string | null; publicKey: string | null }[] };
  t.same(endpoints.channels, [CH]);
  t.same(endpoints.nodes.map((n) => n.nodeId), [1, 2, 3], 'the three shared nodes');
  t.ok(endpoints.nodes.every((n) => n.sealKey !== null && n.publicKey !== null), 'with their keys');
  const nodeToken = async () => (await api(p, 'POST', '/v1/auth/node-token', tenantAdmin)).body.token as string;
  const token = await nodeToken();
  const via = (n: number) => new KonsortiumClient({ baseUrl: `${p.url}${endpoints.nodes[n - 1]!.gatewayPath}`, token: nodeToken, timeoutMs: 15_000 });
  const client = via(1);

  await t.test('the SDK through the gateway', async (t) => {
    t.same((await client.channels()).map((c) => c.name), [CH], 'channels');
    const head = await client.head(CH);
    t.ok(head.height >= 1, `head at ${head.height}`);
    // Through another node: a follower forwards the submit to its leader.
    const tx = key.buildTx(CH, { contract: 'cfa', method: 'gift', args: { asset: 'NOPE1', to: 'nobody', quantity: 1 } });
    const st = await via(2).submitAndWait(tx, { timeoutMs: 30_000 });
    t.ok(st.height !== undefined && st.height > head.height, `in block ${st.height} (${st.status} ${st.code ?? ''})`);
    const block = await client.block(CH, st.height!);
    t.equal(block.height, st.height, 'the block is read through the gateway too');

    const blob = new Uint8Array(5 * 1024 * 1024).map((_, i) => i % 251);
    const hash = createHash('sha256').update(blob).digest('hex');
    const stored = await client.putBlob(CH, hash, blob);
    t.match(stored, { hash, size: blob.length }, 'a 5 MiB blob through the gateway');
    // Blobs are kept per node (the SDK uploads to several): read back from the one that has it.
    const back = await client.getBlob(CH, hash);
    t.equal(createHash('sha256').update(back).digest('hex'), hash, 'and back, byte for byte');
  });

  await t.test('the event stream is live through the gateway', async (t) => {
    const head = await client.head(CH);
    const res = await fetch(`${p.url}${endpoints.nodes[0]!.gatewayPath}/v1/channels/${CH}/events?from=${head.height + 1}`, { headers: { authorization: `Bearer ${await nodeToken()}`, accept: 'text/event-stream' } });
    t.equal(res.status, 200);
    t.match(res.headers.get('content-type'), /^text\/event-stream/);
    const reader = res.body!.getReader();
    const seen = { text: '' };
    await readUntil(reader, seen, /: konsortium block stream/, 5000);
    t.pass('the stream is open before any new block exists');
    const tx = key.buildTx(CH, { contract: 'cfa', method: 'gift', args: { asset: 'NOPE2', to: 'nobody', quantity: 1 } });
    const sent = Date.now();
    await client.submit(tx);
    const txId = Buffer.from(tx.id).toString('hex');
    await readUntil(reader, seen, new RegExp(txId), 20_000);
    t.ok(Date.now() - sent < 20_000, `its block's event arrived on the open stream after ${Date.now() - sent} ms`);
    t.match(seen.text, new RegExp(`id: ${head.height + 1}\\nevent: block\\ndata: `), 'events as the node sends them');
    await reader.cancel();
  });

  await t.test('node administration stays out of reach', async (t) => {
    const nodeRow = await p.db.ledgerNode.findFirstOrThrow({ where: { nodeId: 1 } });
    const direct = await fetch(`${nodeRow.httpUrl}/v1/channels/${CH}/admin/status`, { headers: { authorization: `Bearer ${token}` } });
    t.equal(direct.status, 403, 'the node itself refuses the tenant\'s node token on its admin routes');
    t.equal((await fetch(`${nodeRow.httpUrl}/v1/channels/${CH}/head`)).status, 401, 'the node checks tokens');
    const viaGateway = await fetch(`${p.url}/ledger/${nodeRow.id}/v1/channels/${CH}/admin/status`, { headers: { authorization: `Bearer ${token}` } });
    t.equal(viaGateway.status, 403);
    t.match(await viaGateway.json(), { code: 'GATEWAY_FORBIDDEN' });
    const err = await client.raftStatus(CH).catch((e: unknown) => e);
    t.ok(err instanceof KonsortiumApiError && err.status === 403 && err.code === 'GATEWAY_FORBIDDEN', 'the SDK sees GATEWAY_FORBIDDEN');
  });

  await t.test('node health', async (t) => {
    const networkId = p.network!.network.id;
    t.equal((await api(p, 'GET', `/v1/networks/${networkId}/nodes/health`, tenantAdmin)).status, 403, 'not for tenants');
    type Item = { nodeId: number; reachable: boolean; role: string | null; term: number | null; leaderId: number | null; height: Record<string, number | null>; lag: Record<string, number | null>; error: string | null; latencyMs: number | null };
    const health = async () => (await api(p, 'GET', `/v1/networks/${networkId}/nodes/health`, root)).body as { primaryChannel: string; items: Item[] };
    const h = await waitFor('a settled network', 20_000, async () => {
      const r = await health();
      return r.items.every((i) => i.reachable && i.lag[CH] === 0) ? r : undefined;
    });
    t.equal(h.primaryChannel, CH);
    t.same(h.items.map((i) => i.nodeId), [1, 2, 3]);
    const leaders = h.items.filter((i) => i.role === 'leader');
    t.equal(leaders.length, 1, 'one leader');
    t.equal(h.items.filter((i) => i.role === 'follower').length, 2, 'two followers');
    t.equal(new Set(h.items.map((i) => i.term)).size, 1, 'one term');
    t.ok(h.items.every((i) => i.leaderId === leaders[0]!.nodeId), 'all agree on the leader');
    const head = await client.head(CH);
    t.ok(h.items.every((i) => (i.height[CH] ?? -1) >= 1 && (i.height[CH] ?? 0) <= head.height), 'heights per channel');
    t.ok(h.items.every((i) => i.error === null && typeof i.latencyMs === 'number'));

    // Stop a follower: reported unreachable, the others still answer, the gateway says 502.
    const victim = h.items.find((i) => i.role === 'follower')!.nodeId;
    await (p.runtime as LocalNodeRuntime).stopNode('consortium', victim);
    const started = Date.now();
    const after = await health();
    t.ok(Date.now() - started < 5000, 'a node down costs at most its deadline');
    const down = after.items.find((i) => i.nodeId === victim)!;
    t.match(down, { reachable: false, role: null, height: { [CH]: null }, lag: { [CH]: null } });
    t.match(down.error, new RegExp(`^${CH}: `));
    t.ok(after.items.filter((i) => i.nodeId !== victim).every((i) => i.reachable), 'the others are reachable');
    const gw = await fetch(`${p.url}${endpoints.nodes[victim - 1]!.gatewayPath}/v1/channels/${CH}/head`, { headers: { authorization: `Bearer ${await nodeToken()}` } });
    t.equal(gw.status, 502);
    t.match(await gw.json(), { code: 'NODE_UNREACHABLE', message: new RegExp(`node ${victim} did not answer`) });
  });

  await t.test('the platform serves the portal build', async (t) => {
    t.equal(p.portalUrl, `${p.url}/`);
    const res = await fetch(`${p.url}/some/page`, { headers: { accept: 'text/html' } });
    t.equal(res.status, 200);
    t.equal(await res.text(), '<!doctype html><title>portal</title>');
    t.match(res.headers.get('content-security-policy'), /^default-src 'self'/);
  });
});
