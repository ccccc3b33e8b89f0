/**
 * A ballot's results: the tally the contract stored, an independent recount in this browser
 * from the published ballot key and the stored encrypted votes (every piece read with a proof),
 * the revealed votes, and the check that this voter's receipt is in the counted set and was read
 * as cast (the receipt kept in this browser, or a receipt file).
 */
import { useState } from 'react';
import { FormattedMessage, FormattedNumber } from 'react-intl';
import { Link, useParams } from 'react-router-dom';
import type { Ledger } from '../../app/ledger.js';
import { DataTable, ErrorBanner, Field, Loading, Notice, PageHeader, Progress, StatusBadge } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import { LiveBadge, useFeatureLedger, useLiveHeight } from '../data/chain.js';
import { coded } from '../data/errors.js';
import { useIdentity } from '../data/identity/context.js';
import { ShortHex } from '../data/parts.js';
import { type Ballot, checkReceipt, type CountedVote, loadVotes, parseReceipt, readBallot, type Receipt, type ReceiptCheck, recount } from './model.js';
import { AnswersText, PhaseBadge, useNow } from './parts.js';
import { loadReceipt } from './receipts.js';
import { phaseOf } from './model.js';

interface Loaded {
  readonly b: Ballot;
  readonly votes: CountedVote[] | null;
  readonly receipt: Receipt | null;
}

async function load(ledger: Ledger, id: string, memberId: string | null, signal: AbortSignal): Promise<Loaded | null> {
  const b = await readBallot(ledger, id, signal);
  if (b === null) return null;
  const votes = b.status === 'tallied' ? await loadVotes(ledger, b, signal) : null;
  const receipt = memberId === null ? null : await loadReceipt(ledger.channel, id, memberId).catch(() => null);
  return { b, votes, receipt };
}

function Tally({ b }: { b: Ballot }) {
  const r = b.result!;
  return (
    <section aria-labelledby="tally-h">
      <h2 id="tally-h">
        <FormattedMessage id="voting.results.tally" />
      </h2>
      <p>
        <FormattedMessage id="voting.results.turnout" values={{ voters: r.voters, eligible: r.eligibleVoters, weight: r.weightVoted, totalWeight: r.eligibleWeight, spoiled: r.spoiled }} />{' '}
        {r.quorumMet ? (
          <StatusBadge tone="ok">
            <FormattedMessage id="voting.results.quorumMet" />
          </StatusBadge>
        ) : (
          <StatusBadge tone="bad">
            <FormattedMessage id="voting.results.quorumMissed" />
          </StatusBadge>
        )}
      </p>
      {b.questions.map((q, i) => {
        const total = r.counts[i]!.reduce((s, c) => s + c, 0);
        const top = Math.max(...r.counts[i]!);
        const rows = q.options.map((o, j) => ({ o, j, c: r.counts[i]![j]! }));
        return (
          <DataTable
            key={i}
            caption={<FormattedMessage id="voting.results.question" values={{ n: i + 1, text: q.text }} />}
            rows={rows}
            rowKey={(x) => String(x.j)}
            columns={[
              {
                header: <FormattedMessage id="voting.col.option" />,
                cell: (x) => (
                  <>
                    {x.o}
                    {x.c === top && top > 0 ? (
                      <>
                        {' '}
                        <StatusBadge tone="ok">
                          <FormattedMessage id="voting.results.leading" />
                        </StatusBadge>
                      </>
                    ) : null}
                  </>
                ),
              },
              { header: <FormattedMessage id={b.weights === 'equal' ? 'voting.col.votes' : 'voting.col.weight'} />, cell: (x) => <FormattedNumber value={x.c} />, numeric: true },
              { header: <FormattedMessage id="voting.col.share" />, cell: (x) => <FormattedNumber value={total === 0 ? 0 : x.c / total} style="percent" maximumFractionDigits={1} />, numeric: true },
            ]}
          />
        );
      })}
    </section>
  );
}

function RecountPanel({ b, votes, channel }: { b: Ballot; votes: readonly CountedVote[]; channel: string }) {
  const rc = recount(b, channel, votes);
  const ok = rc.keyMatches && rc.matchesTally && rc.differing.length === 0;
  return (
    <section className="panel" aria-labelledby="recount-h">
      <h2 id="recount-h">
        <FormattedMessage id="voting.recount.title" />
      </h2>
      <p>
        <FormattedMessage id="voting.recount.explain" values={{ count: votes.length }} />
      </p>
      <div role="status">
        <ul className="check-list">
          <li>
            <Check ok={rc.keyMatches} />
            <FormattedMessage id="voting.recount.key" />
          </li>
          <li>
            <Check ok={rc.matchesTally} />
            <FormattedMessage id="voting.recount.tally" values={{ voters: rc.result.voters, spoiled: rc.result.spoiled }} />
          </li>
          <li>
            <Check ok={rc.differing.length === 0} />
            <FormattedMessage id="voting.recount.revealed" values={{ differing: rc.differing.length }} />
          </li>
        </ul>
      </div>
      {ok ? (
        <Notice kind="success">
          <FormattedMessage id="voting.recount.match" />
        </Notice>
      ) : (
        <div className="banner error" role="alert">
          <FormattedMessage id="voting.recount.mismatch" />
        </div>
      )}
    </section>
  );
}

function Check({ ok }: { ok: boolean | null }) {
  if (ok === null)
    return (
      <>
        <StatusBadge tone="neutral">
          <FormattedMessage id="voting.check.pending" />
        </StatusBadge>{' '}
      </>
    );
  return (
    <>
      <StatusBadge tone={ok ? 'ok' : 'bad'}>
        <FormattedMessage id={ok ? 'voting.check.ok' : 'voting.check.failed'} />
      </StatusBadge>{' '}
    </>
  );
}

function ReceiptChecks({ b, receipt, votes, source }: { b: Ballot; receipt: Receipt; votes: readonly CountedVote[] | null; source: 'browser' | 'file' }) {
  const ledger = useFeatureLedger();
  const height = useLiveHeight();
  const check = useAsync((signal): Promise<ReceiptCheck> => checkReceipt(ledger, b, receipt, votes, signal), [ledger, b, receipt, votes, height]);
  const c = check.value;
  const all = c !== undefined && c.included && c.counted && c.inSet && c.readAs === true;
  return (
    <>
      <p>
        <FormattedMessage id={source === 'browser' ? 'voting.mine.fromBrowser' : 'voting.mine.fromFile'} values={{ tx: <ShortHex value={receipt.txId} />, answers: <AnswersText b={b} answers={receipt.answers} /> }} />
      </p>
      <ErrorBanner error={check.error} onRetry={check.reload} />
      {c === undefined ? (
        check.status === 'error' ? null : <Loading />
      ) : (
        <>
          <ul className="check-list">
            <li>
              <Check ok={c.included} />
              <FormattedMessage id="voting.mine.included" values={{ height: c.inclusionHeight ?? '—' }} />
            </li>
            <li>
              <Check ok={c.counted} />
              <FormattedMessage id="voting.mine.counted" />
            </li>
            <li>
              <Check ok={c.inSet} />
              <FormattedMessage id="voting.mine.inSet" />
            </li>
            <li>
              <Check ok={c.readAs} />
              <FormattedMessage id="voting.mine.readAs" />
            </li>
          </ul>
          <div className={`banner ${all ? 'success' : 'info'}`} role="status">
            <FormattedMessage id={all ? 'voting.mine.allGood' : b.status === 'tallied' ? 'voting.mine.problem' : 'voting.mine.notYet'} />
          </div>
        </>
      )}
    </>
  );
}

function MyReceipt({ b, receipt, votes }: { b: Ballot; receipt: Receipt | null; votes: readonly CountedVote[] | null }) {
  const [file, setFile] = useState<Receipt | null>(null);
  const [fileError, setFileError] = useState<unknown>(undefined);
  return (
    <section className="panel" aria-labelledby="mine-h">
      <h2 id="mine-h">
        <FormattedMessage id="voting.mine.title" />
      </h2>
      {receipt === null ? (
        <p>
          <FormattedMessage id="voting.mine.none" />
        </p>
      ) : (
        <ReceiptChecks b={b} receipt={receipt} votes={votes} source="browser" />
      )}
      <Field label={<FormattedMessage id="voting.mine.file" />} hint={<FormattedMessage id="voting.mine.fileHint" />}>
        {({ id, describedBy }) => (
          <input
            id={id}
            type="file"
            accept="application/json,.json"
            aria-describedby={describedBy}
            onChange={(e) => {
              const f = e.target.files?.[0];
              setFile(null);
              setFileError(undefined);
              if (f === undefined) return;
              void f.arrayBuffer().then((buf) => {
                const r = parseReceipt(new Uint8Array(buf));
                if (r === null || r.ballot !== b.id) setFileError(coded('RECEIPT_MALFORMED', 'not a receipt of this ballot'));
                else setFile(r);
              });
            }}
          />
        )}
      </Field>
      <ErrorBanner error={fileError} />
      {file === null ? null : <ReceiptChecks b={b} receipt={file} votes={votes} source="file" />}
    </section>
  );
}

function RevealedVotes({ b, votes }: { b: Ballot; votes: readonly CountedVote[] }) {
  return (
    <section aria-labelledby="revealed-h">
      <h2 id="revealed-h">
        <FormattedMessage id="voting.revealed.title" />
      </h2>
      <DataTable
        caption={<FormattedMessage id="voting.revealed.caption" values={{ count: votes.length }} />}
        rows={votes}
        rowKey={(v) => v.pseudonym}
        columns={[
          { header: '#', cell: (v) => v.seq + 1, numeric: true },
          { header: <FormattedMessage id="voting.col.pseudonym" />, cell: (v) => <ShortHex value={v.pseudonym} chars={8} /> },
          { header: <FormattedMessage id="voting.col.answers" />, cell: (v) => <AnswersText b={b} answers={v.revealed?.answers ?? null} /> },
          { header: <FormattedMessage id="voting.col.weight" />, cell: (v) => v.vote.weight, numeric: true },
          { header: <FormattedMessage id="voting.col.block" />, cell: (v) => v.vote.height, numeric: true },
          { header: <FormattedMessage id="voting.col.tx" />, cell: (v) => <ShortHex value={v.vote.txId} chars={8} /> },
        ]}
      />
    </section>
  );
}

export function BallotResults() {
  const { id = '' } = useParams();
  const ledger = useFeatureLedger();
  const height = useLiveHeight();
  const now = useNow();
  const { tenant } = useIdentity();
  const memberId = tenant?.memberId ?? null;
  const data = useAsync((signal) => load(ledger, id, memberId, signal), [ledger, id, memberId, height]);
  const loaded = data.value;
  if (loaded === undefined || loaded === null) {
    return (
      <>
        <PageHeader title={<FormattedMessage id="voting.results.title" values={{ title: id }} />} />
        {data.status === 'error' ? <ErrorBanner error={data.error} onRetry={data.reload} /> : loaded === null ? <ErrorBanner error={coded('BALLOT_NOT_FOUND', `no ballot "${id}"`)} /> : <Loading />}
      </>
    );
  }
  const { b, votes, receipt } = loaded;
  const phase = phaseOf(b, now, height);
  return (
    <>
      <PageHeader
        title={<FormattedMessage id="voting.results.title" values={{ title: b.title }} />}
        lead={
          <>
            <code>{b.id}</code> · <PhaseBadge phase={phase} />
          </>
        }
        actions={
          <>
            <LiveBadge />
            <Link className="button" to={`/voting/${b.id}`}>
              <FormattedMessage id="voting.results.back" />
            </Link>
          </>
        }
      />
      <ErrorBanner error={data.error} onRetry={data.reload} />
      {b.status !== 'tallied' || b.result === null || votes === null ? (
        <section className="panel" aria-labelledby="wait-h">
          <h2 id="wait-h">
            <FormattedMessage id="voting.results.notYet" />
          </h2>
          {b.status === 'closed' ? (
            <Progress value={Math.min(b.revealedShares, b.key.threshold) / b.key.threshold / 2} label={<FormattedMessage id="voting.tally.shares" values={{ revealed: Math.min(b.revealedShares, b.key.threshold), t: b.key.threshold }} />} />
          ) : b.status === 'counting' ? (
            <Progress value={0.5 + (b.voteCount === 0 ? 0.5 : b.cursor / b.voteCount / 2)} label={<FormattedMessage id="voting.tally.counting" values={{ done: b.cursor, total: b.voteCount }} />} />
          ) : (
            <p>
              <FormattedMessage id="voting.results.whenClosed" />
            </p>
          )}
        </section>
      ) : (
        <>
          <Tally b={b} />
          <RecountPanel b={b} votes={votes} channel={ledger.channel} />
        </>
      )}
      <MyReceipt b={b} receipt={receipt} votes={votes} />
      {votes === null ? null : <RevealedVotes b={b} votes={votes} />}
    </>
  );
}
