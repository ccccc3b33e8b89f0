// checkNetworkMessage (the transport's gate in front of the core) and config validation.
import t from 'tap';
import {
  checkNetworkMessage,
  ConfChangeType,
  EMPTY_BYTES,
  type Message,
  message,
  MessageType,
  RawNode,
  SeededRandom,
  MemoryStorage,
} from '../src/index.js';
import { data, ent, TestCluster } from './helpers.js';

const limits = { maxEntryBytes: 100, maxEntries: 3 };
const check = (m: Message, self = 2) => checkNetworkMessage(m, self, limits);
const app = (fields: Partial<Message> = {}) =>
  message({ type: MessageType.App, to: 2, from: 1, term: 3, index: 4, logTerm: 2, entries: [ent(5, 2), ent(6, 3)], commit: 4, ...fields });

t.test('well-formed messages pass', async (t) => {
  t.equal(check(app()), null);
  t.equal(check(message({ type: MessageType.Heartbeat, to: 2, from: 1, term: 3, commit: 2 })), null);
  t.equal(check(message({ type: MessageType.Prop, to: 2, from: 1, term: 0, entries: [ent(0, 0, 'x')] })), null);
  t.equal(check(message({ type: MessageType.ReadIndex, to: 2, from: 1, term: 0, context: data('c') })), null);
  t.equal(check(message({ type: MessageType.TransferLeader, to: 2, from: 3, term: 0 })), null);
  const snapshot = { metadata: { index: 9, term: 2, confState: { voters: [1, 2], learners: [] } }, data: EMPTY_BYTES };
  t.equal(check(message({ type: MessageType.Snap, to: 2, from: 1, term: 3, snapshot })), null);
});

t.test('malformed or misaddressed messages are refused with a reason', async (t) => {
  const snapshot = { metadata: { index: 9, term: 2, confState: { voters: [1, 2], learners: [] } }, data: EMPTY_BYTES };
  const cases: [string, Message, RegExp][] = [
    ['local Hup', message({ type: MessageType.Hup, to: 2, from: 1, term: 3 }), /local message/],
    ['local Beat', message({ type: MessageType.Beat, to: 2, from: 1, term: 3 }), /local message/],
    ['local SnapStatus', message({ type: MessageType.SnapStatus, to: 2, from: 1, term: 3 }), /local message/],
    ['local Unreachable', message({ type: MessageType.Unreachable, to: 2, from: 1, term: 3 }), /local message/],
    ['local CheckQuorum', message({ type: MessageType.CheckQuorum, to: 2, from: 1, term: 3 }), /local message/],
    ['wrong addressee', app({ to: 3 }), /addressed to 3/],
    ['no sender', app({ from: 0 }), /invalid sender/],
    ['from itself', app({ from: 2 }), /invalid sender/],
    ['forwarded with a term', message({ type: MessageType.Prop, to: 2, from: 1, term: 3, entries: [ent(0, 0)] }), /term 0/],
    ['no term', app({ term: 0 }), /without a term/],
    ['vote without a term', message({ type: MessageType.Vote, to: 2, from: 1, term: 0 }), /without a term/],
    ['empty proposal', message({ type: MessageType.Prop, to: 2, from: 1, term: 0 }), /empty proposal/],
    ['entries on a heartbeat', message({ type: MessageType.Heartbeat, to: 2, from: 1, term: 3, entries: [ent(1, 1)] }), /must not carry entries/],
    ['too many entries', app({ index: 4, entries: [ent(5, 2), ent(6, 2), ent(7, 2), ent(8, 2)] }), /exceed the limit/],
    ['too many bytes', app({ entries: [ent(5, 2, 'x'.repeat(101))] }), /exceed the limit/],
    ['gap in indexes', app({ entries: [ent(5, 2), ent(7, 2)] }), /expected 6/],
    ['wrong first index', app({ entries: [ent(6, 2)] }), /expected 5/],
    ['entry term above the message term', app({ entries: [ent(5, 4)] }), /out of order/],
    ['entry term below the previous one', app({ entries: [ent(5, 3), ent(6, 2)] }), /out of order/],
    ['entry term below logTerm', app({ entries: [ent(5, 1)] }), /out of order/],
    ['prev log term above the term', app({ logTerm: 4, entries: [] }), /previous log term/],
    ['Snap without snapshot', message({ type: MessageType.Snap, to: 2, from: 1, term: 3 }), /snapshot/],
    ['snapshot on an append', app({ snapshot }), /snapshot/],
    ['negative index', app({ index: -1, entries: [] }), /negative/],
    ['negative commit', message({ type: MessageType.Heartbeat, to: 2, from: 1, term: 3, commit: -1 }), /negative/],
  ];
  for (const [name, m, why] of cases) {
    const r = check(m);
    t.match(r, why, name);
  }
});

t.test('every message the core sends passes the transport check at its receiver', async (t) => {
  const c = new TestCluster([1, 2, 3, 4], { maxSizePerMsgBytes: 64 }, 1, [4]);
  c.elect(1);
  c.propose(1, 'a', 'b');
  c.get(2).node.propose(data('via follower'));
  c.get(3).node.readIndex(data('read'));
  c.get(4).node.readIndex(data('learner read'));
  c.stabilize();
  c.isolate(3);
  c.propose(1, 'c', 'd');
  c.compact(1);
  c.heal();
  c.run(5); // a snapshot to 3
  c.get(2).node.transferLeader(3); // forwarded
  c.stabilize();
  c.confChange(3, ConfChangeType.PromoteLearner, 4);
  c.get(4).node.transferLeader(4);
  c.stabilize();
  c.isolate(4);
  c.run(40); // elections, pre-votes, stale-term answers
  c.heal();
  c.run(20);
  const bad = c.sent.map((m) => [m, checkNetworkMessage(m, m.to, { maxEntryBytes: 1 << 20, maxEntries: 1000 })] as const).filter(([, why]) => why !== null);
  t.same(bad.map(([m, why]) => `${MessageType[m.type]} ${m.from}->${m.to}: ${why}`), []);
  const seen = new Set(c.sent.map((m) => MessageType[m.type]));
  for (const type of ['App', 'AppResp', 'Vote', 'VoteResp', 'PreVote', 'PreVoteResp', 'Snap', 'Heartbeat', 'HeartbeatResp', 'TransferLeader', 'TimeoutNow', 'ReadIndex', 'ReadIndexResp', 'Prop']) {
    t.ok(seen.has(type), `exercised ${type}`);
  }
});

t.test('configuration is validated (INVALID_CONFIG)', async (t) => {
  const base = { id: 1, electionTicks: 10, heartbeatTicks: 1, storage: new MemoryStorage(), random: new SeededRandom(1) };
  const bad: [string, object, RegExp][] = [
    ['id 0', { id: 0 }, /id must be/],
    ['negative id', { id: -3 }, /id must be/],
    ['fractional id', { id: 1.5 }, /id must be/],
    ['heartbeatTicks 0', { heartbeatTicks: 0 }, /heartbeatTicks/],
    ['election not above heartbeat', { electionTicks: 3, heartbeatTicks: 3 }, /electionTicks/],
    ['fractional electionTicks', { electionTicks: 10.5 }, /electionTicks/],
    ['maxInflightMsgs 0', { maxInflightMsgs: 0 }, /maxInflightMsgs/],
    ['maxSizePerMsgBytes 0', { maxSizePerMsgBytes: 0 }, /maxSizePerMsgBytes/],
    ['lease without check-quorum', { readOnlyOption: 'lease', checkQuorum: false }, /checkQuorum/],
    ['negative applied', { applied: -1 }, /applied/],
  ];
  for (const [name, over, why] of bad) {
    t.throws(() => new RawNode({ ...base, ...over }), { code: 'INVALID_CONFIG', message: why }, name);
  }
  t.doesNotThrow(() => new RawNode({ ...base, readOnlyOption: 'lease' }));
});
