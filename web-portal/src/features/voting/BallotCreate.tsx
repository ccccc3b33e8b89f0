/**
 * Creating a ballot: the form, then in the browser the ballot key is dealt to the channel's
 * nodes (a fresh scalar split t-of-n, each share sealed to a node; the scalar itself is kept
 * nowhere) and the createBallot transaction is signed with the user's key.
 */
import { cfaStateKeys, dealBallotKey } from '@konsortium/client';
import { useState } from 'react';
import { FormattedMessage } from 'react-intl';
import { Link } from 'react-router-dom';
import type { Ledger } from '../../app/ledger.js';
import { ErrorBanner, Loading, Notice, PageHeader, Progress } from '../../ui/components.js';
import { useAction, useAsync } from '../../ui/use-async.js';
import { provenJson, sealNodes, submitOps, useFeatureLedger } from '../data/chain.js';
import { coded } from '../data/errors.js';
import { IdentityGate } from '../data/identity/IdentityPanel.js';
import { type ChainMe, ShortHex, useChainMe } from '../data/parts.js';
import type { BallotArgs, FormContext } from './ballot-form.js';
import { BallotForm } from './BallotForm.js';
import { listBallots, readBallot } from './model.js';
import { useIdentity } from '../data/identity/context.js';

interface Setup {
  readonly ctx: Omit<FormContext, 'now'>;
  readonly assets: readonly string[];
}

/** What the form needs from the chain: may I list members, which CFA did I issue, which ids are taken. */
async function loadSetup(ledger: Ledger, me: ChainMe, signal: AbortSignal): Promise<Setup> {
  const canListMembers = me.roles.includes('admin') || me.roles.includes('operator');
  const codes = (await provenJson<string[]>(ledger, cfaStateKeys.assets, signal)) ?? [];
  const assets = await Promise.all(codes.map((c) => provenJson<{ code: string; issuer: string }>(ledger, `cfa/asset/${c}`, signal)));
  const issued = assets.filter((a): a is { code: string; issuer: string } => a !== null && a.issuer === me.memberId).map((a) => a.code);
  const existing = new Set((await listBallots(ledger, signal)).map((b) => b.id));
  return { ctx: { canListMembers, issuedAssets: issued, existingIds: existing }, assets: canListMembers ? codes : issued };
}

type Step = 'deal' | 'submit' | 'commit';

interface Created {
  readonly id: string;
  readonly height: number;
  readonly txId: string;
  readonly threshold: number;
  readonly nodes: number;
}

export function BallotCreate() {
  const ledger = useFeatureLedger();
  const { me, error: meError } = useChainMe();
  const { state } = useIdentity();
  const setup = useAsync((signal) => (me === undefined ? new Promise<never>(() => undefined) : loadSetup(ledger, me, signal)), [ledger, me]);
  const [step, setStep] = useState<Step | null>(null);
  const create = useAction(async (args: BallotArgs): Promise<Created> => {
    if (state.status !== 'ready') throw coded('NO_IDENTITY', 'no keys');
    try {
      setStep('deal');
      if ((await readBallot(ledger, args.id)) !== null) throw coded('BALLOT_EXISTS', `ballot "${args.id}" exists`);
      const nodes = await sealNodes(ledger);
      const key = dealBallotKey({ channel: ledger.channel, ballot: args.id, nodes });
      setStep('submit');
      const status = await submitOps(ledger, state.signer, { contract: 'voting', method: 'createBallot', args: { ...args, key } }, { onSubmitted: () => setStep('commit') });
      return { id: args.id, height: status.height, txId: status.txId, threshold: key.threshold, nodes: key.shares.length };
    } finally {
      setStep(null);
    }
  });
  const done = create.result;
  return (
    <>
      <PageHeader title={<FormattedMessage id="voting.create.title" />} lead={<FormattedMessage id="voting.create.lead" />} />
      <IdentityGate keysPath="/voting/keys">
        <ErrorBanner error={meError ?? setup.error} onRetry={setup.reload} />
        {setup.value === undefined ? (
          setup.status === 'error' ? null : <Loading />
        ) : done !== undefined ? (
          <Notice kind="success">
            <p>
              <FormattedMessage id="voting.create.done" values={{ id: <strong>{done.id}</strong>, height: done.height, t: done.threshold, n: done.nodes }} />
            </p>
            <p>
              <FormattedMessage id="voting.create.tx" values={{ tx: <ShortHex value={done.txId} /> }} />
            </p>
            <p>
              <Link to={`/voting/${done.id}`}>
                <FormattedMessage id="voting.create.open" />
              </Link>
            </p>
          </Notice>
        ) : (
          <>
            {setup.value.ctx.canListMembers || setup.value.assets.length > 0 ? null : (
              <Notice>
                <FormattedMessage id="voting.create.noRights" />
              </Notice>
            )}
            <BallotForm ctx={{ ...setup.value.ctx, now: Date.now() }} assets={setup.value.assets} busy={create.running} onSubmit={(args) => void create.run(args)} />
            {step === null ? null : (
              <section className="panel" aria-labelledby="create-progress-h">
                <h2 id="create-progress-h">
                  <FormattedMessage id="voting.create.progress" />
                </h2>
                <ol className="steps">
                  {(['deal', 'submit', 'commit'] as const).map((s) => (
                    <li key={s} aria-current={s === step ? 'step' : undefined}>
                      <FormattedMessage id={`voting.create.step.${s}`} />
                    </li>
                  ))}
                </ol>
                <Progress value={step === 'deal' ? 0.2 : step === 'submit' ? 0.5 : 0.8} />
              </section>
            )}
            <ErrorBanner error={create.error} />
          </>
        )}
      </IdentityGate>
    </>
  );
}
