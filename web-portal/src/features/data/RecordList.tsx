/** The records list: mine, and those shared with me, kept current as blocks arrive. */
import { FormattedMessage } from 'react-intl';
import { Link } from 'react-router-dom';
import { DataTable, DateTime, ErrorBanner, Loading, Notice, PageHeader, StatusBadge } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import { LiveBadge, useFeatureLedger, useLiveHeight } from './chain.js';
import { useIdentity } from './identity/context.js';
import { Bytes, MemberName, useChainMe } from './parts.js';
import { listRecords, type RecordRow } from './records.js';

function NameCell({ row }: { row: RecordRow }) {
  return (
    <Link to={`/data/records/${row.record.id}`}>
      {row.latest?.meta?.name ?? row.record.id}
      {row.latest?.meta?.name === undefined || row.latest.meta.name === row.record.id ? null : (
        <>
          {' '}
          <span className="muted">({row.record.id})</span>
        </>
      )}
    </Link>
  );
}

export function RecordList() {
  const ledger = useFeatureLedger();
  const height = useLiveHeight();
  const { state } = useIdentity();
  const { me, error: meError } = useChainMe();
  const list = useAsync((signal) => (me === undefined ? new Promise<never>(() => undefined) : listRecords(ledger, me, signal)), [ledger, me, height]);
  const memberId = me?.memberId ?? null;
  return (
    <>
      <PageHeader
        title={<FormattedMessage id="data.list.title" />}
        lead={<FormattedMessage id="data.list.lead" />}
        actions={
          <>
            <LiveBadge />
            <Link className="button primary" to="/data/upload">
              <FormattedMessage id="data.list.upload" />
            </Link>
          </>
        }
      />
      {state.status === 'none' || state.status === 'registering' ? (
        <Notice>
          <FormattedMessage id="data.list.noKeys" values={{ link: (text) => <Link to="/data/keys">{text}</Link> }} />
        </Notice>
      ) : null}
      <ErrorBanner error={meError ?? list.error} onRetry={list.reload} />
      {list.value === undefined ? (
        list.status === 'error' ? null : <Loading />
      ) : (
        <>
          <section aria-labelledby="mine-h">
            <h2 id="mine-h">
              <FormattedMessage id="data.list.mine" />
            </h2>
            <DataTable
              caption={<FormattedMessage id="data.list.mineCaption" values={{ count: list.value.mine.length }} />}
              rows={list.value.mine}
              rowKey={(r) => r.record.id}
              columns={[
                { header: <FormattedMessage id="data.col.document" />, cell: (r) => <NameCell row={r} /> },
                { header: <FormattedMessage id="data.col.collection" />, cell: (r) => r.record.collection ?? '—' },
                { header: <FormattedMessage id="data.col.versions" />, cell: (r) => r.record.versions, numeric: true },
                { header: <FormattedMessage id="data.col.size" />, cell: (r) => (r.latest === null ? '—' : <Bytes value={r.latest.size} />), numeric: true },
                { header: <FormattedMessage id="data.col.updated" />, cell: (r) => <DateTime value={r.latest?.createdAt ?? r.record.createdAt} /> },
              ]}
            />
          </section>
          <section aria-labelledby="shared-h">
            <h2 id="shared-h">
              <FormattedMessage id="data.list.shared" />
            </h2>
            <DataTable
              caption={<FormattedMessage id="data.list.sharedCaption" values={{ count: list.value.shared.length }} />}
              rows={list.value.shared}
              rowKey={(r) => r.record.id}
              columns={[
                { header: <FormattedMessage id="data.col.document" />, cell: (r) => <NameCell row={r} /> },
                { header: <FormattedMessage id="data.col.owner" />, cell: (r) => <MemberName id={r.record.owner} me={memberId} /> },
                { header: <FormattedMessage id="data.col.size" />, cell: (r) => (r.latest === null ? '—' : <Bytes value={r.latest.size} />), numeric: true },
                {
                  header: <FormattedMessage id="data.col.access" />,
                  cell: (r) =>
                    r.grant === null ? null : r.grant.active ? (
                      <StatusBadge tone="ok">
                        {r.grant.expiresAt === null ? (
                          <FormattedMessage id="data.grant.active" />
                        ) : (
                          <FormattedMessage id="data.grant.until" values={{ date: <DateTime value={r.grant.expiresAt} /> }} />
                        )}
                      </StatusBadge>
                    ) : (
                      <StatusBadge tone="warn">
                        <FormattedMessage id="data.grant.expired" />
                      </StatusBadge>
                    ),
                },
                { header: <FormattedMessage id="data.col.updated" />, cell: (r) => <DateTime value={r.latest?.createdAt ?? r.record.createdAt} /> },
              ]}
            />
          </section>
        </>
      )}
    </>
  );
}
