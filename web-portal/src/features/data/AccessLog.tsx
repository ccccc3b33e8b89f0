/** A record's access log: every key share a node released, as the node recorded it on chain. */
import { FormattedMessage } from 'react-intl';
import { Link, useParams } from 'react-router-dom';
import { DataTable, DateTime, ErrorBanner, Loading, PageHeader, StatusBadge } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import { LiveBadge, useFeatureLedger, useLiveHeight } from './chain.js';
import { MemberName, ShortHex, useChainMe } from './parts.js';
import { accessLog } from './records.js';

export function AccessLogPage() {
  const { id = '' } = useParams();
  const ledger = useFeatureLedger();
  const height = useLiveHeight();
  const { me } = useChainMe();
  const log = useAsync((signal) => accessLog(ledger, id, 200, signal), [ledger, id, height]);
  const requests = log.value === undefined ? 0 : new Set(log.value.entries.map((e) => e.requestId)).size;
  return (
    <>
      <PageHeader
        title={<FormattedMessage id="data.log.title" />}
        lead={<FormattedMessage id="data.log.lead" values={{ record: <Link to={`/data/records/${id}`}>{id}</Link> }} />}
        actions={<LiveBadge />}
      />
      <ErrorBanner error={log.error} onRetry={log.reload} />
      {log.value === undefined ? (
        log.status === 'error' ? null : <Loading />
      ) : (
        <>
          <p>
            <FormattedMessage id="data.log.summary" values={{ count: log.value.count, requests }} />
          </p>
          <DataTable
            caption={<FormattedMessage id="data.log.caption" values={{ record: id }} />}
            rows={log.value.entries}
            rowKey={(e) => String(e.seq)}
            columns={[
              { header: <FormattedMessage id="data.col.time" />, cell: (e) => <DateTime value={e.timestamp} /> },
              { header: <FormattedMessage id="data.col.version" />, cell: (e) => e.version, numeric: true },
              { header: <FormattedMessage id="data.col.node" />, cell: (e) => <FormattedMessage id="data.node" values={{ id: e.node }} /> },
              { header: <FormattedMessage id="data.col.requester" />, cell: (e) => <MemberName id={e.requester} me={me?.memberId ?? null} /> },
              {
                header: <FormattedMessage id="data.col.authorised" />,
                cell: (e) =>
                  e.authorised ? (
                    <StatusBadge tone="ok">
                      <FormattedMessage id="data.log.authorised" />
                    </StatusBadge>
                  ) : (
                    <StatusBadge tone="bad">
                      <FormattedMessage id="data.log.unauthorised" />
                    </StatusBadge>
                  ),
              },
              { header: <FormattedMessage id="data.col.request" />, cell: (e) => <ShortHex value={e.requestId} chars={8} /> },
              { header: <FormattedMessage id="data.col.block" />, cell: (e) => e.height, numeric: true },
              { header: <FormattedMessage id="data.col.tx" />, cell: (e) => <ShortHex value={e.txId} chars={8} /> },
            ]}
          />
        </>
      )}
    </>
  );
}
