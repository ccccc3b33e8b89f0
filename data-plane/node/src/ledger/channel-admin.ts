/**
 * The admin API of one channel's Raft group (/v1/channels/:ch/admin/...): the runtime's own,
 * except that the leader lets a node into the group, as a learner or promoted to voter, only
 * while the channel's governance lists it (gov/nodes, written by governance.setNode). Raft
 * membership thus never runs ahead of governance: an admin registers a node first, then adds it.
 */
import type { NodeId } from '@konsortium/raft';
import { NodeError } from '../errors.js';
import type { NodeApi } from '../http/node-api.js';
import type { Member } from '../kv/members.js';
import type { KvRecord, PutResult } from '../kv/state-machine.js';
import type { MemberView } from '../runtime/membership.js';
import type { Consistency, Readiness } from '../runtime/node.js';
import type { NodeStatus } from '../runtime/status.js';
import type { HostedChannel } from './channel-host.js';

export class ChannelAdmin implements NodeApi {
  constructor(private readonly c: HostedChannel) {}

  put(key: string, value: string): Promise<PutResult> {
    return this.c.node.put(key, value);
  }

  get(key: string, consistency: Consistency): Promise<KvRecord | undefined> {
    return this.c.node.get(key, consistency);
  }

  status(): NodeStatus {
    return this.c.node.status();
  }

  readiness(): Readiness {
    return this.c.node.readiness();
  }

  async addLearner(m: Member): Promise<MemberView> {
    this.requireRegistered(m.id);
    return this.c.node.addLearner(m);
  }

  async promote(id: NodeId): Promise<MemberView> {
    this.requireRegistered(id);
    return this.c.node.promote(id);
  }

  removeMember(id: NodeId): Promise<void> {
    return this.c.node.removeMember(id);
  }

  transferLeader(to: NodeId): Promise<NodeId> {
    return this.c.node.transferLeader(to);
  }

  snapshot(): Promise<number> {
    return this.c.node.snapshot();
  }

  /**
   * Checked on the leader only (the runtime answers NOT_LEADER elsewhere), against its applied
   * state: right after the setNode transaction commits, a retry (503) may be needed.
   */
  private requireRegistered(id: NodeId): void {
    if (!this.c.node.raftHandle().isLeader()) return;
    if (!this.c.ledger.nodeKeys().has(id)) {
      throw new NodeError('NODE_NOT_REGISTERED', `governance of channel ${this.c.name} lists no node ${id} (gov/nodes): register it with governance.setNode before adding it to the channel's Raft group`);
    }
  }
}
