/**
 * Opening a node's durable state: bootstrap a brand new cluster, start a joining node empty,
 * or restart from the data directory.
 *
 * Layout of the data dir:  node.json (identity)  snap/ (Snapshotter)  wal/ (Wal)
 *
 * Restart: newest snapshot → state machine and MemoryStorage → Wal.open from that snapshot →
 * replayed entries and hard state into MemoryStorage. The core then re-applies the committed
 * entries after the snapshot.
 *
 * Bootstrap (etcd style, no conf-change entries): every initial node writes the same first
 * snapshot, index 1 term 1, whose ConfState lists the initial voters and whose state records
 * their addresses, so all start identical.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import {
  type HardState,
  isEmptyHardState,
  MemoryStorage,
  type NodeId,
  type Snapshot,
} from '@konsortium/raft';
import { Snapshotter, Wal } from '@konsortium/storage';
import type { Logger } from 'pino';
import { KvStateMachine } from '../kv/state-machine.js';
import type { Member } from '../kv/members.js';
import type { EntryExtension } from '../ledger/raft-handle.js';
import { splitSnapshot } from './snapshot-envelope.js';

export class BootError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootError';
  }
}

export interface BootOptions {
  readonly id: NodeId;
  readonly clusterId: string;
  readonly dataDir: string;
  readonly join: boolean;
  readonly peers: readonly Member[];
  readonly fsync: boolean;
  readonly logger: Logger;
  /** A replicated service on this log (a channel ledger); its snapshot part is restored here. */
  readonly extension?: EntryExtension | null;
}

export interface DurableState {
  readonly wal: Wal;
  readonly snapshotter: Snapshotter;
  readonly storage: MemoryStorage;
  readonly kv: KvStateMachine;
  /** Index of the snapshot the state was restored from (0: none). */
  readonly snapshotIndex: number;
  /** The commit index found on disk: the node is "ready" once it has applied this far. */
  readonly startCommit: number;
  readonly mode: 'bootstrap' | 'join' | 'restart';
}

interface NodeIdentity {
  readonly id: NodeId;
  readonly clusterId: string;
}

/** The first snapshot of a new cluster; identical bytes on every initial node. */
export function bootstrapSnapshot(peers: readonly Member[]): Snapshot {
  const kv = new KvStateMachine();
  kv.setMembers(peers);
  const voters = [...new Set(peers.map((p) => p.id))].sort((a, b) => a - b);
  return { metadata: { index: 1, term: 1, confState: { voters, learners: [] } }, data: kv.snapshotData() };
}

export async function openDurableState(o: BootOptions): Promise<DurableState> {
  await mkdir(o.dataDir, { recursive: true });
  const identityFile = path.join(o.dataDir, 'node.json');
  const identity = await readIdentity(identityFile);
  if (identity !== null) {
    if (identity.id !== o.id) throw new BootError(`${o.dataDir} belongs to node ${identity.id}, not ${o.id}`);
    if (identity.clusterId !== o.clusterId) {
      throw new BootError(`${o.dataDir} belongs to cluster "${identity.clusterId}", not "${o.clusterId}"`);
    }
  }
  const snapshotter = new Snapshotter(path.join(o.dataDir, 'snap'), {
    fsync: o.fsync,
    onCorrupt: (file, err) => o.logger.error({ file, err: err.message }, 'corrupt snapshot file set aside'),
  });
  let snapshot = await snapshotter.loadNewest();
  let mode: DurableState['mode'] = 'restart';
  if (identity === null) {
    // A crash during a first start may have left the bootstrap snapshot: redoing it is harmless.
    if (o.join) {
      mode = 'join';
    } else {
      if (!o.peers.some((p) => p.id === o.id)) throw new BootError(`bootstrapping needs --peer entries including this node (${o.id})`);
      mode = 'bootstrap';
      snapshot ??= bootstrapSnapshot(o.peers);
      await snapshotter.save(snapshot);
    }
  }

  const kv = new KvStateMachine();
  kv.extension = o.extension ?? null;
  const storage = new MemoryStorage();
  if (snapshot !== null) {
    const parts = splitSnapshot(snapshot.data);
    if (kv.extension !== null && parts.extension !== null) await kv.extension.restore(snapshot.metadata.index, parts.extension);
    kv.restore(snapshot.metadata.index, parts.kv);
    storage.applySnapshot(snapshot);
  }
  const snapIndex = snapshot?.metadata.index ?? 0;
  const { wal, replay } = await Wal.open({
    dir: path.join(o.dataDir, 'wal'),
    fsync: o.fsync,
    fromSnapshot: snapshot ? { index: snapIndex, term: snapshot.metadata.term } : null,
  });
  try {
    if (replay.truncatedBytes > 0) {
      o.logger.warn({ bytes: replay.truncatedBytes, reason: replay.truncatedReason }, 'cut a torn tail off the WAL');
    }
    storage.append(replay.entries);
    let hardState: HardState = replay.hardState;
    if (!isEmptyHardState(hardState)) {
      // A snapshot holds only committed state, so its index is a commit index we may have
      // applied (and snapshotted) before the hard state recording it reached the disk.
      if (hardState.commit < snapIndex) hardState = { ...hardState, commit: snapIndex };
      if (hardState.commit > storage.lastIndex()) {
        throw new BootError(`WAL hard state commits ${hardState.commit} but the log ends at ${storage.lastIndex()}`);
      }
      storage.setHardState(hardState);
    }
    if (identity === null) await writeIdentity(identityFile, { id: o.id, clusterId: o.clusterId }, o.fsync);
    return { wal, snapshotter, storage, kv, snapshotIndex: snapIndex, startCommit: Math.max(hardState.commit, snapIndex), mode };
  } catch (err) {
    await wal.close().catch(() => undefined);
    throw err;
  }
}

async function readIdentity(file: string): Promise<NodeIdentity | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const o = JSON.parse(text) as Partial<NodeIdentity>;
  if (typeof o.id !== 'number' || typeof o.clusterId !== 'string') throw new BootError(`${file} is not a node identity file`);
  return { id: o.id, clusterId: o.clusterId };
}

async function writeIdentity(file: string, identity: NodeIdentity, fsync: boolean): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(identity) + '\n');
    if (fsync) await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  if (fsync) {
    const dir = await open(path.dirname(file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
