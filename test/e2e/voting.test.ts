/**
 * E-voting on a 3-node ledger, end to end through the SDK: the organiser deals the ballot key to
 * the nodes' seal keys, members vote with encrypted boxes, the nodes keep their shares to
 * themselves until the close transaction is committed, then reveal them on chain by themselves;
 * the leader tallies. The result is checked against the known choices and against an
 * independent recount from the revealed state (all read with proofs), and a voter checks its
 * receipt: its vote transaction is in the chain and is the one counted.
 */
import t from 'tap';
import { buildVote, dealBallotKey, KonsortiumClient, type SealNode, Signer } from '@konsortium/client';
import { type Ballot, type NodeEntry, recount, type RevealedShare, type StoredVote, votingKeys } from '@konsortium/contracts';
import { fromHex, type Operation, scalarFromBytes, votePseudonym } from '@konsortium/protocol';
import { startLedgerCluster } from '../lib/ledger-cluster.js';

const CH = 'consortium';
const voting = (method: string, args: unknown): Operation => ({ contract: 'voting', method, args });
const decoder = new TextDecoder();

t.test('a secret ballot: encrypted votes, shares revealed only after close, tally and recount', async (t) => {
  const voters = { alice: Signer.generate('intl'), bob: Signer.generate('intl'), carol: Signer.generate('intl'), dave: Signer.generate('intl') };
  const keyOf = (s: Signer) => ({ privateKey: s.exportPrivateKey(), publicKey: s.publicKey });
  const lc = await startLedgerCluster({
    size: 3,
    members: Object.entries(voters).map(([id, s]) => ({ id, roles: ['member'], keys: [keyOf(s)] })),
  });
  t.teardown(() => lc.destroy());
  const operator = new Signer('intl', lc.admin.privateKey);
  const clients = [1, 2, 3].map((id) => new KonsortiumClient({ baseUrl: lc.url(id), timeoutMs: 15_000 }));
  let turn = 0;
  const run = async (signer: Signer, ...ops: Operation[]) => clients[turn++ % 3]!.submitAndWait(signer.buildTx(CH, ops), { timeoutMs: 20_000 });
  const proven = async <T>(key: string, node = turn++ % 3): Promise<T | null> => {
    const e = await clients[node]!.getVerifiedState(CH, key);
    return e.value === null ? null : (JSON.parse(decoder.decode(e.value)) as T);
  };

  const nodes = (await proven<NodeEntry[]>('gov/nodes'))!;
  t.equal(nodes.length, 3, 'three nodes in governance');
  const sealNodes: SealNode[] = nodes.map((n) => ({ nodeId: n.nodeId, sealKey: n.sealKey! }));
  const opensAt = Date.now() - 1000;
  const closesAt = Date.now() + 8000;
  const created = await run(
    operator,
    voting('createBallot', {
      id: 'board-2026',
      title: 'Board election 2026',
      questions: [
        { text: 'Chair', options: ['Ivanova', 'Petrov', 'Sidorov'] },
        { text: 'Approve the budget?', options: ['yes', 'no'] },
      ],
      window: { opensAt, closesAt },
      eligibility: { members: ['alice', 'bob', 'carol'] },
      weights: 'equal',
      quorum: { minVoters: 2 },
      revote: false,
      key: dealBallotKey({ channel: CH, ballot: 'board-2026', nodes: sealNodes }),
    }),
  );
  t.equal(created.status, 'committed', `ballot created ${created.code ?? ''}`);
  const ballot0 = (await proven<Ballot>(votingKeys.ballot('board-2026')))!;
  t.equal(ballot0.key.threshold, 2, 'a 2-of-3 ballot key');

  const choices = { alice: [0, 0], bob: [1, 0], carol: [0, 1] } as const;
  const receipts: Record<string, string> = {};
  for (const [who, answers] of Object.entries(choices)) {
    const tx = voters[who as keyof typeof voters].buildTx(CH, voting('vote', buildVote({ channel: CH, ballot: 'board-2026', ballotKey: ballot0.key.publicKey, memberId: who, answers })));
    const r = await clients[turn++ % 3]!.submitAndWait(tx, { timeoutMs: 20_000 });
    t.equal(r.status, 'committed', `${who} voted ${r.code ?? ''}`);
    receipts[who] = r.txId;
  }
  const refused = async (what: string, code: string, signer: Signer, args: unknown): Promise<void> => {
    const r = await run(signer, voting('vote', args));
    t.equal(r.code, code, what);
  };
  const vote = (memberId: string, answers: number[]) => buildVote({ channel: CH, ballot: 'board-2026', ballotKey: ballot0.key.publicKey, memberId, answers });
  await refused('a second vote is refused', 'ALREADY_VOTED', voters.alice, vote('alice', [1, 1]));
  await refused('an ineligible member is refused', 'NOT_ELIGIBLE', voters.dave, vote('dave', [0, 0]));
  await refused("a vote under another's pseudonym is refused", 'FORGED_PSEUDONYM', voters.bob, { ...vote('bob', [2, 1]), pseudonym: votePseudonym(CH, 'board-2026', 'carol') });

  // Before the close no node has revealed anything, however long we look.
  await new Promise((r) => setTimeout(r, 1000));
  for (const n of [1, 2, 3]) t.equal(await proven<RevealedShare>(votingKeys.share('board-2026', n)), null, `node ${n} has not revealed its share before close`);
  const early = await run(operator, voting('close', { ballot: 'board-2026' }));
  t.equal(early.code, 'TOO_EARLY', 'the ballot cannot be closed before its window ends');
  t.equal((await proven<Ballot>(votingKeys.ballot('board-2026')))!.secret, null, 'the ballot secret is unknown while the ballot is open');

  while (Date.now() < closesAt + 200) await new Promise((r) => setTimeout(r, 200));
  await refused('a vote after the window is refused', 'BALLOT_CLOSED', voters.bob, vote('bob', [0, 0]));
  const closed = await run(operator, voting('close', { ballot: 'board-2026' }));
  t.equal(closed.status, 'committed', `closed ${closed.code ?? ''}`);

  // The nodes reveal their shares and the leader tallies, by themselves.
  let ballot: Ballot | null = null;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    ballot = await proven<Ballot>(votingKeys.ballot('board-2026'));
    if (ballot?.status === 'tallied') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  t.equal(ballot?.status, 'tallied', 'the ballot is tallied without anyone but the nodes acting');
  t.ok(ballot!.revealedShares >= 2, `${ballot!.revealedShares} shares were revealed (2 needed)`);
  for (const n of [1, 2, 3]) {
    const s = await proven<RevealedShare>(votingKeys.share('board-2026', n));
    if (s === null) continue;
    const status = await clients[0]!.status(CH, s.txId);
    t.ok(s.height > closed.height!, `node ${n} revealed at ${s.height}, after the close at ${closed.height}`);
    t.equal(status.status, 'committed', `node ${n}'s reveal is a committed transaction`);
  }

  const result = ballot!.result!;
  t.same(result.counts, [[2, 1, 0], [2, 1]], 'the tally matches the votes cast');
  t.equal(result.voters, 3);
  t.equal(result.spoiled, 0);
  t.equal(result.quorumMet, true, 'quorum of 2 voters met');

  // An independent recount from the revealed state, every piece read with a proof.
  const votes = [];
  for (let n = 0; n < ballot!.voteCount; n++) {
    const pseudonym = (await proven<string>(votingKeys.seq('board-2026', n)))!;
    const v = (await proven<StoredVote>(votingKeys.vote('board-2026', pseudonym)))!;
    votes.push({ pseudonym, box: v.box, weight: v.weight });
  }
  t.same(recount(ballot!, votes, scalarFromBytes(fromHex(ballot!.secret!)), CH), result, 'anyone recounts the same result from public state');

  // Alice's receipt: her transaction is in the chain, and it is the vote counted under her pseudonym.
  const inclusion = await clients[2]!.getVerifiedTx(CH, receipts.alice!);
  t.equal(inclusion.txId ?? receipts.alice, receipts.alice, 'the receipt transaction is proven in a block');
  const counted = (await proven<StoredVote>(votingKeys.vote('board-2026', votePseudonym(CH, 'board-2026', 'alice'))))!;
  t.equal(counted.txId, receipts.alice, "alice's counted vote is her receipt's transaction");
  const revealed = await proven<{ answers: number[] }>(votingKeys.revealed('board-2026', votePseudonym(CH, 'board-2026', 'alice')));
  t.same(revealed?.answers, choices.alice, 'and it was read as she voted');
});
