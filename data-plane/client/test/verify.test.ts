// Verification: verifyChain over real blocks (and tampered ones), transaction and state
// proofs (and tampered ones), getVerifiedState / getVerifiedTx against a served chain.
import t, { type Test } from 'tap';
import {
  decodeBlock,
  encodeBlockHeader,
  fromHex,
  pathBit,
  SMT_EMPTY,
  smtLeafHash,
  smtPath,
  smtReferenceRoot,
  type StateProofJson,
  toHex,
  utf8,
  ZERO_HASH,
} from '@konsortium/protocol';
import { type BlockRecord, KonsortiumClient, KonsortiumVerificationError, verifyChain, verifyStateEntry, verifyTxInclusion } from '../src/index.js';
import { buildChain, CHANNEL, flipHexBit, hash, nodeKeyList, recordOf, smtProofParts, stateProofOf, suite, T0, txProofOf } from './helpers/chain.js';
import { FakeNode, sendJson } from './helpers/fake-node.js';

const chain = buildChain(6);
const HEAD = 6;

/** Offsets inside an encoded block (see protocol ledger/block.ts and tx/envelope.ts). */
const HEADER_START = 4; // bytes32 length prefix
const TIMESTAMP_LAST = HEADER_START + 1 + 1 + 1 + CHANNEL.length + 8 + 32 * 3 + 7;
const TX_ROOT_FIRST = HEADER_START + 1 + 1 + 1 + CHANNEL.length + 8 + 32;
const NONCE_LAST_IN_TX = 1 + 1 + 1 + CHANNEL.length + 1 + 32 + 7;

/** The served record of block h after `mutate` on its encoded bytes; `consistent`: the node also reports the new hash. */
function tampered(h: number, mutate: (bytes: Uint8Array) => void, consistent = false): BlockRecord {
  const rec = recordOf(chain.blocks[h]!.block);
  const bytes = fromHex(rec.block);
  mutate(bytes);
  const decoded = decodeBlock(hash, bytes);
  return { ...rec, block: toHex(bytes), header: toHex(decoded.headerBytes), hash: consistent ? toHex(decoded.hash) : rec.hash };
}

/** Byte offset of transaction `i` of block h inside its encoding. */
function txOffset(h: number, i: number): number {
  const blockHex = recordOf(chain.blocks[h]!.block).block;
  const at = blockHex.indexOf(toHex(chain.blocks[h]!.txs[i]!.bytes));
  if (at < 0 || at % 2 !== 0) throw new Error('tx not found in block');
  return at / 2;
}

async function serve(t: Test, replace: (h: number) => BlockRecord | undefined = () => undefined): Promise<{ node: FakeNode; client: KonsortiumClient }> {
  const node = await FakeNode.start(chain);
  t.teardown(() => node.close());
  node.on('GET', /\/blocks$/, ({ res, url }) => {
    const from = Number(url.searchParams.get('from'));
    const limit = Number(url.searchParams.get('limit'));
    const blocks: BlockRecord[] = [];
    for (let h = from; h < Math.min(from + limit, HEAD + 1); h++) blocks.push(replace(h) ?? recordOf(chain.blocks[h]!.block));
    sendJson(res, 200, { blocks });
  });
  return { node, client: new KonsortiumClient({ baseUrl: node.url }) };
}

t.test('verifyChain: a good chain verifies from genesis to the head', async (t) => {
  const { node, client } = await serve(t);
  const r = await verifyChain(client, CHANNEL);
  t.ok(r.ok);
  if (!r.ok) return;
  t.equal(r.checked, HEAD + 1);
  t.equal(r.head.height, HEAD);
  t.equal(r.head.hash, toHex(chain.blocks[HEAD]!.block.hash));
  t.equal(node.count('GET', /\/nodes$/), 1, 'node keys fetched when not given');

  const keys = new Map([...chain.nodeKeys].map(([id, kp]) => [id, kp.publicKey] as const));
  t.ok((await verifyChain(client, CHANNEL, { nodeKeys: keys, minSignatures: 2, suite: 'intl', to: 4 })).ok, 'explicit keys, two signatures, a prefix');
  const before = node.count('GET', /\/blocks$/);
  t.ok((await verifyChain(client, CHANNEL, { nodeKeys: nodeKeyList(chain), pageSize: 2 })).ok);
  t.equal(node.count('GET', /\/blocks$/) - before, 4, 'seven blocks in pages of two');
});

t.test('verifyChain: signature requirements', async (t) => {
  const { client } = await serve(t);
  t.same(await verifyChain(client, CHANNEL, { minSignatures: 3 }), { ok: false, problem: { code: 'UNSIGNED', height: 0, message: 'block 0 has 2 node signatures, 3 required' } });
  const onlyNode1 = new Map([[1, chain.nodeKeys.get(1)!.publicKey]]);
  const r = await verifyChain(client, CHANNEL, { nodeKeys: onlyNode1 });
  t.match(r, { ok: false, problem: { code: 'UNKNOWN_SIGNER', height: 0 } });
  const wrongKey = new Map([
    [1, chain.nodeKeys.get(1)!.publicKey],
    [2, chain.nodeKeys.get(3)!.publicKey],
  ]);
  t.match(await verifyChain(client, CHANNEL, { nodeKeys: wrongKey }), { ok: false, problem: { code: 'SIGNATURE', height: 0 } });
});

t.test('verifyChain: a flipped bit in a transaction of block 3', async (t) => {
  const nonceBit = await serve(t, (h) => (h === 3 ? tampered(3, (b) => void (b[txOffset(3, 0) + NONCE_LAST_IN_TX]! ^= 1)) : undefined));
  t.match(await verifyChain(nonceBit.client, CHANNEL), { ok: false, problem: { code: 'TX_ROOT', height: 3 } }, 'a body bit changes the tx id');

  // Block 3 holds one tx; its result code follows the envelopes: "OK" → "OJ".
  const codeBit = await serve(t, (h) =>
    h === 3
      ? tampered(3, (b) => {
          const at = txOffset(3, 0) + chain.blocks[3]!.txs[0]!.bytes.length + 1 + 1; // str8 "OK": length, 'O', 'K'
          b[at]! ^= 1;
        })
      : undefined,
  );
  t.match(await verifyChain(codeBit.client, CHANNEL), { ok: false, problem: { code: 'TX_ROOT', height: 3 } }, 'outcomes are committed too');

  const sigBit = await serve(t, (h) => (h === 3 ? tampered(3, (b) => void (b[txOffset(3, 0) + chain.blocks[3]!.txs[0]!.bytes.length - 1]! ^= 1)) : undefined));
  t.ok((await verifyChain(sigBit.client, CHANNEL)).ok, 'the tx id (and root) leaves the signature out');
  t.match(await verifyChain(sigBit.client, CHANNEL, { txSignatures: true }), { ok: false, problem: { code: 'TX_SIGNATURE', height: 3 } }, 'txSignatures catches it');
});

t.test('verifyChain: a flipped bit in the header of block 3', async (t) => {
  const flip = (b: Uint8Array): void => void (b[TIMESTAMP_LAST]! ^= 1);
  const plain = await serve(t, (h) => (h === 3 ? tampered(3, flip) : undefined));
  t.match(await verifyChain(plain.client, CHANNEL), { ok: false, problem: { code: 'HEADER_HASH', height: 3 } }, 'the hash the node reports does not match');

  const consistent = await serve(t, (h) => (h === 3 ? tampered(3, flip, true) : undefined));
  t.match(await verifyChain(consistent.client, CHANNEL), { ok: false, problem: { code: 'SIGNATURE', height: 3 } }, 'a re-hashed header loses its node signatures');
  t.match(await verifyChain(consistent.client, CHANNEL, { checkSignatures: false }), { ok: false, problem: { code: 'PREV_HASH', height: 4 } }, 'and breaks the next link');

  const root = await serve(t, (h) => (h === 3 ? tampered(3, (b) => void (b[TX_ROOT_FIRST]! ^= 0x80), true) : undefined));
  t.match(await verifyChain(root.client, CHANNEL, { checkSignatures: false }), { ok: false, problem: { code: 'TX_ROOT', height: 3 } });
});

t.test('verifyChain: ranges, anchors, and what a node can get wrong', async (t) => {
  const { client } = await serve(t);
  t.ok((await verifyChain(client, CHANNEL, { from: 3 })).ok, 'a range without an anchor');
  t.ok((await verifyChain(client, CHANNEL, { from: 3, prevHash: toHex(chain.blocks[2]!.block.hash) })).ok, 'anchored in the hash of block 2');
  t.match(await verifyChain(client, CHANNEL, { from: 3, prevHash: ZERO_HASH }), { ok: false, problem: { code: 'PREV_HASH', height: 3 } });
  t.match(await verifyChain(client, CHANNEL, { to: HEAD + 2 }), { ok: false, problem: { code: 'MISSING_BLOCK', height: HEAD + 1 } });
  await t.rejects(verifyChain(client, CHANNEL, { from: 4, to: 2 }), RangeError);
  await t.rejects(verifyChain(client, 'other'), RangeError, 'unknown channel without a suite');

  const truncated = await serve(t, (h) => (h === 2 ? { ...recordOf(chain.blocks[2]!.block), block: recordOf(chain.blocks[2]!.block).block.slice(0, -2) } : undefined));
  t.match(await verifyChain(truncated.client, CHANNEL), { ok: false, problem: { code: 'BLOCK_MALFORMED', height: 2 } });
  const shifted = await serve(t, (h) => (h === 2 ? recordOf(chain.blocks[1]!.block) : undefined));
  t.match(await verifyChain(shifted.client, CHANNEL), { ok: false, problem: { code: 'HEIGHT', height: 2 } });
  const lying = await serve(t, (h) => (h === 2 ? { ...recordOf(chain.blocks[2]!.block), height: 2, block: recordOf(chain.blocks[1]!.block).block } : undefined));
  t.match(await verifyChain(lying.client, CHANNEL), { ok: false, problem: { code: 'HEIGHT', height: 2 } });
});

t.test('transaction inclusion proofs', (t) => {
  let checked = 0;
  for (const cb of chain.blocks) {
    for (const tx of cb.txs) {
      const proof = txProofOf(chain, toHex(tx.id))!;
      const v = verifyTxInclusion(suite, proof);
      t.ok(v !== null, `tx ${checked} verifies`);
      t.equal(v?.blockHash, toHex(cb.block.hash));
      t.equal(v?.committed, proof.code === 'OK');
      checked++;
    }
  }
  t.equal(checked, 12);
  const proof = txProofOf(chain, toHex(chain.blocks[5]!.txs[1]!.id))!;
  t.equal(proof.path.length, 2, 'three leaves: a two-step path');
  t.equal(verifyTxInclusion('intl', { ...proof, code: 'FAILED' }), null, 'another outcome');
  t.equal(verifyTxInclusion('intl', { ...proof, index: 0 }), null, 'another position');
  t.equal(verifyTxInclusion('intl', { ...proof, txId: toHex(chain.blocks[5]!.txs[0]!.id) }), null, 'another tx');
  t.equal(verifyTxInclusion('intl', { ...proof, path: [flipHexBit(proof.path[0]!, 31), proof.path[1]!] }), null, 'a flipped path bit');
  t.equal(verifyTxInclusion('intl', { ...proof, path: proof.path.slice(1) }), null, 'a short path');
  t.equal(verifyTxInclusion('intl', { ...proof, height: 4 }), null, 'the wrong height');
  t.equal(verifyTxInclusion('gost', proof), null, 'the wrong suite');
  t.equal(verifyTxInclusion('intl', { ...proof, header: flipHexBit(proof.header, TX_ROOT_FIRST - HEADER_START) }), null, 'a flipped tx root');
  const otherTime = verifyTxInclusion('intl', { ...proof, header: flipHexBit(proof.header, TIMESTAMP_LAST - HEADER_START) });
  t.not(otherTime?.blockHash, toHex(chain.blocks[5]!.block.hash), 'a header that differs outside the root proves a different block: pin it with trustedHeader');
  t.end();
});

function headerJsonWithState(stateRoot: Uint8Array): string {
  return toHex(encodeBlockHeader({ suite: 'intl', channel: CHANNEL, height: 7, prevHash: ZERO_HASH, txRoot: hash(new Uint8Array(0)), stateRoot, timestamp: T0, proposer: 1, txCount: 0 }));
}

t.test('state proofs built by hand: one key, two keys', (t) => {
  const one = new Map([['alice', utf8('100')]]);
  const single: StateProofJson = {
    key: 'alice',
    value: toHex(utf8('100')),
    height: 7,
    header: headerJsonWithState(smtReferenceRoot(hash, one)),
    siblings: [],
    terminal: { kind: 'leaf', path: toHex(smtPath(hash, utf8('alice'))), valueHash: toHex(hash(utf8('100'))) },
  };
  t.same(verifyStateEntry(suite, single)?.value, utf8('100'), 'a lone key: no siblings, its leaf at the root');
  t.same(smtProofParts(one, 'alice'), { siblings: single.siblings, terminal: single.terminal });
  t.equal(verifyStateEntry(suite, { ...single, value: toHex(utf8('101')) }), null, 'another value');
  t.equal(verifyStateEntry(suite, { ...single, key: 'bob', value: null }) !== null, true, 'bob is absent: his path ends in alice’s leaf');
  t.equal(verifyStateEntry(suite, { ...single, value: null }), null, 'alice is not absent');

  // Two keys: the paths agree on the first d bits, so the proof of each has d empty siblings
  // and then the other's leaf.
  const two = new Map([
    ['alice', utf8('100')],
    ['bob', utf8('7')],
  ]);
  const pa = smtPath(hash, utf8('alice'));
  const pb = smtPath(hash, utf8('bob'));
  let d = 0;
  while (pathBit(pa, d) === pathBit(pb, d)) d++;
  const bobLeaf = smtLeafHash(hash, pb, hash(utf8('7')));
  const siblings = [...Array.from({ length: d }, () => toHex(SMT_EMPTY)), toHex(bobLeaf)];
  const aliceProof: StateProofJson = {
    key: 'alice',
    value: toHex(utf8('100')),
    height: 7,
    header: headerJsonWithState(smtReferenceRoot(hash, two)),
    siblings,
    terminal: { kind: 'leaf', path: toHex(pa), valueHash: toHex(hash(utf8('100'))) },
  };
  const v = verifyStateEntry('intl', aliceProof);
  t.ok(v !== null, `alice proven under the two-key root (split at bit ${d})`);
  t.equal(v?.height, 7);
  t.same(smtProofParts(two, 'alice'), { siblings, terminal: aliceProof.terminal }, 'the test builder agrees');
  t.equal(verifyStateEntry('intl', { ...aliceProof, siblings: [...siblings.slice(0, -1), flipHexBit(siblings.at(-1)!, 0)] }), null, 'a flipped sibling');
  t.equal(verifyStateEntry('intl', { ...aliceProof, siblings: siblings.slice(1) }), null, 'a missing sibling');
  const carol = { ...aliceProof, key: 'carol', value: null, ...smtProofParts(two, 'carol') };
  t.ok(verifyStateEntry('intl', carol) !== null, 'carol is absent');
  t.equal(verifyStateEntry('intl', { ...carol, value: '00' }), null, 'and cannot be shown present');
  t.end();
});

t.test('state proofs of the served chain: present, absent, at a height', (t) => {
  const head = chain.blocks[HEAD]!;
  t.ok(head.state.size >= 5, `state of ${head.state.size} keys`);
  for (const key of [...head.state.keys(), 'acct/2', 'nobody']) {
    const p = stateProofOf(chain, key);
    const v = verifyStateEntry(suite, p);
    t.ok(v !== null, `${key} verifies`);
    t.same(v?.value ?? null, head.state.get(key) ?? null);
  }
  const early = stateProofOf(chain, 'acct/6', 3);
  t.equal(early.value, null, 'acct/6 did not exist at height 3');
  t.ok(verifyStateEntry(suite, early));
  t.equal(verifyStateEntry(suite, { ...stateProofOf(chain, 'acct/0'), value: toHex(utf8('1')) }), null, 'tampered value');
  t.end();
});

t.test('getVerifiedState and getVerifiedTx against a node', async (t) => {
  const { node, client } = await serve(t);
  const entry = await client.getVerifiedState(CHANNEL, 'acct/0');
  t.same(entry.value, utf8('0'));
  t.equal(entry.height, HEAD);
  t.equal(entry.blockHash, toHex(chain.blocks[HEAD]!.block.hash));

  const at3 = await client.getVerifiedState(CHANNEL, 'acct/3', { trustedHeader: chain.blocks[3]!.block.header });
  t.equal(at3.height, 3, 'the trusted header sets the height');
  t.equal(node.requests.at(-1)!.query.get('height'), '3');
  t.ok(await client.getVerifiedState(CHANNEL, 'acct/3', { height: 3, trustedHeader: toHex(chain.blocks[3]!.block.hash) }));
  t.ok(await client.getVerifiedState(CHANNEL, 'acct/3', { height: 3, trustedHeader: chain.blocks[3]!.block.hash }));
  await t.rejects(client.getVerifiedState(CHANNEL, 'acct/3', { height: 3, trustedHeader: toHex(chain.blocks[2]!.block.hash) }), KonsortiumVerificationError, 'anchored elsewhere');
  t.equal((await client.getVerifiedState(CHANNEL, 'nobody')).value, null);

  node.on('GET', /\/state\//, ({ res }) => sendJson(res, 200, { ...stateProofOf(chain, 'acct/0'), value: toHex(utf8('1000000')) }));
  await t.rejects(client.getVerifiedState(CHANNEL, 'acct/0'), { name: 'KonsortiumVerificationError', message: /does not verify/ });
  node.on('GET', /\/state\//, ({ res }) => sendJson(res, 200, stateProofOf(chain, 'acct/1')));
  await t.rejects(client.getVerifiedState(CHANNEL, 'acct/0'), { name: 'KonsortiumVerificationError', message: /the proof is for "acct\/1"/ });

  const txId = toHex(chain.blocks[2]!.txs[0]!.id);
  const inc = await client.getVerifiedTx(CHANNEL, txId, { trustedHeader: chain.blocks[2]!.block.header });
  t.same({ code: inc.code, committed: inc.committed, height: inc.height, index: inc.index }, { code: 'INSUFFICIENT_FUNDS', committed: false, height: 2, index: 0 });
  await t.rejects(client.getVerifiedTx(CHANNEL, txId, { trustedHeader: chain.blocks[1]!.block.header }), KonsortiumVerificationError);
  node.on('GET', /\/proof$/, ({ res }) => sendJson(res, 200, { ...txProofOf(chain, txId)!, code: 'OK' }));
  await t.rejects(client.getVerifiedTx(CHANNEL, txId), { name: 'KonsortiumVerificationError', message: /does not verify/ }, 'a rejected tx passed off as applied');
});
