/**
 * A provisioning worker in its own process, for the test that kills a worker mid-job:
 *   node test/dist/lib/worker-child.js '<json options>'
 * Options: dataDir, databaseUrl, redisUrl, apiUrl, lockDurationMs, and killAt: the step at
 * which this process SIGKILLs itself (before running it), as a crash or an OOM kill would.
 */
import { startWorkerProcess } from '@konsortium/control-plane/worker';
import { pino } from 'pino';

interface ChildOptions {
  readonly dataDir: string;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly apiUrl: string;
  readonly lockDurationMs: number;
  readonly killAt: string;
}

const o = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
const logger = pino({ level: 'info' }, pino.destination({ dest: 2, sync: true }));
await startWorkerProcess({
  dataDir: o.dataDir,
  databaseUrl: o.databaseUrl,
  redisUrl: o.redisUrl,
  apiUrl: o.apiUrl,
  logger,
  nodeExtraArgs: ['--no-fsync'],
  lockDurationMs: o.lockDurationMs,
  beforeStep: (operationId, step) => {
    if (step !== o.killAt) return;
    logger.warn({ operationId, step }, 'killing this worker process (SIGKILL) before the step');
    process.kill(process.pid, 'SIGKILL');
  },
});
process.stdout.write('worker ready\n');
