/**
 * status.conditions the Kubernetes way: one entry per type; `lastTransitionTime` moves only
 * when the status flips, so "Ready since" stays meaningful across reconciles. Pure: the time is
 * passed in.
 */
import type { Condition, ConditionStatus } from './api-types.js';

export interface ConditionInput {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

export function setConditions(current: readonly Condition[] | undefined, next: readonly ConditionInput[], nowIso: string, generation: number | undefined): Condition[] {
  const byType = new Map((current ?? []).map((c) => [c.type, c]));
  for (const n of next) {
    if (!/^[A-Z][A-Za-z]*$/.test(n.reason)) throw new Error(`invariant: condition reason "${n.reason}" must be CamelCase`);
    const prev = byType.get(n.type);
    byType.set(n.type, {
      type: n.type,
      status: n.status,
      reason: n.reason,
      message: n.message.slice(0, 4096),
      lastTransitionTime: prev !== undefined && prev.status === n.status ? prev.lastTransitionTime : nowIso,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    });
  }
  return [...byType.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

export function conditionOf(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Kubernetes' own time format for conditions (seconds, UTC). */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
