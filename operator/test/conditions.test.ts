/** setConditions: transition times, order, observedGeneration, reason format, message cap. */
import t from 'tap';
import type { Condition } from '../src/api-types.js';
import { conditionOf, isoSeconds, setConditions } from '../src/conditions.js';

const T0 = '2024-05-01T10:00:00Z';
const T1 = '2024-05-01T10:05:00Z';

t.test('lastTransitionTime moves only when the status flips', async (t) => {
  const first = setConditions(undefined, [{ type: 'Ready', status: 'False', reason: 'PodStarting', message: 'starting' }], T0, 1);
  t.same(first, [{ type: 'Ready', status: 'False', reason: 'PodStarting', message: 'starting', lastTransitionTime: T0, observedGeneration: 1 }]);
  const same = setConditions(first, [{ type: 'Ready', status: 'False', reason: 'PodNotReady', message: 'waiting' }], T1, 2);
  t.equal(same[0]!.lastTransitionTime, T0, 'same status: time kept');
  t.equal(same[0]!.reason, 'PodNotReady', 'reason updated');
  t.equal(same[0]!.message, 'waiting', 'message updated');
  t.equal(same[0]!.observedGeneration, 2, 'observedGeneration updated');
  const flipped = setConditions(same, [{ type: 'Ready', status: 'True', reason: 'Running', message: '' }], T1, 2);
  t.equal(flipped[0]!.lastTransitionTime, T1, 'flip: time moved');
  t.equal(flipped[0]!.status, 'True');
  const unknown = setConditions(flipped, [{ type: 'Ready', status: 'Unknown', reason: 'Lost', message: '' }], '2024-05-01T11:00:00Z', 2);
  t.equal(unknown[0]!.lastTransitionTime, '2024-05-01T11:00:00Z', 'True → Unknown is a flip');
  t.equal(first[0]!.reason, 'PodStarting', 'the input is not modified');
});

t.test('one entry per type, sorted by type; untouched types kept', async (t) => {
  const current: Condition[] = [
    { type: 'Ready', status: 'True', reason: 'Running', message: '', lastTransitionTime: T0, observedGeneration: 1 },
    { type: 'Degraded', status: 'False', reason: 'Fine', message: '', lastTransitionTime: T0 },
  ];
  const next = setConditions(
    current,
    [
      { type: 'Progressing', status: 'True', reason: 'Rolling', message: 'node 2' },
      { type: 'Available', status: 'True', reason: 'Quorum', message: '' },
      { type: 'Ready', status: 'True', reason: 'Running', message: 'again' },
    ],
    T1,
    5,
  );
  t.same(
    next.map((c) => c.type),
    ['Available', 'Degraded', 'Progressing', 'Ready'],
  );
  t.same(next.find((c) => c.type === 'Degraded'), current[1], 'a type not in `next` is kept as it was');
  t.equal(next.find((c) => c.type === 'Ready')!.lastTransitionTime, T0);
  t.equal(next.find((c) => c.type === 'Available')!.lastTransitionTime, T1, 'a new type starts now');
  t.equal(next.filter((c) => c.type === 'Ready').length, 1);
  const twice = setConditions(undefined, [
    { type: 'Ready', status: 'False', reason: 'A', message: '1' },
    { type: 'Ready', status: 'True', reason: 'B', message: '2' },
  ], T0, 1);
  t.same(
    twice.map((c) => [c.type, c.reason]),
    [['Ready', 'B']],
    'the last input of a type wins',
  );
});

t.test('observedGeneration is set when given, absent otherwise', async (t) => {
  t.equal(setConditions(undefined, [{ type: 'Ready', status: 'True', reason: 'Ok', message: '' }], T0, 7)[0]!.observedGeneration, 7);
  t.equal(setConditions(undefined, [{ type: 'Ready', status: 'True', reason: 'Ok', message: '' }], T0, 0)[0]!.observedGeneration, 0, 'generation 0 is a generation');
  t.notOk('observedGeneration' in setConditions(undefined, [{ type: 'Ready', status: 'True', reason: 'Ok', message: '' }], T0, undefined)[0]!);
});

t.test('a reason that is not CamelCase throws', async (t) => {
  for (const reason of ['', 'podReady', 'Pod Ready', 'Pod_Ready', 'Pod-Ready', 'Pod.Ready', '1Pod']) {
    t.throws(() => setConditions(undefined, [{ type: 'Ready', status: 'True', reason, message: '' }], T0, 1), /CamelCase/, JSON.stringify(reason));
  }
  for (const reason of ['P', 'PodReady', 'ImagePullBackOff']) t.doesNotThrow(() => setConditions(undefined, [{ type: 'Ready', status: 'True', reason, message: '' }], T0, 1), reason);
});

t.test('the message is capped at 4096 characters', async (t) => {
  const long = 'x'.repeat(5000);
  t.equal(setConditions(undefined, [{ type: 'Ready', status: 'False', reason: 'Bad', message: long }], T0, 1)[0]!.message.length, 4096);
  const exact = 'y'.repeat(4096);
  t.equal(setConditions(undefined, [{ type: 'Ready', status: 'False', reason: 'Bad', message: exact }], T0, 1)[0]!.message, exact);
});

t.test('conditionOf and isoSeconds', async (t) => {
  const cs = setConditions(undefined, [{ type: 'Ready', status: 'True', reason: 'Ok', message: '' }], T0, 1);
  t.equal(conditionOf(cs, 'Ready')?.status, 'True');
  t.equal(conditionOf(cs, 'Other'), undefined);
  t.equal(conditionOf(undefined, 'Ready'), undefined);
  t.equal(isoSeconds(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), '2024-01-02T03:04:05Z', 'whole seconds, UTC, Z');
  t.equal(isoSeconds(0), '1970-01-01T00:00:00Z');
});
