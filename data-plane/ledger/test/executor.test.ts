import t from 'tap';
import {
  checkBlockContents,
  checkLink,
  checkSignatures,
  encodeOperation,
  intlSuite,
  type KeyPair,
  signTx,
  toHex,
  type Transaction,
} from '@konsortium/protocol';
import { Ledger, type LedgerError, serverSuite } from '../src/index.js';
import { counterContract, genesisOf, testDirectory } from './fixtures.js';
import { MemoryChainStore } from './memory-store.js';

const suite = serverSuite('intl');
const seeded = (b: number): KeyPair => intlSuite.generateKeyPair((n) => new Uint8Array(n).fill(b));
const alice = seeded(1);
const bob = seeded(2);
const mallory = seeded(3); // not a member
const frozen = seeded(4);
const node1 = seeded(11);
const node2 = seeded(12);

function newLedger(nodeKey: KeyPair = node1, nodeId = 1, maxTxBytes?: number): { ledger: Ledger; store: MemoryChainStore } {
  const store = new MemoryChainStore((d) => suite.hash(d));
  const ledger = new Ledger({ channel: 'main', suite, store, contracts: [counterContract], identities: testDirectory, nodeId, nodePrivateKey: nodeKey.privateKey, maxTxBytes });
  ledger.initialize(
    genesisOf(
      [
        { name: 'alice', key: alice },
        { name: 'bob', key: bob },
        { name: 'frozen', key: frozen, active: false },
      ],
      [
        { id: 1, key: node1 },
        { id: 2, key: node2 },
      ],
    ),
    1_700_000_000_000,
  );
  return { ledger, store };
}

let nextNonce = 1;
function tx(key: KeyPair, ops: { contract?: string; method: string; args: unknown }[], o: { channel?: string; nonce?: number } = {}): Transaction {
  return signTx(
    {
      suite: 'intl',
      channel: o.channel ?? 'main',
      sender: key.publicKey,
      nonce: o.nonce ?? nextNonce++,
      operations: ops.map((op) => encodeOperation({ contract: op.contract ?? 'counter', method: op.method, args: op.args })),
    },
    key.privateKey,
  );
}

const batch = (txs: Transaction[], timestamp = 1_700_000_001_000, proposer = 1) => ({ proposer, timestamp, txs: txs.map((x) => x.bytes) });
const counterOf = (store: MemoryChainStore, who: string): number | undefined => {
  const v = store.get(`counter/${who}`);
  return v === undefined ? undefined : (JSON.parse(new TextDecoder().decode(v)) as number);
};

t.test('genesis: block 0 links nothing, is signed by this node, commits to the genesis state', async (t) => {
  const { store } = newLedger();
  const b0 = store.blocks[0]!;
  t.equal(b0.header.height, 0);
  t.equal(checkLink(null, b0), null);
  t.equal(checkBlockContents(intlSuite, b0), null);
  t.equal(checkSignatures(intlSuite, b0, new Map([[1, node1.publicKey]])), null);
  t.equal(store.head!.timestamp, 1_700_000_000_000);
});

t.test('a batch becomes the next block with outcomes per transaction', async (t) => {
  const { ledger, store } = newLedger();
  const ok = tx(alice, [{ method: 'add', args: { n: 5 } }]);
  const unknown = tx(mallory, [{ method: 'add', args: { n: 1 } }]);
  const suspended = tx(frozen, [{ method: 'add', args: { n: 1 } }]);
  const wrongChannel = tx(bob, [{ method: 'add', args: { n: 1 } }], { channel: 'other' });
  const failing = tx(bob, [{ method: 'add', args: { n: 2 } }, { method: 'fail', args: {} }]);
  const crash = tx(bob, [{ method: 'crash', args: {} }]);
  const unknownContract = tx(bob, [{ contract: 'nope', method: 'x', args: {} }]);
  const badArgs = tx(bob, [{ method: 'add', args: { n: 'x' } }]);
  const forged = { ...tx(bob, [{ method: 'add', args: { n: 100 } }]) };
  const forgedBytes = Uint8Array.from(forged.bytes);
  forgedBytes[forgedBytes.length - 1]! ^= 1; // flip a signature bit: same id, bad signature
  const r = ledger.apply({ proposer: 2, timestamp: 1_700_000_002_000, txs: [ok.bytes, unknown.bytes, suspended.bytes, wrongChannel.bytes, failing.bytes, crash.bytes, unknownContract.bytes, badArgs.bytes, forgedBytes] }, 5)!;
  t.ok(r);
  t.same(
    r.outcomes.map((o) => o.code),
    ['OK', 'UNKNOWN_SENDER', 'SENDER_SUSPENDED', 'ALWAYS_FAILS', 'CONTRACT_FAILED', 'UNKNOWN_CONTRACT', 'INVALID_ARGS', 'BAD_SIGNATURE'],
    'the transaction of another channel is left out of the block',
  );
  t.equal(store.txLocation(wrongChannel.id), undefined);
  t.equal(counterOf(store, 'alice'), 5);
  t.equal(counterOf(store, 'bob'), undefined, 'all-or-nothing: the first operation of the failing tx did not apply');
  const b = r.block;
  t.equal(b.header.height, 1);
  t.equal(b.header.proposer, 2);
  t.equal(b.header.timestamp, 1_700_000_002_000);
  t.equal(checkBlockContents(intlSuite, b), null, 'tx root recomputes');
  t.equal(checkLink(store.blocks[0]!, b), null);
  t.equal(checkSignatures(intlSuite, b, ledger.nodeKeys()), null);
  t.equal(store.head!.appliedIndex, 5);
  t.equal(store.txLocation(ok.id)?.code, 'OK');
  t.equal(store.txLocation(unknown.id)?.code, 'UNKNOWN_SENDER');
  t.ok(store.nonceUsed(alice.publicKey, ok.nonce));
  t.notOk(store.nonceUsed(bob.publicKey, failing.nonce), 'a rejected transaction does not use up its nonce');
});

t.test('replays: the same tx is dropped as a duplicate; a new tx with a used nonce is rejected', async (t) => {
  const { ledger, store } = newLedger();
  const a = tx(alice, [{ method: 'add', args: { n: 1 } }], { nonce: 42 });
  const again = tx(alice, [{ method: 'add', args: { n: 2 } }], { nonce: 42 });
  const r1 = ledger.apply(batch([a, a]), 2)!;
  t.equal(r1.block.header.txCount, 1);
  t.equal(r1.duplicates.length, 1);
  const r2 = ledger.apply(batch([a, again]), 3)!;
  t.equal(r2.block.header.txCount, 1, 'the duplicate of a committed tx is left out');
  t.same(r2.outcomes.map((o) => o.code), ['NONCE_REPLAYED']);
  const sameBlock = ledger.apply(batch([tx(bob, [{ method: 'add', args: { n: 1 } }], { nonce: 7 }), tx(bob, [{ method: 'add', args: { n: 2 } }], { nonce: 7 })]), 4)!;
  t.same(sameBlock.outcomes.map((o) => o.code), ['OK', 'NONCE_REPLAYED']);
  t.equal(counterOf(store, 'alice'), 1);
  t.equal(counterOf(store, 'bob'), 1);
  t.equal(ledger.apply(batch([a]), 5), null, 'a batch of only duplicates makes no block');
  t.equal(store.head!.appliedIndex, 5);
  t.equal(store.head!.height, 2 + 1);
});

t.test('precheck refuses before ordering with coded errors and changes nothing', async (t) => {
  const { ledger, store } = newLedger(node1, 1, 4096);
  const root = toHex(store.head!.stateRoot);
  const code = (f: () => unknown): string => {
    try {
      f();
      return 'none';
    } catch (err) {
      return (err as LedgerError).code;
    }
  };
  t.equal(code(() => ledger.precheck(new Uint8Array([9, 9, 9]))), 'MALFORMED');
  t.equal(code(() => ledger.precheck(new Uint8Array([1, 2, 3]))), 'WRONG_SUITE', 'version 1, suite gost: not this channel\'s suite');
  t.equal(code(() => ledger.precheck(tx(mallory, [{ method: 'add', args: { n: 1 } }]).bytes)), 'UNKNOWN_SENDER');
  t.equal(code(() => ledger.precheck(tx(alice, [{ method: 'add', args: { n: 1 } }], { channel: 'other' }).bytes)), 'WRONG_CHANNEL');
  t.equal(code(() => ledger.precheck(tx(alice, [{ method: 'add', args: { n: 'x' } }]).bytes)), 'INVALID_ARGS');
  t.equal(code(() => ledger.precheck(tx(alice, [{ method: 'nope', args: {} }]).bytes)), 'UNKNOWN_METHOD');
  t.equal(code(() => ledger.precheck(tx(alice, [{ contract: 'zzz', method: 'nope', args: {} }]).bytes)), 'UNKNOWN_CONTRACT');
  const forged = Uint8Array.from(tx(alice, [{ method: 'add', args: { n: 1 } }]).bytes);
  forged[forged.length - 3]! ^= 0x10;
  t.equal(code(() => ledger.precheck(forged)), 'BAD_SIGNATURE');
  const big = tx(alice, [{ method: 'put', args: { key: 'x'.repeat(5000) } }]);
  t.equal(code(() => ledger.precheck(big.bytes)), 'TOO_LARGE');
  const used = tx(alice, [{ method: 'add', args: { n: 1 } }], { nonce: 9 });
  ledger.apply(batch([used]), 2);
  t.equal(code(() => ledger.precheck(tx(alice, [{ method: 'add', args: { n: 3 } }], { nonce: 9 }).bytes)), 'NONCE_REPLAYED');
  t.equal(code(() => ledger.precheck(tx(alice, [{ method: 'add', args: { n: 3 } }]).bytes)), 'none');
  t.not(toHex(store.head!.stateRoot), root, 'only the applied batch changed the state');
  t.equal(store.blocks.length, 2);
});

t.test('replicas applying the same batches agree on every block hash and state root', async (t) => {
  const a = newLedger(node1, 1);
  const b = newLedger(node2, 2);
  const batches = [];
  for (let i = 0; i < 6; i++) {
    const who = i % 2 === 0 ? alice : bob;
    batches.push(batch([tx(who, [{ method: 'add', args: { n: i } }]), tx(who, [{ method: 'put', args: { key: `k${i}` } }]), tx(mallory, [{ method: 'add', args: { n: 1 } }])], 1_700_000_010_000 - i * 1000));
  }
  batches.forEach((x, i) => {
    a.ledger.apply(x, 10 + i);
    b.ledger.apply(x, 10 + i);
  });
  t.same(a.store.blocks.map((x) => toHex(x.hash)), b.store.blocks.map((x) => toHex(x.hash)));
  t.same(toHex(a.store.head!.stateRoot), toHex(b.store.head!.stateRoot));
  t.not(toHex(a.store.blocks[3]!.signatures[0]!.signature), toHex(b.store.blocks[3]!.signatures[0]!.signature), 'each node signs with its own key');
  const ts = a.store.blocks.map((x) => x.header.timestamp);
  t.same(ts, [...ts].sort((x, y) => x - y), 'block time never goes backwards, even when proposers clocks do');
  for (let i = 1; i < a.store.blocks.length; i++) t.equal(checkLink(a.store.blocks[i - 1]!, a.store.blocks[i]!), null);
});

t.test('node-signed messages verify only under the channel node keys', async (t) => {
  const { ledger } = newLedger();
  const msg = new TextEncoder().encode('forwarded body');
  const sig = ledger.signAsNode(msg);
  t.ok(ledger.verifyNodeSigned(1, msg, sig));
  t.notOk(ledger.verifyNodeSigned(2, msg, sig), 'another node id');
  t.notOk(ledger.verifyNodeSigned(3, msg, sig), 'not a channel node');
  t.notOk(ledger.verifyNodeSigned(1, new TextEncoder().encode('other body'), sig));
});
