// scanOperations: the operations of a range of checked blocks, resumable from a cursor; a block
// that is not the chain's (tampered, out of place, not linking to what was read before) stops it.
import t from 'tap';
import { decodeBlock, fromHex, toHex } from '@konsortium/protocol';
import { type BlockRecord, type ChainHead, KonsortiumVerificationError, type ScanSource, scanOperations } from '../src/index.js';
import { buildChain, CHANNEL, hash, recordOf } from './helpers/chain.js';

const chain = buildChain(9);
const HEAD = 9;

/** A source serving the chain (or what `replace` returns for a height); it records the pages asked for. */
function source(replace: (h: number) => BlockRecord | undefined = () => undefined, head = HEAD): ScanSource & { pages: [number, number][] } {
  const pages: [number, number][] = [];
  return {
    pages,
    channels: async () => [{ name: CHANNEL, suite: 'intl', height: head }],
    head: async (): Promise<ChainHead> => {
      const b = chain.blocks[head]!.block;
      return { height: head, hash: toHex(b.hash), stateRoot: toHex(b.header.stateRoot), timestamp: b.header.timestamp };
    },
    blocks: async (_ch, from, limit) => {
      pages.push([from, limit]);
      const out: BlockRecord[] = [];
      for (let h = from; h < Math.min(from + limit, head + 1); h++) out.push(replace(h) ?? recordOf(chain.blocks[h]!.block));
      return out;
    },
  };
}

/** Every (txId, op) the chain holds, committed or not, in order. */
const everything = chain.blocks.flatMap((cb) =>
  cb.txs.map((tx, index) => ({ height: cb.block.header.height, txId: toHex(tx.id), index, code: cb.block.results[index]!, sender: toHex(tx.sender) })),
);

t.test('a scan from genesis: the committed operations, in chain order, with their block and sender', async (t) => {
  const r = await scanOperations(source(), CHANNEL);
  const committed = everything.filter((e) => e.code === 'OK');
  t.equal(r.operations.length, committed.length, `${committed.length} committed operations`);
  t.same(
    r.operations.map((o) => ({ height: o.height, txId: o.txId, index: o.index, code: o.code, sender: o.sender })),
    committed,
  );
  const first = r.operations[0]!;
  t.match(first, { contract: 'cfa', method: 'transfer', op: 0, timestamp: chain.blocks[first.height]!.block.header.timestamp });
  t.same(first.args, JSON.parse(chain.blocks[first.height]!.txs[first.index]!.operations[0]!.argsJson), 'arguments parsed');
  t.same(r.cursor, { next: HEAD + 1, prevHash: toHex(chain.blocks[HEAD]!.block.hash) }, 'the cursor is after the head');
  t.equal(r.head, HEAD);

  const all = await scanOperations(source(), CHANNEL, { rejected: true });
  t.equal(all.operations.length, everything.length, 'rejected: true includes the rejected transactions');
  t.ok(all.operations.some((o) => o.code === 'INSUFFICIENT_FUNDS'));
  t.same((await scanOperations(source(), CHANNEL, { contracts: ['data'] })).operations, [], 'a contract filter');
});

t.test('resuming from a cursor reads each block once and gives the same operations', async (t) => {
  const whole = await scanOperations(source(), CHANNEL);
  const s1 = source(undefined, 4);
  const first = await scanOperations(s1, CHANNEL, { pageSize: 2 });
  t.same(s1.pages, [[0, 2], [2, 2], [4, 1]], 'pages of two up to the head');
  t.equal(first.head, 4);
  const s2 = source();
  const progress: number[] = [];
  const second = await scanOperations(s2, CHANNEL, { cursor: first.cursor, onProgress: (h) => progress.push(h) });
  t.same(s2.pages, [[5, 5]], 'only the new blocks are asked for');
  t.same(progress, [HEAD]);
  t.same([...first.operations, ...second.operations], whole.operations);
  const none = await scanOperations(source(), CHANNEL, { cursor: second.cursor });
  t.same(none, { operations: [], cursor: second.cursor, head: HEAD }, 'nothing new: the cursor stays');
  const upTo = await scanOperations(source(), CHANNEL, { to: 2 });
  t.equal(upTo.head, 2, 'to bounds the scan');
});

t.test('blocks that are not the chain stop the scan', async (t) => {
  const rec = recordOf(chain.blocks[3]!.block);
  const bytes = fromHex(rec.block);
  const at = rec.block.indexOf(toHex(chain.blocks[3]!.txs[0]!.bytes)) / 2;
  bytes[at + 40]! ^= 1; // inside the first transaction
  const decoded = decodeBlock(hash, bytes);
  await t.rejects(scanOperations(source((h) => (h === 3 ? { ...rec, block: toHex(bytes), header: toHex(decoded.headerBytes) } : undefined)), CHANNEL), KonsortiumVerificationError, 'a changed transaction');
  await t.rejects(scanOperations(source((h) => (h === 3 ? recordOf(chain.blocks[4]!.block) : undefined)), CHANNEL), KonsortiumVerificationError, 'a block out of place');
  await t.rejects(scanOperations(source((h) => (h === 3 ? { ...rec, hash: toHex(chain.blocks[2]!.block.hash) } : undefined)), CHANNEL), KonsortiumVerificationError, 'a block whose reported hash is not its hash');
  const wrongAnchor = { next: 5, prevHash: toHex(chain.blocks[2]!.block.hash) };
  await t.rejects(scanOperations(source(), CHANNEL, { cursor: wrongAnchor }), { name: 'KonsortiumVerificationError', message: /does not link/ }, 'a block that does not link to the one read before');
  const short = source();
  short.blocks = async () => [];
  await t.rejects(scanOperations(short, CHANNEL), /no block 0/, 'a node that returns nothing');
  await t.rejects(scanOperations(source(), CHANNEL, { pageSize: 0 }), RangeError);
});
