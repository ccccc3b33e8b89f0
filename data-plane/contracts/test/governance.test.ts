import t from 'tap';
import { encodeOperation, intlSuite, type KeyPair, signTx, toHex, type Transaction } from '@konsortium/protocol';
import { Ledger, serverSuite } from '@konsortium/ledger';
import { MemoryChainStore } from '../../ledger/test/memory-store.js';
import { type Genesis, GenesisError, genesisWrites, governanceContract, governanceDirectory, parseGenesis } from '../src/index.js';

const suite = serverSuite('intl');
const seeded = (b: number): KeyPair => intlSuite.generateKeyPair((n) => new Uint8Array(n).fill(b));
const admin = seeded(1);
const bob = seeded(2);
const carol = seeded(3);
const node1 = seeded(11);
const node2 = seeded(12);
const hex = (k: KeyPair): string => toHex(k.publicKey);

const genesis: Genesis = {
  channel: 'consortium',
  suite: 'intl',
  timestamp: 1_700_000_000_000,
  members: [{ id: 'operator', name: 'Operator Bank', roles: ['admin', 'operator'], keys: [hex(admin)] }],
  nodes: [{ nodeId: 1, publicKey: hex(node1), owner: 'operator' }],
};

function setup(): { ledger: Ledger; store: MemoryChainStore; run: (key: KeyPair, method: string, args: unknown) => string } {
  const store = new MemoryChainStore((d) => suite.hash(d));
  const ledger = new Ledger({
    channel: 'consortium',
    suite,
    store,
    contracts: [governanceContract({ publicKeyBytes: 32 })],
    identities: governanceDirectory,
    nodeId: 1,
    nodePrivateKey: node1.privateKey,
  });
  ledger.initialize(genesisWrites(parseGenesis(genesis)), genesis.timestamp);
  let nonce = 1;
  let index = 1;
  const run = (key: KeyPair, method: string, args: unknown): string => {
    const tx: Transaction = signTx(
      { suite: 'intl', channel: 'consortium', sender: key.publicKey, nonce: nonce++, operations: [encodeOperation({ contract: 'governance', method, args })] },
      key.privateKey,
    );
    const r = ledger.apply({ proposer: 1, timestamp: genesis.timestamp + index, txs: [tx.bytes] }, ++index);
    return r!.outcomes[0]!.code;
  };
  return { ledger, store, run };
}

t.test('genesis documents are validated with clear messages', async (t) => {
  t.ok(parseGenesis(genesis));
  const bad = (g: unknown, re: RegExp): void => {
    let err: unknown = null;
    try {
      parseGenesis(g);
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof GenesisError && re.test((err as Error).message), `refused with ${re}: ${(err as Error | null)?.message}`);
  };
  bad({ ...genesis, channel: 'Bad Name' }, /channel/);
  bad({ ...genesis, members: [{ ...genesis.members[0]!, roles: ['member'] }] }, /admin/);
  bad({ ...genesis, nodes: [{ nodeId: 1, publicKey: hex(node1), owner: 'nobody' }] }, /unknown member/);
  bad({ ...genesis, nodes: [...genesis.nodes, ...genesis.nodes] }, /twice/);
  bad({ ...genesis, members: [{ ...genesis.members[0]!, keys: ['abcd'.repeat(8) + '00'] }] }, /key|keys/);
  bad({ ...genesis, extra: 1 }, /.+/);
});

t.test('admins manage members; members transact; the rest is refused with codes', async (t) => {
  const { ledger, run } = setup();
  t.equal(run(bob, 'addMember', { id: 'bob', name: 'Bob', roles: ['member'], keys: [] }), 'UNKNOWN_SENDER');
  t.equal(run(admin, 'addMember', { id: 'bob', name: 'Bob LLC', roles: ['issuer'], keys: [hex(bob)] }), 'OK');
  t.equal(run(admin, 'addMember', { id: 'bob', name: 'Again', roles: ['member'], keys: [] }), 'MEMBER_EXISTS');
  t.equal(run(admin, 'addMember', { id: 'carol', name: 'Carol', roles: ['member'], keys: [hex(bob)] }), 'KEY_IN_USE');
  t.equal(run(bob, 'addMember', { id: 'carol', name: 'Carol', roles: ['member'], keys: [hex(carol)] }), 'FORBIDDEN');
  t.equal(run(admin, 'addMember', { id: 'Carol!', name: 'x', roles: ['member'], keys: [] }), 'INVALID_ARGS');
  t.equal(run(admin, 'addMember', { id: 'carol', name: 'x', roles: ['emperor'], keys: [] }), 'INVALID_ARGS');
  t.equal(run(admin, 'frobnicate', {}), 'UNKNOWN_METHOD');
  t.equal(run(bob, 'addKey', { member: 'bob', publicKey: hex(carol) }), 'OK', 'a member adds its own key');
  t.equal(run(carol, 'revokeKey', { publicKey: hex(carol) }), 'OK', 'and revokes it, signing with it');
  t.equal(run(carol, 'revokeKey', { publicKey: hex(carol) }), 'UNKNOWN_SENDER', 'a revoked key signs nothing');
  t.equal(run(admin, 'suspendMember', { id: 'bob' }), 'OK');
  t.equal(run(bob, 'addKey', { member: 'bob', publicKey: hex(carol) }), 'SENDER_SUSPENDED');
  t.equal(run(admin, 'reinstateMember', { id: 'bob' }), 'OK');
  t.equal(run(bob, 'addKey', { member: 'bob', publicKey: hex(carol) }), 'OK');
  t.equal(run(admin, 'suspendMember', { id: 'operator' }), 'LAST_ADMIN');
  t.equal(run(admin, 'setRoles', { id: 'operator', roles: ['member'] }), 'LAST_ADMIN');
  t.equal(run(admin, 'setRoles', { id: 'bob', roles: ['admin'] }), 'OK');
  t.equal(run(bob, 'setRoles', { id: 'operator', roles: ['operator'] }), 'OK', 'another admin exists now');
  t.equal(run(admin, 'addMember', { id: 'dave', name: 'x', roles: ['member'], keys: [] }), 'FORBIDDEN', 'operator is no longer an admin');
  t.same([...ledger.nodeKeys().keys()], [1]);
  t.equal(run(bob, 'setNode', { nodeId: 2, publicKey: hex(node2), owner: 'bob' }), 'OK');
  t.same([...ledger.nodeKeys().keys()], [1, 2]);
  t.equal(run(bob, 'setNode', { nodeId: 3, publicKey: hex(node2), owner: 'nobody' }), 'MEMBER_NOT_FOUND');
  t.equal(run(bob, 'removeNode', { nodeId: 1 }), 'OK');
  t.equal(run(bob, 'removeNode', { nodeId: 1 }), 'NODE_NOT_FOUND');
  t.same([...ledger.nodeKeys().keys()], [2]);
});
