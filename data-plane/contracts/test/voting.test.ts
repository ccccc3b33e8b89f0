import t, { type Test } from 'tap';
import { combineShares, fromHex, openBallotBox, openSealed, publicPointOf, randomScalar, scalarFromBytes, sealToBallot, toHex, utf8 } from '@konsortium/protocol';
import { type Ballot, ballotShareContext, decodeChoice, encodeChoice, recount, type RevealedShare, type RevealedVote, type StoredVote, voteAad, votingKeys } from '../src/voting/index.js';
import { decision } from './cfa-world.js';
import { ballotArgs, CHANNEL, DAY, placeAsset, type Res, secretHex, shareOf, VotingWorld } from './voting-world.js';

/** A refused operation: its code, and the state root did not move. */
function refused(t: Test, w: VotingWorld, code: string, what: string, act: () => Res): void {
  const before = w.root;
  const r = act();
  t.equal(r.code, code, `${what}: ${r.message ?? ''}`);
  t.equal(w.root, before, `${what}: state unchanged`);
}

/** Closes `id` at its end, has the nodes reveal until the key is rebuilt, and tallies to the end; returns the tally tx count. */
function closeAndCount(t: Test, w: VotingWorld, id: string, nodes = [1, 2]): number {
  const b = w.ballot(id);
  if ('closesAt' in b.window) w.at(b.window.closesAt);
  t.equal(w.run('erin', 'close', { ballot: id }).code, 'OK', `close ${id}`);
  for (const n of nodes) t.equal(w.runNode(n, 'revealShare', { ballot: id, share: w.openShare(n, id) }).code, 'OK', `node ${n} reveals`);
  let txs = 0;
  while (w.ballot(id).status === 'counting') {
    t.equal(w.run('frank', 'tally', { ballot: id }).code, 'OK', `tally ${id}`);
    txs++;
  }
  return txs;
}

t.test('choices: encoding and strict decoding', async (t) => {
  const b = { questions: [{ text: 'q', options: ['a', 'b', 'c'] }, { text: 'r', options: ['x', 'y'] }] };
  t.same(decodeChoice(encodeChoice([2, 1]), b), [2, 1]);
  for (const bad of ['{"answers":[3,0]}', '{"answers":[0]}', '{"answers":[0,1],"x":1}', '{"answers":[0.5,1]}', '[0,1]', 'null', '{"answers":"01"}', 'not json'])
    t.equal(decodeChoice(utf8(bad), b), null, bad);
  t.equal(decodeChoice(Uint8Array.of(0xff, 0xfe), b), null, 'not UTF-8');
  t.same(voteAad('c', 'b1', 'p'), utf8('vote:c/b1/p'));
});

t.test('happy path: real encryption, node reveals, batched tally = recount = hand count', async (t) => {
  const w = new VotingWorld({ ledgers: 2, extraVoters: 70 });
  const voters = [...w.extra, 'alice', 'bob', 'carol', 'dave', 'erin'];
  const { args, secret } = ballotArgs(w, 'agm-2024', { eligibility: { members: voters } });
  t.equal(w.run('op', 'createBallot', args).code, 'OK');
  const b0 = w.ballot('agm-2024');
  t.match(b0, { status: 'open', creator: 'op', snapshotHeight: w.height, eligibleVoters: 75, eligibleWeight: 75, voteCount: 0, secret: null, result: null, revote: false });
  t.same(b0.quorum, { minVoters: 0, minWeightBps: 0 });
  t.equal(w.json(votingKeys.elig('agm-2024', 'v042')), 1);
  t.same(w.json(votingKeys.voters('agm-2024')), [...voters].sort());

  w.at(b0.createdAt.timestamp + 3_600_000);
  const choices = new Map(voters.map((v, i) => [v, [i % 3, (i * 7) % 2]]));
  const list = [...choices];
  for (let i = 0; i < list.length; i += 25) {
    const codes = w.block(list.slice(i, i + 25).map(([v, a]) => w.voteTx(v, 'agm-2024', a))).map((r) => r.code);
    t.same(new Set(codes), new Set(['OK']), `votes ${i}..`);
  }
  t.equal(w.ballot('agm-2024').voteCount, 75);
  // a receipt: the voter's tx id is the one stored for its pseudonym (served with a state proof)
  const aliceVote = w.json<StoredVote>(votingKeys.vote('agm-2024', w.pseudonym('alice', 'agm-2024')))!;
  t.match(aliceVote, { weight: 1, seq: 70 });
  t.equal(w.json(votingKeys.seq('agm-2024', 70)), w.pseudonym('alice', 'agm-2024'));

  refused(t, w, 'TOO_EARLY', 'close before the end', () => w.run('erin', 'close', { ballot: 'agm-2024' }));
  w.at(b0.createdAt.timestamp + 2 * DAY);
  t.equal(w.run('erin', 'close', { ballot: 'agm-2024' }).code, 'OK', 'anyone closes after the end');
  t.equal(w.ballot('agm-2024').status, 'closed');
  t.same(w.json(votingKeys.pending), ['agm-2024'], 'the nodes see it pending');
  refused(t, w, 'ALREADY_CLOSED', 'close twice', () => w.run('erin', 'close', { ballot: 'agm-2024' }));

  // each node opens its sealed share with its own seal key and reveals it in a node-signed tx
  t.equal(w.runNode(3, 'revealShare', { ballot: 'agm-2024', share: w.openShare(3, 'agm-2024') }).code, 'OK');
  t.match(w.ballot('agm-2024'), { status: 'closed', revealedShares: 1, secret: null }, 'one share is not enough');
  t.match(w.json<RevealedShare>(votingKeys.share('agm-2024', 3)), { nodeId: 3, share: w.openShare(3, 'agm-2024') });
  refused(t, w, 'SHARE_ALREADY_REVEALED', 'same node twice', () => w.runNode(3, 'revealShare', { ballot: 'agm-2024', share: w.openShare(3, 'agm-2024') }));
  t.equal(w.runNode(1, 'revealShare', { ballot: 'agm-2024', share: w.openShare(1, 'agm-2024') }).code, 'OK');
  const counting = w.ballot('agm-2024');
  t.match(counting, { status: 'counting', revealedShares: 2, secret: secretHex(secret), cursor: 0 }, 'the key is rebuilt and published');
  refused(t, w, 'SECRET_ALREADY_REVEALED', 'a share after the key is known', () => w.runNode(2, 'revealShare', { ballot: 'agm-2024', share: w.openShare(2, 'agm-2024') }));

  t.equal(w.run('frank', 'tally', { ballot: 'agm-2024' }).code, 'OK', 'anyone tallies');
  t.match(w.ballot('agm-2024'), { status: 'counting', cursor: 64, result: null }, 'at most 64 votes per tally tx');
  t.equal(w.run('frank', 'tally', { ballot: 'agm-2024' }).code, 'OK');
  const done = w.ballot('agm-2024');
  t.match(done, { status: 'tallied', cursor: 75, progress: null });
  t.equal(w.json(votingKeys.pending), undefined, 'nothing pending');
  refused(t, w, 'NOT_COUNTING', 'tally after the end', () => w.run('frank', 'tally', { ballot: 'agm-2024' }));

  const hand = [
    [0, 0, 0],
    [0, 0],
  ];
  for (const a of choices.values()) a.forEach((o, q) => hand[q]![o]!++);
  t.same(done.result, { counts: hand, voters: 75, weightVoted: 75, spoiled: 0, eligibleVoters: 75, eligibleWeight: 75, quorumMet: true }, 'hand count');
  const published = scalarFromBytes(fromHex(done.secret!));
  t.equal(published, secret);
  t.same(recount(done, w.storedVotes('agm-2024'), published, CHANNEL), done.result, 'anyone recounts from the published data');
  for (const [v, a] of choices) t.same(w.json<RevealedVote>(votingKeys.revealed('agm-2024', w.pseudonym(v, 'agm-2024'))), { answers: a, weight: 1 });
});

t.test('creating a ballot: who, the key as a dealing, the eligibility', async (t) => {
  const w = new VotingWorld();
  const good = ballotArgs(w, 'b1').args;
  const key = (over: Record<string, unknown>) => ({ ...good, key: { ...(good.key as object), ...over } });
  const k = good.key as { shares: { nodeId: number; index: number; sealed: string }[]; commitments: string[]; publicKey: string };
  refused(t, w, 'FORBIDDEN', 'an investor', () => w.run('alice', 'createBallot', good));
  refused(t, w, 'INVALID_ARGS', 'bad id', () => w.run('op', 'createBallot', { ...good, id: 'B 1' }));
  refused(t, w, 'INVALID_ARGS', 'one option', () => w.run('op', 'createBallot', { ...good, questions: [{ text: 'q', options: ['x'] }] }));
  refused(t, w, 'INVALID_ARGS', 'window backwards', () => w.run('op', 'createBallot', { ...good, window: { opensAt: w.now + 10, closesAt: w.now + 5 } }));
  refused(t, w, 'INVALID_ARGS', 'window over', () => w.run('op', 'createBallot', { ...good, window: { opensAt: 0, closesAt: w.now } }));
  refused(t, w, 'INVALID_ARGS', 'holding weights of members', () => w.run('op', 'createBallot', { ...good, weights: 'holding' }));
  refused(t, w, 'INVALID_ARGS', 'duplicate voter', () => w.run('op', 'createBallot', { ...good, eligibility: { members: ['bob', 'bob'] } }));
  refused(t, w, 'MEMBER_NOT_FOUND', 'unknown voter', () => w.run('op', 'createBallot', { ...good, eligibility: { members: ['bob', 'zed'] } }));
  refused(t, w, 'SHARES_MISMATCH', 'a node without a share', () => w.run('op', 'createBallot', key({ shares: k.shares.slice(1) })));
  refused(t, w, 'SHARES_MISMATCH', 'two shares for a node', () => w.run('op', 'createBallot', key({ shares: [k.shares[0], { ...k.shares[1]!, nodeId: 1 }, k.shares[2]] })));
  refused(t, w, 'SHARES_MISMATCH', 'a share for no node', () => w.run('op', 'createBallot', key({ shares: [k.shares[0], k.shares[1], { ...k.shares[2]!, nodeId: 9 }] })));
  refused(t, w, 'SHARES_MISMATCH', 'repeated index', () => w.run('op', 'createBallot', key({ shares: [k.shares[0], { ...k.shares[1]!, index: 1 }, k.shares[2]] })));
  refused(t, w, 'SHARES_MISMATCH', 'index beyond n', () => w.run('op', 'createBallot', key({ shares: [k.shares[0], k.shares[1], { ...k.shares[2]!, index: 4 }] })));
  refused(t, w, 'INVALID_THRESHOLD', 't > n', () => w.run('op', 'createBallot', key({ threshold: 4, commitments: [...k.commitments, k.publicKey, k.publicKey] })));
  refused(t, w, 'INVALID_KEY', 'commitments ≠ t', () => w.run('op', 'createBallot', key({ threshold: 1 })));
  refused(t, w, 'INVALID_KEY', 'C0 ≠ X', () => w.run('op', 'createBallot', key({ publicKey: toHex(publicPointOf(randomScalar())) })));
  refused(t, w, 'INVALID_KEY', 'not a point', () => w.run('op', 'createBallot', key({ publicKey: 'ff'.repeat(32), commitments: ['ff'.repeat(32), k.commitments[1]] })));
  refused(t, w, 'INVALID_ARGS', 'short sealed share', () => w.run('op', 'createBallot', key({ shares: [{ ...k.shares[0]!, sealed: k.shares[0]!.sealed.slice(2) }, k.shares[1], k.shares[2]] })));
  t.equal(w.run('op', 'suspendMember', { id: 'erin' }, 'governance').code, 'OK');
  refused(t, w, 'MEMBER_SUSPENDED', 'a suspended voter', () => w.run('op', 'createBallot', good));
  t.equal(w.run('op', 'createBallot', { ...good, eligibility: { members: ['alice', 'bob'] }, revote: true, quorum: { minVoters: 2 } }).code, 'OK');
  t.match(w.ballot('b1'), { revote: true, quorum: { minVoters: 2, minWeightBps: 0 }, key: { threshold: 2, publicKey: k.publicKey }, eligibleVoters: 2 });
  refused(t, w, 'BALLOT_EXISTS', 'same id', () => w.run('op', 'createBallot', good));
  t.same(w.keysWith('voting/elig/b1/'), ['voting/elig/b1/alice', 'voting/elig/b1/bob']);

  const none = new VotingWorld({ withoutSealKey: [1, 2, 3] });
  refused(t, none, 'NO_SEAL_KEYS', 'no node can hold a share', () => none.run('op', 'createBallot', { ...good, id: 'b2' }));
  const two = new VotingWorld({ withoutSealKey: [3] });
  t.equal(two.deal('b3', 2).key.shares.length, 2, 'shares only for nodes with a seal key');
  refused(t, two, 'SHARES_MISMATCH', 'a share for a node without a seal key', () => two.run('op', 'createBallot', { ...good, id: 'b3' }));
});

t.test('votes: window, eligibility, pseudonyms, double votes, close', async (t) => {
  const w = new VotingWorld();
  t.equal(w.run('op', 'createBallot', ballotArgs(w, 'b1').args).code, 'OK');
  const b = w.ballot('b1');
  if (!('opensAt' in b.window)) throw new Error('a time window');
  const { opensAt: opens, closesAt } = b.window;
  refused(t, w, 'BALLOT_NOT_OPEN', 'before the window', () => w.vote('alice', 'b1', [0, 0]));
  w.at(opens);
  refused(t, w, 'BALLOT_NOT_FOUND', 'no ballot', () => w.run('alice', 'vote', { ballot: 'b9', pseudonym: w.pseudonym('alice', 'b9'), box: w.box('alice', 'b1', [0, 0]) }));
  refused(t, w, 'NOT_ELIGIBLE', 'frank is not on the list', () => w.vote('frank', 'b1', [0, 0]));
  refused(t, w, 'FORGED_PSEUDONYM', "bob's pseudonym", () => w.run('alice', 'vote', { ballot: 'b1', pseudonym: w.pseudonym('bob', 'b1'), box: w.box('bob', 'b1', [1, 1]) }));
  refused(t, w, 'INVALID_ARGS', 'box too large', () => w.run('alice', 'vote', { ballot: 'b1', pseudonym: w.pseudonym('alice', 'b1'), box: '00'.repeat(4097) }));
  const first = w.voteTx('alice', 'b1', [0, 0]);
  t.equal(w.block([first])[0]!.code, 'OK');
  refused(t, w, 'ALREADY_VOTED', 'a second vote', () => w.vote('alice', 'b1', [1, 1]));
  t.equal(w.json<StoredVote>(votingKeys.vote('b1', w.pseudonym('alice', 'b1')))!.txId, toHex(first.id), 'the first vote stands');
  t.equal(w.vote('bob', 'b1', [1, 0]).code, 'OK');
  refused(t, w, 'TOO_EARLY', 'close inside the window', () => w.run('op', 'close', { ballot: 'b1' }));
  w.at(closesAt);
  refused(t, w, 'BALLOT_CLOSED', 'at closesAt, before any close tx', () => w.vote('carol', 'b1', [0, 0]));
  t.equal(w.run('carol', 'close', { ballot: 'b1' }).code, 'OK');
  refused(t, w, 'BALLOT_CLOSED', 'after the close tx', () => w.vote('carol', 'b1', [0, 0]));
  t.equal(w.ballot('b1').voteCount, 2);

  // a window by block height
  const h = w.height;
  t.equal(w.run('op', 'createBallot', ballotArgs(w, 'h1', { window: { openHeight: h + 3, closeHeight: h + 5 } }).args).code, 'OK');
  refused(t, w, 'BALLOT_NOT_OPEN', 'before openHeight', () => w.vote('alice', 'h1', [0, 0]));
  t.equal(w.vote('alice', 'h1', [0, 0]).code, 'OK', 'at openHeight');
  t.equal(w.vote('bob', 'h1', [0, 0]).code, 'OK');
  refused(t, w, 'BALLOT_CLOSED', 'at closeHeight', () => w.vote('carol', 'h1', [0, 0]));
  t.equal(closeAndCount(t, w, 'h1'), 1);
  t.same(w.ballot('h1').result!.counts, [[2, 0, 0], [2, 0]]);
});

t.test('revotes replace the earlier vote when the ballot allows them', async (t) => {
  const w = new VotingWorld();
  t.equal(w.run('op', 'createBallot', ballotArgs(w, 'rv', { revote: true }).args).code, 'OK');
  w.at(w.now + 3_600_000);
  t.equal(w.vote('alice', 'rv', [0, 0]).code, 'OK');
  const again = w.voteTx('alice', 'rv', [2, 1]);
  t.equal(w.block([again])[0]!.code, 'OK');
  t.match(w.ballot('rv'), { voteCount: 1, replaced: 1, revote: true });
  t.match(w.json<StoredVote>(votingKeys.vote('rv', w.pseudonym('alice', 'rv'))), { txId: toHex(again.id), seq: 0 });
  closeAndCount(t, w, 'rv');
  t.same(w.ballot('rv').result!.counts, [[0, 0, 1], [0, 1]], 'only the last vote counts');
});

t.test('revealing and tallying: nodes only, after close, verified shares', async (t) => {
  const w = new VotingWorld({ withoutSealKey: [3] });
  t.equal(w.run('op', 'createBallot', ballotArgs(w, 'b1').args).code, 'OK');
  w.at(w.now + 3_600_000);
  t.equal(w.vote('alice', 'b1', [1, 1]).code, 'OK');
  const share1 = w.openShare(1, 'b1');
  refused(t, w, 'NOT_CLOSED', 'reveal while open', () => w.runNode(1, 'revealShare', { ballot: 'b1', share: share1 }));
  refused(t, w, 'NOT_COUNTING', 'tally while open', () => w.run('op', 'tally', { ballot: 'b1' }));
  w.at(w.now + 2 * DAY);
  t.equal(w.run('op', 'close', { ballot: 'b1' }).code, 'OK');
  refused(t, w, 'FORBIDDEN', 'a member is no node', () => w.run('op', 'revealShare', { ballot: 'b1', share: share1 }));
  refused(t, w, 'NOT_A_SHAREHOLDER', 'node 3 has no seal key', () => w.runNode(3, 'revealShare', { ballot: 'b1', share: share1 }));
  refused(t, w, 'INVALID_SHARE', "node 2's share from node 1", () => w.runNode(1, 'revealShare', { ballot: 'b1', share: w.openShare(2, 'b1') }));
  refused(t, w, 'INVALID_SHARE', 'a non-canonical scalar', () => w.runNode(1, 'revealShare', { ballot: 'b1', share: 'ff'.repeat(32) }));
  refused(t, w, 'BALLOT_NOT_FOUND', 'no ballot', () => w.runNode(1, 'revealShare', { ballot: 'b9', share: share1 }));
  refused(t, w, 'NOT_COUNTING', 'tally before the reveal', () => w.run('op', 'tally', { ballot: 'b1' }));
  t.equal(w.runNode(1, 'revealShare', { ballot: 'b1', share: share1 }).code, 'OK');
  t.equal(w.runNode(2, 'revealShare', { ballot: 'b1', share: w.openShare(2, 'b1') }).code, 'OK');
  t.equal(w.run('op', 'tally', { ballot: 'b1' }).code, 'OK');
  t.same(w.ballot('b1').result!.counts, [[0, 1, 0], [0, 1]]);
});

t.test('no node alone can decrypt a vote before close', async (t) => {
  const w = new VotingWorld();
  const { args, secret } = ballotArgs(w, 'sec', {}, 2);
  t.equal(w.run('op', 'createBallot', args).code, 'OK');
  w.at(w.now + 3_600_000);
  t.equal(w.vote('alice', 'sec', [2, 0]).code, 'OK');
  const b = w.ballot('sec');
  const box = fromHex(w.json<StoredVote>(votingKeys.vote('sec', w.pseudonym('alice', 'sec')))!.box);
  const pub = fromHex(b.key.publicKey);
  const aad = voteAad(CHANNEL, 'sec', w.pseudonym('alice', 'sec'));
  const s1 = shareOf(b.key.shares[0]!.index, w.openShare(1, 'sec'));
  const alone = combineShares([s1], 1);
  t.not(toHex(publicPointOf(alone)), b.key.publicKey, "one node's share is not the key");
  t.throws(() => openBallotBox(alone, pub, box, aad), { code: 'DECRYPT_FAILED' }, 'and opens no vote');
  const sealed1 = fromHex(b.key.shares[0]!.sealed);
  t.throws(() => openSealed(w.sealKeys[0]!.privateKey, sealed1, ballotShareContext(CHANNEL, 'other', 1)), { code: 'DECRYPT_FAILED' }, 'a sealed share is bound to its ballot');
  t.throws(() => openSealed(w.sealKeys[1]!.privateKey, sealed1, ballotShareContext(CHANNEL, 'sec', 1)), { code: 'DECRYPT_FAILED' }, "and only its node's seal key opens it");
  const s2 = shareOf(b.key.shares[1]!.index, w.openShare(2, 'sec'));
  t.equal(combineShares([s1, s2], 2), secret, 't shares rebuild it');
  t.same(decodeChoice(openBallotBox(secret, pub, box, aad), b), [2, 0]);
});

t.test('spoiled votes, turnout and quorum', async (t) => {
  const w = new VotingWorld();
  t.equal(w.run('op', 'createBallot', ballotArgs(w, 'sp', { quorum: { minVoters: 5 } }).args).code, 'OK');
  t.equal(w.run('op', 'createBallot', ballotArgs(w, 'q6', { quorum: { minVoters: 6 } }).args).code, 'OK');
  t.equal(w.run('op', 'createBallot', ballotArgs(w, 'empty', { quorum: { minWeightBps: 1 } }).args).code, 'OK');
  w.at(w.now + 3_600_000);
  const pub = fromHex(w.ballot('sp').key.publicKey);
  const wrongAad = toHex(sealToBallot(pub, encodeChoice([0, 0]), voteAad(CHANNEL, 'sp', w.pseudonym('alice', 'sp'))));
  const raw = (who: string, box: string) => w.sign(who, [{ method: 'vote', args: { ballot: 'sp', pseudonym: w.pseudonym(who, 'sp'), box } }]);
  const codes = w.block([
    w.voteTx('alice', 'sp', [0, 1]),
    w.voteTx('bob', 'sp', [3, 0]), // no option 3
    w.voteTx('carol', 'sp', utf8('{"answers":[0]}')), // one answer for two questions
    raw('dave', '00'.repeat(100)), // not a ballot box
    raw('erin', wrongAad), // alice's box copied: bound to alice's pseudonym
    w.voteTx('alice', 'q6', [0, 1]),
  ]);
  t.same(codes.map((c) => c.code), ['OK', 'OK', 'OK', 'OK', 'OK', 'OK']);
  closeAndCount(t, w, 'sp');
  const r = w.ballot('sp').result!;
  t.same(r, { counts: [[1, 0, 0], [0, 1]], voters: 5, weightVoted: 5, spoiled: 4, eligibleVoters: 5, eligibleWeight: 5, quorumMet: true }, 'spoiled votes count as turnout');
  t.equal(w.json<RevealedVote>(votingKeys.revealed('sp', w.pseudonym('dave', 'sp')))!.answers, null);
  closeAndCount(t, w, 'q6');
  t.match(w.ballot('q6').result, { voters: 1, quorumMet: false }, 'minVoters not met');
  t.equal(closeAndCount(t, w, 'empty'), 1);
  t.same(w.ballot('empty').result, { counts: [[0, 0, 0], [0, 0]], voters: 0, weightVoted: 0, spoiled: 0, eligibleVoters: 5, eligibleWeight: 5, quorumMet: false });
});

t.test('CFA holders vote with the weights of the snapshot at creation', async (t) => {
  const w = new VotingWorld();
  placeAsset(w, 'BOND1', { alice: 500, bob: 300, carol: 200 });
  const hold = (id: string, bps: number) => ballotArgs(w, id, { eligibility: { cfaAsset: 'BOND1' }, weights: 'holding', quorum: { minWeightBps: bps } }).args;
  refused(t, w, 'FORBIDDEN', 'an investor', () => w.run('alice', 'createBallot', hold('h1', 6000)));
  refused(t, w, 'FORBIDDEN', 'another issuer', () => w.run('iss2', 'createBallot', hold('h1', 6000)));
  refused(t, w, 'ASSET_NOT_FOUND', 'no asset', () => w.run('op', 'createBallot', { ...hold('h1', 0), eligibility: { cfaAsset: 'NOPE' } }));
  t.equal(w.run('iss', 'fileIssue', decision('BOND2', { placementStart: w.now + DAY, placementEnd: w.now + 5 * DAY }), 'cfa').code, 'OK');
  refused(t, w, 'NO_ELIGIBLE_VOTERS', 'an asset without holders', () => w.run('iss', 'createBallot', { ...hold('h1', 0), eligibility: { cfaAsset: 'BOND2' } }));
  t.equal(w.run('iss', 'createBallot', hold('h1', 6000)).code, 'OK', "the asset's issuer");
  const created = w.height;
  t.equal(w.run('op', 'createBallot', { ...hold('e1', 0), weights: 'equal' }).code, 'OK', 'an operator, equal weights');
  t.match(w.ballot('h1'), { snapshotHeight: created, eligibility: { source: 'cfaAsset', asset: 'BOND1' }, eligibleVoters: 3, eligibleWeight: 1000 });
  t.equal(w.json(votingKeys.elig('e1', 'alice')), 1);

  t.equal(w.run('alice', 'gift', { asset: 'BOND1', to: 'dave', quantity: 400 }, 'cfa').code, 'OK', 'a transfer after creation');
  t.equal(w.run('iss', 'createBallot', hold('h2', 5000)).code, 'OK', 'a later snapshot');
  t.equal(w.json(votingKeys.elig('h1', 'alice')), 500, 'the earlier snapshot is unchanged');
  t.equal(w.json(votingKeys.elig('h2', 'alice')), 100);
  w.at(w.now + 3_600_000);
  refused(t, w, 'NOT_ELIGIBLE', 'dave bought after the snapshot', () => w.vote('dave', 'h1', [0, 0]));
  t.same(w.block(['alice', 'bob'].flatMap((v, i) => [w.voteTx(v, 'h1', [i, 1 - i]), w.voteTx(v, 'h2', [i, 1 - i])])).map((r) => r.code), ['OK', 'OK', 'OK', 'OK']);
  for (const id of ['h1', 'h2']) closeAndCount(t, w, id);
  t.same(w.ballot('h1').result, { counts: [[500, 300, 0], [300, 500]], voters: 2, weightVoted: 800, spoiled: 0, eligibleVoters: 3, eligibleWeight: 1000, quorumMet: true });
  t.match(w.ballot('h2').result, { counts: [[100, 300, 0], [300, 100]], weightVoted: 400, eligibleVoters: 4, quorumMet: false }, '40% < 50%');
  const h1: Ballot = w.ballot('h1');
  t.same(recount(h1, w.storedVotes('h1'), scalarFromBytes(fromHex(h1.secret!)), CHANNEL), h1.result);
});
