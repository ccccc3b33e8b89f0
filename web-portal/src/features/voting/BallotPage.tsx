/**
 * One ballot: what it asks and who may vote, casting a vote (encrypted in the browser to the
 * ballot key under the member's per-ballot pseudonym, signed with the user's key), the receipt
 * (transaction id and its inclusion proof, verified here and downloadable), closing the ballot
 * once its window is over, and the nodes' progress towards the tally.
 */
import { buildVote } from '@konsortium/client';
import { type FormEvent, useId, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { Link, useParams } from 'react-router-dom';
import type { Ledger } from '../../app/ledger.js';
import { DateTime, ErrorBanner, Loading, Notice, PageHeader, Progress, StatusBadge } from '../../ui/components.js';
import { useAction, useAsync } from '../../ui/use-async.js';
import { LiveBadge, submitOps, useFeatureLedger, useLiveHeight } from '../data/chain.js';
import { coded } from '../data/errors.js';
import { saveBytes } from '../data/files.js';
import { useIdentity } from '../data/identity/context.js';
import { IdentityGate } from '../data/identity/IdentityPanel.js';
import { ShortHex } from '../data/parts.js';
import { type Ballot, eligibleWeight, phaseOf, pseudonymOf, readBallot, type Receipt, RECEIPT_FORMAT, type StoredVote, storedVote } from './model.js';
import { AnswersText, PhaseBadge, useNow, WindowText } from './parts.js';
import { loadReceipt, saveReceipt } from './receipts.js';

interface Mine {
  readonly memberId: string;
  readonly pseudonym: string;
  readonly weight: number | null;
  readonly stored: StoredVote | null;
  readonly receipt: Receipt | null;
}

async function loadMine(ledger: Ledger, b: Ballot, memberId: string, signal: AbortSignal): Promise<Mine> {
  const pseudonym = pseudonymOf(ledger.channel, b.id, memberId);
  const [weight, stored, receipt] = await Promise.all([eligibleWeight(ledger, b.id, memberId, signal), storedVote(ledger, b.id, pseudonym, signal), loadReceipt(ledger.channel, b.id, memberId).catch(() => null)]);
  return { memberId, pseudonym, weight, stored, receipt };
}

function Facts({ b }: { b: Ballot }) {
  return (
    <dl className="facts">
      <dt>
        <FormattedMessage id="voting.facts.window" />
      </dt>
      <dd>
        <WindowText b={b} />
      </dd>
      <dt>
        <FormattedMessage id="voting.facts.eligibility" />
      </dt>
      <dd>
        {b.eligibility.source === 'members' ? (
          <FormattedMessage id="voting.facts.members" values={{ count: b.eligibleVoters }} />
        ) : (
          <FormattedMessage id="voting.facts.holders" values={{ asset: <code>{b.eligibility.asset}</code>, count: b.eligibleVoters, height: b.snapshotHeight }} />
        )}
      </dd>
      <dt>
        <FormattedMessage id="voting.facts.weights" />
      </dt>
      <dd>
        <FormattedMessage id={b.weights === 'equal' ? 'voting.facts.weightsEqual' : 'voting.facts.weightsHolding'} values={{ total: b.eligibleWeight }} />
      </dd>
      <dt>
        <FormattedMessage id="voting.facts.quorum" />
      </dt>
      <dd>
        <FormattedMessage id="voting.facts.quorumText" values={{ voters: b.quorum.minVoters, percent: b.quorum.minWeightBps / 10_000 }} />
      </dd>
      <dt>
        <FormattedMessage id="voting.facts.revote" />
      </dt>
      <dd>
        <FormattedMessage id={b.revote ? 'voting.facts.revoteYes' : 'voting.facts.revoteNo'} />
      </dd>
      <dt>
        <FormattedMessage id="voting.facts.key" />
      </dt>
      <dd>
        <FormattedMessage id="voting.facts.keyText" values={{ t: b.key.threshold, n: b.key.shares.length }} />
      </dd>
      <dt>
        <FormattedMessage id="voting.facts.votes" />
      </dt>
      <dd>
        <FormattedMessage id="voting.facts.votesText" values={{ count: b.voteCount, replaced: b.replaced }} />
      </dd>
      <dt>
        <FormattedMessage id="voting.facts.creator" />
      </dt>
      <dd>
        <code>{b.creator}</code> · <FormattedMessage id="voting.facts.createdIn" values={{ height: b.createdAt.height }} />
      </dd>
    </dl>
  );
}

function VoteForm({ b, mine, onVoted }: { b: Ballot; mine: Mine; onVoted: () => void }) {
  const ledger = useFeatureLedger();
  const intl = useIntl();
  const { state } = useIdentity();
  const ids = useId();
  const [answers, setAnswers] = useState<(number | null)[]>(() => b.questions.map(() => null));
  const [missing, setMissing] = useState<number[]>([]);
  const cast = useAction(async (chosen: number[]) => {
    if (state.status !== 'ready') throw coded('NO_IDENTITY', 'no keys');
    const args = buildVote({ channel: ledger.channel, ballot: b.id, ballotKey: b.key.publicKey, memberId: state.memberId, answers: chosen });
    const status = await submitOps(ledger, state.signer, { contract: 'voting', method: 'vote', args });
    // The receipt: the transaction proven in its block, checked here before it is kept.
    const inclusion = await ledger.client.getVerifiedTx(ledger.channel, status.txId);
    const proof = await ledger.client.txProof(ledger.channel, status.txId);
    const receipt: Receipt = {
      format: RECEIPT_FORMAT,
      version: 1,
      channel: ledger.channel,
      ballot: b.id,
      title: b.title,
      memberId: state.memberId,
      pseudonym: args.pseudonym,
      answers: chosen,
      txId: status.txId,
      height: inclusion.height,
      index: inclusion.index,
      blockHash: inclusion.blockHash,
      proof,
      castAt: new Date().toISOString(),
    };
    await saveReceipt(receipt);
    onVoted();
    return receipt;
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const gaps = answers.flatMap((a, q) => (a === null ? [q] : []));
    setMissing(gaps);
    if (gaps.length > 0) {
      requestAnimationFrame(() => (document.querySelector(`#${CSS.escape(`${ids}-q${gaps[0]}-0`)}`) as HTMLElement | null)?.focus());
      return;
    }
    void cast.run(answers as number[]);
  };
  return (
    <form onSubmit={submit} noValidate aria-label={intl.formatMessage({ id: 'voting.vote.formLabel' })}>
      {b.questions.map((q, i) => (
        <fieldset key={i} aria-describedby={missing.includes(i) ? `${ids}-q${i}-err` : undefined}>
          <legend>
            <FormattedMessage id="voting.vote.question" values={{ n: i + 1, text: q.text }} />
          </legend>
          {q.options.map((o, j) => (
            <div className="check" key={j}>
              <input
                type="radio"
                id={`${ids}-q${i}-${j}`}
                name={`q${i}`}
                checked={answers[i] === j}
                aria-invalid={missing.includes(i)}
                onChange={() => {
                  setAnswers(answers.map((a, k) => (k === i ? j : a)));
                  setMissing(missing.filter((m) => m !== i));
                }}
              />
              <label htmlFor={`${ids}-q${i}-${j}`}>{o}</label>
            </div>
          ))}
          {missing.includes(i) ? (
            <p className="field-error" id={`${ids}-q${i}-err`}>
              <FormattedMessage id="voting.vote.pick" />
            </p>
          ) : null}
        </fieldset>
      ))}
      <p className="muted">
        <FormattedMessage id="voting.vote.pseudonym" values={{ p: <ShortHex value={mine.pseudonym} /> }} />
      </p>
      <ErrorBanner error={cast.error} />
      {cast.running ? <Progress label={<FormattedMessage id="voting.vote.sending" />} /> : null}
      <div className="buttons">
        <button type="submit" className="primary" disabled={cast.running}>
          <FormattedMessage id={mine.stored === null ? 'voting.vote.submit' : 'voting.vote.replace'} />
        </button>
      </div>
    </form>
  );
}

function ReceiptPanel({ b, receipt, stored }: { b: Ballot; receipt: Receipt; stored: StoredVote | null }) {
  const ledger = useFeatureLedger();
  const height = useLiveHeight();
  const check = useAsync((signal) => ledger.client.getVerifiedTx(ledger.channel, receipt.txId, { signal }), [ledger, receipt.txId, height]);
  const replaced = stored !== null && stored.txId !== receipt.txId;
  return (
    <section className="panel" aria-labelledby="receipt-h">
      <h2 id="receipt-h">
        <FormattedMessage id="voting.receipt.title" />
      </h2>
      <dl className="facts">
        <dt>
          <FormattedMessage id="voting.receipt.answers" />
        </dt>
        <dd>
          <AnswersText b={b} answers={receipt.answers} />
        </dd>
        <dt>
          <FormattedMessage id="voting.receipt.tx" />
        </dt>
        <dd>
          <code>{receipt.txId}</code>
        </dd>
        <dt>
          <FormattedMessage id="voting.receipt.block" />
        </dt>
        <dd>
          <FormattedMessage id="voting.receipt.blockText" values={{ height: receipt.height, index: receipt.index }} /> · <ShortHex value={receipt.blockHash} />
        </dd>
        <dt>
          <FormattedMessage id="voting.receipt.cast" />
        </dt>
        <dd>
          <DateTime value={receipt.castAt} />
        </dd>
      </dl>
      <p role="status">
        {check.value !== undefined ? (
          check.value.committed ? (
            <>
              <StatusBadge tone="ok">
                <FormattedMessage id="voting.receipt.verified" />
              </StatusBadge>{' '}
              <FormattedMessage id="voting.receipt.verifiedText" values={{ height: check.value.height }} />
            </>
          ) : (
            <StatusBadge tone="bad">
              <FormattedMessage id="voting.receipt.notCommitted" />
            </StatusBadge>
          )
        ) : check.status === 'error' ? (
          <StatusBadge tone="bad">
            <FormattedMessage id="voting.receipt.unverified" />
          </StatusBadge>
        ) : (
          <FormattedMessage id="voting.receipt.checking" />
        )}
      </p>
      {replaced ? (
        <Notice>
          <FormattedMessage id="voting.receipt.replaced" />
        </Notice>
      ) : null}
      <button type="button" onClick={() => saveBytes(new TextEncoder().encode(JSON.stringify(receipt, null, 2)), `receipt-${b.id}.json`, 'application/json')}>
        <FormattedMessage id="voting.receipt.download" />
      </button>
    </section>
  );
}

function TallyStatus({ b }: { b: Ballot }) {
  const revealed = Math.min(b.revealedShares, b.key.threshold);
  return (
    <section className="panel" aria-labelledby="tally-h">
      <h2 id="tally-h">
        <FormattedMessage id="voting.tally.title" />
      </h2>
      {b.status === 'closed' ? (
        <Progress value={revealed / b.key.threshold / 2} label={<FormattedMessage id="voting.tally.shares" values={{ revealed, t: b.key.threshold }} />} />
      ) : b.status === 'counting' ? (
        <Progress value={0.5 + (b.voteCount === 0 ? 0.5 : b.cursor / b.voteCount / 2)} label={<FormattedMessage id="voting.tally.counting" values={{ done: b.cursor, total: b.voteCount }} />} />
      ) : (
        <p>
          <Link to={`/voting/${b.id}/results`}>
            <FormattedMessage id="voting.tally.done" />
          </Link>
        </p>
      )}
      <p className="muted">
        <FormattedMessage id="voting.tally.explain" />
      </p>
    </section>
  );
}

function ClosePanel({ b, onClosed }: { b: Ballot; onClosed: () => void }) {
  const ledger = useFeatureLedger();
  const { state } = useIdentity();
  const close = useAction(async () => {
    if (state.status !== 'ready') throw coded('NO_IDENTITY', 'no keys');
    await submitOps(ledger, state.signer, { contract: 'voting', method: 'close', args: { ballot: b.id } });
    onClosed();
  });
  return (
    <section className="panel" aria-labelledby="close-h">
      <h2 id="close-h">
        <FormattedMessage id="voting.close.title" />
      </h2>
      <p>
        <FormattedMessage id="voting.close.explain" />
      </p>
      <IdentityGate keysPath="/voting/keys">
        <ErrorBanner error={close.error} />
        <button type="button" className="primary" onClick={() => void close.run()} disabled={close.running}>
          <FormattedMessage id="voting.close.submit" />
        </button>
      </IdentityGate>
    </section>
  );
}

export function BallotPage() {
  const { id = '' } = useParams();
  const ledger = useFeatureLedger();
  const height = useLiveHeight();
  const now = useNow(1000);
  const { tenant } = useIdentity();
  const memberId = tenant?.memberId ?? null;
  const data = useAsync(
    async (signal) => {
      const b = await readBallot(ledger, id, signal);
      if (b === null) return null;
      return { b, mine: memberId === null ? null : await loadMine(ledger, b, memberId, signal) };
    },
    [ledger, id, height, memberId],
  );
  const loaded = data.value;
  if (loaded === undefined) {
    return (
      <>
        <PageHeader title={<FormattedMessage id="voting.ballot.title" values={{ id }} />} />
        {data.status === 'error' ? <ErrorBanner error={data.error} onRetry={data.reload} /> : <Loading />}
      </>
    );
  }
  if (loaded === null) {
    return (
      <>
        <PageHeader title={<FormattedMessage id="voting.ballot.title" values={{ id }} />} />
        <ErrorBanner error={coded('BALLOT_NOT_FOUND', `no ballot "${id}"`)} />
      </>
    );
  }
  const { b, mine } = loaded;
  const phase = phaseOf(b, now, height);
  return (
    <>
      <PageHeader
        title={b.title}
        lead={
          <>
            <code>{b.id}</code> · <PhaseBadge phase={phase} />
          </>
        }
        actions={
          <>
            <LiveBadge />
            <Link className="button" to={`/voting/${b.id}/results`}>
              <FormattedMessage id="voting.ballot.results" />
            </Link>
          </>
        }
      />
      <ErrorBanner error={data.error} onRetry={data.reload} />
      <section aria-labelledby="about-h">
        <h2 id="about-h">
          <FormattedMessage id="voting.ballot.about" />
        </h2>
        <Facts b={b} />
      </section>
      <section className="panel" aria-labelledby="vote-h">
        <h2 id="vote-h">
          <FormattedMessage id="voting.vote.title" />
        </h2>
        <IdentityGate keysPath="/voting/keys">
          {mine === null ? (
            <Loading />
          ) : mine.weight === null ? (
            <Notice>
              <FormattedMessage id="voting.vote.notEligible" />
            </Notice>
          ) : phase === 'scheduled' ? (
            <Notice>
              <FormattedMessage id="voting.vote.notYet" values={{ at: 'opensAt' in b.window ? <DateTime value={b.window.opensAt} /> : b.window.openHeight }} />
            </Notice>
          ) : phase === 'open' && (mine.stored === null || b.revote) ? (
            <>
              <p>
                <FormattedMessage id="voting.vote.eligible" values={{ weight: mine.weight }} />
              </p>
              {mine.stored === null ? null : (
                <Notice>
                  <FormattedMessage id="voting.vote.mayReplace" />
                </Notice>
              )}
              <VoteForm b={b} mine={mine} onVoted={data.reload} />
            </>
          ) : mine.stored !== null ? (
            <Notice kind="success">
              <FormattedMessage id="voting.vote.voted" values={{ height: mine.stored.height }} />
            </Notice>
          ) : (
            <Notice>
              <FormattedMessage id="voting.vote.over" />
            </Notice>
          )}
        </IdentityGate>
      </section>
      {mine?.receipt === null || mine?.receipt === undefined ? null : <ReceiptPanel b={b} receipt={mine.receipt} stored={mine.stored} />}
      {phase === 'ended' ? <ClosePanel b={b} onClosed={data.reload} /> : null}
      {phase === 'closed' || phase === 'counting' || phase === 'tallied' ? <TallyStatus b={b} /> : null}
    </>
  );
}
