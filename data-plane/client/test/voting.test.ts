// E-voting in the SDK (voting.ts): dealing a ballot key to the nodes, and casting a vote box
// that only the rebuilt ballot key opens, bound to the voter's pseudonym.
import fc from 'fast-check';
import t from 'tap';
import {
  BALLOT_BOX_OVERHEAD,
  ballotShareContext,
  combineShares,
  fromHex,
  fromUtf8,
  openBallotBox,
  openSealed,
  publicPointOf,
  type Share,
  toHex,
  verifyShare,
  voteAad,
  votePseudonym,
  x25519KeyPair,
  type X25519KeyPair,
} from '@konsortium/protocol';
import { type BallotKeyArgs, buildVote, dealBallotKey, type SealNode } from '../src/index.js';

const CH = 'main';
const BALLOT = 'board-2026';

interface Seal {
  readonly nodeId: number;
  readonly keys: X25519KeyPair;
}

function sealNodes(ids: readonly number[]): { nodes: Seal[]; public: SealNode[] } {
  const nodes = ids.map((nodeId) => ({ nodeId, keys: x25519KeyPair() }));
  return { nodes, public: nodes.map((n) => ({ nodeId: n.nodeId, sealKey: toHex(n.keys.publicKey) })) };
}

function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [head, ...rest] = items;
  return [...subsets(rest, k - 1).map((s) => [head!, ...s]), ...subsets(rest, k)];
}

/** Opens every node's share (as the nodes do at close) and checks it against the commitments. */
function openShares(key: BallotKeyArgs, nodes: readonly Seal[], ballot = BALLOT): Share[] {
  return key.shares.map((s) => {
    const node = nodes.find((n) => n.nodeId === s.nodeId)!;
    return { index: s.index, value: openSealed(node.keys.privateKey, fromHex(s.sealed), ballotShareContext(CH, ballot, s.nodeId)) };
  });
}

t.test('dealBallotKey: shares sealed to each node, verified by the commitments; any t rebuild x; C_0 is the public key', (t) => {
  const { nodes, public: pub } = sealNodes([9, 3, 5, 1, 7]);
  const key = dealBallotKey({ channel: CH, ballot: BALLOT, nodes: pub });
  t.equal(key.threshold, 3, 'default threshold: a majority of 5');
  t.equal(key.commitments.length, 3);
  t.equal(key.commitments[0], key.publicKey, 'C_0 = X');
  t.match(key.publicKey, /^[0-9a-f]{64}$/);
  t.same(
    key.shares.map((s) => s.nodeId),
    [1, 3, 5, 7, 9],
    'one share per node, sorted by node id',
  );
  t.same([...key.shares.map((s) => s.index)].sort((a, b) => a - b), [1, 2, 3, 4, 5]);
  t.notOk(JSON.stringify(key).includes('secret'), 'only public material');

  const commitments = key.commitments.map((c) => fromHex(c));
  const shares = openShares(key, nodes);
  for (const [i, s] of shares.entries()) t.ok(verifyShare(s, commitments), `node ${key.shares[i]!.nodeId}'s share verifies`);
  t.notOk(verifyShare({ index: shares[0]!.index, value: shares[1]!.value }, commitments), 'not at another index');

  const first = key.shares[0]!;
  const node = (id: number): Seal => nodes.find((n) => n.nodeId === id)!;
  t.throws(() => openSealed(node(3).keys.privateKey, fromHex(first.sealed), ballotShareContext(CH, BALLOT, 1)), { code: 'DECRYPT_FAILED' }, "another node's key");
  t.throws(() => openSealed(node(1).keys.privateKey, fromHex(first.sealed), ballotShareContext(CH, BALLOT, 3)), { code: 'DECRYPT_FAILED' }, 'the context names the node');
  t.throws(() => openSealed(node(1).keys.privateKey, fromHex(first.sealed), ballotShareContext(CH, 'board-2027', 1)), { code: 'DECRYPT_FAILED' }, 'the context names the ballot');
  t.throws(() => openSealed(node(1).keys.privateKey, fromHex(first.sealed), ballotShareContext('other', BALLOT, 1)), { code: 'DECRYPT_FAILED' }, 'the context names the channel');

  const xs = new Set<bigint>();
  for (const subset of subsets(shares, 3)) {
    const x = combineShares(subset, 3);
    xs.add(x);
    t.equal(toHex(publicPointOf(x)), key.publicKey, `shares ${subset.map((s) => s.index).join(',')} rebuild x`);
  }
  t.equal(xs.size, 1, 'every subset rebuilds the same x');
  for (const subset of subsets(shares, 2)) t.not(toHex(publicPointOf(combineShares(subset, 2))), key.publicKey, 'two shares do not');

  const again = dealBallotKey({ channel: CH, ballot: BALLOT, nodes: pub });
  t.not(again.publicKey, key.publicKey, 'a fresh key per dealing');
  t.end();
});

t.test('dealBallotKey: thresholds', (t) => {
  for (const n of [1, 2, 3, 4, 6, 7]) {
    const { public: pub } = sealNodes(Array.from({ length: n }, (_, i) => i + 1));
    const key = dealBallotKey({ channel: CH, ballot: BALLOT, nodes: pub });
    t.equal(key.threshold, Math.floor(n / 2) + 1, `n = ${n}: majority`);
    t.equal(key.commitments.length, key.threshold);
    t.equal(key.shares.length, n);
  }
  const { nodes, public: pub } = sealNodes([1, 2, 3, 4]);
  for (const threshold of [1, 4]) {
    const key = dealBallotKey({ channel: CH, ballot: BALLOT, nodes: pub, threshold });
    t.equal(key.threshold, threshold);
    t.equal(key.commitments.length, threshold);
    const shares = openShares(key, nodes);
    t.equal(toHex(publicPointOf(combineShares(shares.slice(-threshold), threshold))), key.publicKey, `t = ${threshold}: the last t shares rebuild x`);
  }
  t.throws(() => dealBallotKey({ channel: CH, ballot: BALLOT, nodes: pub, threshold: 5 }), { code: 'MALFORMED', message: /threshold must be 1\.\.4, got 5/ }, 't > n');
  t.throws(() => dealBallotKey({ channel: CH, ballot: BALLOT, nodes: pub, threshold: 0 }), { code: 'MALFORMED' });
  t.throws(() => dealBallotKey({ channel: CH, ballot: BALLOT, nodes: [] }), { code: 'MALFORMED' }, 'no nodes');
  t.end();
});

t.test("buildVote: the pseudonym, a box only the ballot key opens, bound to the voter's pseudonym", (t) => {
  const { nodes, public: pub } = sealNodes([1, 2, 3]);
  const key = dealBallotKey({ channel: CH, ballot: BALLOT, nodes: pub });
  const x = combineShares(openShares(key, nodes), key.threshold);
  const X = fromHex(key.publicKey);
  const other = dealBallotKey({ channel: CH, ballot: BALLOT, nodes: pub });
  const otherX = combineShares(openShares(other, nodes), other.threshold);

  const vote = buildVote({ channel: CH, ballot: BALLOT, ballotKey: key.publicKey, memberId: 'bank-a', answers: [1, 0, 2] });
  t.same(Object.keys(vote).sort(), ['ballot', 'box', 'pseudonym']);
  t.equal(vote.ballot, BALLOT);
  t.equal(vote.pseudonym, votePseudonym(CH, BALLOT, 'bank-a'));
  t.not(vote.pseudonym, votePseudonym(CH, BALLOT, 'bank-b'));
  t.match(vote.box, /^([0-9a-f]{2})+$/);
  const box = fromHex(vote.box);
  const json = JSON.stringify({ answers: [1, 0, 2] });
  t.equal(box.length, BALLOT_BOX_OVERHEAD + json.length, 'R ‖ nonce ‖ ciphertext ‖ tag');
  t.equal(fromUtf8(openBallotBox(x, X, box, voteAad(CH, BALLOT, vote.pseudonym))), json);
  t.same(JSON.parse(fromUtf8(openBallotBox(x, X, box, voteAad(CH, BALLOT, vote.pseudonym)))), { answers: [1, 0, 2] });

  const bAad = voteAad(CH, BALLOT, votePseudonym(CH, BALLOT, 'bank-b'));
  t.throws(() => openBallotBox(x, X, box, bAad), { code: 'DECRYPT_FAILED' }, "not under another member's pseudonym");
  t.throws(() => openBallotBox(x, X, box, voteAad(CH, 'board-2027', vote.pseudonym)), { code: 'DECRYPT_FAILED' }, 'not in another ballot');
  t.throws(() => openBallotBox(x, X, box, voteAad('other', BALLOT, vote.pseudonym)), { code: 'DECRYPT_FAILED' }, 'not in another channel');
  t.throws(() => openBallotBox(otherX, fromHex(other.publicKey), box, voteAad(CH, BALLOT, vote.pseudonym)), { code: 'DECRYPT_FAILED' }, 'not with another ballot key');
  t.throws(() => openBallotBox(otherX, X, box, voteAad(CH, BALLOT, vote.pseudonym)), { code: 'DECRYPT_FAILED' }, 'not with another secret');

  const again = buildVote({ channel: CH, ballot: BALLOT, ballotKey: key.publicKey, memberId: 'bank-a', answers: [1, 0, 2] });
  t.equal(again.pseudonym, vote.pseudonym, 'one pseudonym per member and ballot');
  t.not(again.box, vote.box, 'boxes are randomised');
  t.equal(buildVote({ channel: CH, ballot: 'board-2027', ballotKey: key.publicKey, memberId: 'bank-a', answers: [] }).pseudonym, votePseudonym(CH, 'board-2027', 'bank-a'));
  t.throws(() => buildVote({ channel: CH, ballot: BALLOT, ballotKey: '00'.repeat(32), memberId: 'bank-a', answers: [0] }), { code: 'INVALID_KEY' }, 'the identity is no ballot key');

  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ minLength: 1, maxLength: 20 }), fc.array(fc.nat({ max: 9 }), { maxLength: 6 }), (member, otherMember, answers) => {
      const v = buildVote({ channel: CH, ballot: BALLOT, ballotKey: key.publicKey, memberId: member, answers });
      if (v.pseudonym !== votePseudonym(CH, BALLOT, member)) return false;
      const b = fromHex(v.box);
      const opened = JSON.parse(fromUtf8(openBallotBox(x, X, b, voteAad(CH, BALLOT, v.pseudonym)))) as unknown;
      if (JSON.stringify(opened) !== JSON.stringify({ answers })) return false;
      if (otherMember === member) return true;
      try {
        openBallotBox(x, X, b, voteAad(CH, BALLOT, votePseudonym(CH, BALLOT, otherMember)));
        return false;
      } catch (err) {
        return (err as { code?: string }).code === 'DECRYPT_FAILED';
      }
    }),
    { numRuns: 40 },
  );
  t.end();
});
