/**
 * The process side of the local runtime: what it remembers per node, the node binary's flags,
 * the children to kill when this process exits, and the reaping of processes an earlier run of
 * the control plane left behind.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pidAlive, pidRuns, readJsonIfExists, sleep } from './local-support.js';
import type { NodeAddresses, NodeRunState, NodeSpec, PeerAddress } from './node-runtime.js';
import type { RuntimeLogger } from './runtime-logger.js';
import { channelNames } from './spec-checks.js';

export interface NodeRecord {
  readonly key: string;
  readonly network: string;
  readonly nodeId: number;
  readonly dir: string;
  readonly addresses: NodeAddresses;
  spec: NodeSpec | undefined;
  /** Fingerprint of what needs a restart to change: channels, keys, JWKS URL. */
  fingerprint: string | undefined;
  /** Whether the node should be running (false after stopNode/removeNode/close). */
  wanted: boolean;
  state: NodeRunState;
  restarts: number;
  rapidFailures: number;
  lastError: string | undefined;
  child: ChildProcess | undefined;
  exited: Promise<void> | undefined;
  startedAt: number;
  /** Size of node.log when the current incarnation started. */
  logOffset: number;
  restartTimer: NodeJS.Timeout | undefined;
  readyTimer: NodeJS.Timeout | undefined;
}

/** Every child spawned by any LocalNodeRuntime, killed by PID when this process exits. */
export const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

export function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of liveChildren) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export function nodeKey(network: string, nodeId: number): string {
  return `${network}/${nodeId}`;
}

export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `killed by ${signal}` : `exited with code ${String(code)}`;
}

function hasState(rec: NodeRecord, spec: NodeSpec): boolean {
  const data = path.join(rec.dir, 'data');
  const names = channelNames(spec);
  if (names.length === 0) return existsSync(path.join(data, 'node.json'));
  return names.every((n) => existsSync(path.join(data, 'channels', n, 'raft', 'node.json')));
}

/** The node binary's flags for this record and spec (`--join` only while a channel has no state yet). */
export function nodeArgs(rec: NodeRecord, spec: NodeSpec, opts: { readonly logLevel?: string; readonly extraArgs?: readonly string[] }): string[] {
  const a = rec.addresses;
  const peers = new Map<number, PeerAddress>(spec.peers.map((p) => [p.id, p]));
  peers.set(rec.nodeId, { id: rec.nodeId, raftAddr: a.raftAddr, httpAddr: a.httpAddr });
  const args = ['--id', String(rec.nodeId), '--data-dir', path.join(rec.dir, 'data'), '--raft-addr', a.raftAddr, '--http-addr', a.httpAddr];
  args.push('--cluster-id', rec.network);
  for (const p of [...peers.values()].sort((x, y) => x.id - y.id)) args.push('--peer', `${p.id}=${p.raftAddr},${p.httpAddr}`);
  if (spec.join && !hasState(rec, spec)) args.push('--join');
  const names = channelNames(spec);
  for (const n of names) args.push('--channel', path.join(rec.dir, 'channels', `${n}.genesis.json`));
  if (names.length > 0) args.push('--node-key', path.join(rec.dir, 'keys.json'));
  if (spec.authJwksUrl !== undefined) args.push('--auth-jwks', spec.authJwksUrl);
  args.push('--log-level', opts.logLevel ?? 'info');
  args.push(...(opts.extraArgs ?? []));
  return args;
}

/**
 * A process of an earlier control-plane run that still serves this node (its PID in
 * node.pid, and /proc shows main.js on this node's data dir): stopped before a new start.
 */
export async function reapOrphan(rec: { readonly dir: string; readonly network: string; readonly nodeId: number }, nodeMainJs: string, stopTimeoutMs: number, log: RuntimeLogger): Promise<void> {
  const pidFile = path.join(rec.dir, 'node.pid');
  const info = (await readJsonIfExists(pidFile).catch(() => undefined)) as { pid?: unknown } | undefined;
  const pid = info?.pid;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 1) return;
  if ([...liveChildren].some((c) => c.pid === pid)) return;
  const dataDir = path.join(rec.dir, 'data');
  if (!pidAlive(pid) || !pidRuns(pid, [nodeMainJs, dataDir])) {
    await rm(pidFile, { force: true });
    return;
  }
  log.warn({ network: rec.network, nodeId: rec.nodeId, pid }, 'stopping a node process left by an earlier run');
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + stopTimeoutMs;
  while (pidAlive(pid) && Date.now() < deadline) await sleep(50);
  if (pidAlive(pid) && pidRuns(pid, [nodeMainJs, dataDir])) {
    process.kill(pid, 'SIGKILL');
    const killDeadline = Date.now() + 2000;
    while (pidAlive(pid) && Date.now() < killDeadline) await sleep(20);
  }
  await rm(pidFile, { force: true });
}
