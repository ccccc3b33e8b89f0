/** The node's status as the HTTP API and metrics report it. */
import { type NodeId, type RawNode, Role } from '@konsortium/raft';
import type { KvStateMachine } from '../kv/state-machine.js';

export type RoleName = 'leader' | 'follower' | 'candidate' | 'precandidate';

export interface MemberStatus {
  readonly id: NodeId;
  readonly raftAddr: string;
  readonly httpAddr: string;
  readonly role: 'voter' | 'learner';
  /** Highest log index known replicated to the member; reported by the leader only. */
  readonly match?: number;
}

export interface NodeStatus {
  readonly id: NodeId;
  readonly role: RoleName;
  readonly leaderId: NodeId;
  readonly term: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly firstIndex: number;
  readonly members: MemberStatus[];
}

export const ROLE_NAMES: Record<Role, RoleName> = {
  [Role.Leader]: 'leader',
  [Role.Follower]: 'follower',
  [Role.Candidate]: 'candidate',
  [Role.PreCandidate]: 'precandidate',
};

export function buildStatus(rawNode: RawNode, kv: KvStateMachine): NodeStatus {
  const s = rawNode.status();
  const members: MemberStatus[] = [];
  const add = (id: NodeId, role: 'voter' | 'learner'): void => {
    const a = kv.member(id);
    const match = s.progress?.get(id)?.match;
    members.push({ id, raftAddr: a?.raftAddr ?? '', httpAddr: a?.httpAddr ?? '', role, ...(match !== undefined ? { match } : {}) });
  };
  for (const id of s.config.voters) add(id, 'voter');
  for (const id of s.config.learners) add(id, 'learner');
  members.sort((a, b) => a.id - b.id);
  return {
    id: s.id,
    role: ROLE_NAMES[s.role],
    leaderId: s.leader,
    term: s.hardState.term,
    commitIndex: s.hardState.commit,
    appliedIndex: kv.appliedIndex,
    lastIndex: s.lastIndex,
    firstIndex: s.firstIndex,
    members,
  };
}
