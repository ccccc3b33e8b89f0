import t from 'tap';
import { Role } from '../src/index.js';
import { data, TestCluster, text } from './helpers.js';

t.test('three nodes elect a leader and replicate', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  t.equal(c.get(1).node.raft.role, Role.Leader);
  c.get(1).node.propose(data('a'));
  c.get(1).node.propose(data('b'));
  c.stabilize();
  for (const id of [1, 2, 3]) t.same(c.get(id).applied.map(text), ['a', 'b'], `node ${id}`);
});
