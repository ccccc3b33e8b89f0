/** Small pieces the data and voting screens share: sizes, hashes, member names, "me" on chain. */
import { FormattedMessage, FormattedNumber } from 'react-intl';
import type { Ledger } from '../../app/ledger.js';
import { useAsync } from '../../ui/use-async.js';
import { memberOf, useFeatureLedger } from './chain.js';
import { useIdentity } from './identity/context.js';

/** A byte count in B, KB, MB or GB as the locale writes units. */
export function Bytes({ value }: { value: number }) {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
  let v = value;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return <FormattedNumber value={v} style="unit" unit={units[i]} unitDisplay="short" maximumFractionDigits={i === 0 ? 0 : 1} />;
}

/** A long hex value shortened for tables, whole in its title and for screen readers. */
export function ShortHex({ value, chars = 10 }: { value: string; chars?: number }) {
  if (value.length <= chars * 2 + 1) return <code>{value}</code>;
  return (
    <code title={value} aria-label={value}>
      {value.slice(0, chars)}…{value.slice(-6)}
    </code>
  );
}

/** A member id, with "(you)" for the user's own member. */
export function MemberName({ id, me }: { id: string; me: string | null }) {
  return (
    <span>
      <code>{id}</code>
      {id === me ? (
        <>
          {' '}
          <FormattedMessage id="data.you" />
        </>
      ) : null}
    </span>
  );
}

export interface ChainMe {
  readonly memberId: string;
  readonly name: string;
  readonly roles: readonly string[];
}

async function loadMe(ledger: Ledger, memberId: string, signal: AbortSignal): Promise<ChainMe> {
  const m = await memberOf(ledger, memberId, signal);
  return { memberId, name: m?.name ?? memberId, roles: m?.roles ?? [] };
}

/** The tenant's governance member as the chain knows it (id, name, roles); undefined while loading. */
export function useChainMe(): { readonly me: ChainMe | undefined; readonly error: unknown } {
  const ledger = useFeatureLedger();
  const { tenant } = useIdentity();
  const memberId = tenant?.memberId ?? null;
  const s = useAsync((signal) => (memberId === null ? new Promise<ChainMe>(() => undefined) : loadMe(ledger, memberId, signal)), [ledger, memberId]);
  return { me: s.value, error: s.error };
}
