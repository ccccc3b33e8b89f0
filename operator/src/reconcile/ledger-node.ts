/**
 * Reconciles one LedgerNode, level-triggered: every run reads the whole situation (the node,
 * its network, its objects, its pod, the channel's Raft membership) and takes the next step
 * towards the desired state; running it again changes nothing. Steps, in order:
 *  1. deleting → leave Raft in every channel, then drop the finalizer (the garbage collector
 *     then removes the StatefulSet, pod, volume, Service, ConfigMap and generated Secret);
 *  2. our finalizer on it;
 *  3. keys: the referenced Secret exists, or generate one (once);
 *  4. the genesis ConfigMap exists;
 *  5. ConfigMap, headless Service, StatefulSet by server-side apply — a changed StatefulSet of
 *     an existing node only when the network's rollout slot is ours (one node at a time);
 *  6. Raft membership (networks with manageMembership): join as a learner, promote once
 *     caught up and Ready;
 *  7. status: raftRole, keys, restarts and the Ready / Progressing / Degraded / RaftMember
 *     conditions, written only when they changed.
 */
import { FINALIZER, type KonsortiumNetwork, type KubeObject, type LedgerNode, SPEC_HASH_ANNOTATION, type SuiteName } from '../api-types.js';
import { buildNodeConfigMap } from '../builders/node-config.js';
import { generateNodeKeys } from '../builders/node-keys.js';
import { buildNodeService } from '../builders/node-service.js';
import { nodeNames } from '../builders/meta.js';
import { resolveNodeSettings, type NodeSettings } from '../builders/node-settings.js';
import { buildStatefulSet } from '../builders/statefulset.js';
import { type ConditionInput, isoSeconds, setConditions } from '../conditions.js';
import { R } from '../kube/resources.js';
import type { ReconcileResult } from '../kube/work-queue.js';
import type { ReconcileContext } from './context.js';
import { MembershipError } from './membership.js';
import { nodeSettled, podFailure, podReady, podRestarts, reachableNodes, statefulSetSettled } from './node-state.js';

/** Annotation that lets a node go without leaving Raft (when no member is left to ask). */
export const SKIP_RAFT_REMOVAL = 'konsortium.dev/skip-raft-removal';

const POLL_PROGRESS_MS = 2_000;
const POLL_STEADY_MS = 30_000;

interface Membership {
  raftRole: 'voter' | 'learner' | 'none';
  ok: boolean;
  reason: string;
  message: string;
  retryMs?: number;
}

export function networkOf(ctx: ReconcileContext, node: LedgerNode): KonsortiumNetwork | null {
  return (ctx.kube.cached(R.network, node.metadata.namespace ?? '', node.spec.network) as KonsortiumNetwork | undefined) ?? null;
}

export function nodesOfNetwork(ctx: ReconcileContext, namespace: string, network: string): LedgerNode[] {
  return (ctx.kube.cachedList(R.ledgerNode, namespace) as unknown as LedgerNode[]).filter((n) => n.spec.network === network);
}

export async function reconcileLedgerNode(ctx: ReconcileContext, namespace: string, name: string): Promise<ReconcileResult> {
  let node = ctx.kube.cached(R.ledgerNode, namespace, name) as LedgerNode | undefined;
  const key = `${namespace}/${name}`;
  if (node === undefined) return;
  const network = networkOf(ctx, node);
  const netKey = `${namespace}/${node.spec.network}`;
  const siblings = nodesOfNetwork(ctx, namespace, node.spec.network);
  const genesisIds = await ctx.refs.genesisNodeIds(namespace, node.spec.channels.configMapRef.name, node.spec.channels.names);
  const settings = resolveNodeSettings(node, network, siblings, ctx.defaults, genesisIds ?? []);

  if (node.metadata.deletionTimestamp !== undefined) return finalize(ctx, node, network, settings, siblings);

  if (!(node.metadata.finalizers ?? []).includes(FINALIZER)) {
    await ctx.onStep?.('before-finalizer', key);
    node = (await ctx.kube.setFinalizers(R.ledgerNode, node as unknown as KubeObject, [...(node.metadata.finalizers ?? []), FINALIZER])) as unknown as LedgerNode;
    await ctx.onStep?.('finalizer', key);
  }
  const names = nodeNames(node);
  const conditions: ConditionInput[] = [];
  const status: { publicKey?: string; sealKey?: string } = {};

  // 3–4. Keys and genesis documents must be there before a pod can start.
  let missing: ConditionInput | null = null;
  if (node.spec.keysSecretRef === undefined) {
    // The keys Secret carries our labels, so the Secret informer holds it once made; absent from
    // a synced cache means absent (and a create that races another one gets 409, not a second key).
    let secret = ctx.kube.cached(R.secret, namespace, names.generatedKeys) ?? null;
    if (secret === null) {
      const suite: SuiteName = network?.spec.suite ?? 'intl';
      const made = generateNodeKeys(node, suite);
      if ((await ctx.kube.createIfAbsent(R.secret, made.secret)) !== null) {
        ctx.log.info({ node: key, publicKey: made.publicKey }, 'generated node keys');
        ctx.record(node, 'Normal', 'KeysGenerated', `node keys generated into Secret ${names.generatedKeys}; public key ${made.publicKey} (register it in governance)`);
        status.publicKey = made.publicKey;
        status.sealKey = made.sealKey;
        await ctx.onStep?.('keys', key);
      } else {
        // It exists after all (made meanwhile, or stripped of our labels): that one stays.
        secret = await ctx.kube.read(R.secret, namespace, names.generatedKeys);
      }
    }
    if (secret !== null) {
      status.publicKey = secret.metadata.annotations?.['konsortium.dev/public-key'];
      status.sealKey = secret.metadata.annotations?.['konsortium.dev/seal-key'];
    }
  } else if (!(await ctx.refs.exists(R.secret, namespace, node.spec.keysSecretRef.name))) {
    missing = { type: 'Ready', status: 'False', reason: 'KeysMissing', message: `the keys Secret ${node.spec.keysSecretRef.name} does not exist` };
  }
  if (missing === null && genesisIds === null) {
    missing = { type: 'Ready', status: 'False', reason: 'GenesisMissing', message: `the genesis ConfigMap ${node.spec.channels.configMapRef.name} does not exist` };
  }
  if (missing !== null) {
    await writeStatus(ctx, node, { ...status, raftRole: undefined }, [missing, { type: 'Progressing', status: 'True', reason: missing.reason, message: missing.message }]);
    return { requeueAfterMs: POLL_PROGRESS_MS };
  }

  // 5. Owned objects.
  await ctx.applied.ensure(ctx.kube, R.configMap, buildNodeConfigMap(node, settings));
  await ctx.applied.ensure(ctx.kube, R.service, buildNodeService(node));
  await ctx.onStep?.('service', key);
  const desired = buildStatefulSet(node, settings);
  const live = ctx.kube.cached(R.statefulSet, namespace, name);
  let waiting: string | null = null;
  const changing = live !== undefined && live.metadata.annotations?.[SPEC_HASH_ANNOTATION] !== desired.metadata.annotations?.[SPEC_HASH_ANNOTATION];
  if (changing) {
    const others = siblings.filter((s) => s.metadata.name !== name && s.metadata.deletionTimestamp === undefined);
    const settled = others.every((s) => nodeSettled(ctx.kube.cached(R.statefulSet, namespace, s.metadata.name), ctx.kube.cached(R.pod, namespace, nodeNames(s).pod)));
    if (!ctx.rollout.tryTake(netKey, key, settled)) {
      const holder = ctx.rollout.holderOf(netKey);
      waiting = holder !== undefined ? `node ${holder} of the network is rolling out first` : 'waiting for every other node of the network to be Ready before rolling this one';
    }
  }
  const sts = waiting === null ? await ctx.applied.ensure(ctx.kube, R.statefulSet, desired) : live;
  await ctx.onStep?.('statefulset', key);

  const pod = ctx.kube.cached(R.pod, namespace, names.pod);
  const ready = nodeSettled(sts, pod);
  if (ready && waiting === null && ctx.rollout.release(netKey, key)) {
    for (const s of siblings) if (s.metadata.name !== name) ctx.enqueue('node', namespace, s.metadata.name);
  }

  // 6. Raft membership.
  const member = settings.manageMembership ? await followMembership(ctx, node, settings, siblings, podReady(pod)) : null;
  await ctx.onStep?.('membership', key);

  // 7. Status.
  const failure = podFailure(pod);
  const allReady = ready && waiting === null && (member === null || member.ok);
  let why: ConditionInput;
  if (allReady) why = { type: 'Ready', status: 'True', reason: 'Ready', message: member === null ? 'the pod is Ready' : `the pod is Ready and the node is a Raft ${member.raftRole} of every channel` };
  else if (waiting !== null) why = { type: 'Ready', status: ready ? 'True' : 'False', reason: 'WaitingForRollout', message: waiting };
  else if (!ready) why = { type: 'Ready', status: 'False', reason: sts === undefined || !statefulSetSettled(sts) ? 'PodStarting' : 'PodNotReady', message: failure ?? `waiting for pod ${names.pod} to be Ready on the current revision` };
  else why = { type: 'Ready', status: 'False', reason: member!.reason, message: member!.message };
  conditions.push(why);
  conditions.push(allReady ? { type: 'Progressing', status: 'False', reason: 'Settled', message: 'nothing to do' } : { type: 'Progressing', status: 'True', reason: why.reason, message: why.message });
  const degraded = failure !== undefined || (member !== null && ['MembershipChangeFailed', 'Unauthorized', 'NodesUnreachable', 'NotAMember'].includes(member.reason));
  conditions.push(degraded ? { type: 'Degraded', status: 'True', reason: failure !== undefined ? 'PodFailing' : member!.reason, message: failure ?? member!.message } : { type: 'Degraded', status: 'False', reason: 'Healthy', message: 'no failure seen' });
  conditions.push(
    member === null
      ? { type: 'RaftMember', status: 'Unknown', reason: 'Unmanaged', message: 'Raft membership is not managed for this node (no KonsortiumNetwork with manageMembership)' }
      : { type: 'RaftMember', status: member.ok ? 'True' : 'False', reason: member.ok ? 'RoleReached' : member.reason, message: member.ok ? `a ${member.raftRole} of every channel` : member.message },
  );
  await writeStatus(ctx, node, { ...status, raftRole: member?.raftRole, restarts: podRestarts(pod) }, conditions);

  if (!allReady) return { requeueAfterMs: member?.retryMs ?? POLL_PROGRESS_MS };
  return member !== null ? { requeueAfterMs: POLL_STEADY_MS } : undefined;
}

async function followMembership(ctx: ReconcileContext, node: LedgerNode, s: NodeSettings, siblings: readonly LedgerNode[], running: boolean): Promise<Membership> {
  const ns = node.metadata.namespace ?? '';
  const id = node.spec.nodeId;
  const m = await ctx.membership(ns, node.spec.network);
  const peers = reachableNodes(s.peers, siblings, ctx.defaults.clusterDomain);
  const roles: ('voter' | 'learner' | 'none')[] = [];
  let pending: Membership | null = null;
  try {
    for (const channel of node.spec.channels.names) {
      const view = await m.view(channel, peers);
      const me = view.members.find((x) => x.id === id);
      if (me === undefined) {
        roles.push('none');
        if (node.spec.join === true) {
          await m.addLearner(view, s.self);
          ctx.log.info({ node: `${ns}/${node.metadata.name}`, channel }, 'added to Raft as a learner');
          ctx.record(node, 'Normal', 'AddedAsLearner', `added to channel ${channel} as a Raft learner`);
          pending ??= { raftRole: 'none', ok: false, reason: 'Joining', message: `added to ${channel} as a learner`, retryMs: 1_000 };
        } else {
          pending ??= { raftRole: 'none', ok: false, reason: 'NotAMember', message: `a genesis node that ${channel}'s membership does not list (removed earlier?): recreate it with spec.join` };
        }
      } else if (me.role === 'learner' && node.spec.role === 'voter') {
        if (running && (await m.promote(view, id))) {
          ctx.log.info({ node: `${ns}/${node.metadata.name}`, channel }, 'promoted to voter');
          ctx.record(node, 'Normal', 'Promoted', `promoted to voter in channel ${channel}`);
          roles.push('voter');
        } else {
          roles.push('learner');
          pending ??= { raftRole: 'learner', ok: false, reason: 'CatchingUp', message: `a learner of ${channel}, promoted once Ready and caught up with the leader` };
        }
      } else {
        roles.push(me.role);
      }
    }
  } catch (err) {
    if (!(err instanceof MembershipError)) throw err;
    return { raftRole: 'none', ok: false, reason: err.reason, message: err.message, retryMs: err.retryAfterMs };
  }
  const raftRole = roles.every((r) => r === 'voter') ? 'voter' : roles.every((r) => r !== 'none') ? 'learner' : 'none';
  if (pending !== null) return { ...pending, raftRole };
  return { raftRole, ok: raftRole === node.spec.role, reason: 'RoleReached', message: `a ${raftRole} of every channel` };
}

async function finalize(ctx: ReconcileContext, node: LedgerNode, network: KonsortiumNetwork | null, s: NodeSettings, siblings: readonly LedgerNode[]): Promise<ReconcileResult> {
  const ns = node.metadata.namespace ?? '';
  const key = `${ns}/${node.metadata.name}`;
  if (!(node.metadata.finalizers ?? []).includes(FINALIZER)) return;
  const networkGoing = network === null || network.metadata.deletionTimestamp !== undefined;
  if (s.manageMembership && !networkGoing && node.metadata.annotations?.[SKIP_RAFT_REMOVAL] !== 'true') {
    const m = await ctx.membership(ns, node.spec.network);
    const peers = reachableNodes(s.peers, siblings, ctx.defaults.clusterDomain);
    try {
      let still = false;
      for (const channel of node.spec.channels.names) {
        const view = await m.view(channel, peers);
        if (view.members.some((x) => x.id === node.spec.nodeId)) {
          still = true;
          await m.remove(view, node.spec.nodeId);
          ctx.log.info({ node: key, channel }, 'removed from Raft');
          ctx.record(node, 'Normal', 'LeftRaft', `removed from channel ${channel}'s Raft group before its pod goes`);
        }
      }
      await ctx.onStep?.('left-raft', key);
      if (still) return { requeueAfterMs: 500 }; // check it took before letting the pod go
    } catch (err) {
      if (!(err instanceof MembershipError)) throw err;
      await writeStatus(ctx, node, { raftRole: undefined }, [
        { type: 'Degraded', status: 'True', reason: 'LeaveFailed', message: `${err.message} (the pod stays until the node has left Raft; annotate ${SKIP_RAFT_REMOVAL}=true to let it go anyway)` },
      ]).catch(() => undefined);
      return { requeueAfterMs: err.retryAfterMs };
    }
  }
  ctx.rollout.release(`${ns}/${node.spec.network}`, key);
  await ctx.kube.setFinalizers(R.ledgerNode, node as unknown as KubeObject, (node.metadata.finalizers ?? []).filter((f) => f !== FINALIZER));
  ctx.applied.forget(`/${ns}/${node.metadata.name}`);
  ctx.refs.forget(ns, node.metadata.name);
  ctx.status.forget(R.ledgerNode, ns, node.metadata.name);
  ctx.log.info({ node: key }, 'finalized');
}

/** The node's status from these fields and conditions (written only when it changed). */
async function writeStatus(
  ctx: ReconcileContext,
  node: LedgerNode,
  fields: { raftRole?: 'voter' | 'learner' | 'none'; publicKey?: string; sealKey?: string; restarts?: number },
  conditions: readonly ConditionInput[],
): Promise<void> {
  const cur = node.status ?? {};
  const next = {
    observedGeneration: node.metadata.generation,
    raftRole: fields.raftRole ?? cur.raftRole,
    publicKey: fields.publicKey ?? cur.publicKey,
    sealKey: fields.sealKey ?? cur.sealKey,
    restarts: fields.restarts ?? cur.restarts,
    conditions: setConditions(cur.conditions, conditions, isoSeconds(ctx.now()), node.metadata.generation),
  };
  await ctx.status.write(R.ledgerNode, node, next);
}

