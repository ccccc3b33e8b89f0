/** Small pieces the CFA screens share: money in roubles, accounts, status words, the "verified" mark, sections. */
import type { CfaAsset, CfaEntry } from '@konsortium/client';
import { type ReactNode, useId } from 'react';
import { FormattedMessage } from 'react-intl';
import { Link } from 'react-router-dom';
import { Money, StatusBadge } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import { useCfa } from './context.js';
import { assetTone, SETTLEMENT_CURRENCY } from './model.js';

/** Settlement money (kopecks) in roubles, formatted per locale. */
export function Rub({ minor }: { minor: number }) {
  return <Money minor={minor} currency={SETTLEMENT_CURRENCY} />;
}

/** A ledger account: "you" for the tenant's own, else its id. */
export function Account({ id }: { id: string | null | undefined }) {
  const { account } = useCfa();
  if (id === null || id === undefined) return <span>—</span>;
  if (id === account) {
    return (
      <span className="account me">
        <FormattedMessage id="cfa.you" /> <code>{id}</code>
      </span>
    );
  }
  return <code className="account">{id}</code>;
}

export function AssetStatus({ status }: { status: CfaAsset['status'] }) {
  return (
    <StatusBadge tone={assetTone(status)}>
      <FormattedMessage id={`cfa.status.${status}`} />
    </StatusBadge>
  );
}

export function AssetLink({ code }: { code: string }) {
  return (
    <Link to={`/cfa/assets/${encodeURIComponent(code)}`}>
      <code>{code}</code>
    </Link>
  );
}

/** A titled panel (h2) a test or a reader can find by its id. */
export function Section({ id, title, children, actions }: { id: string; title: ReactNode; children: ReactNode; actions?: ReactNode }) {
  const h = useId();
  return (
    <section className="panel" id={id} aria-labelledby={h}>
      <div className="panel-head">
        <h2 id={h}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

function hexOf(v: Uint8Array | null): string | null {
  if (v === null) return null;
  let s = '';
  for (const b of v) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * "Verified against block N": the registry entry (or every entry of a registry kept in several
 * keys, such as an asset's owners buckets) is read again with `getVerifiedState` at the same
 * height, its proof checked in this browser against that block's state root, and the value
 * compared with what the registry route returned. A word, never a colour only.
 */
export function VerifiedMark({ entry }: { entry: CfaEntry<unknown> | readonly CfaEntry<unknown>[] | undefined }) {
  const { client, channel } = useCfa();
  const entries: readonly CfaEntry<unknown>[] = entry === undefined ? [] : Array.isArray(entry) ? entry : [entry as CfaEntry<unknown>];
  const signature = entries.map((e) => `${e.key}@${e.height}=${e.proof.value ?? ''}`).join('|');
  const check = useAsync(
    async (signal) => {
      if (entries.length === 0) return null;
      const read = await Promise.all(entries.map((e) => client.getVerifiedState(channel, e.key, { height: e.height, signal })));
      const same = read.every((v, i) => hexOf(v.value) === (entries[i]!.proof.value ?? null) && v.blockHash === read[0]!.blockHash);
      return { same, height: read[0]!.height, block: read[0]!.blockHash };
    },
    // The entries are compared by `signature` (a new array each render is the same entries).
    [client, channel, signature],
  );
  if (entry === undefined) return null;
  if (check.status === 'error') {
    return (
      <span className="verified" data-verified="false">
        <StatusBadge tone="bad">
          <FormattedMessage id="cfa.verify.failed" />
        </StatusBadge>
      </span>
    );
  }
  if (check.value === null || check.value === undefined) {
    return (
      <span className="verified" data-verified="pending">
        <StatusBadge tone="neutral">
          <FormattedMessage id="cfa.verify.checking" />
        </StatusBadge>
      </span>
    );
  }
  const r = check.value;
  return (
    <span className="verified" data-verified={r.same ? 'true' : 'false'} data-height={r.height} title={r.block}>
      <StatusBadge tone={r.same ? 'ok' : 'bad'}>
        {r.same ? <FormattedMessage id="cfa.verify.ok" values={{ height: r.height }} /> : <FormattedMessage id="cfa.verify.mismatch" values={{ height: r.height }} />}
      </StatusBadge>
    </span>
  );
}

/** A term list (dl) from label/value pairs. */
export function Terms({ items }: { items: readonly (readonly [ReactNode, ReactNode])[] }) {
  return (
    <dl className="terms">
      {items.map(([k, v], i) => (
        <div key={i}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
