#!/usr/bin/env node
/**
 * A provisioning worker process for a deployment (`node control-plane/dist/worker-main.js`):
 * takes provisioning jobs from the API's queue (startWorkerProcess, platform/worker-process.ts)
 * and places nodes through the local or the Kubernetes runtime. Configured by the environment
 * (WORKER_USAGE in platform/options.ts): DATABASE_URL, REDIS_URL, KONSORTIUM_PUBLIC_URL,
 * KONSORTIUM_DATA_DIR, KONSORTIUM_RUNTIME (+ KONSORTIUM_NAMESPACE, KONSORTIUM_NODE_IMAGE),
 * KONSORTIUM_MASTER_KEY(_FILE), LOG_LEVEL.
 *
 * SIGTERM (or SIGINT) stops taking jobs, lets the jobs in flight finish, then exits 0; a second
 * signal exits at once (130): the job's lock then expires and another worker takes it up, and
 * its steps are idempotent. Exit codes: 0 stopped cleanly, 1 failed, 2 bad usage.
 */
import { pino } from 'pino';
import { parseOrExit } from './platform/cli-exit.js';
import { parseWorkerOptions, WORKER_USAGE } from './platform/options.js';
import type { WorkerProcessOptions } from './platform/worker-process.js';

const o = parseOrExit('konsortium-worker', () => parseWorkerOptions(process.argv.slice(2), process.env), WORKER_USAGE);

const logger = pino({ level: o.logLevel });
let stopping = false;
let worker: { close(): Promise<void> } | undefined;
const stop = (signal: string): void => {
  if (stopping) process.exit(130);
  stopping = true;
  logger.info({ signal }, 'stopping: finishing the jobs in flight');
  if (worker === undefined) process.exit(0); // not started yet: nothing in flight
  worker.close().then(
    () => {
      logger.info('stopped');
      process.exit(0);
    },
    (err: unknown) => {
      logger.error({ err }, 'stop failed');
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

try {
  // Loaded once the environment is good: usage errors and --help answer at once.
  const { openKubernetesRuntime } = await import('./platform/kubernetes.js');
  const { startWorkerProcess } = await import('./platform/worker-process.js');
  let runtime: WorkerProcessOptions['runtime'];
  if (o.runtime.kind === 'kubernetes') {
    runtime = await openKubernetesRuntime(o.runtime, logger);
  }
  const started = await startWorkerProcess({
    dataDir: o.dataDir,
    databaseUrl: o.databaseUrl,
    redisUrl: o.redisUrl,
    apiUrl: o.publicUrl,
    logger,
    ...(runtime ? { runtime } : {}),
  });
  worker = started;
  logger.info({ runtime: o.runtime.kind, dataDir: o.dataDir }, 'provisioning worker ready');
} catch (err) {
  logger.fatal({ err }, 'the worker did not start');
  process.exit(1);
}
