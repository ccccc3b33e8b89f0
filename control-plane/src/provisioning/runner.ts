/**
 * Runs one provisioning operation: its plan's steps in order, skipping those already done,
 * recording progress after each, so a retry (BullMQ re-delivers a job whose worker died, or
 * retries one that threw) picks up where the last attempt stopped.
 */
import type { Logger } from 'pino';
import type { PrismaClient } from '../db/prisma.js';
import { type NetworkDeps, openNetwork } from './network.js';
import { PLANS } from './plans.js';
import type { StepDeps } from './steps.js';

export interface RunnerDeps extends StepDeps, NetworkDeps {
  readonly db: PrismaClient;
  readonly logger?: Logger;
  /** Test hook: called before each step; throw to simulate a crash there. */
  readonly beforeStep?: (operationId: string, step: string) => void | Promise<void>;
}

export class OperationRunner {
  constructor(private readonly deps: RunnerDeps) {}

  /** Runs (or resumes) the operation; throws when a step fails (the queue retries). */
  async run(operationId: string, attempt: number): Promise<void> {
    const db = this.deps.db;
    let op = await db.provisioningOperation.findUnique({ where: { id: operationId } });
    if (op === null) {
      this.deps.logger?.warn({ operationId }, 'provisioning operation not found; dropping the job');
      return;
    }
    if (op.status === 'succeeded' || op.status === 'failed') return;
    op = await db.provisioningOperation.update({ where: { id: op.id }, data: { status: 'running', attempts: attempt } });
    const tenant = op.tenantId === null ? null : await db.tenant.findUnique({ where: { id: op.tenantId } });
    const input = op.input as { network?: string };
    const net = await openNetwork(this.deps, input.network ?? 'consortium');
    const plan = PLANS[op.kind];
    const done = new Set(op.doneSteps);
    for (const [name, step] of plan) {
      if (done.has(name)) continue;
      await db.provisioningOperation.update({ where: { id: op.id }, data: { step: name } });
      await this.deps.beforeStep?.(op.id, name);
      try {
        await step({ deps: this.deps, op, tenant, net });
      } catch (err) {
        await db.provisioningOperation.update({ where: { id: op.id }, data: { error: `${name}: ${(err as Error).message}`.slice(0, 2000) } });
        throw err;
      }
      done.add(name);
      op = await db.provisioningOperation.update({
        where: { id: op.id },
        data: { doneSteps: { push: name }, progress: Math.floor((100 * done.size) / plan.length), error: null },
      });
      this.deps.logger?.info({ operation: op.id, kind: op.kind, step: name, progress: op.progress }, 'provisioning step done');
    }
    await db.provisioningOperation.update({ where: { id: op.id }, data: { status: 'succeeded', progress: 100, step: 'done', error: null } });
  }

  /** After the last retry: the operation failed for good. */
  async fail(operationId: string, err: Error): Promise<void> {
    await this.deps.db.provisioningOperation.updateMany({ where: { id: operationId, status: { in: ['queued', 'running'] } }, data: { status: 'failed', error: err.message.slice(0, 2000) } });
  }
}
