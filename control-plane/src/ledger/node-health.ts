/**
 * The health of a network's nodes as the operator console shows it: for every node, its Raft
 * role and term, its chain height per channel, and how far it is behind the channel's leader.
 * Every node is asked in parallel, each under one deadline for all its calls, so a node that
 * hangs costs the page at most that deadline and never hides the others.
 *
 * A ledger node has no Raft view of its own: each channel is a Raft group, whose status is at
 * the channel's admin route (`client.raftStatus`, an admin token) and whose height is its head.
 * The node-level role and term shown first are the network's primary channel's.
 */
import { KonsortiumClient, type RaftStatus } from '@konsortium/client';

export type HealthRole = 'leader' | 'follower' | 'candidate' | 'learner';

export interface HealthTarget {
  readonly id: string;
  readonly nodeId: number;
  readonly httpUrl: string | null;
}

/** What one channel of one node answered; either part may be missing. */
export interface ChannelProbe {
  readonly status: RaftStatus | null;
  readonly height: number | null;
  readonly error: string | null;
}

export interface ChannelHealth {
  readonly name: string;
  readonly role: HealthRole | null;
  readonly term: number | null;
  readonly leaderId: number | null;
  readonly commitIndex: number | null;
  readonly appliedIndex: number | null;
  readonly height: number | null;
  /** The leader's height minus this node's (0 on the leader); null when either is unknown. */
  readonly lag: number | null;
  readonly error: string | null;
}

export interface NodeHealth {
  readonly id: string;
  readonly nodeId: number;
  readonly reachable: boolean;
  readonly role: HealthRole | null;
  readonly term: number | null;
  readonly leaderId: number | null;
  readonly height: Record<string, number | null>;
  readonly lag: Record<string, number | null>;
  readonly channels: ChannelHealth[];
  readonly error: string | null;
  readonly latencyMs: number | null;
}

/** Asks one node about one channel; `signal` is the node's deadline. */
export type ChannelProber = (client: KonsortiumClient, channel: string, signal: AbortSignal) => Promise<ChannelProbe>;

export const sdkProber: ChannelProber = async (client, channel, signal) => {
  const [status, head] = await Promise.allSettled([client.raftStatus(channel, { signal }), client.head(channel, { signal })]);
  const errors = [status, head].filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => messageOf(r.reason));
  return {
    status: status.status === 'fulfilled' ? status.value : null,
    height: head.status === 'fulfilled' ? head.value.height : null,
    error: errors.length === 0 ? null : [...new Set(errors)].join('; '),
  };
};

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.name === 'TimeoutError' || err.name === 'AbortError' ? 'timed out' : err.message;
  return String(err);
}

/** Raft's view of itself, in the console's words: a precandidate is campaigning, a learner is listed as one. */
export function roleOf(status: RaftStatus | null): HealthRole | null {
  if (status === null) return null;
  if (status.members.some((m) => m.id === status.id && m.role === 'learner')) return 'learner';
  return status.role === 'precandidate' ? 'candidate' : status.role;
}

export interface ProbeNetworkOptions {
  readonly nodes: readonly HealthTarget[];
  readonly channels: readonly string[];
  /** The channel whose role and term stand for the node's (default the first). */
  readonly primary?: string;
  /** The nodes' bearer token (an admin one: Raft status is a channel admin route). */
  readonly token: () => Promise<string>;
  /** Per node, for all its calls (default 2000). */
  readonly timeoutMs?: number;
  readonly prober?: ChannelProber;
  readonly now?: () => number;
}

export async function probeNetwork(o: ProbeNetworkOptions): Promise<NodeHealth[]> {
  const timeoutMs = o.timeoutMs ?? 2000;
  const prober = o.prober ?? sdkProber;
  const now = o.now ?? Date.now;
  const probes = await Promise.all(
    o.nodes.map(async (n) => {
      if (n.httpUrl === null) return { node: n, answers: null, latencyMs: null };
      const client = new KonsortiumClient({ baseUrl: n.httpUrl, token: o.token, timeoutMs, retries: 0 });
      // One deadline for all the node's calls; raced as well as signalled, so a call that
      // ignores its signal cannot hold the page (and a plain timer keeps the process alive).
      const ac = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          const err = new Error('timed out');
          ac.abort(err);
          reject(err);
        }, timeoutMs);
      });
      const started = now();
      try {
        const answers = await Promise.all(
          o.channels.map((ch) => Promise.race([prober(client, ch, ac.signal), deadline]).catch((err: unknown): ChannelProbe => ({ status: null, height: null, error: messageOf(err) }))),
        );
        return { node: n, answers, latencyMs: now() - started };
      } finally {
        clearTimeout(timer);
      }
    }),
  );

  // Per channel, the height of its leader: the node that says it leads in the highest term.
  const leaderHeight = new Map<string, number>();
  o.channels.forEach((ch, i) => {
    let best: { term: number; height: number } | undefined;
    for (const p of probes) {
      const a = p.answers?.[i];
      if (a?.status?.role === 'leader' && a.height !== null && (best === undefined || a.status.term > best.term)) best = { term: a.status.term, height: a.height };
    }
    if (best !== undefined) leaderHeight.set(ch, best.height);
  });

  const primary = o.primary !== undefined && o.channels.includes(o.primary) ? o.primary : o.channels[0];
  return probes.map(({ node, answers, latencyMs }) => {
    const channels: ChannelHealth[] = o.channels.map((name, i) => {
      const a = answers?.[i] ?? { status: null, height: null, error: node.httpUrl === null ? 'the node has no address yet' : 'not asked' };
      const lead = leaderHeight.get(name);
      return {
        name,
        role: roleOf(a.status),
        term: a.status?.term ?? null,
        leaderId: a.status === null || a.status.leaderId === 0 ? null : a.status.leaderId,
        commitIndex: a.status?.commitIndex ?? null,
        appliedIndex: a.status?.appliedIndex ?? null,
        height: a.height,
        // A follower read just after its leader can be ahead by a block: that is no lag.
        lag: lead === undefined || a.height === null ? null : Math.max(0, lead - a.height),
        error: a.error,
      };
    });
    const main = channels.find((c) => c.name === primary);
    const errors = answers === null ? ['the node has no address yet'] : channels.filter((c) => c.error !== null).map((c) => `${c.name}: ${c.error}`);
    return {
      id: node.id,
      nodeId: node.nodeId,
      reachable: channels.some((c) => c.role !== null || c.height !== null),
      role: main?.role ?? null,
      term: main?.term ?? null,
      leaderId: main?.leaderId ?? null,
      height: Object.fromEntries(channels.map((c) => [c.name, c.height])),
      lag: Object.fromEntries(channels.map((c) => [c.name, c.lag])),
      channels,
      error: errors.length === 0 ? null : errors.join('; '),
      latencyMs,
    };
  });
}
