/** The ballots of the channel with their state, kept current as blocks arrive. */
import { FormattedMessage } from 'react-intl';
import { Link } from 'react-router-dom';
import { DataTable, DateTime, ErrorBanner, Loading, PageHeader, StatusBadge } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import { LiveBadge, useFeatureLedger, useLiveHeight } from '../data/chain.js';
import { useIdentity } from '../data/identity/context.js';
import { listBallots, phaseOf } from './model.js';
import { PhaseBadge, useNow } from './parts.js';
import { votedHere } from './receipts.js';

export function BallotList() {
  const ledger = useFeatureLedger();
  const height = useLiveHeight();
  const now = useNow();
  const { tenant } = useIdentity();
  const memberId = tenant?.memberId ?? null;
  const list = useAsync(async (signal) => {
    const ballots = await listBallots(ledger, signal);
    const voted = memberId === null ? new Set<string>() : await votedHere(ledger.channel, memberId).catch(() => new Set<string>());
    return { ballots, voted };
  }, [ledger, height, memberId]);
  return (
    <>
      <PageHeader
        title={<FormattedMessage id="voting.list.title" />}
        lead={<FormattedMessage id="voting.list.lead" />}
        actions={
          <>
            <LiveBadge />
            <Link className="button primary" to="/voting/new">
              <FormattedMessage id="voting.list.create" />
            </Link>
          </>
        }
      />
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.value === undefined ? (
        list.status === 'error' ? null : <Loading />
      ) : (
        <DataTable
          caption={<FormattedMessage id="voting.list.caption" values={{ count: list.value.ballots.length }} />}
          rows={list.value.ballots}
          rowKey={(b) => b.id}
          columns={[
            {
              header: <FormattedMessage id="voting.col.ballot" />,
              cell: (b) => (
                <>
                  <Link to={`/voting/${b.id}`}>{b.title}</Link> <span className="muted">({b.id})</span>
                </>
              ),
            },
            { header: <FormattedMessage id="voting.col.status" />, cell: (b) => <PhaseBadge phase={phaseOf(b, now, height)} /> },
            { header: <FormattedMessage id="voting.col.closes" />, cell: (b) => ('closesAt' in b.window ? <DateTime value={b.window.closesAt} /> : <FormattedMessage id="voting.window.block" values={{ height: b.window.closeHeight }} />) },
            { header: <FormattedMessage id="voting.col.eligible" />, cell: (b) => b.eligibleVoters, numeric: true },
            { header: <FormattedMessage id="voting.col.votes" />, cell: (b) => b.voteCount, numeric: true },
            {
              header: <FormattedMessage id="voting.col.mine" />,
              cell: (b) =>
                list.value!.voted.has(b.id) ? (
                  <StatusBadge tone="ok">
                    <FormattedMessage id="voting.list.voted" />
                  </StatusBadge>
                ) : (
                  '—'
                ),
            },
            {
              header: <FormattedMessage id="voting.col.actions" />,
              cell: (b) => (
                <span className="buttons">
                  <Link to={`/voting/${b.id}`}>
                    <FormattedMessage id="voting.list.openBallot" values={{ title: b.title, h: (t) => <span className="visually-hidden">{t}</span> }} />
                  </Link>
                  <Link to={`/voting/${b.id}/results`}>
                    <FormattedMessage id="voting.list.results" values={{ title: b.title, h: (t) => <span className="visually-hidden">{t}</span> }} />
                  </Link>
                </span>
              ),
            },
          ]}
        />
      )}
    </>
  );
}
