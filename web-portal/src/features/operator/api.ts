/**
 * The control plane's answers the operator console reads, as TypeScript shapes (the TypeBox
 * views in control-plane/src/api/routes/*.ts are the source), and small helpers over them.
 */
import type { CfaOperationView } from '../cfa/operation.js';

export interface Quotas {
  readonly maxUsers: number;
  readonly maxApiKeys: number;
  readonly maxTxPerDay: number;
}

export interface TenantView {
  readonly id: string;
  readonly name: string;
  readonly plan: 'shared' | 'dedicated';
  readonly status: 'active' | 'suspended';
  readonly memberId: string;
  readonly quotas: Quotas;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface OperationView {
  readonly id: string;
  readonly kind: string;
  readonly tenantId: string | null;
  readonly status: 'queued' | 'running' | 'succeeded' | 'failed';
  readonly progress: number;
  readonly step: string;
  readonly doneSteps: readonly string[];
  readonly attempts: number;
  readonly result: Record<string, unknown> | null;
  readonly error: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface CreatedTenant {
  readonly tenant: TenantView;
  readonly adminUserId: string;
  readonly operation: OperationView;
}

export interface NetworkView {
  readonly id: string;
  readonly name: string;
  readonly suite: 'intl' | 'gost' | 'sm';
  readonly createdAt: string;
}

export interface ChannelView {
  readonly id: string;
  readonly networkId: string;
  readonly name: string;
  readonly createdAt: string;
}

export interface NodeView {
  readonly id: string;
  readonly nodeId: number;
  readonly kind: 'shared' | 'dedicated';
  readonly tenantId: string | null;
  readonly status: string;
  readonly lastError: string | null;
}

export type RaftRole = 'leader' | 'follower' | 'candidate' | 'learner' | null;

export interface ChannelHealth {
  readonly name: string;
  readonly role: RaftRole;
  readonly term: number | null;
  readonly leaderId: number | null;
  readonly height: number | null;
  readonly lag: number | null;
  readonly error: string | null;
}

export interface NodeHealth {
  readonly id: string;
  readonly nodeId: number;
  readonly kind: string;
  readonly tenantId: string | null;
  readonly status: string;
  readonly reachable: boolean;
  readonly role: RaftRole;
  readonly term: number | null;
  readonly leaderId: number | null;
  readonly height: Readonly<Record<string, number | null>>;
  readonly lag: Readonly<Record<string, number | null>>;
  readonly channels: readonly ChannelHealth[];
  readonly error: string | null;
  readonly latencyMs: number | null;
}

export interface NetworkHealth {
  readonly networkId: string;
  readonly primaryChannel: string | null;
  readonly checkedAt: string;
  readonly items: readonly NodeHealth[];
}

/** A CFA operation as the control plane records it (the same view the tenant's CFA screens follow). */
export type CfaOperation = CfaOperationView;

export interface FeeRule {
  readonly fixed: number;
  readonly bps: number;
}

export interface FeeSchedule {
  readonly channel: string;
  readonly height: number;
  readonly collector: string | null;
  readonly rules: Readonly<Record<string, FeeRule>>;
}

export interface Difference {
  readonly kind: string;
  readonly key?: string;
  readonly chain?: unknown;
  readonly projection?: unknown;
}

export interface IntegrityReport {
  readonly id: string;
  readonly at: string;
  readonly channel: string;
  readonly height: string;
  readonly ok: boolean;
  readonly differences: unknown;
}

export interface InvoiceLine {
  readonly item: string;
  readonly quantity: string;
  readonly unitPriceMinor: string;
  readonly amountMinor: string;
}

export interface Invoice {
  readonly id: string;
  readonly tenantId: string;
  readonly period: string;
  readonly lines: readonly InvoiceLine[];
  readonly totalMinor: string;
  readonly currency: string;
  readonly status: string;
}

export interface UsageItem {
  readonly metric: string;
  readonly day: string;
  readonly quantity: string;
}

export interface PageOf<T> {
  readonly items: readonly T[];
  readonly next?: string | null;
}

/** The steps each provisioning operation runs, in order (control-plane/src/provisioning/plans.ts). */
const IDENTITY_STEPS = ['custodial-key', 'ledger-member', 'register-keys'];
const NODE_STEPS = ['allocate-node', 'register-node', 'add-learner', 'start-node', 'catch-up', 'promote'];
export const OPERATION_STEPS: Readonly<Record<string, readonly string[]>> = {
  onboard_shared: IDENTITY_STEPS,
  register_identity: IDENTITY_STEPS,
  onboard_dedicated: [...IDENTITY_STEPS, ...NODE_STEPS],
  move_to_dedicated: [...NODE_STEPS, 'switch-plan'],
  provision_node: NODE_STEPS,
};

/** The projection's phases of a CFA operation, in order; REJECTED ends it anywhere before FINALIZED. */
export const PHASES = ['CREATED', 'PROCESSING', 'ONCHAIN_SUBMITTED', 'FINALIZED', 'SETTLED'] as const;
export const isFinalPhase = (p: string): boolean => p === 'SETTLED' || p === 'REJECTED';

/** A message-id-friendly name: `early-redemption` → `earlyRedemption`, `catch-up` → `catchUp`. */
export function camel(s: string): string {
  return s.replace(/[-_]([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Fetches every page of a keyset-paginated listing (bounded). */
export async function allPages<T>(get: (after: string | undefined) => Promise<PageOf<T>>, max = 20): Promise<T[]> {
  const out: T[] = [];
  let after: string | undefined;
  for (let i = 0; i < max; i++) {
    const page = await get(after);
    out.push(...page.items);
    if (page.next === null || page.next === undefined) break;
    after = page.next;
  }
  return out;
}
