/**
 * Reconciles one KonsortiumNetwork: its PodDisruptionBudget and NetworkPolicy, and a status
 * that sums up its LedgerNodes (how many, how many Ready) and, when membership is managed,
 * each channel's leader, voters and learners as the leader reports them. Deleting a network
 * deletes its LedgerNodes first (each leaves through its own finalizer; with the whole network
 * going none of them needs to leave Raft), then lets the network go.
 */
import { FINALIZER, type KonsortiumNetwork, type KubeObject, type ChannelStatus } from '../api-types.js';
import { buildNetworkPdb, buildNetworkPolicy } from '../builders/network-objects.js';
import { addressBook } from '../builders/node-settings.js';
import { type ConditionInput, conditionOf, isoSeconds, setConditions } from '../conditions.js';
import { R } from '../kube/resources.js';
import type { ReconcileResult } from '../kube/work-queue.js';
import type { ReconcileContext } from './context.js';
import { nodesOfNetwork } from './ledger-node.js';
import { MembershipError } from './membership.js';
import { reachableNodes } from './node-state.js';

const POLL_MEMBERSHIP_MS = 15_000;

export async function reconcileNetwork(ctx: ReconcileContext, namespace: string, name: string): Promise<ReconcileResult> {
  let net = ctx.kube.cached(R.network, namespace, name) as KonsortiumNetwork | undefined;
  if (net === undefined) return;
  const nodes = nodesOfNetwork(ctx, namespace, name);

  if (net.metadata.deletionTimestamp !== undefined) {
    if (!(net.metadata.finalizers ?? []).includes(FINALIZER)) return;
    for (const n of nodes) if (n.metadata.deletionTimestamp === undefined) await ctx.kube.delete(R.ledgerNode, namespace, n.metadata.name);
    if (nodes.length > 0) return { requeueAfterMs: 1_000 };
    await ctx.kube.setFinalizers(R.network, net as unknown as KubeObject, (net.metadata.finalizers ?? []).filter((f) => f !== FINALIZER));
    ctx.applied.forget(`/${namespace}/${name}-nodes`);
    ctx.status.forget(R.network, namespace, name);
    return;
  }
  if (!(net.metadata.finalizers ?? []).includes(FINALIZER)) {
    net = (await ctx.kube.setFinalizers(R.network, net as unknown as KubeObject, [...(net.metadata.finalizers ?? []), FINALIZER])) as unknown as KonsortiumNetwork;
  }
  await ctx.applied.ensure(ctx.kube, R.pdb, buildNetworkPdb(net));
  await ctx.applied.ensure(ctx.kube, R.networkPolicy, buildNetworkPolicy(net));

  const live = nodes.filter((n) => n.metadata.deletionTimestamp === undefined);
  const ready = live.filter((n) => conditionOf(n.status?.conditions, 'Ready')?.status === 'True').length;
  const managed = net.spec.manageMembership !== false;
  let channels: ChannelStatus[] | undefined;
  let membershipProblem: string | null = null;
  if (managed && live.length > 0) {
    const m = await ctx.membership(namespace, name);
    const book = reachableNodes(addressBook(live[0]!, nodes, ctx.defaults), live, ctx.defaults.clusterDomain);
    channels = [];
    for (const ch of net.spec.channels) {
      try {
        const v = await m.view(ch.name, book);
        channels.push({
          name: ch.name,
          leader: v.leader?.id ?? 0,
          voters: v.members.filter((x) => x.role === 'voter').map((x) => x.id).sort((a, b) => a - b),
          learners: v.members.filter((x) => x.role === 'learner').map((x) => x.id).sort((a, b) => a - b),
        });
        if (v.leader === null) membershipProblem ??= `channel ${ch.name} has no leader`;
      } catch (err) {
        if (!(err instanceof MembershipError)) throw err;
        channels.push({ name: ch.name, leader: 0, voters: [], learners: [] });
        membershipProblem ??= err.message;
      }
    }
  }
  const allReady = live.length > 0 && ready === live.length && membershipProblem === null;
  const conds: ConditionInput[] = [
    allReady
      ? { type: 'Ready', status: 'True', reason: 'AllNodesReady', message: `${ready} of ${live.length} nodes Ready` }
      : { type: 'Ready', status: 'False', reason: live.length === 0 ? 'NoNodes' : membershipProblem !== null ? 'NoLeader' : 'NodesNotReady', message: membershipProblem ?? `${ready} of ${live.length} nodes Ready` },
    allReady ? { type: 'Progressing', status: 'False', reason: 'Settled', message: 'nothing to do' } : { type: 'Progressing', status: 'True', reason: 'NodesSettling', message: `${ready} of ${live.length} nodes Ready` },
  ];
  const cur = net.status ?? {};
  const next = {
    observedGeneration: net.metadata.generation,
    nodes: live.length,
    readyNodes: ready,
    ...(channels !== undefined ? { channels } : {}),
    conditions: setConditions(cur.conditions, conds, isoSeconds(ctx.now()), net.metadata.generation),
  };
  await ctx.status.write(R.network, net, { ...cur, ...next });
  return managed ? { requeueAfterMs: POLL_MEMBERSHIP_MS } : undefined;
}
