/**
 * A local etcd cluster (default 3 members) on 127.0.0.1 with free ports chosen at run time,
 * fsync on (etcd's defaults; never --unsafe-no-fsync), each member in its own data dir under
 * one temp base dir that is removed on stop unless `keep`.
 *
 * Clients talk to it through the gRPC-gateway JSON API on each member's client URL
 * (`POST /v3/kv/put`, `POST /v3/maintenance/status`, `GET /health`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePorts, LOOPBACK } from './ports.js';
import { httpJson, installSignalCleanup, makeTempDir, removeTempDir, spawnManaged, waitFor, WaitAborted, type ManagedProcess } from './process.js';

export interface EtcdClusterOptions {
  /** Members (default 3). */
  size?: number;
  /** etcd binary (default: $ETCD_BIN, else /usr/bin/etcd, else `etcd` on PATH). */
  binary?: string;
  /** Keep the data dirs and logs after stop (their location is `baseDir`). */
  keep?: boolean;
  /** Bound on waiting for every member's /health and for a leader (default 30 s). */
  readyTimeoutMs?: number;
  /** Extra flags for every member. */
  extraArgs?: readonly string[];
}

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  logFile: string;
  process: ManagedProcess;
}

/** The parts of `/v3/maintenance/status` we use. IDs are uint64s, kept as decimal strings. */
export interface EtcdStatus {
  memberId: string;
  leader: string;
  raftTerm: number;
  raftIndex: number;
  revision: number;
}

export function etcdBinary(): string {
  const env = process.env['ETCD_BIN'];
  if (env !== undefined && env !== '') return env;
  return existsSync('/usr/bin/etcd') ? '/usr/bin/etcd' : 'etcd';
}

function num(v: unknown): number {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) ? n : 0;
}

export class EtcdCluster {
  private stopped = false;

  private constructor(
    readonly members: readonly EtcdMember[],
    readonly baseDir: string,
    private readonly keep: boolean,
  ) {}

  /** Starts all members, waits for `/health` on each and for an elected leader. */
  static async start(opts: EtcdClusterOptions = {}): Promise<EtcdCluster> {
    installSignalCleanup();
    const size = opts.size ?? 3;
    const keep = opts.keep ?? false;
    const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
    const binary = opts.binary ?? etcdBinary();
    const baseDir = makeTempDir('konsortium-etcd', keep);
    const ports = await freePorts(2 * size);
    const token = `bench-${randomBytes(6).toString('hex')}`;
    const spec = Array.from({ length: size }, (_, i) => ({
      name: `m${i + 1}`,
      clientUrl: `http://${LOOPBACK}:${ports[2 * i]!}`,
      peerUrl: `http://${LOOPBACK}:${ports[2 * i + 1]!}`,
      dataDir: join(baseDir, `m${i + 1}`), // created by etcd itself with the 0700 mode it wants
      logFile: join(baseDir, `m${i + 1}.log`),
    }));
    const initialCluster = spec.map((m) => `${m.name}=${m.peerUrl}`).join(',');
    const members: EtcdMember[] = [];
    const cluster = new EtcdCluster(members, baseDir, keep);
    try {
      for (const m of spec) {
        const proc = await spawnManaged({
          name: `etcd ${m.name}`,
          command: binary,
          logFile: m.logFile,
          args: [
            '--name', m.name,
            '--data-dir', m.dataDir,
            '--listen-client-urls', m.clientUrl,
            '--advertise-client-urls', m.clientUrl,
            '--listen-peer-urls', m.peerUrl,
            '--initial-advertise-peer-urls', m.peerUrl,
            '--initial-cluster', initialCluster,
            '--initial-cluster-state', 'new',
            '--initial-cluster-token', token,
            // --log-level only takes effect with the zap logger (3.4 defaults to capnslog).
            '--logger', 'zap',
            '--log-level', 'error',
            ...(opts.extraArgs ?? []),
          ],
        });
        members.push({ ...m, process: proc });
      }
      const deadline = Date.now() + readyTimeoutMs;
      await Promise.all(members.map((m) => cluster.waitHealthy(m, Math.max(1, deadline - Date.now()))));
      await cluster.findLeader(Math.max(1000, deadline - Date.now()));
      return cluster;
    } catch (err) {
      const logs = members.map((m) => `--- ${m.name} (${m.process.running ? 'running' : 'exited'}):\n${m.process.tail(15)}`).join('\n');
      await cluster.stop().catch(() => undefined);
      throw new Error(`etcd cluster failed to start: ${(err as Error).message}\n${logs}`, { cause: err });
    }
  }

  private async waitHealthy(m: EtcdMember, timeoutMs: number): Promise<void> {
    await waitFor(
      async () => {
        if (!m.process.running) throw new WaitAborted(`${m.name} exited (${JSON.stringify(m.process.exitStatus)})`);
        const r = await httpJson('GET', `${m.clientUrl}/health`, undefined, 1000);
        const h = r.json as { health?: unknown } | undefined;
        return r.status === 200 && (h?.health === 'true' || h?.health === true) ? true : undefined;
      },
      { timeoutMs, intervalMs: 100, what: `etcd ${m.name} /health` },
    );
  }

  async status(m: EtcdMember, timeoutMs = 2000): Promise<EtcdStatus> {
    const r = await httpJson('POST', `${m.clientUrl}/v3/maintenance/status`, {}, timeoutMs);
    const j = r.json as { header?: Record<string, unknown>; leader?: unknown; raftIndex?: unknown } | undefined;
    if (r.status !== 200 || j?.header === undefined) throw new Error(`${m.name} status: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    return {
      memberId: String(j.header['member_id']),
      leader: String(j.leader ?? '0'),
      raftTerm: num(j.header['raft_term']),
      raftIndex: num(j.raftIndex),
      revision: num(j.header['revision']),
    };
  }

  /**
   * The member that is leader: the one whose own `header.member_id` equals the `leader` it
   * reports, confirmed by a majority of members reporting that same leader.
   */
  async findLeader(timeoutMs = 10_000): Promise<EtcdMember> {
    return waitFor(
      async () => {
        const st = await Promise.all(this.members.map((m) => this.status(m, 1000).catch(() => undefined)));
        for (let i = 0; i < this.members.length; i++) {
          const s = st[i];
          if (s === undefined || s.leader === '0' || s.leader !== s.memberId) continue;
          const votes = st.filter((o) => o?.leader === s.memberId).length;
          if (votes * 2 > this.members.length) return this.members[i];
        }
        return undefined;
      },
      { timeoutMs, intervalMs: 100, what: 'an etcd leader' },
    );
  }

  /**
   * SIGTERM every member, SIGKILL after `timeoutMs`, then remove the base dir unless `keep`.
   * (An etcd leader whose peers are gone spends ~7 s trying to hand over leadership before it
   * exits on SIGTERM; its WAL is fsynced, so cutting that short with SIGKILL loses nothing.)
   */
  async stop(timeoutMs = 1500): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.members.map((m) => m.process.stop({ timeoutMs })));
    if (!this.keep) removeTempDir(this.baseDir);
  }
}
