import t from 'tap';
import { MessageType, Role } from '../src/index.js';
import { newRaft, drain, msg } from './helpers.js';

t.test('prevote reject at term 0', async (t) => {
  // node 2 at term 0 with entries at term 1 (e.g. bootstrap entries); candidate 1 has an older log
  const { r } = newRaft(2, { voters: [1, 2, 3], terms: [1, 1] });
  t.equal(r.term, 0);
  r.step(msg({ type: MessageType.PreVote, from: 1, to: 2, term: 1, index: 1, logTerm: 1 }));
  t.comment(JSON.stringify(drain(r)));
  t.equal(r.role, Role.Follower);
});
