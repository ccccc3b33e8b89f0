/**
 * One-server-at-a-time membership changes (§4.1 of Ongaro's thesis). A change takes effect
 * when it is applied (committed), on every replica alike; only one may be pending at a time,
 * and a leader proposes one only after it has committed an entry of its own term (the fix to
 * the single-server change bug described on raft-dev in 2015).
 *
 * Changing voters by at most one at a time keeps any majority of the old configuration and
 * any majority of the new one overlapping. Learners do not vote, so adding and removing them
 * never affects quorums; the product's flow is AddLearner, catch up, then PromoteLearner.
 */
import { type ConfChange, ConfChangeType, type ConfState, type NodeId } from './types.js';

export type ConfChangeCheck = { ok: true; next: ConfState } | { ok: false; reason: string };

function without(ids: readonly NodeId[], id: NodeId): NodeId[] {
  return ids.filter((x) => x !== id);
}

function sorted(ids: NodeId[]): NodeId[] {
  return ids.sort((a, b) => a - b);
}

/** The configuration after `cc`, or why `cc` is invalid in `cs`. Pure and deterministic. */
export function applyConfChangeTo(cs: ConfState, cc: ConfChange): ConfChangeCheck {
  const id = cc.nodeId;
  if (!Number.isSafeInteger(id) || id <= 0) return { ok: false, reason: `invalid node id ${id}` };
  const isVoter = cs.voters.includes(id);
  const isLearner = cs.learners.includes(id);
  switch (cc.type) {
    case ConfChangeType.AddLearner:
      if (isVoter) return { ok: false, reason: `node ${id} is already a voter` };
      if (isLearner) return { ok: false, reason: `node ${id} is already a learner` };
      return { ok: true, next: { voters: [...cs.voters], learners: sorted([...cs.learners, id]) } };
    case ConfChangeType.PromoteLearner:
      if (!isLearner) return { ok: false, reason: `node ${id} is not a learner` };
      return { ok: true, next: { voters: sorted([...cs.voters, id]), learners: without(cs.learners, id) } };
    case ConfChangeType.AddVoter:
      if (isVoter) return { ok: false, reason: `node ${id} is already a voter` };
      return { ok: true, next: { voters: sorted([...cs.voters, id]), learners: without(cs.learners, id) } };
    case ConfChangeType.RemoveNode:
      if (!isVoter && !isLearner) return { ok: false, reason: `node ${id} is not a member` };
      if (isVoter && cs.voters.length === 1) return { ok: false, reason: `cannot remove the last voter ${id}` };
      return { ok: true, next: { voters: without(cs.voters, id), learners: without(cs.learners, id) } };
    default:
      return { ok: false, reason: `unknown conf change type ${String(cc.type)}` };
  }
}
