/**
 * Leader election on a coordination.k8s.io Lease, the way Kubernetes' own controllers do it:
 * the holder renews `renewTime` every `retryPeriod`; a candidate takes the lease over only when
 * it is free or its last renewal is older than `leaseDuration`. Every write carries the lease's
 * resourceVersion, so two candidates racing for it cannot both win (the loser gets 409).
 * A leader that cannot renew within `renewDeadline` steps down (and the process should stop
 * reconciling at once); a leader that stops cleanly releases the lease so a successor starts
 * without waiting for it to expire.
 */
import { isConflict, isNotFound, type KubeRest } from './rest.js';
import { microTime, pathOf, R } from './resources.js';

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  readonly onError?: (err: unknown) => void;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  /** The tick in flight: stop() waits for it, so a renewal never lands after the release. */
  private ticking: Promise<void> = Promise.resolve();
  private lastRenewMs = 0;
  private readonly durationMs: number;
  private readonly deadlineMs: number;
  private readonly retryMs: number;

  constructor(
    private readonly rest: KubeRest,
    private readonly o: LeaderElectionOptions,
  ) {
    this.durationMs = o.leaseDurationMs ?? 15_000;
    this.deadlineMs = o.renewDeadlineMs ?? 10_000;
    this.retryMs = o.retryPeriodMs ?? 2_000;
    if (!(this.durationMs > this.deadlineMs && this.deadlineMs > this.retryMs)) throw new RangeError('need leaseDuration > renewDeadline > retryPeriod');
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.ticking = this.tick();
  }

  /** Stops; a leader releases the lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.get();
      if (lease !== null && lease.spec.holderIdentity === this.o.identity) {
        await this.put({ ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } });
      }
    } catch (err) {
      this.o.onError?.(err);
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick();
    }, this.retryMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      const ok = await this.tryAcquireOrRenew();
      if (this.stopped) return; // stop() releases the lease; no step-down callback for a clean stop
      const now = Date.now();
      if (ok) {
        this.lastRenewMs = now;
        if (!this.leading && !this.stopped) {
          this.leading = true;
          this.o.onStartedLeading();
        }
      } else if (this.leading) {
        this.stepDown();
      }
    } catch (err) {
      this.o.onError?.(err);
      if (this.leading && Date.now() - this.lastRenewMs > this.deadlineMs) this.stepDown();
    }
    this.schedule();
  }

  private stepDown(): void {
    this.leading = false;
    this.o.onStoppedLeading();
  }

  private async get(): Promise<Lease | null> {
    try {
      return await this.rest.request<Lease>('GET', pathOf(R.lease, this.o.namespace, this.o.name));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  private async put(lease: Lease): Promise<void> {
    await this.rest.request('PUT', pathOf(R.lease, this.o.namespace, this.o.name), { body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...lease } });
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    if (this.stopped) return false;
    const now = Date.now();
    const seconds = Math.ceil(this.durationMs / 1000);
    const lease = await this.get();
    if (lease === null) {
      try {
        await this.rest.request('POST', pathOf(R.lease, this.o.namespace), {
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.o.name, namespace: this.o.namespace },
            spec: { holderIdentity: this.o.identity, leaseDurationSeconds: seconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
          },
        });
        return true;
      } catch (err) {
        if (isConflict(err)) return false; // someone else created it first
        throw err;
      }
    }
    const holder = lease.spec.holderIdentity ?? '';
    const renewed = lease.spec.renewTime === undefined ? 0 : Date.parse(lease.spec.renewTime);
    const expired = renewed + (lease.spec.leaseDurationSeconds ?? seconds) * 1000 < now;
    if (holder !== this.o.identity && holder !== '' && !expired) return false;
    const taking = holder !== this.o.identity;
    try {
      await this.put({
        metadata: lease.metadata,
        spec: {
          holderIdentity: this.o.identity,
          leaseDurationSeconds: seconds,
          acquireTime: taking ? microTime(now) : (lease.spec.acquireTime ?? microTime(now)),
          renewTime: microTime(now),
          leaseTransitions: (lease.spec.leaseTransitions ?? 0) + (taking ? 1 : 0),
        },
      });
      return true;
    } catch (err) {
      if (isConflict(err)) return false; // lost the race for this version
      throw err;
    }
  }
}
