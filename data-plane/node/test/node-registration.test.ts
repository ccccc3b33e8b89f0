// Who vouches for a node in a channel: the genesis for its nodes (keys checked at start), the
// governance state for a node that joins later (entry and keys checked on the committed state).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { Genesis, NodeEntry } from '@konsortium/contracts';
import { suiteById, toHex, x25519KeyPair } from '@konsortium/protocol';
import { BootError } from '../src/runtime/boot.js';
import { channelStanding, hasChannelData, nodeIdentity } from '../src/ledger/node-identity.js';
import { registrationProblem } from '../src/ledger/registration-gate.js';

const suite = suiteById('intl');
const key1 = suite.generateKeyPair();
const seal1 = x25519KeyPair();
const self1 = nodeIdentity(1, suite, key1.privateKey, seal1.privateKey);
const genesis: Genesis = {
  channel: 'consortium',
  suite: 'intl',
  timestamp: 0,
  members: [{ id: 'operator', name: 'Operator', roles: ['admin'], keys: [toHex(suite.generateKeyPair().publicKey)] }],
  nodes: [{ nodeId: 1, publicKey: toHex(key1.publicKey), owner: 'operator', sealKey: toHex(seal1.publicKey) }],
};

t.test('nodeIdentity gives the public keys as governance records them', async (t) => {
  t.equal(self1.publicKey, toHex(key1.publicKey));
  t.equal(self1.sealKey, toHex(seal1.publicKey));
  t.equal(nodeIdentity(1, suite, key1.privateKey, null).sealKey, null);
});

t.test('channelStanding: genesis nodes as before, others only when joining', async (t) => {
  t.equal(channelStanding(genesis, self1, false), 'genesis');
  t.equal(channelStanding(genesis, self1, true), 'genesis', 'a genesis node started with --join is still checked against the genesis');
  const other = nodeIdentity(1, suite, suite.generateKeyPair().privateKey, seal1.privateKey);
  t.throws(() => channelStanding(genesis, other, true), BootError, 'a genesis node with another signing key is refused');
  t.throws(() => channelStanding(genesis, nodeIdentity(1, suite, key1.privateKey, null), false), /has no "seal" key/);
  t.throws(() => channelStanding(genesis, nodeIdentity(1, suite, key1.privateKey, x25519KeyPair().privateKey), false), /seal key does not match/);
  const stranger = nodeIdentity(4, suite, suite.generateKeyPair().privateKey, null);
  t.throws(() => channelStanding(genesis, stranger, false), /not a node of channel consortium.*--join/);
  t.equal(channelStanding(genesis, stranger, true), 'joiner');
});

t.test('registrationProblem: the governance entry must exist and hold the node keys', async (t) => {
  const key4 = suite.generateKeyPair();
  const seal4 = x25519KeyPair();
  const self4 = nodeIdentity(4, suite, key4.privateKey, seal4.privateKey);
  const entry: NodeEntry = { nodeId: 4, publicKey: self4.publicKey, owner: 'operator', sealKey: self4.sealKey! };
  const listed = [...genesis.nodes, entry];
  t.equal(registrationProblem('c', listed, self4), null);
  t.equal(registrationProblem('c', [...genesis.nodes, { ...entry, sealKey: undefined }], self4), null, 'an entry without a seal key holds no shares: fine');
  t.equal(registrationProblem('c', genesis.nodes, self4)?.code, 'NODE_NOT_REGISTERED');
  t.equal(registrationProblem('c', [{ ...entry, publicKey: toHex(suite.generateKeyPair().publicKey) }], self4)?.code, 'NODE_KEY_MISMATCH');
  const otherSeal = registrationProblem('c', [{ ...entry, sealKey: toHex(x25519KeyPair().publicKey) }], self4);
  t.equal(otherSeal?.code, 'NODE_KEY_MISMATCH');
  t.match(otherSeal?.message, /seal key/);
  const noSeal = registrationProblem('c', [entry], nodeIdentity(4, suite, key4.privateKey, null));
  t.match(noSeal?.message, /no "seal" key/);
  t.equal(noSeal?.httpStatus, 503, 'retryable: another node can serve, and this one may once governance lists it');
});

t.test('hasChannelData: a channel the node started before', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'konsortium-standing-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  t.equal(hasChannelData(dir), false);
  await mkdir(path.join(dir, 'raft'), { recursive: true });
  await writeFile(path.join(dir, 'raft', 'node.json'), '{"id":4,"clusterId":"k/consortium"}\n');
  t.equal(hasChannelData(dir), true);
});
