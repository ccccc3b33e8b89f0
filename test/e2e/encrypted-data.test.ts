/**
 * Encrypted data exchange on a 3-node ledger, end to end through the SDK: records sealed on the
 * client (inline and as a blob kept by the nodes), reads gated by on-chain grants and checked by
 * every node before it releases its key share, every release in the on-chain access log,
 * revocation and key rotation, and the ways it must fail (no grant, t − 1 shares, tampered
 * ciphertext or share, stale or forged requests).
 */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import {
  decryptVersion,
  KeyReleaseError,
  KonsortiumClient,
  readRecord,
  requestKey,
  type SealNode,
  sealRecordVersion,
  Signer,
  type StoredVersion,
  uploadBlob,
} from '@konsortium/client';
import { dataKeys, type NodeEntry, type Release } from '@konsortium/contracts';
import {
  aeadOpen,
  combineShares,
  dataKeyOf,
  fromHex,
  keyReleaseMessage,
  type Operation,
  openSealed,
  recordAad,
  releaseContext,
  toHex,
  verifyShare,
  x25519KeyPair,
} from '@konsortium/protocol';
import { startLedgerCluster } from '../lib/ledger-cluster.js';

const CH = 'consortium';
const data = (method: string, args: unknown): Operation => ({ contract: 'data', method, args });
const decoder = new TextDecoder();
const text = (n: number, seed: string): Uint8Array => new TextEncoder().encode(seed.repeat(Math.ceil(n / seed.length)).slice(0, n));

t.test('encrypted records: grants, key release by the nodes, access log, revocation', async (t) => {
  const people = { alice: Signer.generate('intl'), bob: Signer.generate('intl'), carol: Signer.generate('intl'), eve: Signer.generate('intl') };
  const keyOf = (s: Signer) => ({ privateKey: s.exportPrivateKey(), publicKey: s.publicKey });
  const lc = await startLedgerCluster({
    size: 3,
    members: [
      { id: 'alice', roles: ['member'], keys: [keyOf(people.alice)] },
      { id: 'bob', roles: ['member'], keys: [keyOf(people.bob)] },
      { id: 'carol', roles: ['auditor'], keys: [keyOf(people.carol)] },
      { id: 'eve', roles: ['member'], keys: [keyOf(people.eve)] },
    ],
  });
  t.teardown(() => lc.destroy());
  const nodes = [1, 2, 3].map((id) => new KonsortiumClient({ baseUrl: lc.url(id), timeoutMs: 15_000 }));
  let turn = 0;
  const run = async (signer: Signer, ...ops: Operation[]) => nodes[turn++ % 3]!.submitAndWait(signer.buildTx(CH, ops), { timeoutMs: 20_000 });
  const ok = async (what: string, signer: Signer, ...ops: Operation[]) => {
    const r = await run(signer, ...ops);
    t.equal(r.status, 'committed', `${what}${r.code === undefined ? '' : `: ${r.code}`}`);
    return r;
  };
  const proven = async <T>(key: string): Promise<T | null> => {
    const e = await nodes[turn++ % 3]!.getVerifiedState(CH, key);
    return e.value === null ? null : (JSON.parse(decoder.decode(e.value)) as T);
  };
  const refusedBy = async (p: Promise<unknown>): Promise<string[]> => {
    try {
      await p;
      return ['RELEASED'];
    } catch (err) {
      if (!(err instanceof KeyReleaseError)) throw err;
      return err.failures.map((f) => f.code).sort();
    }
  };

  const sealNodes: SealNode[] = (await proven<NodeEntry[]>('gov/nodes'))!.map((n) => ({ nodeId: n.nodeId, sealKey: n.sealKey! }));
  const aliceSeal = x25519KeyPair(); // self-custody: alice's X25519 key never leaves her client

  // Version 1 of a contract: 4 KiB, inline on chain. Version 1 of a scan: 1 MiB, a blob on every node.
  const contract1 = text(4096, 'Loan agreement no. 42; ');
  const v1 = sealRecordVersion({ channel: CH, record: 'loan-42', version: 1, plaintext: contract1, nodes: sealNodes, ownerSealKey: aliceSeal.publicKey, meta: { contentType: 'text/plain' } });
  t.equal(v1.blob, null, 'a 4 KiB record goes on chain inline');
  await ok('alice stores loan-42', people.alice, data('putRecord', { record: 'loan-42', collection: 'loans', version: v1.args }));
  const scan = randomBytes(1 << 20);
  const s1 = sealRecordVersion({ channel: CH, record: 'scan-7', version: 1, plaintext: scan, nodes: sealNodes, ownerSealKey: aliceSeal.publicKey });
  t.ok(s1.blob !== null && s1.blob.bytes.length > 1 << 20, 'a 1 MiB record goes to the blob stores');
  await uploadBlob(CH, s1.blob!, nodes);
  await ok('alice stores scan-7 (blob hash on chain)', people.alice, data('putRecord', { record: 'scan-7', collection: 'loans', version: s1.args }));
  const onChain = (await proven<StoredVersion>(dataKeys.version('loan-42', 1)))!;
  t.notMatch(JSON.stringify(onChain), 'Loan agreement', 'no plaintext on chain');

  t.same((await readRecord({ channel: CH, record: 'loan-42', nodes, ownerSealPrivate: aliceSeal.privateKey })).plaintext, contract1, 'the owner decrypts with her own key, no node involved');

  // Nobody else may read before a grant: every node refuses.
  t.same(await refusedBy(readRecord({ channel: CH, record: 'loan-42', nodes, signer: people.bob })), ['NOT_GRANTED', 'NOT_GRANTED', 'NOT_GRANTED'], 'bob is refused by every node before a grant');

  await ok('alice grants bob loan-42', people.alice, data('grant', { record: 'loan-42', grantee: { member: 'bob' } }));
  await ok('alice grants auditors the loans collection', people.alice, data('grant', { collection: 'loans', grantee: { role: 'auditor' } }));
  t.same((await readRecord({ channel: CH, record: 'loan-42', nodes, signer: people.bob })).plaintext, contract1, 'bob reads loan-42 after the grant');
  t.same((await readRecord({ channel: CH, record: 'scan-7', nodes, signer: people.carol })).plaintext, scan, 'carol (auditor) reads the 1 MiB scan through the collection grant');
  t.same(await refusedBy(readRecord({ channel: CH, record: 'scan-7', nodes, signer: people.bob })), ['NOT_GRANTED', 'NOT_GRANTED', 'NOT_GRANTED'], 'bob has no grant on scan-7');
  t.same(await refusedBy(readRecord({ channel: CH, record: 'loan-42', nodes, signer: people.eve })), ['NOT_GRANTED', 'NOT_GRANTED', 'NOT_GRANTED'], 'eve is refused by every node');

  // One node's share alone (t − 1 = 1) does not rebuild the key.
  const oneTime = x25519KeyPair();
  const requestId = toHex(crypto.getRandomValues(new Uint8Array(16)));
  const fields = { channel: CH, record: 'loan-42', version: 1, requester: people.bob.publicKeyHex, oneTimeKey: toHex(oneTime.publicKey), requestId, issuedAt: Date.now() };
  const signed = { ...fields, signature: toHex(people.bob.signMessage(keyReleaseMessage(fields))) };
  const { channel: _c, ...body } = signed;
  const released = await nodes[0]!.releaseShare(CH, body);
  const share = { index: released.index, value: openSealed(oneTime.privateKey, fromHex(released.sealed), releaseContext(CH, 'loan-42', 1, released.nodeId, requestId)) };
  t.ok(verifyShare(share, onChain.commitments.map((c) => fromHex(c))), 'the released share matches the on-chain commitments');
  const wrong = combineShares([share], 1);
  const inline = Buffer.from((onChain.body as { inline: string }).inline, 'base64');
  t.throws(() => decryptVersion(CH, 'loan-42', onChain, wrong, inline), { code: 'DECRYPT_FAILED' }, 'the key rebuilt from t − 1 shares does not decrypt');
  const tamperedShare = { index: share.index, value: Uint8Array.from(share.value, (b, i) => (i === 0 ? b ^ 1 : b)) };
  t.notOk(verifyShare(tamperedShare, onChain.commitments.map((c) => fromHex(c))), 'a tampered share fails the commitment check');
  const tamperedCiphertext = Uint8Array.from(inline, (b, i) => (i === inline.length - 20 ? b ^ 0x80 : b));
  const secret = await requestKey({ channel: CH, record: 'loan-42', version: onChain, nodes, signer: people.bob });
  t.same(decryptVersion(CH, 'loan-42', onChain, secret, inline), contract1, 'the full key decrypts');
  t.not(wrong, secret, 'one share interpolates to some other scalar');
  t.throws(() => aeadOpen(dataKeyOf(wrong), inline, recordAad(CH, 'loan-42', 1)), { code: 'DECRYPT_FAILED' }, 'whose data key opens nothing');
  t.throws(() => decryptVersion(CH, 'loan-42', onChain, secret, tamperedCiphertext), { code: 'DECRYPT_FAILED' }, 'tampered ciphertext fails authentication');

  // Stale, forged or foreign requests are refused and change nothing.
  const tryRelease = async (what: string, status: number, code: string, override: Record<string, unknown>, signer = people.bob) => {
    const f = { ...fields, requestId: toHex(crypto.getRandomValues(new Uint8Array(16))), ...override } as typeof fields;
    const sig = toHex(signer.signMessage(keyReleaseMessage(f)));
    const { channel: _ch, ...b } = { ...f, signature: 'signature' in override ? (override.signature as string) : sig };
    const res = await fetch(`${lc.url(2)}/v1/channels/${CH}/data/release`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
    const reply = (await res.json()) as { code: string };
    t.equal(res.status, status, `${what}: HTTP ${status}`);
    t.equal(reply.code, code, `${what}: ${code}`);
  };
  await tryRelease('a request issued an hour ago', 401, 'REQUEST_EXPIRED', { issuedAt: Date.now() - 3_600_000 });
  await tryRelease('a request signed by another key', 401, 'BAD_SIGNATURE', {}, people.eve);
  const stranger = Signer.generate('intl');
  await tryRelease('a key that is no member', 403, 'UNKNOWN_SENDER', { requester: stranger.publicKeyHex }, stranger);
  await tryRelease('a version that does not exist', 404, 'VERSION_NOT_FOUND', { version: 9 });
  await tryRelease('a malformed one-time key', 400, 'INVALID_REQUEST', { oneTimeKey: 'zz' });

  // Every release is in the on-chain access log, as a committed transaction of the releasing node.
  await new Promise((r) => setTimeout(r, 500));
  const count = (await proven<number>(dataKeys.logCount('loan-42')))!;
  const log: Release[] = [];
  for (let i = 0; i < count; i++) log.push((await proven<Release>(dataKeys.log('loan-42', i)))!);
  const entry = log.find((e) => e.requestId === requestId && e.node === released.nodeId);
  t.ok(entry !== undefined, 'the single-node release above is in the access log');
  t.equal(entry?.txId, released.logTx, 'logged by the transaction the node named');
  t.equal(entry?.requester, 'bob');
  t.ok(log.every((e) => e.authorised), 'every logged release was authorised');
  t.ok(log.filter((e) => e.requester === 'bob').length >= 4, `bob's releases are all logged (${log.length} entries for loan-42)`);
  t.notOk(log.some((e) => e.requester === 'eve'), 'refused requests released nothing and logged nothing');

  // Revocation: bob loses access; the next version has a fresh key that bob never held.
  await ok('alice revokes bob', people.alice, data('revoke', { record: 'loan-42', grantee: { member: 'bob' } }));
  t.same(await refusedBy(readRecord({ channel: CH, record: 'loan-42', version: 1, nodes, signer: people.bob })), ['NOT_GRANTED', 'NOT_GRANTED', 'NOT_GRANTED'], 'bob is refused after revocation');
  const contract2 = text(4096, 'Loan agreement no. 42, amended; ');
  const v2 = sealRecordVersion({ channel: CH, record: 'loan-42', version: 2, plaintext: contract2, nodes: sealNodes, ownerSealKey: aliceSeal.publicKey });
  await ok('alice adds version 2 with a fresh key', people.alice, data('addVersion', { record: 'loan-42', version: v2.args }));
  const stored2 = (await proven<StoredVersion>(dataKeys.version('loan-42', 2)))!;
  t.not(stored2.commitments[0], onChain.commitments[0], 'version 2 has a new data key');
  t.throws(() => decryptVersion(CH, 'loan-42', stored2, secret, Buffer.from((stored2.body as { inline: string }).inline, 'base64')), { code: 'DECRYPT_FAILED' }, "bob's old key does not open version 2");
  t.same(await refusedBy(readRecord({ channel: CH, record: 'loan-42', nodes, signer: people.bob })), ['NOT_GRANTED', 'NOT_GRANTED', 'NOT_GRANTED'], 'bob cannot read version 2');
  t.same((await readRecord({ channel: CH, record: 'loan-42', nodes, signer: people.carol })).plaintext, contract2, 'carol (collection grant) reads version 2');
  const reuse = await run(people.alice, data('addVersion', { record: 'loan-42', version: { ...v2.args } }));
  t.equal(reuse.code, 'KEY_REUSED', 'a version may not reuse a data key');

  // Blobs: content-addressed and checked.
  const put = await fetch(`${lc.url(1)}/v1/channels/${CH}/blobs/${'0'.repeat(64)}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([1, 2, 3]) });
  t.equal(put.status, 400, 'a blob whose bytes do not hash to its name is refused');
  t.equal(((await put.json()) as { code: string }).code, 'CONTENT_MISMATCH');
  const missing = await fetch(`${lc.url(1)}/v1/channels/${CH}/blobs/${'a'.repeat(64)}`);
  t.equal(missing.status, 404, 'an unknown blob is 404');
  t.equal(((await missing.json()) as { code: string }).code, 'BLOB_NOT_FOUND');
});
