/**
 * Raft membership of a channel, driven through the nodes' admin API (@konsortium/client):
 * find the leader from any node that answers, then add a learner, promote it, or remove a
 * member there. Every call is safe to repeat: "already a member", "already a voter" and "not a
 * member" are answers, not failures, which is what a level-triggered reconcile needs (it may
 * have done the step just before it crashed).
 */
import { KonsortiumApiError, KonsortiumClient, type RaftMember, type RaftStatus } from '@konsortium/client';
import type { PeerAddress } from '../api-types.js';

const CALL_TIMEOUT_MS = 3_000;

export interface ChannelView {
  readonly channel: string;
  /** The leader's view (it knows every member's progress); null while there is no leader. */
  readonly leader: { readonly id: number; readonly url: string; readonly status: RaftStatus } | null;
  readonly members: readonly RaftMember[];
}

/** A refusal or failure with a reason fit for a condition (CamelCase) and a message. */
export class MembershipError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly retryAfterMs = 5_000,
  ) {
    super(message);
    this.name = 'MembershipError';
  }
}

export type TokenSource = () => Promise<string | undefined>;

export class RaftMembership {
  private readonly clients = new Map<string, KonsortiumClient>();

  constructor(private readonly token: TokenSource = async () => undefined) {}

  private client(httpAddr: string): KonsortiumClient {
    const url = /^https?:\/\//.test(httpAddr) ? httpAddr : `http://${httpAddr}`;
    let c = this.clients.get(url);
    if (c === undefined) {
      c = new KonsortiumClient({ baseUrl: url, timeoutMs: CALL_TIMEOUT_MS, retries: 0, token: async () => (await this.token()) ?? null });
      this.clients.set(url, c);
    }
    return c;
  }

  /** The channel as the leader sees it, asking the address book's nodes in turn. */
  async view(channel: string, peers: readonly PeerAddress[], exclude?: number): Promise<ChannelView> {
    const errors: string[] = [];
    let any: RaftStatus | null = null;
    for (const p of peers) {
      if (p.id === exclude) continue;
      try {
        const st = await this.client(p.httpAddr).raftStatus(channel);
        if (st.role === 'leader') return { channel, leader: { id: st.id, url: p.httpAddr, status: st }, members: st.members };
        any ??= st;
        if (st.leaderId !== 0) {
          const addr = st.members.find((m) => m.id === st.leaderId)?.httpAddr ?? peers.find((q) => q.id === st.leaderId)?.httpAddr;
          if (addr !== undefined) {
            const ls = await this.client(addr).raftStatus(channel).catch(() => null);
            if (ls !== null && ls.role === 'leader') return { channel, leader: { id: ls.id, url: addr, status: ls }, members: ls.members };
          }
        }
      } catch (err) {
        errors.push(`node ${p.id}: ${describe(err)}`);
      }
    }
    if (any !== null) return { channel, leader: null, members: any.members };
    throw new MembershipError('NodesUnreachable', `no node of channel ${channel} answered (${errors.join('; ') || 'no other nodes in the address book'})`);
  }

  /** Adds `m` as a learner; done if it is a member already. */
  async addLearner(v: ChannelView, m: PeerAddress): Promise<void> {
    const leader = requireLeader(v);
    try {
      await this.client(leader.url).addLearner(v.channel, m);
    } catch (err) {
      if (codeOf(err) === 'MEMBER_EXISTS') return;
      if (codeOf(err) === 'NODE_NOT_REGISTERED' || codeOf(err) === 'NODE_KEY_MISMATCH') {
        throw new MembershipError('NotRegistered', `the leader of ${v.channel} refuses node ${m.id}: ${describe(err)}; register its key in governance (governance.setNode)`, 10_000);
      }
      throw asMembershipError(err, `add node ${m.id} to ${v.channel} as a learner`);
    }
  }

  /** Promotes learner `id`; `false` while it is still catching up. */
  async promote(v: ChannelView, id: number): Promise<boolean> {
    const leader = requireLeader(v);
    try {
      await this.client(leader.url).promoteLearner(v.channel, id);
      return true;
    } catch (err) {
      if (codeOf(err) === 'NOT_CAUGHT_UP') return false;
      if (codeOf(err) === 'CONF_CHANGE_REJECTED' && describe(err).includes('already a voter')) return true;
      throw asMembershipError(err, `promote node ${id} in ${v.channel}`);
    }
  }

  /** Removes `id` (a leader removing itself hands over first and answers NOT_LEADER: call again). */
  async remove(v: ChannelView, id: number): Promise<void> {
    const leader = requireLeader(v);
    try {
      await this.client(leader.url).removeMember(v.channel, id);
    } catch (err) {
      if (codeOf(err) === 'MEMBER_NOT_FOUND') return;
      throw asMembershipError(err, `remove node ${id} from ${v.channel}`);
    }
  }
}

function requireLeader(v: ChannelView): { id: number; url: string } {
  if (v.leader === null) throw new MembershipError('NoLeader', `channel ${v.channel} has no leader right now`, 2_000);
  return v.leader;
}

function codeOf(err: unknown): string | undefined {
  return err instanceof KonsortiumApiError ? err.code : undefined;
}

function describe(err: unknown): string {
  if (err instanceof KonsortiumApiError) return `${err.status} ${err.code ?? ''} ${err.message}`.trim();
  return err instanceof Error ? err.message : String(err);
}

function asMembershipError(err: unknown, what: string): MembershipError {
  const code = codeOf(err);
  if (code === 'NOT_LEADER') return new MembershipError('LeaderChanged', `${what}: the leader moved (${describe(err)})`, 500);
  if (err instanceof KonsortiumApiError && (err.status === 401 || err.status === 403)) {
    return new MembershipError('Unauthorized', `${what}: the node refused the operator's credentials (${describe(err)}); set the network's adminTokenSecretRef`, 30_000);
  }
  return new MembershipError('MembershipChangeFailed', `${what}: ${describe(err)}`);
}
