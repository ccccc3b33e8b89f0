/**
 * `LocalNodeRuntime`: ledger nodes as supervised child processes of this process
 * (`node data-plane/node/dist/main.js …`), for `npm start` and for tests.
 *
 * Layout under `baseDir` (persistent; one directory per node):
 *
 *     <baseDir>/<network>/node-<id>/
 *       node.json                   {network, nodeId, host, raftPort, httpPort}: allocated once
 *       node.pid                    {pid, startedAt} of the running incarnation (orphan reaping)
 *       keys.json                   the node's private keys (mode 0600)
 *       channels/<name>.genesis.json  one genesis document per channel it serves
 *       data/                       the node's --data-dir
 *       node.log                    stdout and stderr of every incarnation, appended
 *
 * - `addresses()` picks two free loopback ports the first time and keeps them in node.json, so
 *   the node keeps its addresses across restarts of the node and of the control plane.
 * - `ensureNode(spec)` writes keys.json and the genesis files (temp file + rename) and starts
 *   the process unless it already runs: the same spec twice leaves the one process alone. A
 *   running node is restarted (SIGTERM, then started again) only when its channels, keys or
 *   JWKS URL changed; a changed peer list alone is kept for the next start (a running node
 *   learns membership through Raft, and restarting every member to refresh an address book
 *   would risk the quorum).
 * - Resuming: after a restart of the control plane, a new runtime over the same `baseDir` and
 *   `ensureNode` with the same spec start the node again on its ports and its data. `--join`
 *   is passed only while the data dir has no state yet for every channel (a channel's state
 *   is `data/channels/<name>/raft/node.json`; `data/node.json` for a node without channels):
 *   joining only matters for the first start. Without `--join` and without state a node would
 *   bootstrap a new cluster, which is never what a joining node must do, so the check is
 *   per channel and errs on the side of `--join` (which the node ignores once it has state).
 * - Supervision: an unexpected exit is restarted after a backoff (200 ms doubling up to 5 s by
 *   default) and counted in `restarts`. A run shorter than `stableAfterMs` is a rapid failure;
 *   after `maxRapidFailures` of them in a row the node is left `failed`, with the exit and the
 *   last lines of its output as `lastError`. `ensureNode` on a failed node tries again.
 * - States: `starting` from spawn until its HTTP port accepts connections (the node binds it
 *   last, after its Raft port), then `running`; `restarting` while a restart waits for its backoff;
 *   `stopped` after `stopNode`/`close` or for a node that has a directory but is not supervised
 *   by this object; `absent` without a directory.
 * - No orphans: every process is spawned here and tracked by its PID. `removeNode`, `stopNode`
 *   and `close` send SIGTERM, then SIGKILL after `stopTimeoutMs`. When this process exits
 *   (`process.exit` or the end of the event loop) the survivors get SIGKILL. If the control
 *   plane itself was killed (-9), the next `ensureNode` of that node finds the old PID in
 *   node.pid and, when /proc shows it still runs main.js on this node's data dir, stops it
 *   before starting a new one. Nothing is ever signalled by name.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync } from 'node:fs';
import { mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeAddresses, NodeRunStatus, NodeRuntime, NodeSpec } from './node-runtime.js';
import { canonicalJson, freePorts, hostPort, KeyedMutex, readJsonIfExists, splitHostPort, tailFile, tcpAccepts, writeFileAtomic } from './local-support.js';
import { type RuntimeLogger, silentLogger } from './runtime-logger.js';
import { channelNames, checkNetwork, checkNodeId, checkSpec } from './spec-checks.js';
import { describeExit, installExitHook, liveChildren, type NodeRecord, nodeArgs, nodeKey, reapOrphan } from './local-process.js';

export interface LocalRestartBackoff {
  /** First delay before a restart (default 200 ms). */
  readonly initialMs?: number;
  /** The delay doubles up to this (default 5000 ms). */
  readonly maxMs?: number;
}

export interface LocalNodeRuntimeOptions {
  /** Persistent root of the node directories (see the layout above). */
  readonly baseDir: string;
  /** The node binary (default: data-plane/node/dist/main.js, see `defaultNodeMainJs`). */
  readonly nodeMainJs?: string;
  /** Interface the nodes listen on and advertise (default 127.0.0.1). */
  readonly host?: string;
  readonly logger?: RuntimeLogger;
  readonly restartBackoff?: LocalRestartBackoff;
  /** A run shorter than this is a rapid failure (default 10 s). */
  readonly stableAfterMs?: number;
  /** Rapid failures in a row before the node is left `failed` (default 5). */
  readonly maxRapidFailures?: number;
  /** SIGTERM → SIGKILL grace period when stopping (default 5000 ms). */
  readonly stopTimeoutMs?: number;
  /** More node flags after the standard ones, e.g. `['--no-fsync']` in tests. */
  readonly extraArgs?: readonly string[];
  /** Added to the inherited environment of the node processes. */
  readonly env?: Readonly<Record<string, string>>;
  /** The nodes' `--log-level` (default info). */
  readonly logLevel?: string;
}

/** The persisted content of node.json. */
export interface LocalNodeFile {
  readonly network: string;
  readonly nodeId: number;
  readonly host: string;
  readonly raftPort: number;
  readonly httpPort: number;
}

/**
 * The node binary: `@konsortium/node`'s package directory + dist/main.js, resolved as a path
 * (never imported: the control plane must not depend on the node's code). Falls back to the
 * package's main export, then to the repository layout relative to this file.
 */
export function defaultNodeMainJs(): string {
  const require = createRequire(import.meta.url);
  try {
    return path.join(path.dirname(require.resolve('@konsortium/node/package.json')), 'dist', 'main.js');
  } catch {
    // The package's "exports" does not list package.json.
  }
  try {
    const entry = require.resolve('@konsortium/node');
    if (path.basename(path.dirname(entry)) === 'dist') return path.join(path.dirname(entry), 'main.js');
  } catch {
    // Not built, or not installed.
  }
  // control-plane/{src,dist}/runtime/ → the repository root.
  return fileURLToPath(new URL('../../../data-plane/node/dist/main.js', import.meta.url));
}



export class LocalNodeRuntime implements NodeRuntime {
  readonly kind = 'local' as const;
  readonly baseDir: string;
  readonly nodeMainJs: string;
  readonly host: string;
  private readonly log: RuntimeLogger;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly stableAfterMs: number;
  private readonly maxRapidFailures: number;
  private readonly stopTimeoutMs: number;
  private readonly records = new Map<string, NodeRecord>();
  private readonly locks = new KeyedMutex();
  /** Ports handed out by this object (beside those found in node.json files). */
  private readonly reserved = new Set<number>();
  private closed = false;

  constructor(private readonly opts: LocalNodeRuntimeOptions) {
    if (!opts.baseDir) throw new RangeError('LocalNodeRuntime: baseDir is required');
    this.baseDir = path.resolve(opts.baseDir);
    this.nodeMainJs = path.resolve(opts.nodeMainJs ?? defaultNodeMainJs());
    this.host = opts.host ?? '127.0.0.1';
    this.log = opts.logger ?? silentLogger;
    this.initialBackoffMs = opts.restartBackoff?.initialMs ?? 200;
    this.maxBackoffMs = Math.max(this.initialBackoffMs, opts.restartBackoff?.maxMs ?? 5000);
    this.stableAfterMs = opts.stableAfterMs ?? 10_000;
    this.maxRapidFailures = Math.max(1, opts.maxRapidFailures ?? 5);
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 5000;
  }

  /** `<baseDir>/<network>/node-<id>`. */
  nodeDir(network: string, nodeId: number): string {
    checkNetwork(network);
    checkNodeId(nodeId);
    return path.join(this.baseDir, network, `node-${nodeId}`);
  }

  /** The node's stdout+stderr log (all incarnations). */
  logFile(network: string, nodeId: number): string {
    return path.join(this.nodeDir(network, nodeId), 'node.log');
  }

  /** PID of the node's running process, if this object runs it (for tests and diagnostics). */
  pidOf(network: string, nodeId: number): number | undefined {
    const r = this.records.get(nodeKey(network, nodeId));
    return r?.child?.pid;
  }

  async addresses(network: string, nodeId: number): Promise<NodeAddresses> {
    const dir = this.nodeDir(network, nodeId);
    return this.locks.run(nodeKey(network, nodeId), () => this.addressesLocked(network, nodeId, dir));
  }

  async ensureNode(spec: NodeSpec): Promise<NodeAddresses> {
    checkSpec(spec);
    const key = nodeKey(spec.network, spec.nodeId);
    const dir = this.nodeDir(spec.network, spec.nodeId);
    return this.locks.run(key, async () => {
      this.checkOpen();
      if (!existsSync(this.nodeMainJs)) throw new Error(`node binary not found: ${this.nodeMainJs} (run \`npx tsc -b\`)`);
      const addresses = await this.addressesLocked(spec.network, spec.nodeId, dir);
      const self = spec.peers.find((p) => p.id === spec.nodeId);
      if (self && (self.raftAddr !== addresses.raftAddr || self.httpAddr !== addresses.httpAddr)) {
        throw new RangeError(
          `node ${spec.nodeId}: its peer entry ${self.raftAddr},${self.httpAddr} disagrees with its addresses ${addresses.raftAddr},${addresses.httpAddr}`,
        );
      }
      await this.writeFiles(dir, spec);
      let rec = this.records.get(key);
      if (rec === undefined) {
        rec = {
          key,
          network: spec.network,
          nodeId: spec.nodeId,
          dir,
          addresses,
          spec,
          fingerprint: undefined,
          wanted: true,
          state: 'stopped',
          restarts: 0,
          rapidFailures: 0,
          lastError: undefined,
          child: undefined,
          exited: undefined,
          startedAt: 0,
          logOffset: 0,
          restartTimer: undefined,
          readyTimer: undefined,
        };
        this.records.set(key, rec);
      }
      const fingerprint = createHash('sha256')
        .update(canonicalJson({ channels: spec.channels, keys: spec.keys, authJwksUrl: spec.authJwksUrl ?? null }))
        .digest('hex');
      rec.spec = spec;
      rec.wanted = true;
      if (rec.child !== undefined) {
        if (rec.fingerprint === fingerprint) return addresses;
        this.log.info({ network: spec.network, nodeId: spec.nodeId }, 'node spec changed (channels, keys or JWKS): restarting it');
        await this.stopChild(rec);
        rec.wanted = true;
      } else if (rec.restartTimer !== undefined) {
        // A restart is already scheduled; it will use the spec given now.
        rec.fingerprint = fingerprint;
        return addresses;
      }
      rec.fingerprint = fingerprint;
      rec.rapidFailures = 0; // a new ensure (e.g. of a failed node) gets a fresh allowance
      await reapOrphan(rec, this.nodeMainJs, this.stopTimeoutMs, this.log);
      try {
        await this.spawnChild(rec);
      } catch (err) {
        rec.state = 'failed';
        rec.lastError = (err as Error).message;
        throw err;
      }
      return addresses;
    });
  }

  async status(network: string, nodeId: number): Promise<NodeRunStatus> {
    const dir = this.nodeDir(network, nodeId);
    const r = this.records.get(nodeKey(network, nodeId));
    if (r !== undefined) return { state: r.state, restarts: r.restarts, ...(r.lastError === undefined ? {} : { lastError: r.lastError }) };
    return { state: existsSync(path.join(dir, 'node.json')) ? 'stopped' : 'absent', restarts: 0 };
  }

  /** Stops the node (SIGTERM, then SIGKILL) and keeps its directory; `ensureNode` starts it again. */
  async stopNode(network: string, nodeId: number): Promise<void> {
    const key = nodeKey(network, nodeId);
    this.nodeDir(network, nodeId);
    await this.locks.run(key, async () => {
      const rec = this.records.get(key);
      if (rec !== undefined) await this.stopChild(rec);
    });
  }

  async removeNode(network: string, nodeId: number): Promise<void> {
    const key = nodeKey(network, nodeId);
    const dir = this.nodeDir(network, nodeId);
    await this.locks.run(key, async () => {
      const rec = this.records.get(key);
      if (rec !== undefined) await this.stopChild(rec);
      else await reapOrphan({ dir, network, nodeId }, this.nodeMainJs, this.stopTimeoutMs, this.log);
      const file = (await readJsonIfExists(path.join(dir, 'node.json')).catch(() => undefined)) as Partial<LocalNodeFile> | undefined;
      await rm(dir, { recursive: true, force: true });
      this.records.delete(key);
      if (file !== undefined) {
        if (typeof file.raftPort === 'number') this.reserved.delete(file.raftPort);
        if (typeof file.httpPort === 'number') this.reserved.delete(file.httpPort);
      }
      await rmdir(path.join(this.baseDir, network)).catch(() => undefined); // only when empty
      this.log.info({ network, nodeId }, 'node removed');
    });
  }

  /** Stops every process this object started (SIGTERM, then SIGKILL); keeps their data. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.records.values()].map((rec) => this.locks.run(rec.key, () => this.stopChild(rec))));
  }

  // --- internals -----------------------------------------------------------------------------

  private checkOpen(): void {
    if (this.closed) throw new Error('LocalNodeRuntime is closed');
  }

  private toAddresses(file: LocalNodeFile): NodeAddresses {
    const httpAddr = hostPort(file.host, file.httpPort);
    return { raftAddr: hostPort(file.host, file.raftPort), httpAddr, httpUrl: `http://${httpAddr}` };
  }

  private async addressesLocked(network: string, nodeId: number, dir: string): Promise<NodeAddresses> {
    const rec = this.records.get(nodeKey(network, nodeId));
    if (rec !== undefined) return rec.addresses;
    const nodeFile = path.join(dir, 'node.json');
    const existing = (await readJsonIfExists(nodeFile)) as LocalNodeFile | undefined;
    if (existing !== undefined) {
      if (existing.network !== network || existing.nodeId !== nodeId || !Number.isInteger(existing.raftPort) || !Number.isInteger(existing.httpPort)) {
        throw new Error(`${nodeFile} does not describe node ${nodeId} of ${network}`);
      }
      this.reserved.add(existing.raftPort);
      this.reserved.add(existing.httpPort);
      return this.toAddresses(existing);
    }
    // One allocation at a time across nodes, so two nodes never get the same ports.
    return this.locks.run('\0ports', async () => {
      const used = new Set([...this.reserved, ...(await this.portsOnDisk())]);
      const [raftPort, httpPort] = await freePorts(2, this.host, used);
      const file: LocalNodeFile = { network, nodeId, host: this.host, raftPort: raftPort!, httpPort: httpPort! };
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(nodeFile, `${JSON.stringify(file, null, 2)}\n`);
      this.reserved.add(file.raftPort);
      this.reserved.add(file.httpPort);
      this.log.info({ network, nodeId, raftPort: file.raftPort, httpPort: file.httpPort }, 'node ports allocated');
      return this.toAddresses(file);
    });
  }

  /** Ports recorded in every node.json under baseDir (nodes of other runs of the control plane). */
  private async portsOnDisk(): Promise<number[]> {
    const ports: number[] = [];
    const networks = await readdir(this.baseDir).catch(() => [] as string[]);
    for (const n of networks) {
      const nodes = await readdir(path.join(this.baseDir, n)).catch(() => [] as string[]);
      for (const d of nodes) {
        const f = (await readJsonIfExists(path.join(this.baseDir, n, d, 'node.json')).catch(() => undefined)) as Partial<LocalNodeFile> | undefined;
        if (typeof f?.raftPort === 'number') ports.push(f.raftPort);
        if (typeof f?.httpPort === 'number') ports.push(f.httpPort);
      }
    }
    return ports;
  }

  private async writeFiles(dir: string, spec: NodeSpec): Promise<void> {
    const channelsDir = path.join(dir, 'channels');
    await mkdir(channelsDir, { recursive: true, mode: 0o700 });
    await mkdir(path.join(dir, 'data'), { recursive: true, mode: 0o700 });
    await writeFileAtomic(path.join(dir, 'keys.json'), `${JSON.stringify(spec.keys)}\n`, 0o600);
    const names = channelNames(spec);
    for (let i = 0; i < names.length; i++) {
      await writeFileAtomic(path.join(channelsDir, `${names[i]!}.genesis.json`), `${JSON.stringify(spec.channels[i], null, 2)}\n`);
    }
    for (const f of await readdir(channelsDir)) {
      if (f.endsWith('.genesis.json') && !names.includes(f.slice(0, -'.genesis.json'.length))) await rm(path.join(channelsDir, f), { force: true });
    }
  }

  /** Whether the data dir already holds state for every channel (so `--join` no longer applies). */
  /** Spawns the node; resolves once the OS started it (rejects when it could not be spawned). */
  private async spawnChild(rec: NodeRecord): Promise<void> {
    installExitHook();
    const spec = rec.spec!;
    const args = nodeArgs(rec, spec, this.opts);
    const logPath = path.join(rec.dir, 'node.log');
    const fd = openSync(logPath, 'a', 0o600);
    let child: ChildProcess;
    try {
      rec.logOffset = fstatSync(fd).size;
      child = spawn(process.execPath, [this.nodeMainJs, ...args], {
        cwd: rec.dir,
        env: { ...process.env, ...this.opts.env },
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd); // the child holds its own copy
    }
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new Error(`cannot spawn node ${rec.nodeId} of ${rec.network}: ${err.message}`)));
    });
    child.on('error', (err) => this.log.warn({ network: rec.network, nodeId: rec.nodeId, err: err.message }, 'node process error'));
    liveChildren.add(child);
    rec.child = child;
    rec.startedAt = Date.now();
    rec.state = 'starting';
    rec.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        liveChildren.delete(child);
        this.onExit(rec, child, code, signal);
        resolve();
      });
    });
    await writeFileAtomic(path.join(rec.dir, 'node.pid'), `${JSON.stringify({ pid: child.pid, startedAt: new Date(rec.startedAt).toISOString() })}\n`).catch(() => undefined);
    this.watchReady(rec, child);
    this.log.info({ network: rec.network, nodeId: rec.nodeId, pid: child.pid, join: args.includes('--join') }, 'node process started');
  }

  /**
   * Probes the node's HTTP port until it accepts a connection: the node binds its Raft port
   * first and its HTTP port last (then logs "listening"), so from then on it is running. A
   * TCP probe works whatever the log level and whether or not the API checks tokens.
   */
  private watchReady(rec: NodeRecord, child: ChildProcess): void {
    const { host, port } = splitHostPort(rec.addresses.httpAddr);
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      void tcpAccepts(host, port, 1000).then((ok) => {
        busy = false;
        if (ok && rec.child === child && rec.state === 'starting') {
          rec.state = 'running';
          this.stopReadyWatch(rec);
          this.log.info({ network: rec.network, nodeId: rec.nodeId, pid: child.pid }, 'node listening');
        }
      });
    }, 100);
    timer.unref();
    this.stopReadyWatch(rec);
    rec.readyTimer = timer;
  }

  private stopReadyWatch(rec: NodeRecord): void {
    if (rec.readyTimer !== undefined) clearInterval(rec.readyTimer);
    rec.readyTimer = undefined;
  }

  private onExit(rec: NodeRecord, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (rec.child !== child) return;
    rec.child = undefined;
    this.stopReadyWatch(rec);
    if (!rec.wanted || this.closed) {
      rec.state = 'stopped';
      void rm(path.join(rec.dir, 'node.pid'), { force: true }).catch(() => undefined);
      this.log.info({ network: rec.network, nodeId: rec.nodeId, pid: child.pid, how: describeExit(code, signal) }, 'node process stopped');
      return;
    }
    const ranMs = Date.now() - rec.startedAt;
    const offset = rec.logOffset;
    // Read the tail before deciding, so that lastError is set when the state changes.
    void tailFile(path.join(rec.dir, 'node.log'), offset, 12).then((lines) => {
      const why = `${describeExit(code, signal)} after ${ranMs} ms`;
      this.onFailure(rec, lines.length > 0 ? `${why}:\n${lines.join('\n')}` : why, ranMs);
    });
    rec.state = 'restarting';
  }

  /** An unexpected exit (or a failed spawn): schedule a restart, or give up. */
  private onFailure(rec: NodeRecord, message: string, ranMs: number): void {
    if (!rec.wanted || this.closed || rec.child !== undefined) return;
    rec.lastError = message;
    if (ranMs >= this.stableAfterMs) rec.rapidFailures = 0;
    rec.rapidFailures++;
    if (rec.rapidFailures >= this.maxRapidFailures) {
      rec.state = 'failed';
      this.log.error({ network: rec.network, nodeId: rec.nodeId, failures: rec.rapidFailures, lastError: message }, 'node keeps failing: giving up');
      return;
    }
    const delay = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (rec.rapidFailures - 1));
    rec.state = 'restarting';
    this.log.warn({ network: rec.network, nodeId: rec.nodeId, delayMs: delay, lastError: message }, 'node exited unexpectedly: restarting');
    rec.restartTimer = setTimeout(() => {
      void this.locks.run(rec.key, async () => {
        if (rec.restartTimer === undefined) return; // cancelled meanwhile
        rec.restartTimer = undefined;
        if (!rec.wanted || this.closed || rec.child !== undefined) return;
        rec.restarts++;
        try {
          await this.spawnChild(rec);
        } catch (err) {
          this.onFailure(rec, (err as Error).message, 0);
        }
      });
    }, delay);
  }

  /** Stops the node's process if it runs (SIGTERM, SIGKILL after the timeout) and cancels restarts. */
  private async stopChild(rec: NodeRecord): Promise<void> {
    rec.wanted = false;
    if (rec.restartTimer !== undefined) clearTimeout(rec.restartTimer);
    rec.restartTimer = undefined;
    this.stopReadyWatch(rec);
    const child = rec.child;
    if (child === undefined) {
      if (rec.state !== 'failed') rec.state = 'stopped';
      return;
    }
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, this.stopTimeoutMs);
    try {
      await rec.exited;
    } finally {
      clearTimeout(timer);
    }
  }

}
