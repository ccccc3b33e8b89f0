/**
 * A local cluster of our ledger nodes (data-plane/node/dist/main.js), one OS process per node,
 * on 127.0.0.1 with ports chosen at run time. Nodes keep their ports and data dirs for the life
 * of the cluster object, so a node can be stopped, killed (-9) and restarted on the same data.
 *
 * Contract used (see data-plane/node):
 *   node main.js --id N --data-dir DIR --raft-addr H:P --http-addr H:P --peer id=raftAddr,httpAddr ...
 *   GET /v1/status -> {id, role, leaderId, term, commitIndex, appliedIndex, ...}
 *   GET /readyz    -> 200 once it knows a leader and has applied its log
 *   PUT /v1/kv/:key {"value": string} -> 200 {key, revision} | 503 {code: "NOT_LEADER", leaderId}
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, LOOPBACK } from './ports.js';
import {
  httpJson,
  installSignalCleanup,
  makeTempDir,
  removeTempDir,
  spawnManaged,
  waitFor,
  WaitAborted,
  type ExitInfo,
  type HttpResult,
  type ManagedProcess,
} from './process.js';

export type Role = 'leader' | 'follower' | 'candidate' | 'precandidate';

export interface NodeStatus {
  id: number;
  role: Role;
  leaderId: number;
  term: number;
  commitIndex: number;
  appliedIndex: number;
  [extra: string]: unknown;
}

export interface KonsortiumNode {
  readonly id: number;
  readonly raftAddr: string;
  readonly httpAddr: string;
  /** http://127.0.0.1:P */
  readonly httpUrl: string;
  readonly dataDir: string;
  /** stdout+stderr (pino JSON lines) of every incarnation, appended. */
  readonly logFile: string;
  /** The current incarnation; undefined before the first start. */
  process: ManagedProcess | undefined;
}

export interface KonsortiumClusterOptions {
  /** Nodes (default 3), ids 1..size. */
  size?: number;
  /** Path of main.js (default: $KONSORTIUM_NODE_MAIN, else <repo>/data-plane/node/dist/main.js). */
  mainJs?: string;
  /** Flags for the node binary itself, e.g. ['--enable-source-maps']. */
  nodeArgs?: readonly string[];
  /** Extra CLI flags for every node, after the standard ones. */
  extraArgs?: readonly string[] | ((id: number) => readonly string[]);
  /** Added to the inherited environment. */
  env?: NodeJS.ProcessEnv;
  /** Keep data dirs and logs after destroy (their location is `baseDir`). */
  keep?: boolean;
  /** Bound on `start()` waiting for a ready leader (default 30 s). */
  readyTimeoutMs?: number;
  /** Where a node reports its Raft status (default /v1/status; a ledger node has one per channel). */
  statusPath?: string;
  /** Headers for status requests (e.g. a bearer token when the node checks callers). */
  statusHeaders?: Readonly<Record<string, string>>;
}

/** The repository root: the nearest ancestor of this module holding data-plane/node. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'data-plane', 'node', 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return resolve(process.cwd());
}

export function konsortiumMainJs(): string {
  const env = process.env['KONSORTIUM_NODE_MAIN'];
  if (env !== undefined && env !== '') return resolve(env);
  return join(repoRoot(), 'data-plane', 'node', 'dist', 'main.js');
}

function toStatus(j: unknown): NodeStatus | undefined {
  if (typeof j !== 'object' || j === null) return undefined;
  const o = j as Record<string, unknown>;
  const n = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : 0);
  if (typeof o['role'] !== 'string') return undefined;
  return { ...o, id: n(o['id']), role: o['role'] as Role, leaderId: n(o['leaderId']), term: n(o['term']), commitIndex: n(o['commitIndex']), appliedIndex: n(o['appliedIndex']) };
}

export class KonsortiumCluster {
  private readonly byId = new Map<number, KonsortiumNode>();
  private destroyed = false;

  private constructor(
    readonly baseDir: string,
    readonly mainJs: string,
    private readonly opts: KonsortiumClusterOptions,
    nodes: KonsortiumNode[],
  ) {
    for (const n of nodes) this.byId.set(n.id, n);
  }

  /** Allocates ports and dirs; starts nothing. */
  static async create(opts: KonsortiumClusterOptions = {}): Promise<KonsortiumCluster> {
    installSignalCleanup();
    const size = opts.size ?? 3;
    const mainJs = opts.mainJs ?? konsortiumMainJs();
    if (!existsSync(mainJs)) throw new Error(`konsortium node not built: ${mainJs} is missing (run \`npx tsc -b\`)`);
    const baseDir = makeTempDir('konsortium-node', opts.keep ?? false);
    const ports = await freePorts(2 * size);
    const nodes: KonsortiumNode[] = Array.from({ length: size }, (_, i) => {
      const id = i + 1;
      const raftAddr = `${LOOPBACK}:${ports[2 * i]!}`;
      const httpAddr = `${LOOPBACK}:${ports[2 * i + 1]!}`;
      return { id, raftAddr, httpAddr, httpUrl: `http://${httpAddr}`, dataDir: join(baseDir, `n${id}`), logFile: join(baseDir, `n${id}.log`), process: undefined };
    });
    return new KonsortiumCluster(baseDir, mainJs, opts, nodes);
  }

  /** create + start every node + wait for a leader that is ready. */
  static async start(opts: KonsortiumClusterOptions = {}): Promise<KonsortiumCluster> {
    const c = await KonsortiumCluster.create(opts);
    try {
      await Promise.all(c.ids.map((id) => c.startNode(id)));
      await c.waitForLeader({ timeoutMs: opts.readyTimeoutMs ?? 30_000 });
      return c;
    } catch (err) {
      const logs = c.describe();
      await c.destroy().catch(() => undefined);
      throw new Error(`konsortium cluster failed to start: ${(err as Error).message}\n${logs}`, { cause: err });
    }
  }

  /**
   * Allocates ports and a data dir for one more node (id: the highest so far + 1), e.g. a node
   * that joins later; starts nothing. Its peers learn its address when it is added to Raft.
   */
  async addNode(): Promise<KonsortiumNode> {
    if (this.destroyed) throw new Error('the cluster is destroyed');
    const id = Math.max(...this.ids) + 1;
    // Ports of stopped nodes are free to the OS but still theirs: never hand them out again.
    const taken = new Set(this.nodes.flatMap((n) => [n.raftAddr, n.httpAddr]));
    const ports = (await freePorts(8)).filter((p) => !taken.has(`${LOOPBACK}:${p}`));
    if (ports.length < 2) throw new Error('addNode: no free ports');
    const raftAddr = `${LOOPBACK}:${ports[0]!}`;
    const httpAddr = `${LOOPBACK}:${ports[1]!}`;
    const n: KonsortiumNode = { id, raftAddr, httpAddr, httpUrl: `http://${httpAddr}`, dataDir: join(this.baseDir, `n${id}`), logFile: join(this.baseDir, `n${id}.log`), process: undefined };
    this.byId.set(id, n);
    return n;
  }

  get ids(): number[] {
    return [...this.byId.keys()];
  }

  get nodes(): KonsortiumNode[] {
    return [...this.byId.values()];
  }

  node(id: number): KonsortiumNode {
    const n = this.byId.get(id);
    if (!n) throw new RangeError(`no node ${id}`);
    return n;
  }

  isRunning(id: number): boolean {
    return this.node(id).process?.running ?? false;
  }

  /** Starts node `id` on its (possibly non-empty) data dir. No-op if it is running. */
  async startNode(id: number): Promise<ManagedProcess> {
    const n = this.node(id);
    if (n.process?.running) return n.process;
    mkdirSync(n.dataDir, { recursive: true, mode: 0o700 });
    const peers = this.nodes.flatMap((p) => ['--peer', `${p.id}=${p.raftAddr},${p.httpAddr}`]);
    const extra = typeof this.opts.extraArgs === 'function' ? this.opts.extraArgs(id) : (this.opts.extraArgs ?? []);
    n.process = await spawnManaged({
      name: `konsortium node ${id}`,
      command: process.execPath,
      args: [...(this.opts.nodeArgs ?? []), this.mainJs, '--id', String(id), '--data-dir', n.dataDir, '--raft-addr', n.raftAddr, '--http-addr', n.httpAddr, ...peers, ...extra],
      env: { ...process.env, ...this.opts.env },
      logFile: n.logFile,
    });
    return n.process;
  }

  /** Graceful stop: SIGTERM, SIGKILL after `timeoutMs` (default 5 s). */
  async stopNode(id: number, timeoutMs = 5000): Promise<ExitInfo | undefined> {
    return this.node(id).process?.stop({ timeoutMs });
  }

  /** kill -9. */
  async killNode(id: number): Promise<ExitInfo | undefined> {
    return this.node(id).process?.kill();
  }

  /** Stops (or with `kill: true`, kill -9s) node `id` and starts it again on the same data dir and ports. */
  async restartNode(id: number, opts: { kill?: boolean; timeoutMs?: number } = {}): Promise<ManagedProcess> {
    if (opts.kill) await this.killNode(id);
    else await this.stopNode(id, opts.timeoutMs);
    return this.startNode(id);
  }

  url(id: number, path: string): string {
    return `${this.node(id).httpUrl}${path}`;
  }

  async status(id: number, timeoutMs = 1000): Promise<NodeStatus> {
    const path = this.opts.statusPath ?? '/v1/status';
    const r = await httpJson('GET', this.url(id, path), undefined, timeoutMs, this.opts.statusHeaders);
    const s = r.status === 200 ? toStatus(r.json) : undefined;
    if (!s) throw new Error(`node ${id} ${path}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    return s;
  }

  async isReady(id: number, timeoutMs = 1000): Promise<boolean> {
    try {
      return (await httpJson('GET', this.url(id, '/readyz'), undefined, timeoutMs)).status === 200;
    } catch {
      return false;
    }
  }

  /** PUT /v1/kv/:key {"value"} on node `id` (a follower answers 503 NOT_LEADER). */
  put(id: number, key: string, value: string, timeoutMs = 5000): Promise<HttpResult> {
    return httpJson('PUT', this.url(id, `/v1/kv/${encodeURIComponent(key)}`), { value }, timeoutMs);
  }

  /**
   * Waits until some running node (optionally only among `among`) says it is leader, a majority
   * of the cluster reports it as leader in the same term, and its /readyz answers 200.
   */
  async waitForLeader(opts: { timeoutMs?: number; among?: readonly number[] } = {}): Promise<{ node: KonsortiumNode; status: NodeStatus }> {
    const majority = Math.floor(this.byId.size / 2) + 1;
    return waitFor(
      async () => {
        const running = this.ids.filter((id) => this.isRunning(id));
        if (running.length < majority) throw new WaitAborted(`only ${running.length} of ${this.byId.size} nodes are running`);
        const st = await Promise.all(running.map((id) => this.status(id, 1000).catch(() => undefined)));
        for (let i = 0; i < running.length; i++) {
          const s = st[i];
          const id = running[i]!;
          if (s?.role !== 'leader' || (opts.among && !opts.among.includes(id))) continue;
          const agree = st.filter((o, j) => o !== undefined && o.term === s.term && (running[j] === id || o.leaderId === id)).length;
          if (agree >= majority && (await this.isReady(id))) return { node: this.node(id), status: s };
        }
        return undefined;
      },
      { timeoutMs: opts.timeoutMs ?? 30_000, intervalMs: 100, what: 'a konsortium leader' },
    );
  }

  /** Waits until /readyz is 200 on each of `ids` (default: every running node). */
  async waitReady(ids?: readonly number[], timeoutMs = 30_000): Promise<void> {
    const which = ids ?? this.ids.filter((id) => this.isRunning(id));
    const ready = async (id: number): Promise<true | undefined> => {
      if (!this.isRunning(id)) throw new WaitAborted(`node ${id} is not running`);
      return (await this.isReady(id)) ? true : undefined;
    };
    await Promise.all(which.map((id) => waitFor(() => ready(id), { timeoutMs, intervalMs: 100, what: `node ${id} /readyz` })));
  }

  /** State and last log lines of every node, for failure messages. */
  describe(lines = 15): string {
    return this.nodes
      .map((n) => `--- node ${n.id} (${n.process ? (n.process.running ? `pid ${n.process.pid}` : `exited ${JSON.stringify(n.process.exitStatus)}`) : 'never started'}):\n${n.process?.tail(lines) ?? ''}`)
      .join('\n');
  }

  /** Stops every node (SIGTERM, SIGKILL after `timeoutMs`) and removes the base dir unless `keep`. */
  async destroy(timeoutMs = 3000): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await Promise.all(this.nodes.map((n) => n.process?.stop({ timeoutMs })));
    if (!(this.opts.keep ?? false)) removeTempDir(this.baseDir);
  }
}
