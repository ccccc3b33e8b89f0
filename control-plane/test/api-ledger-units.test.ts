/**
 * The pure parts of the ledger routes, without a database or a node: the gateway's path rules,
 * the roles a node token carries, and how node health turns answers into roles, heights and lag
 * (a fake prober stands in for the nodes; a hanging one for a node that never answers).
 */
import t from 'tap';
import type { KonsortiumClient, RaftStatus } from '@konsortium/client';
import { checkNodePath } from '../src/api/ledger-paths.js';
import type { Principal } from '../src/api/principal.js';
import { nodeRolesOf } from '../src/api/routes/node-token.js';
import { type ChannelProbe, probeNetwork, roleOf } from '../src/ledger/node-health.js';

t.test('checkNodePath: what the gateway forwards', async (t) => {
  const allowed: [string, string][] = [
    ['GET', '/v1/channels'],
    ['GET', '/v1/channels/consortium/head'],
    ['HEAD', '/v1/channels/consortium/blocks/3'],
    ['GET', '/v1/channels/consortium/events'],
    ['GET', '/v1/channels/consortium/state/cfa%2Fowners%2FBOND1'],
    ['POST', '/v1/channels/consortium/txs'],
    ['POST', '/v1/channels/consortium/data/release'],
    ['PUT', `/v1/channels/consortium/blobs/${'a'.repeat(64)}`],
    ['GET', '/v1/channels/admin/head'],
    ['GET', '/v1/status'],
    ['GET', '/status'],
    ['GET', '/healthz'],
    ['HEAD', '/readyz'],
  ];
  for (const [m, p] of allowed) t.same(checkNodePath(m, p), { ok: true }, `${m} ${p}`);
  const forbidden: [string, string][] = [
    ['GET', '/metrics'],
    ['POST', '/members'],
    ['POST', '/members/2/promote'],
    ['POST', '/leader/transfer'],
    ['POST', '/snapshot'],
    ['POST', '/v1/members'],
    ['DELETE', '/v1/members/2'],
    ['POST', '/v1/leader/transfer'],
    ['POST', '/v1/snapshot'],
    ['GET', '/v1/metrics'],
    ['GET', '/v1/admin'],
    ['GET', '/v1/channels/consortium/admin/status'],
    ['POST', '/v1/channels/consortium/admin/members'],
    ['GET', '/v1/channels/consortium/%61dmin/status'],
    ['GET', '/v1/channels/consortium/Admin/status'],
    ['POST', '/healthz'],
    ['GET', '/'],
    ['GET', '/v1'],
    ['GET', '/anything'],
    ['DELETE', '/v1/channels/consortium/txs'],
    ['PATCH', '/v1/channels/consortium/txs'],
    ['OPTIONS', '/v1/channels'],
  ];
  for (const [m, p] of forbidden) t.match(checkNodePath(m, p), { ok: false, status: 403 }, `${m} ${p}`);
  for (const p of ['/v1/channels/../admin', '/v1/channels/%2e%2E/admin', '/v1/./channels', '/v1//channels', '/v1/channels/', '/v1/a%5cb', '/v1/%E0%A4%A']) {
    t.match(checkNodePath('GET', p), { ok: false, status: 400 }, p);
  }
  t.match(checkNodePath('GET', ''), { ok: false, status: 403 }, 'nothing after the node id');
});

t.test('nodeRolesOf: readers and submitters, never node admins', async (t) => {
  const user = (roles: Principal['roles'], tenantId: string | null = null): Principal => ({ kind: 'user', subject: 'u', roles, tenantId, scopes: null });
  const key = (scopes: string[]): Principal => ({ kind: 'api_key', subject: 'api-key:x', roles: ['tenant_member'], tenantId: 't', scopes });
  t.same(nodeRolesOf(user(['platform_admin'])), ['ledger:read', 'ledger:submit']);
  t.same(nodeRolesOf(user(['auditor'])), ['ledger:read']);
  t.same(nodeRolesOf(user(['tenant_admin'], 't')), ['ledger:read', 'ledger:submit']);
  t.same(nodeRolesOf(user(['tenant_member'], 't')), ['ledger:read', 'ledger:submit']);
  t.same(nodeRolesOf(key(['read'])), ['ledger:read']);
  t.same(nodeRolesOf(key(['read', 'write'])), ['ledger:read', 'ledger:submit']);
  t.same(nodeRolesOf(key(['write'])), ['ledger:read', 'ledger:submit']);
});

function status(id: number, role: RaftStatus['role'], term: number, o: { leaderId?: number; learner?: boolean } = {}): RaftStatus {
  const members = [1, 2, 3, 4].map((m) => ({ id: m, raftAddr: `h:${m}`, httpAddr: `h:${m}`, role: (m === 4 && o.learner ? 'learner' : 'voter') as 'voter' | 'learner' }));
  return { id, role, leaderId: o.leaderId ?? 1, term, commitIndex: 10, appliedIndex: 9, lastIndex: 10, members };
}

t.test('roleOf', async (t) => {
  t.equal(roleOf(null), null);
  t.equal(roleOf(status(1, 'leader', 3)), 'leader');
  t.equal(roleOf(status(2, 'follower', 3)), 'follower');
  t.equal(roleOf(status(2, 'precandidate', 3)), 'candidate', 'a precandidate is campaigning');
  t.equal(roleOf(status(4, 'follower', 3, { learner: true })), 'learner', 'listed as a learner');
  t.equal(roleOf(status(2, 'follower', 3, { learner: true })), 'follower', 'another node being a learner changes nothing');
});

t.test('probeNetwork: roles, heights and lag per channel', async (t) => {
  const nodes = [
    { id: 'n1', nodeId: 1, httpUrl: 'http://n1' },
    { id: 'n2', nodeId: 2, httpUrl: 'http://n2' },
    { id: 'n3', nodeId: 3, httpUrl: 'http://n3' },
    { id: 'n4', nodeId: 4, httpUrl: 'http://n4' },
    { id: 'n5', nodeId: 5, httpUrl: null },
  ];
  // consortium: 1 leads at 20 (term 3); 2 at 18; 3 is down; 4 a learner at 5.
  // trade: a stale leader (2, term 1, height 50) and the real one (1, term 2, height 7).
  const answers: Record<string, Record<string, ChannelProbe>> = {
    'http://n1': { consortium: { status: status(1, 'leader', 3), height: 20, error: null }, trade: { status: status(1, 'leader', 2), height: 7, error: null } },
    'http://n2': { consortium: { status: status(2, 'follower', 3), height: 18, error: null }, trade: { status: status(2, 'leader', 1), height: 50, error: null } },
    'http://n4': { consortium: { status: status(4, 'follower', 3, { learner: true }), height: 5, error: null }, trade: { status: null, height: 6, error: 'FORBIDDEN: admin only' } },
  };
  let asked = 0;
  const started = Date.now();
  const health = await probeNetwork({
    nodes,
    channels: ['consortium', 'trade'],
    primary: 'consortium',
    token: async () => 'tok',
    timeoutMs: 300,
    prober: async (client: KonsortiumClient, ch, signal) => {
      asked++;
      const a = answers[client.baseUrl]?.[ch];
      if (a !== undefined) return a;
      // Node 3 hangs: only the deadline ends it.
      await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('timed out'))));
      throw new Error('unreachable');
    },
  });
  t.ok(Date.now() - started < 2000, 'a hanging node costs its deadline, not more');
  t.equal(asked, 8, 'every channel of every node with an address');
  const [n1, n2, n3, n4, n5] = health;
  t.match(n1, { id: 'n1', nodeId: 1, reachable: true, role: 'leader', term: 3, leaderId: 1, height: { consortium: 20, trade: 7 }, lag: { consortium: 0, trade: 0 }, error: null });
  t.match(n1!.channels[0], { name: 'consortium', role: 'leader', term: 3, commitIndex: 10, appliedIndex: 9, height: 20, lag: 0, error: null });
  t.match(n2, { role: 'follower', height: { consortium: 18, trade: 50 }, lag: { consortium: 2, trade: 0 } }, 'the leader of the highest term counts; a node ahead of it has no lag');
  t.match(n3, { reachable: false, role: null, term: null, height: { consortium: null, trade: null }, lag: { consortium: null, trade: null } });
  t.match(n3!.error, /consortium: timed out; trade: timed out/);
  t.match(n4, { reachable: true, role: 'learner', height: { consortium: 5, trade: 6 }, lag: { consortium: 15, trade: 1 } });
  t.match(n4!.error, /^trade: FORBIDDEN: admin only$/);
  t.match(n5, { reachable: false, role: null, error: 'the node has no address yet', latencyMs: null });
  t.type(n1!.latencyMs, 'number');

  const noLeader = await probeNetwork({
    nodes: nodes.slice(1, 2),
    channels: ['consortium'],
    token: async () => 'tok',
    prober: async () => ({ status: status(2, 'candidate', 4, { leaderId: 0 }), height: 3, error: null }),
  });
  t.match(noLeader[0], { role: 'candidate', leaderId: null, lag: { consortium: null } }, 'no leader: no lag to report');
});
