/**
 * What every auditor screen works with: a node client (through the control plane's gateway),
 * the channel, its crypto suite, and the block-signing keys of the nodes. The keys come from
 * the consortium's registry in the control plane (`/v1/ledger/endpoints`) and are compared with
 * the node's own list, so a node cannot vouch for itself unnoticed.
 */
import type { KonsortiumClient } from '@konsortium/client';
import { type CryptoSuite, fromHex, suiteById, type SuiteId } from '@konsortium/protocol';
import { createContext, type ReactNode, useContext, useMemo, useState } from 'react';
import { FormattedMessage } from 'react-intl';
import { useLedger } from '../../app/ledger.js';
import { ErrorBanner, Loading } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';

export type KeySource = 'registry' | 'node';

export interface AuditLedger {
  readonly client: KonsortiumClient;
  readonly channels: readonly string[];
  readonly channel: string;
  setChannel(c: string): void;
  readonly suite: CryptoSuite;
  readonly nodeKeys: ReadonlyMap<number, Uint8Array>;
  readonly keySource: KeySource;
  /** Node ids whose key the node lists differently from the registry (should be none). */
  readonly keyMismatches: readonly number[];
}

const Ctx = createContext<AuditLedger | null>(null);

export function useAudit(): AuditLedger {
  const v = useContext(Ctx);
  if (v === null) throw new Error('useAudit outside AuditLedgerProvider');
  return v;
}

/** The channel screens start in: the network's own (every node serves it), else the first. */
export function defaultChannel(network: string, channels: readonly string[]): string {
  return channels.includes(network) ? network : (channels[0] ?? network);
}

export function AuditLedgerProvider({ children }: { children: ReactNode }) {
  const { ledger, error, reload } = useLedger();
  const [picked, setChannel] = useState<string | null>(null);
  const channel = ledger === undefined ? null : (picked ?? defaultChannel(ledger.endpoints.network.name, ledger.endpoints.channels));
  const keys = useAsync(
    async (signal) => {
      if (ledger === undefined || channel === null) return null;
      const fromNode = await ledger.client.nodes(channel, { signal });
      const registry = ledger.endpoints.nodes.filter((n) => n.publicKey !== null).map((n) => ({ nodeId: n.nodeId, publicKey: n.publicKey! }));
      const nodeMap = new Map(fromNode.map((k) => [k.nodeId, k.publicKey] as const));
      const mismatches = registry.filter((r) => nodeMap.has(r.nodeId) && nodeMap.get(r.nodeId) !== r.publicKey).map((r) => r.nodeId);
      const source: KeySource = registry.length > 0 ? 'registry' : 'node';
      const list = source === 'registry' ? registry : fromNode;
      return { map: new Map(list.map((k) => [k.nodeId, fromHex(k.publicKey)] as const)), source, mismatches };
    },
    [ledger, channel],
  );
  const value = useMemo<AuditLedger | null>(() => {
    if (ledger === undefined || channel === null || keys.value === undefined || keys.value === null) return null;
    return {
      client: ledger.client,
      channels: ledger.endpoints.channels,
      channel,
      setChannel,
      suite: suiteById(ledger.endpoints.network.suite as SuiteId),
      nodeKeys: keys.value.map,
      keySource: keys.value.source,
      keyMismatches: keys.value.mismatches,
    };
  }, [ledger, channel, keys.value]);
  if (error !== undefined) return <ErrorBanner error={error} onRetry={reload} />;
  if (keys.error !== undefined) return <ErrorBanner error={keys.error} onRetry={keys.reload} />;
  if (value === null) return <Loading />;
  return (
    <Ctx.Provider value={value}>
      {value.keyMismatches.length > 0 ? (
        <div className="banner error" role="alert">
          <FormattedMessage id="auditor.keys.mismatch" values={{ nodes: value.keyMismatches.join(', ') }} />
        </div>
      ) : null}
      {children}
    </Ctx.Provider>
  );
}
