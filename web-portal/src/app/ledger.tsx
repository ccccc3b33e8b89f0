/**
 * The ledger as the browser reaches it: the nodes the control plane says this user may use
 * (`GET /v1/ledger/endpoints`), each as a KonsortiumClient through the control plane's node
 * gateway (`/ledger/<id>/…`, same origin) with a node-audience token, and the default channel.
 * Only feature screens import this (it brings the SDK's crypto), so the shell stays small.
 */
import { KonsortiumClient } from '@konsortium/client';
import { useMemo } from 'react';
import { useSession } from './session.js';
import { useAsync } from '../ui/use-async.js';

export interface LedgerEndpoint {
  readonly id: string;
  readonly nodeId: number;
  readonly kind: 'shared' | 'dedicated';
  readonly status: string;
  readonly gatewayPath: string;
  readonly sealKey: string | null;
  readonly publicKey: string | null;
}

export interface LedgerEndpoints {
  readonly network: { readonly id: string; readonly name: string; readonly suite: string };
  readonly channels: readonly string[];
  readonly nodes: readonly LedgerEndpoint[];
}

export interface Ledger {
  readonly endpoints: LedgerEndpoints;
  /** The channel screens work in (the network's first). */
  readonly channel: string;
  /** One client per node, in the order of `endpoints.nodes`. */
  readonly clients: readonly KonsortiumClient[];
  /** A client of a running node (the first), for reads and submits. */
  readonly client: KonsortiumClient;
}

export function useLedger() {
  const { cp } = useSession();
  const state = useAsync((signal) => cp.get<LedgerEndpoints>('/v1/ledger/endpoints', { signal }), [cp]);
  const ledger = useMemo<Ledger | undefined>(() => {
    if (state.value === undefined) return undefined;
    const e = state.value;
    const clients = e.nodes.map((n) => new KonsortiumClient({ baseUrl: `${cp.baseUrl}${n.gatewayPath}`, token: () => cp.nodeToken(), fetch: (i, init) => fetch(i, init) }));
    const running = e.nodes.findIndex((n) => n.status === 'running');
    return { endpoints: e, channel: e.channels[0] ?? 'main', clients, client: clients[Math.max(0, running)]! };
  }, [cp, state.value]);
  return { ...state, ledger };
}
