// An in-process cluster: several KonsortiumNode instances in this test process, talking real
// TCP on 127.0.0.1 and writing real files (with fsync) in a temp dir. HTTP goes through
// fastify's inject() unless a test listens itself.
import path from 'node:path';
import { build, type HttpApp } from '../../src/http/app.js';
import type { Member } from '../../src/kv/members.js';
import { KonsortiumNode } from '../../src/runtime/node.js';
import type { NodeOptions } from '../../src/runtime/options.js';
import type { NodeStatus } from '../../src/runtime/status.js';
import { freePort, LOOPBACK, tempDir, testLogger, waitFor } from './env.js';

export interface ClusterNode {
  readonly member: Member;
  readonly dataDir: string;
  node: KonsortiumNode | null;
  app: HttpApp | null;
}

export type NodeTuning = Partial<Pick<NodeOptions, 'tickMs' | 'electionTicks' | 'heartbeatTicks' | 'snapshotEntries' | 'snapshotKeepEntries' | 'fsync' | 'requestTimeoutMs' | 'promoteLagEntries'>>;

export interface HttpResult {
  status: number;
  json: Record<string, unknown>;
}

/** Fast ticks so elections take a few hundred ms; fsync stays on. */
const TEST_TUNING: NodeTuning = { tickMs: 20, electionTicks: 10, heartbeatTicks: 1 };

export async function newMember(id: number): Promise<Member> {
  return { id, raftAddr: `${LOOPBACK}:${await freePort()}`, httpAddr: `${LOOPBACK}:${await freePort()}` };
}

export class TestCluster {
  readonly nodes = new Map<number, ClusterNode>();

  private constructor(
    readonly baseDir: string,
    private readonly removeDir: () => Promise<void>,
    readonly tuning: NodeTuning,
    readonly clusterId: string,
  ) {}

  /** Starts `size` nodes (ids 1..size) bootstrapping a new cluster. */
  static async start(size: number, tuning: NodeTuning = {}, clusterId = 'test'): Promise<TestCluster> {
    const { dir, remove } = await tempDir('cluster');
    const c = new TestCluster(dir, remove, { ...TEST_TUNING, ...tuning }, clusterId);
    const members: Member[] = [];
    for (let id = 1; id <= size; id++) members.push(await newMember(id));
    for (const m of members) c.nodes.set(m.id, { member: m, dataDir: path.join(dir, `n${m.id}`), node: null, app: null });
    await Promise.all(members.map((m) => c.startNode(m.id, { peers: members, join: false })));
    return c;
  }

  get(id: number): ClusterNode {
    const n = this.nodes.get(id);
    if (!n) throw new RangeError(`no node ${id}`);
    return n;
  }

  node(id: number): KonsortiumNode {
    const n = this.get(id).node;
    if (!n) throw new Error(`node ${id} is stopped`);
    return n;
  }

  /** Starts (or restarts from its data dir) node `id`. */
  async startNode(id: number, how: { peers?: readonly Member[]; join?: boolean } = {}): Promise<KonsortiumNode> {
    const cn = this.get(id);
    const node = await KonsortiumNode.open({
      id,
      clusterId: this.clusterId,
      dataDir: cn.dataDir,
      raftAddr: cn.member.raftAddr,
      httpAddr: cn.member.httpAddr,
      peers: how.peers ?? [],
      join: how.join ?? false,
      logger: testLogger(String(id)),
      ...this.tuning,
    });
    await node.start();
    cn.node = node;
    cn.app = await build({ node, metrics: node.metrics, logger: node.logger });
    return node;
  }

  /** Adds a node that will join (empty data dir); starts it. */
  async addJoiningNode(id: number, addressBook: readonly Member[] = []): Promise<ClusterNode> {
    const member = await newMember(id);
    this.nodes.set(id, { member, dataDir: path.join(this.baseDir, `n${id}`), node: null, app: null });
    await this.startNode(id, { join: true, peers: addressBook });
    return this.get(id);
  }

  async stopNode(id: number): Promise<void> {
    const cn = this.get(id);
    await cn.app?.close();
    await cn.node?.close();
    cn.app = null;
    cn.node = null;
  }

  running(): number[] {
    return [...this.nodes.entries()].filter(([, n]) => n.node !== null).map(([id]) => id);
  }

  /** Waits until all running nodes agree on one leader; returns its id. */
  async waitForLeader(timeoutMs = 10_000, among = this.running()): Promise<number> {
    return waitFor(
      'a leader all running nodes agree on',
      () => {
        const statuses = among.map((id) => this.node(id).status());
        const leader = statuses.find((s) => s.role === 'leader');
        if (!leader) return undefined;
        return statuses.every((s) => s.leaderId === leader.id) ? leader.id : undefined;
      },
      timeoutMs,
    );
  }

  /** Waits until every running node has applied at least `index`. */
  async waitForApplied(index: number, timeoutMs = 10_000, among = this.running()): Promise<void> {
    await waitFor(`all nodes applying ${index}`, () => among.every((id) => this.node(id).status().appliedIndex >= index), timeoutMs);
  }

  status(id: number): NodeStatus {
    return this.node(id).status();
  }

  async http(id: number, method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, body?: unknown): Promise<HttpResult> {
    const app = this.get(id).app;
    if (!app) throw new Error(`node ${id} is stopped`);
    const res = await app.inject({ method, url, ...(body === undefined ? {} : { payload: body as object }) });
    let json: Record<string, unknown> = {};
    try {
      json = res.body === '' ? {} : (JSON.parse(res.body) as Record<string, unknown>);
    } catch {
      json = { raw: res.body };
    }
    return { status: res.statusCode, json };
  }

  async put(id: number, key: string, value: string): Promise<HttpResult> {
    return this.http(id, 'PUT', `/v1/kv/${encodeURIComponent(key)}`, { value });
  }

  async close(): Promise<void> {
    for (const id of this.running()) await this.stopNode(id).catch(() => undefined);
    await this.removeDir();
  }
}
