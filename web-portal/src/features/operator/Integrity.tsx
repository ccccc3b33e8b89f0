/**
 * Integrity and reconciliation: the audits that compare the chain with the ledger-DB projection
 * (balances, operations, money supply, forks), each with its findings; and an audit run now.
 */
import { type FormEvent, useCallback, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { useSession } from '../../app/session.js';
import { DataTable, DateTime, ErrorBanner, Field, Loading, PageHeader, Progress, StatusBadge } from '../../ui/components.js';
import { useAction, useAsync } from '../../ui/use-async.js';
import { camel, type Difference, type IntegrityReport } from './api.js';
import { defaultChannel } from './live.js';

function differencesOf(r: IntegrityReport): Difference[] {
  return Array.isArray(r.differences) ? (r.differences as unknown[]).filter((d): d is Difference => typeof d === 'object' && d !== null && typeof (d as Difference).kind === 'string') : [];
}

function show(v: unknown): string {
  if (v === undefined) return '—';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function KindName({ kind }: { kind: string }) {
  return <FormattedMessage id={`operator.finding.${camel(kind)}`} defaultMessage={kind} />;
}

export function Findings({ report }: { report: IntegrityReport }) {
  const diffs = differencesOf(report);
  if (diffs.length === 0)
    return (
      <p>
        <FormattedMessage id="operator.integrity.clean" />
      </p>
    );
  return (
    <DataTable
      caption={<FormattedMessage id="operator.integrity.findingsCaption" values={{ count: diffs.length, height: report.height }} />}
      rows={diffs.map((d, i) => ({ ...d, i }))}
      rowKey={(d) => String(d.i)}
      columns={[
        { header: <FormattedMessage id="operator.integrity.kind" />, cell: (d) => <KindName kind={d.kind} /> },
        { header: <FormattedMessage id="operator.integrity.key" />, cell: (d) => <span className="mono">{d.key ?? '—'}</span> },
        { header: <FormattedMessage id="operator.integrity.chain" />, cell: (d) => <span className="mono">{show(d.chain)}</span> },
        { header: <FormattedMessage id="operator.integrity.projection" />, cell: (d) => <span className="mono">{show(d.projection)}</span> },
      ]}
    />
  );
}

function ReportBadge({ ok }: { ok: boolean }) {
  return (
    <StatusBadge tone={ok ? 'ok' : 'bad'}>
      <FormattedMessage id={ok ? 'operator.integrity.ok' : 'operator.integrity.differs'} />
    </StatusBadge>
  );
}

export function Integrity() {
  const { cp } = useSession();
  const intl = useIntl();
  const [version, setVersion] = useState(0);
  const endpoints = useAsync((signal) => cp.get<{ network: { name: string }; channels: string[] }>('/v1/ledger/endpoints', { signal }), [cp]);
  const reports = useAsync((signal) => cp.get<{ items: IntegrityReport[] }>('/v1/integrity/reports', { signal }), [cp, version]);
  const channels = endpoints.value?.channels ?? [];
  const [picked, setPicked] = useState<string | null>(null);
  const channel = picked ?? (endpoints.value === undefined ? null : defaultChannel(endpoints.value.network.name, channels));
  const run = useAction(useCallback((ch: string) => cp.post<IntegrityReport>('/v1/integrity/audits', { channel: ch }), [cp]));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (channel === null) return;
    if ((await run.run(channel)) !== undefined) setVersion((v) => v + 1);
  };
  const latest = run.result;
  return (
    <>
      <PageHeader title={<FormattedMessage id="operator.integrity.title" />} lead={<FormattedMessage id="operator.integrity.lead" />} />
      <section className="panel" aria-labelledby="integrity-run">
        <h2 id="integrity-run">
          <FormattedMessage id="operator.integrity.runTitle" />
        </h2>
        <ErrorBanner error={endpoints.error} onRetry={endpoints.reload} />
        <form className="inline" onSubmit={(e) => void submit(e)} aria-label={intl.formatMessage({ id: 'operator.integrity.runTitle' })}>
          <Field label={<FormattedMessage id="operator.integrity.channel" />}>
            {({ id }) => (
              <select id={id} name="channel" value={channel ?? ''} onChange={(e) => setPicked(e.target.value)} disabled={channels.length === 0}>
                {channels.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit" className="primary" disabled={run.running || channel === null}>
            <FormattedMessage id="operator.integrity.run" />
          </button>
        </form>
        {run.running ? <Progress label={<FormattedMessage id="operator.integrity.running" values={{ channel }} />} /> : null}
        <ErrorBanner error={run.error} />
        {latest === undefined ? null : (
          <div className={`banner ${latest.ok ? 'success' : 'error'} audit-result`} role={latest.ok ? 'status' : 'alert'}>
            <p>
              <FormattedMessage
                id={latest.ok ? 'operator.integrity.resultOk' : 'operator.integrity.resultDiffers'}
                values={{ channel: latest.channel, height: latest.height, count: differencesOf(latest).length, when: <DateTime value={latest.at} /> }}
              />
            </p>
            {latest.ok ? null : <Findings report={latest} />}
          </div>
        )}
      </section>
      <section className="panel" aria-labelledby="integrity-reports">
        <h2 id="integrity-reports">
          <FormattedMessage id="operator.integrity.reports" />
        </h2>
        <ErrorBanner error={reports.error} onRetry={reports.reload} />
        {reports.value === undefined ? (
          reports.error === undefined ? (
            <Loading />
          ) : null
        ) : (
          <DataTable
            caption={<FormattedMessage id="operator.integrity.caption" values={{ count: reports.value.items.length }} />}
            rows={reports.value.items}
            rowKey={(r) => r.id}
            columns={[
              { header: <FormattedMessage id="operator.integrity.at" />, cell: (r) => <DateTime value={r.at} /> },
              { header: <FormattedMessage id="operator.integrity.channel" />, cell: (r) => <span className="mono">{r.channel}</span> },
              { header: <FormattedMessage id="operator.integrity.height" />, numeric: true, cell: (r) => r.height },
              { header: <FormattedMessage id="operator.integrity.result" />, cell: (r) => <ReportBadge ok={r.ok} /> },
              {
                header: <FormattedMessage id="operator.integrity.findings" />,
                cell: (r) =>
                  differencesOf(r).length === 0 ? (
                    <FormattedMessage id="operator.integrity.none" />
                  ) : (
                    <details>
                      <summary>
                        <FormattedMessage id="operator.integrity.count" values={{ count: differencesOf(r).length }} />
                      </summary>
                      <Findings report={r} />
                    </details>
                  ),
              },
            ]}
          />
        )}
      </section>
    </>
  );
}
