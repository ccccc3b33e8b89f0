/**
 * The ledger as the encrypted-data and voting screens use it: the nodes (useLedger) shared by
 * a feature's screens, a live block height from the node's event stream, state read with proofs
 * (every value shown is checked against a block's state root), the member a key belongs to, an
 * index of the contract calls on the channel (the state has no listing; the chain does), and
 * submitting transactions signed in the browser.
 */
import {
  type ChainOperation,
  KonsortiumApiError,
  KonsortiumNetworkError,
  KonsortiumTimeoutError,
  scanOperations,
  type ScanCursor,
  type Signer,
  type TxStatus,
} from '@konsortium/client';
import { isSuiteId, type Operation, type SuiteId, toHex } from '@konsortium/protocol';
import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from 'react';
import { FormattedMessage } from 'react-intl';
import { type Ledger, useLedger } from '../../app/ledger.js';
import { ErrorBanner, Loading, PageHeader } from '../../ui/components.js';
import { coded } from './errors.js';

const LedgerContext = createContext<Ledger | null>(null);

/** Loads the ledger endpoints once for a feature's screens. */
export function LedgerGate({ title, children }: { title: ReactNode; children: ReactNode }) {
  const { ledger, status, error, reload } = useLedger();
  if (ledger === undefined) {
    return (
      <>
        <PageHeader title={title} />
        {status === 'error' ? <ErrorBanner error={error} onRetry={reload} /> : <Loading />}
      </>
    );
  }
  return (
    <LedgerContext.Provider value={ledger}>
      <LiveProvider ledger={ledger}>{children}</LiveProvider>
    </LedgerContext.Provider>
  );
}

export function useFeatureLedger(): Ledger {
  const l = useContext(LedgerContext);
  if (l === null) throw new Error('useFeatureLedger outside LedgerGate');
  return l;
}

// --- Live height --------------------------------------------------------------------------

const LiveContext = createContext<number>(0);

/**
 * Follows the channel's block stream and publishes the latest height (at most about once a
 * second, so a burst of blocks reloads a screen once). Screens put it in their load's deps.
 */
function LiveProvider({ ledger, children }: { ledger: Ledger; children: ReactNode }) {
  const [height, setHeight] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const publish = (h: number) => {
      const first = latest.current === 0;
      latest.current = Math.max(latest.current, h);
      if (first) {
        setHeight(latest.current);
        return;
      }
      timer ??= setTimeout(() => {
        timer = undefined;
        setHeight(latest.current);
      }, 800);
    };
    void (async () => {
      for (let attempt = 0; !ac.signal.aborted; attempt++) {
        try {
          publish((await ledger.client.head(ledger.channel, { signal: ac.signal })).height);
          for await (const ev of ledger.client.events(ledger.channel, { signal: ac.signal })) {
            attempt = 0;
            publish(ev.height);
          }
        } catch {
          // The stream failed (node restarting, token expired): try again a little later.
        }
        if (ac.signal.aborted) return;
        await new Promise((r) => setTimeout(r, Math.min(15_000, 1000 * 2 ** Math.min(attempt, 4))));
      }
    })();
    return () => {
      ac.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [ledger]);
  return <LiveContext.Provider value={height}>{children}</LiveContext.Provider>;
}

/** The channel's latest block height as the event stream reports it (0 until known). */
export function useLiveHeight(): number {
  return useContext(LiveContext);
}

export function LiveBadge() {
  const h = useLiveHeight();
  return (
    <span className="live-badge">
      <FormattedMessage id="data.live" values={{ height: h }} />
    </span>
  );
}

// --- Proven state -------------------------------------------------------------------------

function retryable(err: unknown): boolean {
  return err instanceof KonsortiumNetworkError || err instanceof KonsortiumTimeoutError || (err instanceof KonsortiumApiError && err.status >= 500);
}

/** A node client for reads: the ledger's, then the others if it does not answer. */
async function withNodes<T>(ledger: Ledger, fn: (c: Ledger['client']) => Promise<T>): Promise<T> {
  const order = [ledger.client, ...ledger.clients.filter((c) => c !== ledger.client)];
  let last: unknown;
  for (const c of order) {
    try {
      return await fn(c);
    } catch (err) {
      if (!retryable(err)) throw err;
      last = err;
    }
  }
  throw last;
}

const decoder = new TextDecoder();

/** A state key's JSON value, verified against a block's state root (null: absent). */
export async function provenJson<T>(ledger: Ledger, key: string, signal?: AbortSignal): Promise<T | null> {
  const e = await withNodes(ledger, (c) => c.getVerifiedState(ledger.channel, key, { signal }));
  return e.value === null ? null : (JSON.parse(decoder.decode(e.value)) as T);
}

/** A governance member (gov/member/<id>). */
export interface Member {
  readonly id: string;
  readonly name: string;
  readonly roles: readonly string[];
  readonly active: boolean;
  readonly keys: readonly string[];
}

export interface GovNode {
  readonly nodeId: number;
  readonly publicKey: string;
  readonly owner: string;
  readonly sealKey?: string;
}

export function memberOf(ledger: Ledger, id: string, signal?: AbortSignal): Promise<Member | null> {
  return provenJson<Member>(ledger, `gov/member/${id}`, signal);
}

const keyMembers = new Map<string, Promise<string | null>>();

/** The member a signing key belongs to (gov/key/<hex>), cached for the page's life. */
export function memberOfKey(ledger: Ledger, publicKey: string): Promise<string | null> {
  const k = `${ledger.endpoints.network.id}/${ledger.channel}/${publicKey}`;
  let p = keyMembers.get(k);
  if (p === undefined) {
    p = provenJson<{ member: string }>(ledger, `gov/key/${publicKey}`).then((v) => v?.member ?? null);
    p.then(
      (m) => {
        if (m === null) keyMembers.delete(k); // maybe registered later
      },
      () => keyMembers.delete(k),
    );
    keyMembers.set(k, p);
  }
  return p;
}

/** The channel's nodes that hold key shares (gov/nodes with a seal key), by node id. */
export async function sealNodes(ledger: Ledger, signal?: AbortSignal): Promise<{ nodeId: number; sealKey: string }[]> {
  const nodes = (await provenJson<GovNode[]>(ledger, 'gov/nodes', signal)) ?? [];
  const out = nodes.filter((n) => typeof n.sealKey === 'string' && n.sealKey !== '').map((n) => ({ nodeId: n.nodeId, sealKey: n.sealKey! }));
  if (out.length === 0) throw coded('NO_SEAL_KEYS', 'no node of the channel holds key shares');
  return out.sort((a, b) => a.nodeId - b.nodeId);
}

// --- The index of contract calls ----------------------------------------------------------

/** A committed data or voting call, without bulky arguments (ciphertext, key material). */
export interface IndexedOp {
  readonly height: number;
  readonly timestamp: number;
  readonly txId: string;
  readonly sender: string;
  readonly contract: string;
  readonly method: string;
  readonly args: Readonly<Record<string, unknown>>;
}

interface IndexState {
  cursor: ScanCursor | undefined;
  ops: IndexedOp[];
  running: Promise<readonly IndexedOp[]> | null;
}

const indexes = new Map<string, IndexState>();

function suiteOf(ledger: Ledger): { suite?: SuiteId } {
  const s = ledger.endpoints.network.suite;
  return isSuiteId(s) ? { suite: s } : {};
}
const CONTRACTS = ['data', 'voting'];

function compact(o: ChainOperation): IndexedOp {
  const a = (typeof o.args === 'object' && o.args !== null ? o.args : {}) as Record<string, unknown>;
  let args: Record<string, unknown> = a;
  if (o.contract === 'data' && (o.method === 'putRecord' || o.method === 'addVersion')) {
    const v = (a.version ?? {}) as { meta?: unknown };
    args = { record: a.record, collection: a.collection, meta: v.meta };
  } else if (o.contract === 'voting' && o.method === 'createBallot') {
    args = { id: a.id, title: a.title };
  } else if (o.contract === 'voting' && o.method === 'vote') {
    args = { ballot: a.ballot, pseudonym: a.pseudonym };
  }
  return { height: o.height, timestamp: o.timestamp, txId: o.txId, sender: o.sender, contract: o.contract, method: o.method, args };
}

/**
 * The channel's committed data and voting calls up to the head, read block by block (each block
 * checked) and kept for the page's life: later calls read only the new blocks.
 */
export function chainOps(ledger: Ledger): Promise<readonly IndexedOp[]> {
  const key = `${ledger.endpoints.network.id}/${ledger.channel}`;
  let s = indexes.get(key);
  if (s === undefined) {
    s = { cursor: undefined, ops: [], running: null };
    indexes.set(key, s);
  }
  const state = s;
  // One scan at a time; a caller arriving during a scan waits for it and then for the rest.
  const run = async (): Promise<readonly IndexedOp[]> => {
    const r = await withNodes(ledger, (c) => scanOperations(c, ledger.channel, { cursor: state.cursor, contracts: CONTRACTS, ...suiteOf(ledger) }));
    state.ops = [...state.ops, ...r.operations.map(compact)];
    state.cursor = r.cursor;
    return state.ops;
  };
  const p: Promise<readonly IndexedOp[]> = (state.running ?? Promise.resolve()).then(run, run);
  state.running = p;
  void p.finally(() => {
    if (state.running === p) state.running = null;
  }).catch(() => undefined);
  return p;
}

// --- Transactions -------------------------------------------------------------------------

/**
 * Signs `ops` as one transaction with the browser's key and sends it to a node; resolves when
 * it is committed. A rejection is a coded error with the contract's code (nothing was applied).
 * `onSubmitted` is called once the node has accepted it (from then on it cannot be recalled).
 */
export async function submitOps(
  ledger: Ledger,
  signer: Signer,
  ops: Operation | readonly Operation[],
  o: { readonly signal?: AbortSignal; readonly onSubmitted?: (txId: string) => void } = {},
): Promise<TxStatus & { readonly height: number }> {
  const tx = signer.buildTx(ledger.channel, ops);
  const sent = await withNodes(ledger, async (c) => {
    await c.submit(tx, { signal: o.signal });
    return c;
  });
  const txId = toHex(tx.id);
  o.onSubmitted?.(txId);
  // Once submitted, the outcome is awaited even if the caller gives up (it cannot be undone).
  const status = await sent.waitForStatus(ledger.channel, tx.id, { timeoutMs: 60_000 });
  if (status.status !== 'committed') throw coded(status.code ?? 'REJECTED', status.message ?? `transaction ${txId} was rejected`, { txId });
  return status as TxStatus & { height: number };
}
