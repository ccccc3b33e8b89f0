/**
 * Command-line flags of the node binary, parsed and validated up front. Every problem is a
 * UsageError with a message naming the flag; main prints it and exits with status 2.
 */
import { parseArgs } from 'node:util';
import { parseHostPort } from '../addresses.js';
import type { Member } from '../kv/members.js';
import { NODE_DEFAULTS } from '../runtime/options.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `usage: node data-plane/node/dist/main.js --id N --data-dir DIR --raft-addr HOST:PORT --http-addr HOST:PORT
         (--peer ID=RAFTADDR,HTTPADDR ... | --join [--peer ...]) [options]

  --id N                  this node's id (positive integer)
  --data-dir DIR          data directory (created if missing)
  --raft-addr HOST:PORT   address for Raft traffic (listen and advertise)
  --http-addr HOST:PORT   address for the HTTP API (listen and advertise)
  --peer ID=RAFT,HTTP     a cluster member, this node included; repeat per member. With an empty
                          data dir (and no --join) the listed members bootstrap a new cluster
  --join                  start with an empty log and wait for the leader's snapshot (after
                          POST /v1/members on the leader, or POST /v1/channels/CH/admin/members
                          for a channel); --peer entries are an address book
  --cluster-id ID         cluster name, checked on every peer connection (default "konsortium")
  --tick-ms N             Raft tick (default ${NODE_DEFAULTS.tickMs})
  --election-ticks N      ticks before an election (default ${NODE_DEFAULTS.electionTicks})
  --heartbeat-ticks N     ticks between heartbeats (default ${NODE_DEFAULTS.heartbeatTicks})
  --snapshot-entries N    snapshot every N applied entries (default ${NODE_DEFAULTS.snapshotEntries})
  --snapshot-keep-entries N
                          log entries kept behind a snapshot for slow followers (default ${NODE_DEFAULTS.snapshotKeepEntries})
  --max-frame-bytes N     largest transport frame, so largest snapshot (default 128 MiB)
  --channel FILE          serve a ledger channel described by this genesis JSON; repeat per channel.
                          The node must be one of the genesis nodes, or join the channel with
                          --join: first an admin registers it in governance (governance.setNode
                          with its keys) and adds it on the channel leader (POST
                          /v1/channels/CH/admin/members); it catches up as a learner, is checked
                          against the governance state (until it is listed there with its keys it
                          admits no transactions and /readyz says why), and is promoted with
                          POST /v1/channels/CH/admin/members/ID/promote. Without --channel the
                          node is a plain replicated key-value store (/v1/kv)
  --node-key FILE         the node's private keys, JSON {"intl"|"gost"|"sm": "<hex>"} (with --channel)
  --auth-jwks URL|FILE    check callers' bearer JWTs against this JWKS (EdDSA); without it the API is open
  --auth-issuer ISS       expected "iss" of tokens (default "konsortium")
  --auth-audience AUD     expected "aud" of tokens (default "konsortium-node")
  --log-level LEVEL       fatal|error|warn|info|debug|trace (default info)
  --no-fsync              UNSAFE, tests only: do not fsync the WAL or snapshots
  --help                  this text`;

export interface CliConfig {
  readonly id: number;
  readonly dataDir: string;
  readonly raftAddr: string;
  readonly httpAddr: string;
  readonly peers: Member[];
  readonly join: boolean;
  readonly clusterId: string;
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly snapshotEntries: number;
  readonly snapshotKeepEntries: number;
  readonly maxFrameBytes: number | undefined;
  readonly logLevel: string;
  readonly fsync: boolean;
  /** Genesis files of the channels to serve (empty: a plain KV node). */
  readonly channels: string[];
  readonly nodeKeyFile: string | undefined;
  readonly auth: { readonly jwks: string; readonly issuer: string; readonly audience: string } | null;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function positiveInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[1-9][0-9]{0,14}$/.test(text)) throw new UsageError(`${flag} must be a positive integer, got "${text}"`);
  return Number(text);
}

function address(flag: string, text: string | undefined): string {
  if (text === undefined) throw new UsageError(`${flag} is required`);
  if (parseHostPort(text) === null) throw new UsageError(`${flag} must be HOST:PORT, got "${text}"`);
  return text;
}

function parsePeer(text: string): Member {
  const m = /^([^=]+)=([^,]+),([^,]+)$/.exec(text);
  if (!m) throw new UsageError(`--peer must be ID=RAFTADDR,HTTPADDR, got "${text}"`);
  const id = positiveInt('--peer id', m[1], 0);
  if (parseHostPort(m[2]!) === null) throw new UsageError(`--peer ${id}: raft address must be HOST:PORT, got "${m[2]}"`);
  if (parseHostPort(m[3]!) === null) throw new UsageError(`--peer ${id}: http address must be HOST:PORT, got "${m[3]}"`);
  return { id, raftAddr: m[2]!, httpAddr: m[3]! };
}

/** Parses argv (without node and script); returns null when --help was asked for. */
export function parseCli(argv: readonly string[]): CliConfig | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        id: { type: 'string' },
        'data-dir': { type: 'string' },
        'raft-addr': { type: 'string' },
        'http-addr': { type: 'string' },
        peer: { type: 'string', multiple: true },
        join: { type: 'boolean' },
        'cluster-id': { type: 'string' },
        'tick-ms': { type: 'string' },
        'election-ticks': { type: 'string' },
        'heartbeat-ticks': { type: 'string' },
        'snapshot-entries': { type: 'string' },
        'snapshot-keep-entries': { type: 'string' },
        'max-frame-bytes': { type: 'string' },
        'log-level': { type: 'string' },
        channel: { type: 'string', multiple: true },
        'node-key': { type: 'string' },
        'auth-jwks': { type: 'string' },
        'auth-issuer': { type: 'string' },
        'auth-audience': { type: 'string' },
        'no-fsync': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return null;
  if (values.id === undefined) throw new UsageError('--id is required');
  const id = positiveInt('--id', values.id, 0);
  const dataDir = values['data-dir'];
  if (dataDir === undefined || dataDir === '') throw new UsageError('--data-dir is required');
  const raftAddr = address('--raft-addr', values['raft-addr']);
  const httpAddr = address('--http-addr', values['http-addr']);
  const peers = (values.peer ?? []).map(parsePeer);
  const seen = new Set<number>();
  for (const p of peers) {
    if (seen.has(p.id)) throw new UsageError(`--peer ${p.id} given twice`);
    seen.add(p.id);
  }
  const join = values.join ?? false;
  const self = peers.find((p) => p.id === id);
  if (!join && peers.length > 0 && self === undefined) throw new UsageError(`--peer list must include this node (${id})`);
  if (self && (self.raftAddr !== raftAddr || self.httpAddr !== httpAddr)) {
    throw new UsageError(`--peer ${id}=${self.raftAddr},${self.httpAddr} disagrees with --raft-addr ${raftAddr} / --http-addr ${httpAddr}`);
  }
  const clusterId = values['cluster-id'] ?? 'konsortium';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(clusterId)) throw new UsageError(`--cluster-id must be 1-64 of [A-Za-z0-9._-], got "${clusterId}"`);
  const electionTicks = positiveInt('--election-ticks', values['election-ticks'], NODE_DEFAULTS.electionTicks);
  const heartbeatTicks = positiveInt('--heartbeat-ticks', values['heartbeat-ticks'], NODE_DEFAULTS.heartbeatTicks);
  if (electionTicks <= heartbeatTicks) throw new UsageError('--election-ticks must be greater than --heartbeat-ticks');
  const logLevel = values['log-level'] ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join('|')}`);
  const maxFrame = values['max-frame-bytes'];
  const channels = values.channel ?? [];
  const nodeKeyFile = values['node-key'];
  if (channels.length > 0 && nodeKeyFile === undefined) throw new UsageError('--channel needs --node-key (the key the node signs blocks with)');
  if (channels.length === 0 && nodeKeyFile !== undefined) throw new UsageError('--node-key is only used with --channel');
  const jwks = values['auth-jwks'];
  if (jwks === undefined && (values['auth-issuer'] !== undefined || values['auth-audience'] !== undefined)) {
    throw new UsageError('--auth-issuer and --auth-audience need --auth-jwks');
  }
  return {
    channels,
    nodeKeyFile,
    auth: jwks === undefined ? null : { jwks, issuer: values['auth-issuer'] ?? 'konsortium', audience: values['auth-audience'] ?? 'konsortium-node' },
    id,
    dataDir,
    raftAddr,
    httpAddr,
    peers,
    join,
    clusterId,
    tickMs: positiveInt('--tick-ms', values['tick-ms'], NODE_DEFAULTS.tickMs),
    electionTicks,
    heartbeatTicks,
    snapshotEntries: positiveInt('--snapshot-entries', values['snapshot-entries'], NODE_DEFAULTS.snapshotEntries),
    snapshotKeepEntries: positiveInt('--snapshot-keep-entries', values['snapshot-keep-entries'], NODE_DEFAULTS.snapshotKeepEntries),
    maxFrameBytes: maxFrame === undefined ? undefined : positiveInt('--max-frame-bytes', maxFrame, 0),
    logLevel,
    fsync: !(values['no-fsync'] ?? false),
  };
}
