/**
 * What every CFA screen shares: the ledger (a node client through the gateway and the channel the
 * CFA registry lives in), the tenant's ledger account, the latest block seen on the live event
 * stream (screens reload what they show when it moves), and the registries most screens need
 * (every asset, the tenant's money and holdings, the fee schedule), read once per block here
 * rather than by each screen.
 */
import {
  type CfaAsset,
  type CfaEntry,
  type CfaFeeSchedule,
  type CfaMoneyAccount,
  type CfaUnits,
  type KonsortiumClient,
  readCfaAsset,
  readCfaAssets,
  readCfaFees,
  readCfaHoldings,
  readCfaLocked,
  readCfaMoney,
} from '@konsortium/client';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { type Ledger, useLedger } from '../../app/ledger.js';
import { useMe, useSession } from '../../app/session.js';
import { type AsyncState, useAsync } from '../../ui/use-async.js';

/** At most this many assets are listed (each is one registry read). */
export const MAX_ASSETS = 200;

export interface TenantInfo {
  readonly id: string;
  readonly name: string;
  readonly memberId: string;
  readonly status: string;
}

export interface Wallet {
  readonly money: CfaEntry<CfaMoneyAccount>;
  readonly holdings: CfaEntry<CfaUnits>;
  readonly locked: CfaEntry<CfaUnits>;
}

export interface CfaContextValue {
  readonly ledger: Ledger;
  readonly client: KonsortiumClient;
  /** The channel of the CFA registry (the network's own channel). */
  readonly channel: string;
  readonly tenant: TenantInfo;
  /** The tenant's ledger account (its governance member id). */
  readonly account: string;
  /** The latest block height seen on the event stream (null until the first one). */
  readonly head: number | null;
  /** false while the event stream is down (screens still load on demand). */
  readonly live: boolean;
  /** Changes whenever a new block arrives: a dependency for reloads. */
  readonly tick: number;
  /** The browser's clock, refreshed every few seconds (windows and maturity; the chain's clock decides). */
  readonly now: number;
  readonly assets: AsyncState<readonly CfaAsset[]> & { reload: () => void };
  readonly wallet: AsyncState<Wallet> & { reload: () => void };
  readonly fees: AsyncState<CfaEntry<CfaFeeSchedule>> & { reload: () => void };
  /** Reloads the shared registries (after an operation settles). */
  refresh(): void;
}

const Ctx = createContext<CfaContextValue | null>(null);

export function useCfa(): CfaContextValue {
  const v = useContext(Ctx);
  if (v === null) throw new Error('useCfa outside CfaProvider');
  return v;
}

/** The channel holding the CFA registry: the network's own when the caller sees it, else the first. */
export function cfaChannel(ledger: Ledger): string {
  const e = ledger.endpoints;
  return e.channels.includes(e.network.name) ? e.network.name : ledger.channel;
}

/** Follows the channel's blocks; `head` and `tick` move with each, `live` says whether the stream is up. */
function useLiveHead(client: KonsortiumClient | undefined, channel: string | undefined) {
  const [state, setState] = useState<{ head: number | null; tick: number; live: boolean }>({ head: null, tick: 0, live: false });
  useEffect(() => {
    if (client === undefined || channel === undefined) return;
    const ac = new AbortController();
    void (async () => {
      // Reconnects on its own; when it gives up, wait and start again until the screen goes.
      while (!ac.signal.aborted) {
        try {
          setState((s) => ({ ...s, live: true }));
          for await (const ev of client.events(channel, { signal: ac.signal, maxRetries: 3 })) {
            setState((s) => ({ head: ev.height, tick: s.tick + 1, live: true }));
          }
        } catch {
          if (ac.signal.aborted) return;
          setState((s) => ({ ...s, live: false }));
        }
        await new Promise((r) => setTimeout(r, 5000));
      }
    })();
    return () => ac.abort();
  }, [client, channel]);
  return state;
}

/** Stays pending: a read that cannot start yet shows as loading, never as an error (it reruns when its inputs arrive). */
function notYet<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

function useClock(periodMs = 5000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(id);
  }, [periodMs]);
  return now;
}

export type CfaGate =
  | { readonly kind: 'loading' }
  | { readonly kind: 'error'; readonly error: unknown; readonly retry: () => void }
  | { readonly kind: 'no-tenant' }
  | { readonly kind: 'ready'; readonly value: CfaContextValue };

/** Loads the ledger endpoints and the tenant, then provides the CFA context to `children`. */
export function CfaProvider({ children, fallback }: { children: ReactNode; fallback: (gate: Exclude<CfaGate, { kind: 'ready' }>) => ReactNode }) {
  const me = useMe();
  const { cp } = useSession();
  const { ledger, error: ledgerError, reload: reloadLedger } = useLedger();
  const tenantState = useAsync(async (signal) => (me.tenantId === null ? null : cp.get<TenantInfo>(`/v1/tenants/${me.tenantId}`, { signal })), [cp, me.tenantId]);
  const channel = ledger === undefined ? undefined : cfaChannel(ledger);
  const client = ledger?.client;
  const { head, tick, live } = useLiveHead(client, channel);
  const now = useClock();
  const account = tenantState.value?.memberId;

  const assets = useAsync<readonly CfaAsset[]>(
    async (signal) => {
      if (client === undefined || channel === undefined) return [];
      const codes = (await readCfaAssets(client, channel, { signal })).value.slice(0, MAX_ASSETS);
      const entries = await Promise.all(codes.map((c) => readCfaAsset(client, channel, c, { signal })));
      return entries.map((e) => e.value).filter((a): a is CfaAsset => a !== null);
    },
    [client, channel, tick],
  );
  const wallet = useAsync<Wallet>(
    async (signal) => {
      if (client === undefined || channel === undefined || account === undefined) return notYet();
      const [money, holdings, locked] = await Promise.all([
        readCfaMoney(client, channel, account, { signal }),
        readCfaHoldings(client, channel, account, { signal }),
        readCfaLocked(client, channel, account, { signal }),
      ]);
      return { money, holdings, locked };
    },
    [client, channel, account, tick],
  );
  const fees = useAsync<CfaEntry<CfaFeeSchedule>>(
    async (signal) => {
      if (client === undefined || channel === undefined) return notYet<CfaEntry<CfaFeeSchedule>>();
      return readCfaFees(client, channel, { signal });
    },
    [client, channel, tick],
  );

  if (me.tenantId === null) return <>{fallback({ kind: 'no-tenant' })}</>;
  if (ledgerError !== undefined) return <>{fallback({ kind: 'error', error: ledgerError, retry: reloadLedger })}</>;
  if (tenantState.error !== undefined) return <>{fallback({ kind: 'error', error: tenantState.error, retry: tenantState.reload })}</>;
  if (ledger === undefined || client === undefined || channel === undefined || tenantState.value === undefined || tenantState.value === null) return <>{fallback({ kind: 'loading' })}</>;
  const value: CfaContextValue = {
    ledger,
    client,
    channel,
    tenant: tenantState.value,
    account: tenantState.value.memberId,
    head,
    live,
    tick,
    now,
    assets,
    wallet,
    fees,
    refresh: () => {
      assets.reload();
      wallet.reload();
      fees.reload();
    },
  };
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** The asset `code` from the shared list (undefined while loading or unknown). */
export function useAsset(code: string): CfaAsset | undefined {
  return useCfa().assets.value?.find((a) => a.code === code);
}
