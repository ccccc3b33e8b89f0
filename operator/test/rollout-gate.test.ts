/** RolloutGate: one node of a network changes at a time. */
import t from 'tap';
import { RolloutGate } from '../src/reconcile/rollout-gate.js';

t.test('one holder per network; others must be settled to take it', async (t) => {
  const g = new RolloutGate();
  t.equal(g.holderOf('ns/net'), undefined);
  t.notOk(g.tryTake('ns/net', 'ns/a', false), 'others not settled: refused');
  t.equal(g.holderOf('ns/net'), undefined, 'a refusal takes nothing');
  t.ok(g.tryTake('ns/net', 'ns/a', true), 'free and others settled: taken');
  t.equal(g.holderOf('ns/net'), 'ns/a');
  t.notOk(g.tryTake('ns/net', 'ns/b', true), 'held by a: b is refused even with others settled');
  t.ok(g.tryTake('ns/net', 'ns/a', false), 'the holder keeps it (its own rollout makes others look unsettled)');
  t.equal(g.holderOf('ns/net'), 'ns/a');
});

t.test('networks are independent', async (t) => {
  const g = new RolloutGate();
  t.ok(g.tryTake('ns/net1', 'ns/a', true));
  t.ok(g.tryTake('ns/net2', 'ns/b', true), 'another network has its own slot');
  t.ok(g.tryTake('other/net1', 'other/c', true), 'same name, other namespace: its own slot');
  t.equal(g.holderOf('ns/net1'), 'ns/a');
  t.equal(g.holderOf('ns/net2'), 'ns/b');
  t.equal(g.holderOf('other/net1'), 'other/c');
});

t.test('only the holder releases', async (t) => {
  const g = new RolloutGate();
  t.notOk(g.release('ns/net', 'ns/a'), 'nothing to release');
  g.tryTake('ns/net', 'ns/a', true);
  t.notOk(g.release('ns/net', 'ns/b'), 'b cannot release a’s slot');
  t.equal(g.holderOf('ns/net'), 'ns/a');
  t.notOk(g.release('ns/other', 'ns/a'), 'not on another network');
  t.ok(g.release('ns/net', 'ns/a'));
  t.equal(g.holderOf('ns/net'), undefined);
  t.notOk(g.release('ns/net', 'ns/a'), 'released once');
  t.ok(g.tryTake('ns/net', 'ns/b', true), 'then another node can take it');
  t.equal(g.holderOf('ns/net'), 'ns/b');
});
