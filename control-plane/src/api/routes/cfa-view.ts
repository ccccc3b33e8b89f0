/**
 * How a CFA operation is shown, by the tenants' routes (cfa.ts) and the operator's
 * (cfa-operator.ts) alike: one shape, so the portal reads both with the same code.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { CfaOperation } from '../../db/prisma.js';
import { iso, Uuid } from '../schemas.js';

/** A ledger channel name (the network's channels; the default is the network's own). */
export const Channel = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' });

export const CfaOperationView = Type.Object({
  id: Uuid,
  channel: Type.String(),
  tenantId: Type.Union([Uuid, Type.Null()]),
  sender: Type.Union([Type.String(), Type.Null()]),
  method: Type.String(),
  args: Type.Unknown(),
  phase: Type.String(),
  txId: Type.Union([Type.String(), Type.Null()]),
  blockHeight: Type.Union([Type.String(), Type.Null()]),
  resultCode: Type.Union([Type.String(), Type.Null()]),
  source: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const cfaOperationView = (o: CfaOperation): Static<typeof CfaOperationView> => ({
  id: o.id,
  channel: o.channel,
  tenantId: o.tenantId,
  sender: o.sender,
  method: o.method,
  args: o.args,
  phase: o.phase,
  txId: o.txId,
  blockHeight: o.blockHeight === null ? null : o.blockHeight.toString(),
  resultCode: o.resultCode,
  source: o.source,
  createdAt: iso(o.createdAt)!,
  updatedAt: iso(o.updatedAt)!,
});
