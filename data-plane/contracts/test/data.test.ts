import t, { type Test } from 'tap';
import { Buffer } from 'node:buffer';
import { aeadOpen, combineShares, fromHex, openSealed, plaintextHash, toHex, utf8 } from '@konsortium/protocol';
import {
  DATA_CONTRACT,
  dataContract,
  type DataRecord,
  dataKeys,
  type Grant,
  ownerKeyContext,
  readAccess,
  readerOf,
  recordAad,
  type Release,
  releaseAccess,
  releaseContext,
  shareContext,
} from '../src/data/index.js';
import {
  CHANNEL,
  DataWorld,
  DAY,
  decrypt,
  encryptVersion,
  keyFromShares,
  keyOfOwner,
  MEMBERS,
  nodeKeys,
  nodeSeal,
  openShare,
  type Signer,
  T0,
  type VersionArgsT,
  type Who,
} from './data-world.js';

const reader = (who: Who) => ({ memberId: who, roles: MEMBERS[who].roles });
const access = (w: DataWorld, record: string, version: number, who: Who) => {
  const a = readAccess(w.state, record, version, reader(who), w.headTime);
  return a.ok ? 'OK' : a.code;
};
const RID = (n: number) => n.toString(16).padStart(32, '0');

/** Runs one operation that must be refused with `code`, and checks that the state did not change at all. */
function refused(t: Test, w: DataWorld, who: Signer, method: string, args: unknown, code: string, note = ''): void {
  const before = w.snapshot();
  const r = w.runMsg(who, method, args);
  t.equal(r.code, code, `${method} ${note}→ ${code} (${r.message})`);
  t.same(w.snapshot(), before, `${method} ${note}: state unchanged`);
}

function ok(t: Test, w: DataWorld, who: Signer, method: string, args: unknown, note = ''): void {
  const r = w.runMsg(who, method, args);
  t.equal(r.code, 'OK', `${method} ${note}${r.message ?? ''}`);
}

/** An admin's governance operation. */
function gov(t: Test, w: DataWorld, method: string, args: unknown): void {
  const r = w.runMsg('op', method, args, 'governance');
  t.equal(r.code, 'OK', `governance.${method} ${r.message ?? ''}`);
}

t.test('contract shape and contexts', async (t) => {
  const c = dataContract();
  t.equal(c.name, 'data');
  t.equal(DATA_CONTRACT, 'data');
  t.throws(() => c.check('nope', {}), { code: 'UNKNOWN_METHOD' });
  t.throws(() => c.check('grant', { grantee: { member: 'bob' } }), { code: 'INVALID_ARGS', message: /exactly one of record and collection/ });
  t.throws(() => c.check('revoke', { record: 'r', collection: 'c', grantee: { role: 'auditor' } }), { code: 'INVALID_ARGS' });
  t.equal(shareContext('ch', 'r1', 2, 3), 'data-share:ch/r1/2/3');
  t.equal(ownerKeyContext('ch', 'r1', 2), 'data-owner:ch/r1/2');
  t.equal(releaseContext('ch', 'r1', 2, 3, 'ab'), 'data-release:ch/r1/2/3/ab');
  t.same(recordAad('ch', 'r1', 2), utf8('data-record:ch/r1/2'));
  t.equal(dataKeys.log('r1', 7), 'data/log/r1/0000000007');
  t.equal(dataKeys.grant({ collection: 'c', owner: 'alice' }, { role: 'auditor' }), 'data/grant/col:alice:c/role:auditor');
  t.equal(dataKeys.grant({ record: 'r1' }, { member: 'bob' }), 'data/grant/rec:r1/member:bob');
});

t.test('a record: the owner reads it, a grantee rebuilds the key from 2 of 3 node shares', async (t) => {
  const w = new DataWorld({ ledgers: 2 });
  const v1 = encryptVersion({ record: 'r1', version: 1, owner: 'alice', plaintext: 'quarterly report: all good', meta: { contentType: 'text/plain', name: 'q1.txt' } });
  ok(t, w, 'alice', 'putRecord', { record: 'r1', version: v1.args });
  t.same(w.json<DataRecord>(dataKeys.record('r1')), { id: 'r1', owner: 'alice', collection: null, versions: 1, createdAt: T0, createdHeight: 1 });
  const ver = w.version('r1', 1);
  t.match(ver, { version: 1, author: 'alice', createdAt: T0, height: 1, plaintextHash: plaintextHash(v1.plaintext), size: v1.plaintext.length, threshold: 2 });
  t.same(ver.meta, { contentType: 'text/plain', name: 'q1.txt' });
  t.same(
    ver.shares.map((s) => [s.nodeId, s.index]),
    [
      [1, 1],
      [2, 2],
      [3, 3],
    ],
  );
  t.equal(w.json(dataKeys.keyUse(ver.commitments[0]!)), 'r1', 'the key is marked used');
  t.notOk(JSON.stringify(w.snapshot()).includes(toHex(v1.plaintext)), 'no plaintext on chain');

  // the owner
  t.equal(access(w, 'r1', 1, 'alice'), 'OK');
  t.equal(decrypt(w, 'r1', 1, keyOfOwner(w, 'alice', 'r1', 1)), 'quarterly report: all good', 'the owner opens ownerKey');
  // bob, not granted
  t.equal(access(w, 'r1', 1, 'bob'), 'NOT_GRANTED');
  t.equal(access(w, 'nope', 1, 'bob'), 'RECORD_NOT_FOUND');
  t.equal(access(w, 'r1', 2, 'alice'), 'VERSION_NOT_FOUND');
  t.equal(access(w, 'r1', 0, 'alice'), 'VERSION_NOT_FOUND');
  t.match(readAccess(w.state, 'r1', 1, reader('bob'), w.headTime), { ok: false, code: 'NOT_GRANTED', message: /bob has no grant on record "r1"/ });

  ok(t, w, 'alice', 'grant', { record: 'r1', grantee: { member: 'bob' } });
  t.same(w.json<Grant>(dataKeys.grant({ record: 'r1' }, { member: 'bob' })), {
    scope: { record: 'r1' },
    grantee: { member: 'bob' },
    grantedBy: 'alice',
    grantedAt: T0,
    expiresAt: null,
  });
  t.equal(access(w, 'r1', 1, 'bob'), 'OK');
  t.equal(access(w, 'r1', 1, 'carol'), 'NOT_GRANTED');
  // bob gets two shares released (here: opened with the nodes' seal keys), combines them, decrypts
  for (const pair of [
    [1, 3],
    [2, 3],
    [1, 2],
  ]) {
    t.equal(decrypt(w, 'r1', 1, keyFromShares(w, 'r1', 1, pair)), 'quarterly report: all good', `shares of nodes ${pair.join('+')}`);
  }
  t.throws(() => combineShares([openShare(w, 'r1', 1, 1)], 2), { code: 'NOT_ENOUGH_SHARES' }, 'one share is not enough');
  const ct = new Uint8Array(Buffer.from((ver.body as { inline: string }).inline, 'base64'));
  const key = keyFromShares(w, 'r1', 1, [1, 2]);
  t.throws(() => aeadOpen(key, ct, recordAad(CHANNEL, 'r1', 2)), { code: 'DECRYPT_FAILED' }, 'the ciphertext is bound to its record version (aad)');
  t.throws(() => aeadOpen(key, ct, recordAad('other', 'r1', 1)), { code: 'DECRYPT_FAILED' }, '...and channel');
  t.throws(
    () => openSealed(nodeSeal[2]!.privateKey, fromHex(ver.shares[0]!.sealed), shareContext(CHANNEL, 'r1', 1, 1)),
    { code: 'DECRYPT_FAILED' },
    "node 2 cannot open node 1's share",
  );
  t.throws(
    () => decrypt(w, 'r1', 1, keyOfOwner(w, 'bob', 'r1', 1)),
    { code: 'DECRYPT_FAILED' },
    'ownerKey opens only for the owner',
  );

  // a blob version: only the ciphertext's hash and size go on chain
  const v2 = encryptVersion({ record: 'r1', version: 2, owner: 'alice', plaintext: 'big file'.repeat(100), blob: true });
  ok(t, w, 'alice', 'addVersion', { record: 'r1', version: v2.args });
  t.same(w.version('r1', 2).body, v2.args.body);
  t.equal(w.json<DataRecord>(dataKeys.record('r1'))!.versions, 2);
  t.equal(w.version('r1', 2).meta, null);
  t.equal(access(w, 'r1', 2, 'bob'), 'OK', 'a record grant covers every version');
});

t.test('role grants and collection grants', async (t) => {
  const w = new DataWorld();
  ok(t, w, 'alice', 'putRecord', { record: 'r1', version: encryptVersion({ record: 'r1', version: 1, owner: 'alice', plaintext: 'one' }).args });
  ok(t, w, 'alice', 'putRecord', { record: 'r2', collection: 'reports', version: encryptVersion({ record: 'r2', version: 1, owner: 'alice', plaintext: 'two' }).args });
  t.equal(w.json<DataRecord>(dataKeys.record('r2'))!.collection, 'reports');

  // to a role: every auditor (carol), nobody else
  ok(t, w, 'alice', 'grant', { record: 'r1', grantee: { role: 'auditor' } });
  t.equal(access(w, 'r1', 1, 'carol'), 'OK');
  t.equal(access(w, 'r1', 1, 'dave'), 'NOT_GRANTED');
  t.equal(access(w, 'r2', 1, 'carol'), 'NOT_GRANTED', 'only that record');
  t.equal(decrypt(w, 'r1', 1, keyFromShares(w, 'r1', 1, [3, 1])), 'one');
  refused(t, w, 'alice', 'grant', { record: 'r1', grantee: { role: 'node' } }, 'INVALID_ARGS', 'to the node role ');
  refused(t, w, 'alice', 'grant', { record: 'r1', grantee: { role: 'superuser' } }, 'INVALID_ARGS', 'to an unknown role ');
  // roles as governance has them: dave becomes an auditor
  gov(t, w, 'setRoles', { id: 'dave', roles: ['member', 'auditor'] });
  const dave = readerOf(w.state, 'dave')!;
  t.same(dave, { memberId: 'dave', roles: ['member', 'auditor'], active: true });
  t.ok(readAccess(w.state, 'r1', 1, dave, w.headTime).ok, 'dave now reads r1 through the role');
  gov(t, w, 'setRoles', { id: 'dave', roles: ['member'] });

  // to a collection: every record in it, present and future
  ok(t, w, 'alice', 'grant', { collection: 'reports', grantee: { member: 'dave' } });
  t.same(w.json<Grant>(dataKeys.grant({ collection: 'reports', owner: 'alice' }, { member: 'dave' }))!.scope, { collection: 'reports', owner: 'alice' });
  t.equal(access(w, 'r2', 1, 'dave'), 'OK');
  t.equal(access(w, 'r1', 1, 'dave'), 'NOT_GRANTED', 'r1 is in no collection');
  ok(t, w, 'alice', 'putRecord', { record: 'r3', collection: 'reports', version: encryptVersion({ record: 'r3', version: 1, owner: 'alice', plaintext: 'three' }).args });
  t.equal(access(w, 'r3', 1, 'dave'), 'OK', 'a record added later to the collection');
  t.equal(decrypt(w, 'r3', 1, keyFromShares(w, 'r3', 1, [2, 3])), 'three');
  // bob's collection "reports" is another collection
  ok(t, w, 'bob', 'grant', { collection: 'reports', grantee: { member: 'carol' } });
  t.equal(access(w, 'r2', 1, 'carol'), 'NOT_GRANTED', "a grant on bob's reports does not reach alice's");
  ok(t, w, 'bob', 'putRecord', { record: 'b1', collection: 'reports', version: encryptVersion({ record: 'b1', version: 1, owner: 'bob', plaintext: 'b' }).args });
  t.equal(access(w, 'b1', 1, 'carol'), 'OK');
  t.equal(access(w, 'b1', 1, 'dave'), 'NOT_GRANTED');
  // a collection grant to a role
  ok(t, w, 'alice', 'grant', { collection: 'reports', grantee: { role: 'investor' } });
  t.equal(access(w, 'r2', 1, 'bob'), 'OK');
  ok(t, w, 'alice', 'revoke', { collection: 'reports', grantee: { role: 'investor' } });
  t.equal(access(w, 'r2', 1, 'bob'), 'NOT_GRANTED');
  refused(t, w, 'alice', 'revoke', { collection: 'reports', grantee: { role: 'investor' } }, 'GRANT_NOT_FOUND', 'twice ');
  refused(t, w, 'bob', 'revoke', { collection: 'reports', grantee: { member: 'dave' } }, 'GRANT_NOT_FOUND', "bob's own collection has no such grant ");
});

t.test('expiry: a grant stops at expiresAt (block time); granting again replaces it', async (t) => {
  const w = new DataWorld();
  ok(t, w, 'alice', 'putRecord', { record: 'r1', version: encryptVersion({ record: 'r1', version: 1, owner: 'alice', plaintext: 'x' }).args });
  refused(t, w, 'alice', 'grant', { record: 'r1', grantee: { member: 'bob' }, expiresAt: T0 }, 'INVALID_ARGS', 'already expired ');
  ok(t, w, 'alice', 'grant', { record: 'r1', grantee: { member: 'bob' }, expiresAt: T0 + DAY });
  t.equal(access(w, 'r1', 1, 'bob'), 'OK');
  t.equal(readAccess(w.state, 'r1', 1, reader('bob'), T0 + DAY - 1).ok, true, 'until just before expiresAt');
  t.match(readAccess(w.state, 'r1', 1, reader('bob'), T0 + DAY), { ok: false, code: 'GRANT_EXPIRED' }, 'not at expiresAt');
  // block time passes
  w.at(T0 + DAY);
  ok(t, w, 'alice', 'putRecord', { record: 'r2', version: encryptVersion({ record: 'r2', version: 1, owner: 'alice', plaintext: 'y' }).args });
  t.equal(w.headTime, T0 + DAY);
  t.equal(access(w, 'r1', 1, 'bob'), 'GRANT_EXPIRED');
  // an expired member grant next to a role grant in force: access
  ok(t, w, 'alice', 'grant', { record: 'r1', grantee: { role: 'investor' }, expiresAt: T0 + 2 * DAY });
  t.equal(access(w, 'r1', 1, 'bob'), 'OK');
  ok(t, w, 'alice', 'revoke', { record: 'r1', grantee: { role: 'investor' } });
  t.equal(access(w, 'r1', 1, 'bob'), 'GRANT_EXPIRED');
  // re-granting replaces the expiry
  ok(t, w, 'alice', 'grant', { record: 'r1', grantee: { member: 'bob' } });
  t.equal(w.json<Grant>(dataKeys.grant({ record: 'r1' }, { member: 'bob' }))!.expiresAt, null);
  t.equal(access(w, 'r1', 1, 'bob'), 'OK');
  ok(t, w, 'alice', 'grant', { record: 'r1', grantee: { member: 'bob' }, expiresAt: T0 + 3 * DAY });
  t.equal(w.json<Grant>(dataKeys.grant({ record: 'r1' }, { member: 'bob' }))!.expiresAt, T0 + 3 * DAY);
  w.at(T0 + 3 * DAY);
  gov(t, w, 'setRoles', { id: 'dave', roles: ['member'] });
  t.equal(access(w, 'r1', 1, 'bob'), 'GRANT_EXPIRED');
  ok(t, w, 'alice', 'revoke', { record: 'r1', grantee: { member: 'bob' } }, 'an expired grant can be revoked ');
  t.equal(access(w, 'r1', 1, 'bob'), 'NOT_GRANTED');
});

t.test('revoke: access ends, and the next version (a fresh key) is out of reach of a key bob kept', async (t) => {
  const w = new DataWorld();
  const v1 = encryptVersion({ record: 'r1', version: 1, owner: 'alice', plaintext: 'v1 secret' });
  ok(t, w, 'alice', 'putRecord', { record: 'r1', version: v1.args });
  ok(t, w, 'alice', 'grant', { record: 'r1', grantee: { member: 'bob' } });
  ok(t, w, 'alice', 'grant', { record: 'r1', grantee: { member: 'carol' } });
  const bobsKey = keyFromShares(w, 'r1', 1, [1, 2]);
  t.equal(decrypt(w, 'r1', 1, bobsKey), 'v1 secret');

  refused(t, w, 'bob', 'revoke', { record: 'r1', grantee: { member: 'bob' } }, 'FORBIDDEN', 'by a grantee ');
  ok(t, w, 'alice', 'revoke', { record: 'r1', grantee: { member: 'bob' } });
  t.equal(w.json(dataKeys.grant({ record: 'r1' }, { member: 'bob' })), undefined, 'the grant is gone');
  t.equal(access(w, 'r1', 1, 'bob'), 'NOT_GRANTED');
  refused(t, w, 'alice', 'revoke', { record: 'r1', grantee: { member: 'bob' } }, 'GRANT_NOT_FOUND');
  refused(t, w, 'alice', 'revoke', { record: 'nope', grantee: { member: 'bob' } }, 'RECORD_NOT_FOUND');

  // the next version must come with a fresh key
  refused(t, w, 'alice', 'addVersion', { record: 'r1', version: encryptVersion({ record: 'r1', version: 2, owner: 'alice', plaintext: 'v2', secret: v1.secret }).args }, 'KEY_REUSED');
  refused(t, w, 'alice', 'putRecord', { record: 'r9', version: encryptVersion({ record: 'r9', version: 1, owner: 'alice', plaintext: 'v2', secret: v1.secret }).args }, 'KEY_REUSED', 'on another record ');
  refused(t, w, 'bob', 'putRecord', { record: 'r9', version: encryptVersion({ record: 'r9', version: 1, owner: 'bob', plaintext: 'v2', secret: v1.secret }).args }, 'KEY_REUSED', 'by another member ');
  refused(t, w, 'bob', 'addVersion', { record: 'r1', version: encryptVersion({ record: 'r1', version: 2, owner: 'bob', plaintext: 'v2' }).args }, 'FORBIDDEN', 'by a non-owner ');
  refused(t, w, 'alice', 'addVersion', { record: 'nope', version: encryptVersion({ record: 'nope', version: 2, owner: 'alice', plaintext: 'v2' }).args }, 'RECORD_NOT_FOUND');
  ok(t, w, 'alice', 'addVersion', { record: 'r1', version: encryptVersion({ record: 'r1', version: 2, owner: 'alice', plaintext: 'v2 secret' }).args });
  t.equal(access(w, 'r1', 2, 'carol'), 'OK');
  t.equal(decrypt(w, 'r1', 2, keyFromShares(w, 'r1', 2, [2, 3])), 'v2 secret', 'carol reads v2');
  t.equal(access(w, 'r1', 2, 'bob'), 'NOT_GRANTED', 'the nodes release nothing to bob');
  t.throws(() => decrypt(w, 'r1', 2, bobsKey), { code: 'DECRYPT_FAILED' }, "the key bob kept does not open v2");
  t.equal(decrypt(w, 'r1', 2, keyOfOwner(w, 'alice', 'r1', 2)), 'v2 secret');
});

t.test('the access log: nodes log each release once; authorised as at that block', async (t) => {
  const w = new DataWorld();
  ok(t, w, 'alice', 'putRecord', { record: 'r1', version: encryptVersion({ record: 'r1', version: 1, owner: 'alice', plaintext: 'x' }).args });
  ok(t, w, 'alice', 'grant', { record: 'r1', grantee: { member: 'bob' } });
  const log = (record: string, seq: number) => w.json<Release>(dataKeys.log(record, seq));

  ok(t, w, 1, 'logRelease', { record: 'r1', version: 1, requester: 'bob', requestId: RID(1) });
  t.same(log('r1', 0), { seq: 0, version: 1, node: 1, requester: 'bob', requestId: RID(1), authorised: true, height: w.store.head!.height, timestamp: w.headTime, txId: log('r1', 0)!.txId });
  t.match(log('r1', 0)!.txId, /^[0-9a-f]{64}$/);
  t.equal(w.json(dataKeys.logCount('r1')), 1);
  t.equal(w.json(dataKeys.releaseMarker('r1', 1, RID(1))), 0);
  ok(t, w, 1, 'logRelease', { record: 'r1', version: 1, requester: 'bob', requestId: RID(1) }, 'the same request twice (a no-op) ');
  t.equal(w.json(dataKeys.logCount('r1')), 1, 'is logged once');
  ok(t, w, 2, 'logRelease', { record: 'r1', version: 1, requester: 'bob', requestId: RID(1) }, 'the same request at another node ');
  ok(t, w, 3, 'logRelease', { record: 'r1', version: 1, requester: 'alice', requestId: RID(2) }, 'the owner ');
  t.equal(log('r1', 2)!.authorised, true);

  refused(t, w, 'alice', 'logRelease', { record: 'r1', version: 1, requester: 'bob', requestId: RID(3) }, 'FORBIDDEN', 'by a member ');
  refused(t, w, 'op', 'logRelease', { record: 'r1', version: 1, requester: 'bob', requestId: RID(3) }, 'FORBIDDEN', 'by an admin ');
  refused(t, w, 4, 'logRelease', { record: 'r1', version: 1, requester: 'bob', requestId: RID(3) }, 'NOT_A_SHAREHOLDER', 'by node 4 (no seal key) ');
  refused(t, w, 1, 'logRelease', { record: 'r1', version: 2, requester: 'bob', requestId: RID(3) }, 'VERSION_NOT_FOUND');
  refused(t, w, 1, 'logRelease', { record: 'nope', version: 1, requester: 'bob', requestId: RID(3) }, 'RECORD_NOT_FOUND');
  refused(t, w, 1, 'logRelease', { record: 'r1', version: 1, requester: 'bob', requestId: 'abc' }, 'INVALID_ARGS', 'short requestId ');
  refused(t, w, 1, 'logRelease', { record: 'r1', version: 1, requester: 'bob', requestId: 'A'.repeat(32) }, 'INVALID_ARGS', 'not lower-case hex ');
  refused(t, w, 1, 'logRelease', { record: 'r1', version: 1, requester: 'bob', requestId: 'a'.repeat(66) }, 'INVALID_ARGS', 'long requestId ');

  // a release that happened is logged even when it was not allowed
  ok(t, w, 'alice', 'revoke', { record: 'r1', grantee: { member: 'bob' } });
  ok(t, w, 1, 'logRelease', { record: 'r1', version: 1, requester: 'bob', requestId: RID(4) });
  t.match(log('r1', 3), { seq: 3, requester: 'bob', authorised: false });
  ok(t, w, 1, 'logRelease', { record: 'r1', version: 1, requester: 'ghost', requestId: RID(5) });
  t.match(log('r1', 4), { requester: 'ghost', authorised: false });
  t.match(releaseAccess(w.state, 'r1', 1, 'ghost', w.headTime), { ok: false, code: 'MEMBER_NOT_FOUND' });
  // a suspended member: readAccess alone allows, the release is not authorised
  ok(t, w, 'alice', 'grant', { record: 'r1', grantee: { member: 'carol' } });
  gov(t, w, 'suspendMember', { id: 'carol' });
  t.equal(access(w, 'r1', 1, 'carol'), 'OK');
  t.match(releaseAccess(w.state, 'r1', 1, 'carol', w.headTime), { ok: false, code: 'MEMBER_SUSPENDED' });
  ok(t, w, 2, 'logRelease', { record: 'r1', version: 1, requester: 'carol', requestId: RID(6) });
  t.match(log('r1', 5), { requester: 'carol', authorised: false, node: 2 });
  t.equal(w.json(dataKeys.logCount('r1')), 6);

  // nodes own nothing and grant nothing
  refused(t, w, 1, 'putRecord', { record: 'n1', version: encryptVersion({ record: 'n1', version: 1, owner: 'alice', plaintext: 'n' }).args }, 'FORBIDDEN', 'by a node ');
  refused(t, w, 1, 'grant', { collection: 'c', grantee: { member: 'bob' } }, 'FORBIDDEN', 'by a node ');
  refused(t, w, 1, 'grant', { record: 'r1', grantee: { member: 'bob' } }, 'FORBIDDEN', 'by a node on a record ');

  // a node added later with a seal key holds no share of earlier versions
  gov(t, w, 'setNode', { nodeId: 5, publicKey: toHex(nodeKeys[5]!.publicKey), owner: 'op', sealKey: toHex(nodeSeal[5]!.publicKey) });
  refused(t, w, 5, 'logRelease', { record: 'r1', version: 1, requester: 'alice', requestId: RID(7) }, 'NOT_A_SHAREHOLDER', 'node 5 ');
});

t.test('version validation: every refusal leaves the state unchanged', async (t) => {
  const w = new DataWorld();
  const put = (v: VersionArgsT, record = 'r1') => ({ record, version: v });
  const good = () => encryptVersion({ record: 'r1', version: 1, owner: 'alice', plaintext: 'hello' }).args;
  const bad = (f: (v: VersionArgsT) => Record<string, unknown>) => put(f(good()) as unknown as VersionArgsT);

  // shares: exactly one per node with a seal key (1, 2, 3), none for others
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, shares: v.shares.slice(0, 2) })), 'SHARES_MISMATCH', 'missing node 3 ');
  const extra = encryptVersion({ record: 'r1', version: 1, owner: 'alice', plaintext: 'hello', nodes: [1, 2, 3, 5] }).args;
  refused(t, w, 'alice', 'putRecord', put({ ...extra, shares: extra.shares.map((s) => (s.nodeId === 5 ? { ...s, nodeId: 4 } : s)) }), 'SHARES_MISMATCH', 'a share for node 4 (no seal key) ');
  refused(t, w, 'alice', 'putRecord', put(extra), 'SHARES_MISMATCH', 'a share for node 5 (not a channel node) ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, shares: [v.shares[0]!, { ...v.shares[1]!, nodeId: 1 }, v.shares[2]!] })), 'SHARES_MISMATCH', 'node 1 twice ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, shares: [v.shares[0]!, { ...v.shares[1]!, index: 1 }, v.shares[2]!] })), 'SHARES_MISMATCH', 'index 1 twice ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, shares: [v.shares[0]!, v.shares[1]!, { ...v.shares[2]!, index: 4 }] })), 'SHARES_MISMATCH', 'index 4 of 3 ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, shares: [v.shares[0]!, v.shares[1]!, { ...v.shares[2]!, index: 0 }] })), 'INVALID_ARGS', 'index 0 ');
  // threshold
  const t4 = encryptVersion({ record: 'r1', version: 1, owner: 'alice', plaintext: 'hello', threshold: 4, nodes: [1, 2, 3, 5] }).args;
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, threshold: 4, commitments: t4.commitments })), 'INVALID_THRESHOLD', '4 of 3 ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, threshold: 0 })), 'INVALID_ARGS', 'threshold 0 ');
  // commitments
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, commitments: v.commitments.slice(0, 1) })), 'INVALID_COMMITMENT', 'one commitment for threshold 2 ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, commitments: [...v.commitments, v.commitments[1]!] })), 'INVALID_COMMITMENT', 'three commitments for threshold 2 ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, commitments: [v.commitments[0]!, 'ff'.repeat(32)] })), 'INVALID_COMMITMENT', 'not a canonical encoding ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, commitments: ['00'.repeat(32), v.commitments[1]!] })), 'INVALID_COMMITMENT', 'C_0 the identity ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, commitments: [] })), 'INVALID_ARGS', 'no commitments ');
  // sizes of sealed key material
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, ownerKey: v.ownerKey + '00' })), 'INVALID_ARGS', 'ownerKey one byte long ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, ownerKey: v.ownerKey.slice(2) })), 'INVALID_ARGS', 'ownerKey one byte short ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, shares: v.shares.map((s, i) => (i === 1 ? { ...s, sealed: s.sealed.slice(2) } : s)) })), 'INVALID_ARGS', 'a share one byte short ');
  // the body
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, size: v.size + 1 })), 'INVALID_ARGS', 'size does not match the ciphertext ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, body: { inline: 'not base64!' } })), 'INVALID_ARGS', 'not base64 ');
  const canon2 = Buffer.from(new Uint8Array(46)).toString('base64'); // 46 bytes: one byte in the last group, '=='
  const canon1 = Buffer.from(new Uint8Array(47)).toString('base64'); // two bytes, '='
  t.ok(canon2.endsWith('AA==') && canon1.endsWith('AA='));
  ok(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, size: 6, body: { inline: canon2 } })), 'any 46 bytes of ciphertext are taken as such ');
  ok(t, w, 'alice', 'putRecord', put({ ...good(), size: 7, body: { inline: canon1 } }, 'r0'), 'and 47 ');
  refused(t, w, 'alice', 'putRecord', put({ ...good(), size: 6, body: { inline: canon2.replace(/A==$/, 'B==') } }, 'r2'), 'INVALID_ARGS', 'non-canonical base64 (==) ');
  refused(t, w, 'alice', 'putRecord', put({ ...good(), size: 7, body: { inline: canon1.replace(/A=$/, 'B=') } }, 'r2'), 'INVALID_ARGS', 'non-canonical base64 (=) ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, body: { inline: 'A'.repeat(64 * 1024 + 4) } })), 'INVALID_ARGS', 'inline over 64 KiB ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, body: { blob: { hash: 'ab', size: 10 } } })), 'INVALID_ARGS', 'blob hash ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, body: { inline: (v.body as { inline: string }).inline, blob: { hash: 'ab'.repeat(32), size: 1 } } })), 'INVALID_ARGS', 'both ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, plaintextHash: 'AB'.repeat(32) })), 'INVALID_ARGS', 'plaintextHash ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, extra: 1 })), 'INVALID_ARGS', 'an unknown field ');
  refused(t, w, 'alice', 'putRecord', bad((v) => ({ ...v, meta: { name: 'x', owner: 'y' } })), 'INVALID_ARGS', 'an unknown meta field ');
  refused(t, w, 'alice', 'putRecord', put(good(), 'Bad_Id'), 'INVALID_ARGS', 'record id ');
  refused(t, w, 'alice', 'putRecord', put(good(), 'r'.repeat(129)), 'INVALID_ARGS', 'record id too long ');
  refused(t, w, 'alice', 'putRecord', { ...put(good()), collection: 'a/b' }, 'INVALID_ARGS', 'collection id ');
  refused(t, w, 'alice', 'nope', {}, 'UNKNOWN_METHOD');
  // the good one still goes through, once
  const v = good();
  ok(t, w, 'alice', 'putRecord', put(v, 'r1'.padEnd(128, 'x')), 'a 128-character id ');
  refused(t, w, 'bob', 'putRecord', put(encryptVersion({ record: 'r1', version: 1, owner: 'bob', plaintext: 'mine' }).args), 'RECORD_EXISTS');
  // an empty plaintext is a record too
  ok(t, w, 'alice', 'putRecord', put(encryptVersion({ record: 'e', version: 1, owner: 'alice', plaintext: '' }).args, 'e'));
  t.equal(decrypt(w, 'e', 1, keyFromShares(w, 'e', 1, [1, 3])), '');
  t.equal(w.version('e', 1).size, 0);

  // grants
  refused(t, w, 'alice', 'grant', { record: 'r1', grantee: { member: 'ghost' } }, 'MEMBER_NOT_FOUND');
  refused(t, w, 'alice', 'grant', { record: 'nope', grantee: { member: 'bob' } }, 'RECORD_NOT_FOUND');
  refused(t, w, 'bob', 'grant', { record: 'r1', grantee: { member: 'bob' } }, 'FORBIDDEN', 'by a non-owner ');
  refused(t, w, 'alice', 'grant', { record: 'r1', collection: 'c', grantee: { member: 'bob' } }, 'INVALID_ARGS', 'both scopes ');
  refused(t, w, 'alice', 'grant', { grantee: { member: 'bob' } }, 'INVALID_ARGS', 'no scope ');
  refused(t, w, 'alice', 'grant', { record: 'r1', grantee: { member: 'bob', role: 'auditor' } }, 'INVALID_ARGS', 'member and role ');
  refused(t, w, 'alice', 'grant', { record: 'r1', grantee: { member: 'bob' }, expiresAt: -1 }, 'INVALID_ARGS', 'negative expiry ');
  refused(t, w, 'alice', 'revoke', { record: 'r1', grantee: { member: 'bob' }, expiresAt: T0 + DAY }, 'INVALID_ARGS', 'revoke with an expiry ');
});

t.test('governance decides who holds shares: new nodes with seal keys, and none at all', async (t) => {
  const w = new DataWorld();
  gov(t, w, 'setNode', { nodeId: 5, publicKey: toHex(nodeKeys[5]!.publicKey), owner: 'op', sealKey: toHex(nodeSeal[5]!.publicKey) });
  refused(t, w, 'alice', 'putRecord', { record: 'r1', version: encryptVersion({ record: 'r1', version: 1, owner: 'alice', plaintext: 'x' }).args }, 'SHARES_MISMATCH', 'no share for node 5 ');
  const v = encryptVersion({ record: 'r1', version: 1, owner: 'alice', plaintext: 'four nodes', threshold: 3, nodes: [1, 2, 3, 5] });
  ok(t, w, 'alice', 'putRecord', { record: 'r1', version: v.args });
  t.equal(decrypt(w, 'r1', 1, keyFromShares(w, 'r1', 1, [5, 2, 3])), 'four nodes');
  ok(t, w, 5, 'logRelease', { record: 'r1', version: 1, requester: 'alice', requestId: RID(1) });

  const none = new DataWorld({ sealKeys: false });
  refused(t, none, 'alice', 'putRecord', { record: 'r1', version: encryptVersion({ record: 'r1', version: 1, owner: 'alice', plaintext: 'x' }).args }, 'NO_SEAL_KEYS');
});

t.test('all or nothing across the operations of one transaction', async (t) => {
  const w = new DataWorld({ ledgers: 2 });
  ok(t, w, 'alice', 'putRecord', { record: 'r1', version: encryptVersion({ record: 'r1', version: 1, owner: 'alice', plaintext: 'x' }).args });
  const a = encryptVersion({ record: 'r2', version: 1, owner: 'alice', plaintext: 'two' });
  const b = encryptVersion({ record: 'r2', version: 2, owner: 'alice', plaintext: 'two, again' });
  const before = w.snapshot();
  t.equal(
    w.runOps('alice', [
      { method: 'putRecord', args: { record: 'r2', collection: 'c', version: a.args } },
      { method: 'addVersion', args: { record: 'r2', version: b.args } },
      { method: 'grant', args: { collection: 'c', grantee: { member: 'bob' } } },
      { method: 'revoke', args: { record: 'r1', grantee: { member: 'carol' } } },
    ]),
    'GRANT_NOT_FOUND',
  );
  t.same(w.snapshot(), before, 'nothing of the transaction remains');
  t.equal(w.json(dataKeys.record('r2')), undefined);
  t.equal(w.json(dataKeys.keyUse(a.args.commitments[0]!)), undefined, 'the keys are not marked used');

  // within one transaction a key is already used by an earlier operation
  const c = encryptVersion({ record: 'r3', version: 1, owner: 'alice', plaintext: 'three' });
  t.equal(
    w.runOps('alice', [
      { method: 'putRecord', args: { record: 'r3', version: c.args } },
      { method: 'putRecord', args: { record: 'r4', version: encryptVersion({ record: 'r4', version: 1, owner: 'alice', plaintext: 'four', secret: c.secret }).args } },
    ]),
    'KEY_REUSED',
  );
  t.same(w.snapshot(), before);
  // and a node's log entry with a failing operation after it
  t.equal(
    w.runOps(1, [
      { method: 'logRelease', args: { record: 'r1', version: 1, requester: 'bob', requestId: RID(1) } },
      { method: 'logRelease', args: { record: 'r1', version: 9, requester: 'bob', requestId: RID(2) } },
    ]),
    'VERSION_NOT_FOUND',
  );
  t.same(w.snapshot(), before);

  // the same operations, now valid, all apply
  t.equal(
    w.runOps('alice', [
      { method: 'putRecord', args: { record: 'r2', collection: 'c', version: a.args } },
      { method: 'addVersion', args: { record: 'r2', version: b.args } },
      { method: 'grant', args: { collection: 'c', grantee: { member: 'bob' } } },
    ]),
    'OK',
  );
  t.equal(w.json<DataRecord>(dataKeys.record('r2'))!.versions, 2);
  t.equal(access(w, 'r2', 2, 'bob'), 'OK');
  t.equal(decrypt(w, 'r2', 2, keyFromShares(w, 'r2', 2, [1, 3])), 'two, again');
  t.equal(w.json(dataKeys.keyUse(b.args.commitments[0]!)), 'r2');
  t.not(w.snapshot().root, before.root);
});
