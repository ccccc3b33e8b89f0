// HTTP input validation: every bad request gets a 4xx with a code and changes nothing.
import t from 'tap';
import { TestCluster } from './helpers/cluster.js';

t.test('bad requests are refused with codes and change nothing', async (t) => {
  const c = await TestCluster.start(3);
  t.teardown(() => c.close());
  const leader = await c.waitForLeader();
  const app = c.get(leader).app!;
  const good = await c.put(leader, 'k', 'original');
  t.equal(good.status, 200);
  const revision = good.json['revision'];
  const commitBefore = c.status(leader).commitIndex;

  const raw = (payload: string | Buffer, contentType = 'application/json', url = '/v1/kv/k') =>
    app.inject({ method: 'PUT', url, payload, headers: { 'content-type': contentType } });
  const cases: { name: string; res: Awaited<ReturnType<typeof raw>>; status: number; code: string }[] = [
    { name: 'bad JSON', res: await raw('{"value": "x"'), status: 400, code: 'INVALID_JSON' },
    { name: 'empty JSON body', res: await raw(''), status: 400, code: 'INVALID_JSON' },
    { name: 'value is a number', res: await raw('{"value": 5}'), status: 400, code: 'INVALID_REQUEST' },
    { name: 'value is null', res: await raw('{"value": null}'), status: 400, code: 'INVALID_REQUEST' },
    { name: 'body is an array', res: await raw('["x"]'), status: 400, code: 'INVALID_REQUEST' },
    { name: 'missing value', res: await raw('{}'), status: 400, code: 'INVALID_REQUEST' },
    { name: 'unknown field', res: await raw('{"value": "x", "ttl": 5}'), status: 400, code: 'INVALID_REQUEST' },
    { name: 'oversized body', res: await raw(JSON.stringify({ value: 'x'.repeat(300 * 1024) })), status: 413, code: 'BODY_TOO_LARGE' },
    { name: 'value too large', res: await raw(JSON.stringify({ value: 'x'.repeat(65 * 1024) })), status: 413, code: 'VALUE_TOO_LARGE' },
    { name: 'key too long', res: await raw('{"value": "x"}', 'application/json', `/v1/kv/${'k'.repeat(257)}`), status: 400, code: 'INVALID_KEY' },
    { name: 'key with a space', res: await raw('{"value": "x"}', 'application/json', '/v1/kv/a%20b'), status: 400, code: 'INVALID_KEY' },
    { name: 'key with a control character', res: await raw('{"value": "x"}', 'application/json', '/v1/kv/a%00b'), status: 400, code: 'INVALID_KEY' },
    { name: 'not JSON', res: await raw('value=x', 'application/x-www-form-urlencoded'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  ];
  for (const x of cases) {
    t.equal(x.res.statusCode, x.status, `${x.name}: status`);
    const body = JSON.parse(x.res.body) as { code: string; message: string };
    t.equal(body.code, x.code, `${x.name}: code`);
    t.type(body.message, 'string', `${x.name}: message`);
  }
  const bigKey = await c.http(leader, 'GET', `/v1/kv/${'k'.repeat(257)}`);
  t.equal(bigKey.json['code'], 'INVALID_KEY');
  const badQuery = await c.http(leader, 'GET', '/v1/kv/k?consistency=eventual');
  t.equal(badQuery.status, 400);
  t.equal(badQuery.json['code'], 'INVALID_REQUEST');
  const unknownQuery = await c.http(leader, 'GET', '/v1/kv/k?limit=5');
  t.equal(unknownQuery.status, 400, 'unknown query parameter');
  const badMember = await c.http(leader, 'POST', '/v1/members', { id: 'four', raftAddr: '127.0.0.1:1', httpAddr: '127.0.0.1:2' });
  t.equal(badMember.json['code'], 'INVALID_REQUEST');
  const badAddr = await c.http(leader, 'POST', '/v1/members', { id: 9, raftAddr: 'nowhere', httpAddr: '127.0.0.1:2' });
  t.equal(badAddr.status, 400);
  t.equal(badAddr.json['code'], 'INVALID_ARGUMENT');
  const badId = await c.http(leader, 'DELETE', '/v1/members/1e3');
  t.equal(badId.json['code'], 'INVALID_REQUEST');
  const badTransfer = await c.http(leader, 'POST', '/v1/leader/transfer', { to: 0 });
  t.equal(badTransfer.json['code'], 'INVALID_REQUEST');
  const noRoute = await c.http(leader, 'GET', '/v2/nothing');
  t.equal(noRoute.status, 404);
  t.equal(noRoute.json['code'], 'NOT_FOUND');

  const after = await c.http(leader, 'GET', '/v1/kv/k');
  t.same(after.json, { key: 'k', value: 'original', revision }, 'value and revision unchanged');
  t.equal(c.status(leader).commitIndex, commitBefore, 'nothing was proposed');
});

t.test('health, readiness and metrics', async (t) => {
  const c = await TestCluster.start(3);
  t.teardown(() => c.close());
  const leader = await c.waitForLeader();
  t.equal((await c.put(leader, 'm', '1')).status, 200);
  t.same((await c.http(leader, 'GET', '/healthz')).json, { status: 'ok' });
  t.equal((await c.http(leader, 'GET', '/readyz')).status, 200);
  const res = await c.get(leader).app!.inject({ method: 'GET', url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/plain/);
  for (const name of [
    'konsortium_raft_term',
    'konsortium_raft_commit_index',
    'konsortium_raft_applied_index',
    'konsortium_raft_role',
    'konsortium_proposals_total',
    'konsortium_wal_fsync_duration_seconds',
    'konsortium_wal_bytes_written_total',
    'konsortium_transport_frames_sent_total',
    'konsortium_transport_messages_dropped_total',
    'konsortium_http_request_duration_seconds',
  ]) {
    t.match(res.body, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  t.match(res.body, /^konsortium_raft_role\{node="\d+"\} 3$/m, 'the leader reports role 3');
});
