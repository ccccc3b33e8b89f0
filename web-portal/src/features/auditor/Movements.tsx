/**
 * The movement registry: an asset's log of unit credits and debits with their causes, each
 * entry's state proof verified in this browser against the header of the block the chain holds
 * at the proof's height (that block's hash recomputed here and its node signatures checked).
 */
import type { KonsortiumClient } from '@konsortium/client';
import type { CryptoSuite } from '@konsortium/protocol';
import { useMemo } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { Link, useSearchParams } from 'react-router-dom';
import { DataTable, DateTime, ErrorBanner, Field, Loading, PageHeader, Quantity, StatusBadge } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import { checkBlock, shortHex } from './chain.js';
import { useAudit } from './context.js';
import { ChannelPicker } from './Explorer.js';
import { assetCodes, checkPage, type EntryCheck, readMovesPage, readProven } from './movements.js';

const PAGE = 20;
const CAUSES = ['placement', 'trade', 'gift', 'inheritance', 'redemption', 'early-redemption'];

function CauseName({ cause }: { cause: string }) {
  if (!CAUSES.includes(cause)) return <>{cause}</>;
  return <FormattedMessage id={`auditor.cause.${cause.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())}`} />;
}

/** The recomputed hash of the block at `height` when it verifies on its own (hash, tx root, node signatures), else null; memoised. */
function blockTrust(client: KonsortiumClient, channel: string, suite: CryptoSuite, nodeKeys: ReadonlyMap<number, Uint8Array>) {
  const seen = new Map<number, Promise<string | null>>();
  return (height: number, signal: AbortSignal): Promise<string | null> => {
    let p = seen.get(height);
    if (p === undefined) {
      p = client.block(channel, height, { signal }).then((rec) => {
        const v = checkBlock({ suite, channel, nodeKeys }, rec, height, null);
        return v.checks.hash === 'ok' && v.checks.txRoot === 'ok' && v.checks.signatures === 'ok' ? v.hash : null;
      });
      p.catch(() => seen.delete(height));
      seen.set(height, p);
    }
    return p;
  };
}

export function Movements() {
  const { client, channel, suite, nodeKeys } = useAudit();
  const intl = useIntl();
  const [params, setParams] = useSearchParams();
  const trust = useMemo(() => blockTrust(client, channel, suite, nodeKeys), [client, channel, suite, nodeKeys]);

  const assets = useAsync(
    async (signal) => {
      const proof = readProven(await client.channelRead(channel, 'cfa/assets', { signal }));
      const hash = await trust(proof.height, signal);
      return { ...assetCodes(suite, proof, () => hash), height: proof.height };
    },
    [client, channel, suite, trust],
  );
  const code = params.get('asset') ?? assets.value?.codes[0] ?? null;
  const from = Math.max(0, Number(params.get('from') ?? 0) || 0);
  const pinned = params.get('height');

  const moves = useAsync(
    async (signal) => {
      if (code === null) return null;
      const page = readMovesPage(
        await client.channelRead(channel, `cfa/assets/${encodeURIComponent(code)}/moves`, { signal, query: { from, limit: PAGE, ...(pinned === null ? {} : { height: pinned }) } }),
      );
      const heights = [...new Set([page.log.height, ...page.chunks.map((c) => c.height)])];
      const hashes = new Map(await Promise.all(heights.map(async (h) => [h, await trust(h, signal)] as const)));
      const trusted = (h: number) => hashes.get(h) ?? null;
      const checks = checkPage(suite, code, page, from, PAGE, trusted);
      return { count: page.count, height: page.log.height, checks, blockHash: trusted(page.log.height) };
    },
    [client, channel, suite, trust, code, from, pinned],
  );

  const set = (next: Record<string, string | null>) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) {
      if (v === null) p.delete(k);
      else p.set(k, v);
    }
    setParams(p);
  };
  const m = moves.value;
  const allOk = m !== undefined && m !== null && m.checks.every((c) => c.ok);

  return (
    <>
      <PageHeader title={<FormattedMessage id="auditor.moves.title" />} lead={<FormattedMessage id="auditor.moves.lead" values={{ channel }} />} />
      <ChannelPicker />
      <ErrorBanner error={assets.error} onRetry={assets.reload} />
      {assets.value === undefined ? (
        assets.error === undefined ? (
          <Loading />
        ) : null
      ) : assets.value.codes.length === 0 ? (
        <p role="status">
          <FormattedMessage id="auditor.moves.noAssets" />
        </p>
      ) : (
        <form className="inline" onSubmit={(e) => e.preventDefault()} aria-label={intl.formatMessage({ id: 'auditor.moves.asset' })}>
          <Field label={<FormattedMessage id="auditor.moves.asset" />} hint={<FormattedMessage id={assets.value.proven ? 'auditor.moves.assetsProven' : 'auditor.moves.assetsUnproven'} values={{ height: assets.value.height }} />}>
            {({ id, describedBy }) => (
              <select id={id} name="asset" aria-describedby={describedBy} value={code ?? ''} onChange={(e) => set({ asset: e.target.value, from: null, height: null })}>
                {assets.value!.codes.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </form>
      )}
      {code === null ? null : (
        <section className="panel" aria-labelledby="moves-log">
          <h2 id="moves-log">
            <FormattedMessage id="auditor.moves.log" values={{ code }} />
          </h2>
          <ErrorBanner error={moves.error} onRetry={moves.reload} />
          {moves.status === 'loading' && m === undefined ? <Loading /> : null}
          {m === undefined || m === null ? null : (
            <>
              {allOk ? (
                <div className="banner success" role="status">
                  <FormattedMessage id="auditor.moves.allProven" values={{ count: m.checks.length, height: m.height, hash: <code title={m.blockHash ?? ''}>{shortHex(m.blockHash, 12)}</code> }} />
                </div>
              ) : (
                <div className="banner error" role="alert">
                  <FormattedMessage id="auditor.moves.someFail" values={{ count: m.checks.filter((c) => !c.ok).length }} />
                </div>
              )}
              <DataTable<EntryCheck>
                caption={<FormattedMessage id="auditor.moves.caption" values={{ code, shown: m.checks.length, total: m.count, height: m.height }} />}
                rows={m.checks}
                rowKey={(c) => `${c.move?.seq ?? "x"}-${c.height}`}
                columns={[
                  { header: <FormattedMessage id="auditor.moves.seq" />, numeric: true, cell: (c) => c.move?.seq ?? '—' },
                  { header: <FormattedMessage id="auditor.moves.when" />, cell: (c) => <DateTime value={c.move?.timestamp ?? null} /> },
                  { header: <FormattedMessage id="auditor.moves.entry" />, cell: (c) => (c.move === null ? '—' : <FormattedMessage id={`auditor.moves.entry.${c.move.entry}`} />) },
                  { header: <FormattedMessage id="auditor.moves.account" />, cell: (c) => <span className="mono">{c.move?.account ?? '—'}</span> },
                  { header: <FormattedMessage id="auditor.moves.quantity" />, numeric: true, cell: (c) => (c.move === null ? '—' : <Quantity value={c.move.quantity} />) },
                  { header: <FormattedMessage id="auditor.moves.cause" />, cell: (c) => (c.move === null ? '—' : <CauseName cause={c.move.cause} />) },
                  { header: <FormattedMessage id="auditor.moves.counterparty" />, cell: (c) => <span className="mono">{c.move?.counterparty ?? '—'}</span> },
                  {
                    header: <FormattedMessage id="auditor.moves.tx" />,
                    cell: (c) =>
                      c.move === null ? (
                        '—'
                      ) : (
                        <Link to={`/auditor/txs/${c.move.txId}`} className="mono" title={c.move.txId}>
                          {shortHex(c.move.txId, 6)}
                        </Link>
                      ),
                  },
                  {
                    header: <FormattedMessage id="auditor.moves.proof" />,
                    cell: (c) =>
                      c.ok ? (
                        <StatusBadge tone="ok">
                          <span aria-hidden="true">✓ </span>
                          <FormattedMessage id="auditor.moves.proven" values={{ height: c.height }} />
                        </StatusBadge>
                      ) : (
                        <StatusBadge tone="bad">
                          <span aria-hidden="true">✗ </span>
                          <FormattedMessage id={`auditor.moves.fail.${c.reason}`} values={{ height: c.height }} />
                        </StatusBadge>
                      ),
                  },
                ]}
              />
              <nav className="pager" aria-label={intl.formatMessage({ id: 'auditor.moves.pager' })}>
                <button type="button" disabled={from === 0} onClick={() => set({ from: String(Math.max(0, from - PAGE)), height: String(m.height) })}>
                  <FormattedMessage id="auditor.moves.earlier" />
                </button>{' '}
                <button type="button" disabled={from + PAGE >= m.count} onClick={() => set({ from: String(from + PAGE), height: String(m.height) })}>
                  <FormattedMessage id="auditor.moves.later" />
                </button>
              </nav>
            </>
          )}
        </section>
      )}
    </>
  );
}
