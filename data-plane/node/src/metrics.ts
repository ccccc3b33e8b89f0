/**
 * Prometheus metrics of one node, in a registry of its own (several nodes may share a test
 * process). Hot paths only bump plain counters (transport stats, WAL stats); gauges and those
 * counters are read when /metrics is scraped.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the metrics read at scrape time. */
export interface MetricsSource {
  raft(): { term: number; commitIndex: number; appliedIndex: number; lastIndex: number; firstIndex: number; role: number; leaderId: number };
  transport(): {
    framesSent: number;
    bytesSent: number;
    messagesSent: number;
    framesReceived: number;
    bytesReceived: number;
    messagesReceived: number;
    dropped: ReadonlyMap<string, number>;
    refused: ReadonlyMap<string, number>;
  };
  wal(): { bytesWritten: number; fsyncs: number; segments: number };
}

/** A counter that mirrors a monotonic value kept elsewhere. */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

function mirroredLabelledCounter(registry: Registry, name: string, help: string, label: string, read: () => ReadonlyMap<string, number>): void {
  new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [k, v] of read()) this.inc({ [label]: k }, v);
    },
  });
}

export class NodeMetrics {
  readonly registry = new Registry();
  readonly proposals: Counter<'result'>;
  readonly fsyncSeconds: Histogram;
  readonly readyLoopSeconds: Histogram;
  readonly appliedEntries: Counter;
  readonly snapshots: Counter<'origin'>;
  readonly httpSeconds: Histogram<'route' | 'method' | 'status'>;
  private source: MetricsSource | null = null;

  constructor(defaultLabels: Record<string, string> = {}) {
    this.registry.setDefaultLabels(defaultLabels);
    const registers = [this.registry];
    this.proposals = new Counter({ name: 'konsortium_proposals_total', help: 'Put proposals by outcome', labelNames: ['result'], registers });
    this.fsyncSeconds = new Histogram({
      name: 'konsortium_wal_fsync_duration_seconds',
      help: 'Time for a Ready batch to become durable (write + fsync, group-committed)',
      buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.readyLoopSeconds = new Histogram({
      name: 'konsortium_ready_duration_seconds',
      help: 'Time to handle one Ready (persist, send, apply)',
      buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.appliedEntries = new Counter({ name: 'konsortium_applied_entries_total', help: 'Raft entries applied', registers });
    this.snapshots = new Counter({ name: 'konsortium_snapshots_total', help: 'Snapshots taken or installed', labelNames: ['origin'], registers });
    this.httpSeconds = new Histogram({
      name: 'konsortium_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    });
    const src = (): MetricsSource | null => this.source;
    const raftGauge = (name: string, help: string, pick: (r: ReturnType<MetricsSource['raft']>) => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const s = src();
          if (s) this.set(pick(s.raft()));
        },
      });
    };
    raftGauge('konsortium_raft_term', 'Current Raft term', (r) => r.term);
    raftGauge('konsortium_raft_commit_index', 'Raft commit index', (r) => r.commitIndex);
    raftGauge('konsortium_raft_applied_index', 'Index applied to the state machine', (r) => r.appliedIndex);
    raftGauge('konsortium_raft_last_index', 'Last index of the local log', (r) => r.lastIndex);
    raftGauge('konsortium_raft_first_index', 'First index of the local log (after compaction)', (r) => r.firstIndex);
    raftGauge('konsortium_raft_role', 'Role: 0 follower, 1 pre-candidate, 2 candidate, 3 leader', (r) => r.role);
    raftGauge('konsortium_raft_leader_id', 'Leader known to this node (0: none)', (r) => r.leaderId);
    const t = (): ReturnType<MetricsSource['transport']> | null => this.source?.transport() ?? null;
    const w = (): ReturnType<MetricsSource['wal']> | null => this.source?.wal() ?? null;
    mirroredCounter(this.registry, 'konsortium_transport_frames_sent_total', 'Frames sent to peers', () => t()?.framesSent ?? 0);
    mirroredCounter(this.registry, 'konsortium_transport_bytes_sent_total', 'Bytes sent to peers', () => t()?.bytesSent ?? 0);
    mirroredCounter(this.registry, 'konsortium_transport_messages_sent_total', 'Raft messages sent', () => t()?.messagesSent ?? 0);
    mirroredCounter(this.registry, 'konsortium_transport_frames_received_total', 'Frames received', () => t()?.framesReceived ?? 0);
    mirroredCounter(this.registry, 'konsortium_transport_bytes_received_total', 'Bytes received', () => t()?.bytesReceived ?? 0);
    mirroredCounter(this.registry, 'konsortium_transport_messages_received_total', 'Checked Raft messages received', () => t()?.messagesReceived ?? 0);
    mirroredLabelledCounter(this.registry, 'konsortium_transport_messages_dropped_total', 'Messages dropped before sending', 'reason', () => t()?.dropped ?? new Map());
    mirroredLabelledCounter(this.registry, 'konsortium_transport_refused_total', 'Connections or messages refused', 'reason', () => t()?.refused ?? new Map());
    mirroredCounter(this.registry, 'konsortium_wal_bytes_written_total', 'Bytes written to the WAL since start', () => w()?.bytesWritten ?? 0);
    mirroredCounter(this.registry, 'konsortium_wal_fsyncs_total', 'WAL fsyncs since start', () => w()?.fsyncs ?? 0);
    new Gauge({
      name: 'konsortium_wal_segments',
      help: 'WAL segment files',
      registers,
      collect() {
        this.set(w()?.segments ?? 0);
      },
    });
  }

  bind(source: MetricsSource): void {
    this.source = source;
  }
}
