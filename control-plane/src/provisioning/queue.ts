/**
 * Provisioning on BullMQ. The job id is the operation id, so enqueueing twice is one job;
 * retries use exponential backoff; a worker that dies mid-job leaves it stalled and BullMQ
 * hands it to another worker, which resumes from the operation's recorded steps. `close()`
 * waits for jobs in flight (graceful shutdown).
 */
import { type ConnectionOptions, Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { OperationQueue } from '../api/context.js';
import type { PrismaClient } from '../db/prisma.js';
import type { OperationRunner } from './runner.js';

export const PROVISIONING_QUEUE = 'konsortium-provisioning';

export interface QueueOptions {
  /** redis://host:port */
  readonly redisUrl: string;
  readonly attempts?: number;
  readonly backoffMs?: number;
}

export function redisConnection(url: string): ConnectionOptions {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379), ...(u.password ? { password: decodeURIComponent(u.password) } : {}), maxRetriesPerRequest: null };
}

export class ProvisioningQueue implements OperationQueue {
  readonly queue: Queue;
  constructor(private readonly o: QueueOptions) {
    this.queue = new Queue(PROVISIONING_QUEUE, { connection: redisConnection(o.redisUrl) });
  }

  async enqueue(operationId: string): Promise<void> {
    await this.queue.add(
      'operation',
      { operationId },
      { jobId: operationId, attempts: this.o.attempts ?? 5, backoff: { type: 'exponential', delay: this.o.backoffMs ?? 1_000 }, removeOnComplete: 1_000, removeOnFail: 5_000 },
    );
  }

  /** Re-enqueues operations left queued or running (e.g. the process stopped between commit and enqueue). */
  async requeueUnfinished(db: PrismaClient): Promise<number> {
    const ops = await db.provisioningOperation.findMany({ where: { status: { in: ['queued', 'running'] } }, select: { id: true } });
    for (const op of ops) await this.enqueue(op.id);
    return ops.length;
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

export interface WorkerOptions {
  readonly redisUrl: string;
  readonly concurrency?: number;
  /** How long a job may go without its lock being renewed before it counts as stalled. */
  readonly lockDurationMs?: number;
  readonly logger?: Logger;
}

export class ProvisioningWorker {
  readonly worker: Worker;
  constructor(runner: OperationRunner, o: WorkerOptions) {
    this.worker = new Worker(
      PROVISIONING_QUEUE,
      async (job) => {
        await runner.run(String((job.data as { operationId: string }).operationId), job.attemptsMade + 1);
      },
      { connection: redisConnection(o.redisUrl), concurrency: o.concurrency ?? 2, lockDuration: o.lockDurationMs ?? 30_000, stalledInterval: Math.min(o.lockDurationMs ?? 30_000, 30_000) },
    );
    this.worker.on('failed', (job, err) => {
      if (job === undefined) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1);
      o.logger?.warn({ operation: job.data?.operationId, attempt: job.attemptsMade, final, err: err.message }, 'provisioning job failed');
      if (final) void runner.fail(String(job.data.operationId), err).catch(() => undefined);
    });
    this.worker.on('error', (err) => o.logger?.error({ err }, 'provisioning worker error'));
  }

  /** Stops taking jobs and waits for those in flight. */
  close(): Promise<void> {
    return this.worker.close();
  }
}
