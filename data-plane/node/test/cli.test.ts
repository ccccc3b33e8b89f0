// Flag parsing of the node binary, and its exit status on bad flags.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parseCli, UsageError } from '../src/cli/args.js';

const base = ['--id', '1', '--data-dir', '/tmp/x', '--raft-addr', '127.0.0.1:7001', '--http-addr', '127.0.0.1:8001'];
const peers = ['--peer', '1=127.0.0.1:7001,127.0.0.1:8001', '--peer', '2=127.0.0.1:7002,127.0.0.1:8002'];

t.test('a valid command line', async (t) => {
  const c = parseCli([...base, ...peers, '--cluster-id', 'prod', '--tick-ms', '50', '--snapshot-entries', '500', '--no-fsync'])!;
  t.equal(c.id, 1);
  t.same(c.peers, [
    { id: 1, raftAddr: '127.0.0.1:7001', httpAddr: '127.0.0.1:8001' },
    { id: 2, raftAddr: '127.0.0.1:7002', httpAddr: '127.0.0.1:8002' },
  ]);
  t.equal(c.clusterId, 'prod');
  t.equal(c.tickMs, 50);
  t.equal(c.snapshotEntries, 500);
  t.equal(c.fsync, false);
  t.equal(parseCli(['--help']), null);
  t.equal(parseCli([...base, '--join'])!.join, true);
});

t.test('bad command lines are usage errors naming the problem', async (t) => {
  const cases: [string[], RegExp][] = [
    [[], /--id is required/],
    [[...base.slice(2)], /--id is required/],
    [['--id', '0', ...base.slice(2)], /--id must be a positive integer/],
    [['--id', 'x', ...base.slice(2)], /--id must be a positive integer/],
    [[...base.slice(0, 2), ...base.slice(4)], /--data-dir is required/],
    [[...base.slice(0, 4), '--raft-addr', 'localhost', ...base.slice(6)], /--raft-addr must be HOST:PORT/],
    [[...base, '--peer', '2=a'], /--peer must be ID=RAFTADDR,HTTPADDR/],
    [[...base, '--peer', '2=127.0.0.1:1,127.0.0.1:2'], /must include this node/],
    [[...base, ...peers, '--peer', '2=127.0.0.1:7,127.0.0.1:8'], /given twice/],
    [[...base, '--peer', '1=127.0.0.1:9,127.0.0.1:8001'], /disagrees/],
    [[...base, '--bogus'], /Unknown option/],
    [[...base, '--tick-ms', '1.5'], /--tick-ms must be a positive integer/],
    [[...base, '--election-ticks', '1', '--heartbeat-ticks', '1'], /greater than/],
    [[...base, '--cluster-id', 'a b'], /--cluster-id/],
  ];
  for (const [argv, re] of cases) {
    t.throws(() => parseCli(argv), UsageError, argv.join(' '));
    try {
      parseCli(argv);
    } catch (err) {
      t.match((err as Error).message, re);
    }
  }
});

const mainJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/main.js');

t.test('the binary exits with status 2 on bad flags', { skip: existsSync(mainJs) ? false : 'dist/main.js not built' }, async (t) => {
  const r = spawnSync(process.execPath, [mainJs, '--id', 'nope'], { encoding: 'utf8', timeout: 10_000 });
  t.equal(r.status, 2);
  t.match(r.stderr, /--id must be a positive integer/);
  const h = spawnSync(process.execPath, [mainJs, '--help'], { encoding: 'utf8', timeout: 10_000 });
  t.equal(h.status, 0);
  t.match(h.stdout, /--peer ID=RAFT,HTTP/);
});
