/**
 * The block explorer: the latest blocks of the channel, kept current by the node's live block
 * stream (SSE), each with its hash recomputed here; and a search by height or transaction id.
 */
import type { BlockRecord } from '@konsortium/client';
import { toHex } from '@konsortium/protocol';
import { type FormEvent, useEffect, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { Link, useNavigate } from 'react-router-dom';
import { DataTable, DateTime, ErrorBanner, Field, Loading, PageHeader, StatusBadge } from '../../ui/components.js';
import { decodeRecord, shortHex } from './chain.js';
import { useAudit } from './context.js';

const SHOWN = 20;

interface Row {
  readonly height: number;
  readonly hash: string;
  readonly hashOk: boolean;
  readonly timestamp: number | null;
  readonly txCount: number | null;
  readonly proposer: number | null;
}

export function ChannelPicker() {
  const { channels, channel, setChannel } = useAudit();
  if (channels.length < 2) return null;
  return (
    <Field label={<FormattedMessage id="auditor.channel" />}>
      {({ id }) => (
        <select id={id} value={channel} onChange={(e) => setChannel(e.target.value)}>
          {channels.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function Explorer() {
  const { client, channel, suite } = useAudit();
  const intl = useIntl();
  const navigate = useNavigate();
  const [rows, setRows] = useState<Row[] | undefined>(undefined);
  const [live, setLive] = useState<'connecting' | 'live' | 'down'>('connecting');
  const [error, setError] = useState<unknown>(undefined);
  const [attempt, setAttempt] = useState(0);
  const [query, setQuery] = useState('');
  const [queryError, setQueryError] = useState<string | undefined>(undefined);

  useEffect(() => {
    const ac = new AbortController();
    const { signal } = ac;
    const toRow = (r: BlockRecord): Row => {
      try {
        const b = decodeRecord(suite, r);
        return { height: r.height, hash: r.hash, hashOk: toHex(b.hash) === r.hash, timestamp: b.header.timestamp, txCount: b.header.txCount, proposer: b.header.proposer };
      } catch {
        return { height: r.height, hash: r.hash, hashOk: false, timestamp: null, txCount: null, proposer: null };
      }
    };
    setError(undefined);
    setLive('connecting');
    (async () => {
      const head = await client.head(channel, { signal });
      const from = Math.max(0, head.height - SHOWN + 1);
      const records = await client.blocks(channel, from, head.height - from + 1, { signal });
      setRows(records.map(toRow).reverse());
      setLive('live');
      for await (const ev of client.events(channel, { from: head.height + 1, signal })) {
        const rec = await client.block(channel, ev.height, { signal });
        setRows((rs) => [toRow(rec), ...(rs ?? []).filter((x) => x.height !== rec.height)].slice(0, SHOWN));
      }
    })().catch((err: unknown) => {
      if (signal.aborted) return;
      setError(err);
      setLive('down');
    });
    return () => ac.abort();
  }, [client, channel, suite, attempt]);

  const search = (e: FormEvent) => {
    e.preventDefault();
    const q = query.trim().toLowerCase();
    if (/^\d{1,15}$/.test(q)) void navigate(`/auditor/blocks/${q}`);
    else if (/^[0-9a-f]{64}$/.test(q)) void navigate(`/auditor/txs/${q}`);
    else setQueryError(intl.formatMessage({ id: 'auditor.search.invalid' }));
  };

  const latest = rows?.[0];
  return (
    <>
      <PageHeader title={<FormattedMessage id="auditor.explorer.title" />} lead={<FormattedMessage id="auditor.explorer.lead" values={{ channel }} />} />
      <ChannelPicker />
      <section className="panel" aria-labelledby="explorer-search">
        <h2 id="explorer-search">
          <FormattedMessage id="auditor.search.title" />
        </h2>
        <form className="inline" onSubmit={search} noValidate>
          <Field label={<FormattedMessage id="auditor.search.label" />} hint={<FormattedMessage id="auditor.search.hint" />} error={queryError}>
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                name="query"
                className="mono wide"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                value={query}
                onChange={(e) => {
                  setQuery(e.target.value);
                  setQueryError(undefined);
                }}
              />
            )}
          </Field>
          <button type="submit">
            <FormattedMessage id="auditor.search.go" />
          </button>
        </form>
      </section>
      <section className="panel" aria-labelledby="explorer-latest">
        <h2 id="explorer-latest">
          <FormattedMessage id="auditor.explorer.latest" />{' '}
          {live === 'live' ? (
            <StatusBadge tone="ok">
              <FormattedMessage id="common.live" />
            </StatusBadge>
          ) : live === 'down' ? (
            <StatusBadge tone="bad">
              <FormattedMessage id="auditor.explorer.streamDown" />
            </StatusBadge>
          ) : null}
        </h2>
        <p role="status" aria-live="polite" className="live-line">
          {latest === undefined ? null : <FormattedMessage id="auditor.explorer.head" values={{ height: latest.height }} />}
        </p>
        <ErrorBanner error={error} onRetry={() => setAttempt((a) => a + 1)} />
        {rows === undefined ? (
          error === undefined ? (
            <Loading />
          ) : null
        ) : (
          <DataTable
            caption={<FormattedMessage id="auditor.explorer.caption" values={{ count: rows.length }} />}
            rows={rows}
            rowKey={(r) => String(r.height)}
            columns={[
              { header: <FormattedMessage id="auditor.block.height" />, numeric: true, cell: (r) => <Link to={`/auditor/blocks/${r.height}`}>{r.height}</Link> },
              {
                header: <FormattedMessage id="auditor.block.hash" />,
                cell: (r) => (
                  <span className="mono" title={r.hash}>
                    {shortHex(r.hash)}
                  </span>
                ),
              },
              {
                header: <FormattedMessage id="auditor.explorer.recomputed" />,
                cell: (r) =>
                  r.hashOk ? (
                    <StatusBadge tone="ok">
                      <FormattedMessage id="auditor.check.ok" />
                    </StatusBadge>
                  ) : (
                    <StatusBadge tone="bad">
                      <FormattedMessage id="auditor.check.fail" />
                    </StatusBadge>
                  ),
              },
              { header: <FormattedMessage id="auditor.block.time" />, cell: (r) => <DateTime value={r.timestamp} /> },
              { header: <FormattedMessage id="auditor.block.txCount" />, numeric: true, cell: (r) => r.txCount ?? '—' },
              { header: <FormattedMessage id="auditor.block.proposer" />, numeric: true, cell: (r) => r.proposer ?? '—' },
            ]}
          />
        )}
      </section>
    </>
  );
}
