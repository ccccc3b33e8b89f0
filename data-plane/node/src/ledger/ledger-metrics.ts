/** Ledger metrics of a channel, read from its counters when /metrics is scraped. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ChannelLedger } from './channel-ledger.js';

export function registerLedgerMetrics(registry: Registry, ledger: ChannelLedger): void {
  const registers = [registry];
  const mirrored = (name: string, help: string, read: () => number): void => {
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  };
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  };
  mirrored('konsortium_ledger_txs_submitted_total', 'Transactions accepted by this node (after checks, before ordering)', () => ledger.counters.submitted);
  mirrored('konsortium_ledger_txs_refused_total', 'Transactions refused before ordering', () => ledger.counters.refused);
  mirrored('konsortium_ledger_txs_committed_total', 'Transactions committed in blocks applied here', () => ledger.counters.committedTxs);
  mirrored('konsortium_ledger_txs_rejected_total', 'Transactions recorded as rejected in blocks applied here', () => ledger.counters.rejectedTxs);
  mirrored('konsortium_ledger_blocks_total', 'Blocks appended since start', () => ledger.counters.blocks);
  gauge('konsortium_ledger_height', 'Height of the newest block', () => ledger.store.head?.height ?? 0);
  gauge('konsortium_ledger_pool_txs', 'Transactions waiting to be ordered', () => ledger.poolSize);
  gauge('konsortium_ledger_event_subscribers', 'Open block event streams', () => ledger.feed.subscribers);
}
