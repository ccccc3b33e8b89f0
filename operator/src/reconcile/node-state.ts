/** Reading what the cluster says about a node: its StatefulSet settled, its pod Ready, its restarts. Pure. */
import type { KubeObject, LedgerNode, PeerAddress } from '../api-types.js';
import { nodeAddress } from '../builders/node-settings.js';

interface StsStatus {
  observedGeneration?: number;
  readyReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
}

interface PodStatus {
  conditions?: { type: string; status: string }[];
  containerStatuses?: { restartCount?: number; state?: { waiting?: { reason?: string; message?: string } } }[];
}

/** The StatefulSet has acted on its latest spec and its one pod runs that revision, Ready. */
export function statefulSetSettled(sts: KubeObject | undefined): boolean {
  if (sts === undefined) return false;
  const s = (sts.status ?? {}) as StsStatus;
  return (
    (s.observedGeneration ?? 0) >= (sts.metadata.generation ?? 1) &&
    (s.updatedReplicas ?? 0) >= 1 &&
    (s.readyReplicas ?? 0) >= 1 &&
    (s.updateRevision === undefined || s.currentRevision === s.updateRevision)
  );
}

/**
 * The node's pod runs the StatefulSet's current template and is Ready: the StatefulSet has seen
 * its latest spec, its one pod carries the update revision, and that pod is Ready. What a
 * rollout waits for before it moves on (a Ready pod of the old revision, or a StatefulSet
 * status from before the controller saw the change, is not enough).
 */
export function nodeSettled(sts: KubeObject | undefined, pod: KubeObject | undefined): boolean {
  if (sts === undefined || pod === undefined || !statefulSetSettled(sts) || !podReady(pod)) return false;
  const rev = ((sts.status ?? {}) as StsStatus).updateRevision;
  return rev === undefined || pod.metadata.labels?.['controller-revision-hash'] === rev;
}

export function podReady(pod: KubeObject | undefined): boolean {
  if (pod === undefined || pod.metadata.deletionTimestamp !== undefined) return false;
  return ((pod.status ?? {}) as PodStatus).conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function podRestarts(pod: KubeObject | undefined): number {
  return ((pod?.status ?? {}) as PodStatus).containerStatuses?.reduce((n, c) => n + (c.restartCount ?? 0), 0) ?? 0;
}

/** The reason a container is waiting in a crash loop or on a bad image, if it is. */
export function podFailure(pod: KubeObject | undefined): string | undefined {
  for (const c of ((pod?.status ?? {}) as PodStatus).containerStatuses ?? []) {
    const w = c.state?.waiting;
    if (w?.reason !== undefined && ['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'CreateContainerConfigError', 'InvalidImageName'].includes(w.reason)) {
      return `${w.reason}${w.message ? `: ${w.message}` : ''}`;
    }
  }
  return undefined;
}

/** Where a node is reached: its own entry in its address book, else the headless-Service name. */
export function selfAddress(n: LedgerNode, clusterDomain?: string): PeerAddress {
  return n.spec.peers?.find((p) => p.id === n.spec.nodeId) ?? nodeAddress(n.metadata.namespace ?? 'default', n.metadata.name, n.spec.nodeId, clusterDomain);
}

/** Every address known for a network's nodes: the given book plus each node's own address. */
export function reachableNodes(book: readonly PeerAddress[], nodes: readonly LedgerNode[], clusterDomain?: string): PeerAddress[] {
  const byId = new Map<number, PeerAddress>();
  for (const p of book) byId.set(p.id, p);
  for (const n of nodes) if (!byId.has(n.spec.nodeId)) byId.set(n.spec.nodeId, selfAddress(n, clusterDomain));
  return [...byId.values()].sort((a, b) => a.id - b.id);
}
