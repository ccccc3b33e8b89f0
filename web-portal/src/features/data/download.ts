/**
 * Reading a version in the browser: the key (the owner opens its own sealed copy; a reader asks
 * the nodes, each of which checks the grant on chain, logs the release and answers with its share
 * sealed to a one-time key; t shares rebuild the key), the ciphertext (inline from the chain or a
 * blob from a node), decryption and the check against the on-chain hash. Progress is reported
 * node by node so the screen can say how many of how many answered.
 */
import { fetchCiphertext, KeyReleaseError, type KonsortiumClient, type ReleasedShare, requestKey, type Signer } from '@konsortium/client';
import type { Ledger } from '../../app/ledger.js';
import { type ChainVersion, type Opened, openDocument, ownerOpen, sdkVersion } from './crypto.js';
import { coded, CodedError } from './errors.js';

export type NodeOutcome = { readonly state: 'asking' } | { readonly state: 'released' } | { readonly state: 'refused'; readonly code: string; readonly message: string };

export interface KeyProgress {
  readonly threshold: number;
  /** Nodes holding a share of the version. */
  readonly holders: number;
  /** Nodes this browser can reach. */
  readonly reachable: number;
  /** What each asked node said, by node id. */
  readonly nodes: ReadonlyMap<number, NodeOutcome>;
}

export type DownloadStep = 'key' | 'fetch' | 'decrypt';

export interface DownloadResult extends Opened {
  readonly via: 'owner' | 'nodes';
  readonly progress: KeyProgress | null;
}

/** Node id of each client (endpoints and clients are in the same order). */
function nodeIds(ledger: Ledger): Map<KonsortiumClient, number> {
  return new Map(ledger.clients.map((c, i) => [c, ledger.endpoints.nodes[i]!.nodeId]));
}

/** Clients whose releaseShare calls are reported (the SDK's requestKey calls them). */
function tracked(ledger: Ledger, report: (nodeId: number, o: NodeOutcome) => void): KonsortiumClient[] {
  const ids = nodeIds(ledger);
  return ledger.clients
    .filter((_c, i) => ledger.endpoints.nodes[i]!.status === 'running')
    .map(
      (client) =>
        new Proxy(client, {
          get(target, prop, receiver) {
            if (prop === 'releaseShare') {
              return async (...args: Parameters<KonsortiumClient['releaseShare']>): Promise<ReleasedShare> => {
                const id = ids.get(target) ?? 0;
                report(id, { state: 'asking' });
                try {
                  const r = await target.releaseShare(...args);
                  report(id, { state: 'released' });
                  return r;
                } catch (err) {
                  const e = err as { code?: unknown; message?: unknown };
                  report(id, { state: 'refused', code: typeof e.code === 'string' ? e.code : (err as Error).name, message: typeof e.message === 'string' ? e.message : String(err) });
                  throw err;
                }
              };
            }
            const v: unknown = Reflect.get(target, prop, receiver);
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        }),
    );
}

/** The error to show when the nodes did not release enough shares: the common refusal, or how many answered. */
export function releaseError(err: KeyReleaseError, p: KeyProgress): CodedError {
  const refusals = [...p.nodes.values()].filter((o): o is Extract<NodeOutcome, { state: 'refused' }> => o.state === 'refused');
  const released = [...p.nodes.values()].filter((o) => o.state === 'released').length;
  const codes = new Set(refusals.map((r) => r.code));
  const details = { released, threshold: p.threshold, asked: p.nodes.size, answered: released + refusals.filter((r) => !/^(NETWORK|TIMEOUT|Konsortium(Network|Timeout)Error)$/.test(r.code)).length, reachable: p.reachable };
  if (codes.size === 1 && released === 0) {
    const only = [...codes][0]!;
    if (['NOT_GRANTED', 'GRANT_EXPIRED', 'SENDER_SUSPENDED', 'UNKNOWN_SENDER', 'REQUEST_EXPIRED', 'RECORD_NOT_FOUND', 'VERSION_NOT_FOUND'].includes(only)) return coded(only, err.message, details);
  }
  return coded('THRESHOLD_NOT_REACHED', err.message, details);
}

/**
 * Downloads and decrypts version `v` of `record`. The owner opens its own key when this
 * browser's seal key is the one the version was sealed to, and otherwise (another browser's
 * keys) asks the nodes like any reader: the owner is always authorised.
 */
export async function downloadVersion(o: {
  readonly ledger: Ledger;
  readonly record: string;
  readonly version: ChainVersion;
  readonly isOwner: boolean;
  readonly signer: Signer;
  readonly sealKey: Uint8Array | null;
  readonly signal?: AbortSignal;
  readonly onStep?: (s: DownloadStep) => void;
  readonly onProgress?: (p: KeyProgress) => void;
}): Promise<DownloadResult> {
  const { ledger, record, version: v } = o;
  o.onStep?.('key');
  let secret: bigint | null = null;
  let via: 'owner' | 'nodes' = 'nodes';
  let progress: KeyProgress | null = null;
  if (o.isOwner && o.sealKey !== null) {
    try {
      secret = ownerOpen(ledger.channel, record, v, o.sealKey);
      via = 'owner';
    } catch (err) {
      if (!(err instanceof CodedError && err.code === 'OWNER_KEY_MISMATCH')) throw err;
    }
  }
  if (secret === null) {
    const nodes = new Map<number, NodeOutcome>();
    const reachable = ledger.endpoints.nodes.filter((n) => n.status === 'running').length;
    const snapshot = (): KeyProgress => ({ threshold: v.threshold, holders: v.shares.length, reachable, nodes: new Map(nodes) });
    const clients = tracked(ledger, (id, outcome) => {
      nodes.set(id, outcome);
      progress = snapshot();
      o.onProgress?.(progress);
    });
    progress = snapshot();
    o.onProgress?.(progress);
    try {
      secret = await requestKey({ channel: ledger.channel, record, version: sdkVersion(v), nodes: clients, signer: o.signer, signal: o.signal });
    } catch (err) {
      if (err instanceof KeyReleaseError) throw releaseError(err, snapshot());
      throw err;
    }
  }
  o.onStep?.('fetch');
  const running = ledger.clients.filter((_c, i) => ledger.endpoints.nodes[i]!.status === 'running');
  let ciphertext: Uint8Array;
  try {
    ciphertext = await fetchCiphertext(ledger.channel, sdkVersion(v), running, o.signal);
  } catch (err) {
    if ((err as { name?: string }).name === 'AbortError') throw err;
    throw coded('BLOB_NOT_FOUND', (err as Error).message);
  }
  o.onStep?.('decrypt');
  await new Promise((r) => setTimeout(r, 10));
  const opened = openDocument(ledger.channel, record, v, secret, ciphertext);
  return { ...opened, via, progress };
}
