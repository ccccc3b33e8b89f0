/**
 * The audit log: every change made through the API writes one row in the same database
 * transaction as the change, so there is never a change without its entry (or the reverse).
 */
import type { Prisma } from '../db/prisma.js';
import type { Principal } from './principal.js';

export interface AuditEntry {
  readonly tenantId: string | null;
  readonly action: string;
  readonly objectType: string;
  readonly objectId: string;
  readonly details?: Prisma.InputJsonValue;
}

/** Anything with the auditLog delegate: the client or an interactive transaction. */
export interface AuditWriter {
  auditLog: { create(args: { data: Prisma.AuditLogUncheckedCreateInput }): Promise<unknown> };
}

export async function audit(db: AuditWriter, actor: Principal | 'system', e: AuditEntry): Promise<void> {
  await db.auditLog.create({
    data: {
      actor: actor === 'system' ? 'system' : actor.subject,
      tenantId: e.tenantId,
      action: e.action,
      objectType: e.objectType,
      objectId: e.objectId,
      details: e.details ?? {},
    },
  });
}
