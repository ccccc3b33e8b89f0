/**
 * The operator: informers on the two custom resources and on the objects it owns, one work
 * queue (a serial lane per object), the two reconcilers, and — when asked — leader election,
 * so that of several replicas exactly one reconciles. Nothing is reconciled before every
 * informer has listed once: a reconcile on a half-filled cache would "re-create" what exists.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { type KonsortiumNetwork, LABEL } from './api-types.js';
import { EventRouter } from './event-routing.js';
import { OPERATOR_NAME } from './builders/meta.js';
import type { OperatorDefaults } from './builders/node-settings.js';
import { Informer } from './kube/informer.js';
import { Kube } from './kube/kube.js';
import { LeaderElector } from './kube/leader-election.js';
import { R, type ResourceType } from './kube/resources.js';
import { KubeRest } from './kube/rest.js';
import { WorkQueue } from './kube/work-queue.js';
import { AppliedVersions, type Logger, type ReconcileContext, ReferenceChecks, silentLogger, StatusWriter } from './reconcile/context.js';
import { reconcileLedgerNode } from './reconcile/ledger-node.js';
import { RaftMembership } from './reconcile/membership.js';
import { reconcileNetwork } from './reconcile/network.js';
import { RolloutGate } from './reconcile/rollout-gate.js';

export interface OperatorOptions {
  readonly kubeConfig: KubeConfig;
  /** Namespaces to watch; empty or absent: all. */
  readonly namespaces?: readonly string[];
  readonly defaults?: OperatorDefaults;
  /** Objects reconciled at once (each object is still one at a time). Default 16. */
  readonly concurrency?: number;
  readonly leaderElection?: { readonly namespace: string; readonly name: string; readonly identity: string; readonly leaseDurationMs?: number; readonly renewDeadlineMs?: number; readonly retryPeriodMs?: number } | null;
  /** Called when this replica loses leadership (the CLI exits so a restart starts clean). */
  readonly onLostLeadership?: () => void;
  readonly log?: Logger;
  readonly onStep?: (step: string, key: string) => void | Promise<void>;
  readonly now?: () => number;
}

export interface OperatorStats {
  readonly reconciles: number;
  readonly failures: number;
  readonly apiRequests: number;
  /** API requests by method and resource, e.g. "PATCH statefulsets". */
  readonly apiRequestsByKind: Readonly<Record<string, number>>;
  readonly queueDepth: number;
  readonly leader: boolean;
  readonly synced: boolean;
}

export interface Operator {
  stats(): OperatorStats;
  /** Resolves once this replica leads (or at once without election) and its caches are filled. */
  readonly started: Promise<void>;
  stop(): Promise<void>;
}

const OWNED: readonly ResourceType[] = [R.statefulSet, R.service, R.configMap, R.secret, R.pod, R.pdb, R.networkPolicy];

export function startOperator(o: OperatorOptions): Operator {
  const rest = new KubeRest(o.kubeConfig);
  const log = o.log ?? silentLogger;
  const namespaces: (string | undefined)[] = o.namespaces !== undefined && o.namespaces.length > 0 ? [...o.namespaces] : [undefined];
  let informers: Informer[] = [];
  let queue: WorkQueue | null = null;
  let leader = o.leaderElection === undefined || o.leaderElection === null;
  let synced = false;
  let startedResolve!: () => void;
  const started = new Promise<void>((r) => (startedResolve = r));
  let generation = 0;

  const tokens = new Map<string, { value: string | undefined; at: number }>();
  const memberships = new Map<string, RaftMembership>();

  async function runControllers(): Promise<void> {
    const mine = ++generation;
    const kube = new Kube(rest);
    const enqueue = (kind: 'node' | 'network', ns: string, name: string, delayMs?: number): void => {
      const key = `${kind}|${ns}|${name}`;
      if (delayMs === undefined) queue?.add(key);
      else queue?.addAfter(key, delayMs);
    };
    const ctx: ReconcileContext = {
      kube,
      defaults: o.defaults ?? {},
      rollout: new RolloutGate(),
      now: o.now ?? Date.now,
      log,
      enqueue,
      applied: new AppliedVersions(),
      refs: new ReferenceChecks(kube),
      status: new StatusWriter(kube),
      onStep: o.onStep,
      record: (regarding, type, reason, note) => {
        void kube.event(regarding, type, reason, note, o.leaderElection?.identity ?? 'konsortium-operator').then((err) => {
          if (err !== null) log.warn({ reason, object: regarding.metadata.name, err: err.message }, 'could not record an event');
        });
      },
      membership: async (ns, network) => {
        const key = `${ns}/${network}`;
        let m = memberships.get(key);
        if (m === undefined) {
          m = new RaftMembership(() => adminToken(kube, ns, network));
          memberships.set(key, m);
        }
        return m;
      },
    };
    const managed = `${LABEL.managedBy}=${OPERATOR_NAME}`;
    const router = new EventRouter(kube, enqueue);
    informers = [];
    for (const ns of namespaces) {
      for (const type of [R.ledgerNode, R.network]) informers.push(new Informer(rest, type, { namespace: ns, onError: (err) => log.warn({ kind: type.kind, err: String(err) }, 'watch failed; retrying') }));
      for (const type of OWNED) informers.push(new Informer(rest, type, { namespace: ns, labelSelector: managed, onError: (err) => log.warn({ kind: type.kind, err: String(err) }, 'watch failed; retrying') }));
    }
    for (const i of informers) {
      kube.addInformer(i);
      i.on((event, obj) => router.route(i.type, event, obj));
      i.start();
    }
    await Promise.all(informers.map((i) => i.waitForSync()));
    if (mine !== generation) return;
    queue = new WorkQueue(
      async (key) => {
        const [kind, ns, name] = key.split('|') as [string, string, string];
        return kind === 'node' ? reconcileLedgerNode(ctx, ns, name) : reconcileNetwork(ctx, ns, name);
      },
      {
        concurrency: o.concurrency ?? 16,
        onError: (key, err, retry) => log.warn({ key, err: err instanceof Error ? err.message : String(err), retryInMs: retry }, 'reconcile failed; will retry'),
      },
    );
    synced = true;
    for (const n of kube.cachedList(R.ledgerNode)) enqueue('node', n.metadata.namespace ?? '', n.metadata.name);
    for (const n of kube.cachedList(R.network)) enqueue('network', n.metadata.namespace ?? '', n.metadata.name);
    log.info({ namespaces: o.namespaces ?? 'all' }, 'caches synced; reconciling');
    startedResolve();
  }

  async function stopControllers(): Promise<void> {
    generation++;
    synced = false;
    queue?.stop();
    queue = null;
    await Promise.all(informers.map((i) => i.stop()));
    informers = [];
  }

  async function adminToken(kube: Kube, ns: string, network: string): Promise<string | undefined> {
    const key = `${ns}/${network}`;
    const hit = tokens.get(key);
    if (hit !== undefined && Date.now() - hit.at < 60_000) return hit.value;
    const net = kube.cached(R.network, ns, network) as KonsortiumNetwork | undefined;
    const ref = net?.spec.adminTokenSecretRef;
    let value: string | undefined;
    if (ref !== undefined) {
      const secret = await kube.read(R.secret, ns, ref.name);
      const b64 = secret?.data?.[ref.key];
      value = b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8').trim();
    }
    tokens.set(key, { value, at: Date.now() });
    return value;
  }

  let elector: LeaderElector | null = null;
  if (o.leaderElection !== undefined && o.leaderElection !== null) {
    elector = new LeaderElector(rest, {
      ...o.leaderElection,
      onStartedLeading: () => {
        leader = true;
        log.info({ identity: o.leaderElection!.identity }, 'leading');
        void runControllers();
      },
      onStoppedLeading: () => {
        leader = false;
        log.warn({}, 'lost leadership; stopping');
        void stopControllers().then(() => o.onLostLeadership?.());
      },
      onError: (err) => log.warn({ err: String(err) }, 'lease renewal failed'),
    });
    elector.start();
  } else {
    void runControllers();
  }

  return {
    started,
    stats: () => ({
      reconciles: queue?.stats.reconciles ?? 0,
      failures: queue?.stats.failures ?? 0,
      apiRequests: rest.requests,
      apiRequestsByKind: Object.fromEntries(rest.byKind),
      queueDepth: queue?.depth ?? 0,
      leader,
      synced,
    }),
    stop: async () => {
      await stopControllers();
      await elector?.stop();
      rest.close();
    },
  };
}
