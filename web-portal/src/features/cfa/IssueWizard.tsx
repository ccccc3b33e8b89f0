/**
 * The issue wizard: an issue decision (решение о выпуске) in four steps and a review — the
 * asset (name, code, volume, nominal), the placement (price and window), redemption (maturity,
 * price, early-redemption conditions) and the rights it certifies — checked in the browser as
 * the contract will check it, with each problem on its field; then `cfa.fileIssue` is sent and
 * followed until it is settled on chain (or refused with the contract's code).
 *
 * `IssueWizardForm` is the form alone (no session, no ledger: the component test mounts it);
 * `IssuePage` is the screen around it.
 */
import type { CfaFeeSchedule } from '@konsortium/client';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { Link } from 'react-router-dom';
import { DateTime, Field, Notice, PageHeader, Quantity } from '../../ui/components.js';
import { useCfa } from './context.js';
import {
  checkIssue,
  emptyIssueForm,
  feeFor,
  type FileIssueArgs,
  ISSUE_STEPS,
  type IssueField,
  type IssueForm,
  type Problem,
  product,
  stepProblems,
} from './model.js';
import { OperationStatus, useCfaOperation } from './operation.js';
import { Rub, Terms } from './parts.js';

function ProblemText({ problem }: { problem: Problem | undefined }) {
  if (problem === undefined) return null;
  return <FormattedMessage id={problem.id} values={problem.values} />;
}

export interface IssueWizardFormProps {
  /** The clock the window is checked against. */
  readonly now: number;
  readonly fees: CfaFeeSchedule | null;
  /** The issuer's available money (kopecks), which pays the filing fee; null: unknown. */
  readonly available: number | null;
  readonly busy: boolean;
  onSubmit(args: FileIssueArgs): void;
  /** Shown under the review (the operation's progress and outcome). */
  readonly children?: ReactNode;
}

export function IssueWizardForm({ now, fees, available, busy, onSubmit, children }: IssueWizardFormProps) {
  const intl = useIntl();
  const [form, setForm] = useState<IssueForm>(() => emptyIssueForm(now));
  const [step, setStep] = useState(0);
  /** Steps whose problems are shown (after a Next was refused there, or on review). */
  const [shown, setShown] = useState<ReadonlySet<number>>(new Set());
  const formRef = useRef<HTMLFormElement>(null);
  const headRef = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    headRef.current?.focus();
  }, [step]);

  const check = checkIssue(form, now);
  const current = ISSUE_STEPS[step]!;
  const problems = shown.has(step) ? stepProblems(current.id, check) : {};
  const set = <K extends keyof IssueForm>(k: K, v: IssueForm[K]) => setForm((f) => ({ ...f, [k]: v }));

  const next = () => {
    const p = stepProblems(current.id, check);
    const bad = Object.keys(p) as IssueField[];
    if (bad.length > 0) {
      setShown((s) => new Set(s).add(step));
      // Focus the first field that needs attention.
      requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>(`[name="${bad[0]}"]`)?.focus());
      return;
    }
    setStep((s) => Math.min(s + 1, ISSUE_STEPS.length - 1));
  };
  const back = () => setStep((s) => Math.max(0, s - 1));

  const args = check.args;
  const fee = args === null ? 0 : feeFor(fees, 'issue', product(args.volume, args.nominal) ?? 0);
  const shortOfFee = available !== null && fee > available;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (current.id !== 'review') {
      next();
      return;
    }
    if (args === null) {
      // Something changed behind an earlier step: go back to it.
      const bad = ISSUE_STEPS.findIndex((s) => Object.keys(stepProblems(s.id, check)).length > 0);
      setShown((s) => new Set(s).add(bad));
      setStep(bad);
      return;
    }
    if (shortOfFee || busy) return;
    onSubmit(args);
  };

  const text = (name: Exclude<IssueField, 'earlyWho'>, o: { hint?: ReactNode; inputMode?: 'numeric' | 'decimal' | 'text'; type?: string; upper?: boolean } = {}) => (
    <Field label={<FormattedMessage id={`cfa.issue.f.${name}`} />} hint={o.hint} error={problems[name] === undefined ? undefined : <ProblemText problem={problems[name]} />}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          name={name}
          type={o.type ?? 'text'}
          {...(o.type === 'datetime-local' ? { step: 1 } : {})}
          inputMode={o.inputMode}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          autoComplete="off"
          value={form[name] as string}
          onChange={(e) => set(name, (o.upper ? e.target.value.toUpperCase() : e.target.value) as IssueForm[typeof name])}
        />
      )}
    </Field>
  );

  return (
    <form ref={formRef} className="wizard" onSubmit={submit} noValidate aria-label={intl.formatMessage({ id: 'cfa.issue.title' })}>
      <ol className="steps">
        {ISSUE_STEPS.map((s, i) => (
          <li key={s.id} aria-current={i === step ? 'step' : undefined}>
            <FormattedMessage id={`cfa.issue.step.${s.id}`} />
          </li>
        ))}
      </ol>
      <h2 ref={headRef} tabIndex={-1} className="step-title">
        <FormattedMessage id="cfa.issue.stepOf" values={{ n: step + 1, total: ISSUE_STEPS.length, title: intl.formatMessage({ id: `cfa.issue.step.${current.id}` }) }} />
      </h2>
      {current.id === 'asset' ? (
        <>
          {text('name', { hint: <FormattedMessage id="cfa.issue.h.name" /> })}
          {text('code', { hint: <FormattedMessage id="cfa.issue.h.code" />, upper: true })}
          {text('volume', { hint: <FormattedMessage id="cfa.issue.h.volume" />, inputMode: 'numeric' })}
          {text('nominal', { hint: <FormattedMessage id="cfa.issue.h.money" />, inputMode: 'decimal' })}
        </>
      ) : null}
      {current.id === 'placement' ? (
        <>
          {text('placementPrice', { hint: <FormattedMessage id="cfa.issue.h.money" />, inputMode: 'decimal' })}
          {text('placementStart', { type: 'datetime-local', hint: <FormattedMessage id="cfa.issue.h.start" /> })}
          {text('placementEnd', { type: 'datetime-local', hint: <FormattedMessage id="cfa.issue.h.end" /> })}
        </>
      ) : null}
      {current.id === 'redemption' ? (
        <>
          {text('maturityDate', { type: 'datetime-local', hint: <FormattedMessage id="cfa.issue.h.maturity" /> })}
          {text('redemptionPrice', { hint: <FormattedMessage id="cfa.issue.h.money" />, inputMode: 'decimal' })}
          <fieldset>
            <legend>
              <FormattedMessage id="cfa.issue.early" />
            </legend>
            <label className="check">
              <input type="checkbox" name="early" checked={form.early} onChange={(e) => set('early', e.target.checked)} /> <FormattedMessage id="cfa.issue.f.early" />
            </label>
            {form.early ? (
              <>
                {text('earlyFrom', { type: 'datetime-local', hint: <FormattedMessage id="cfa.issue.h.earlyFrom" /> })}
                {text('earlyPrice', { hint: <FormattedMessage id="cfa.issue.h.money" />, inputMode: 'decimal' })}
                <fieldset aria-describedby={problems.earlyWho === undefined ? undefined : 'early-who-error'} className={problems.earlyWho === undefined ? 'who' : 'who invalid'}>
                  <legend>
                    <FormattedMessage id="cfa.issue.f.earlyWho" />
                  </legend>
                  <label className="check">
                    <input type="checkbox" name="earlyWho" checked={form.earlyByHolder} onChange={(e) => set('earlyByHolder', e.target.checked)} /> <FormattedMessage id="cfa.issue.f.byHolder" />
                  </label>
                  <label className="check">
                    <input type="checkbox" name="earlyByIssuer" checked={form.earlyByIssuer} onChange={(e) => set('earlyByIssuer', e.target.checked)} /> <FormattedMessage id="cfa.issue.f.byIssuer" />
                  </label>
                  {problems.earlyWho === undefined ? null : (
                    <small id="early-who-error" className="field-error">
                      <ProblemText problem={problems.earlyWho} />
                    </small>
                  )}
                </fieldset>
              </>
            ) : null}
          </fieldset>
        </>
      ) : null}
      {current.id === 'rights' ? (
        <Field
          label={<FormattedMessage id="cfa.issue.f.rights" />}
          hint={<FormattedMessage id="cfa.issue.h.rights" values={{ count: form.rights.trim().length }} />}
          error={problems.rights === undefined ? undefined : <ProblemText problem={problems.rights} />}
        >
          {({ id, describedBy, invalid }) => (
            <textarea id={id} name="rights" rows={6} aria-describedby={describedBy} aria-invalid={invalid} value={form.rights} onChange={(e) => set('rights', e.target.value)} />
          )}
        </Field>
      ) : null}
      {current.id === 'review' && args !== null ? <Review args={args} fee={fee} available={available} shortOfFee={shortOfFee} /> : null}
      {current.id === 'review' && args === null ? (
        <Notice>
          <FormattedMessage id="cfa.issue.fixFirst" />
        </Notice>
      ) : null}
      <div className="wizard-nav">
        {step > 0 ? (
          <button type="button" onClick={back} disabled={busy}>
            <FormattedMessage id="common.back" />
          </button>
        ) : null}
        {current.id === 'review' ? (
          <button type="submit" className="primary" disabled={busy || shortOfFee}>
            <FormattedMessage id="cfa.issue.submit" />
          </button>
        ) : (
          <button type="submit" className="primary">
            <FormattedMessage id="common.next" />
          </button>
        )}
      </div>
      {children}
    </form>
  );
}

function Review({ args, fee, available, shortOfFee }: { args: FileIssueArgs; fee: number; available: number | null; shortOfFee: boolean }) {
  const e = args.earlyRedemption;
  return (
    <div className="review" id="issue-review">
      <Terms
        items={[
          [<FormattedMessage id="cfa.issue.f.name" />, args.name],
          [<FormattedMessage id="cfa.issue.f.code" />, <code>{args.code}</code>],
          [<FormattedMessage id="cfa.issue.f.volume" />, <Quantity value={args.volume} />],
          [<FormattedMessage id="cfa.issue.f.nominal" />, <Rub minor={args.nominal} />],
          [<FormattedMessage id="cfa.issue.f.placementPrice" />, <Rub minor={args.placementPrice} />],
          [<FormattedMessage id="cfa.terms.window" />, <FormattedMessage id="cfa.terms.range" values={{ from: <DateTime value={args.placementStart} />, to: <DateTime value={args.placementEnd} /> }} />],
          [<FormattedMessage id="cfa.issue.f.maturityDate" />, <DateTime value={args.maturityDate} />],
          [<FormattedMessage id="cfa.issue.f.redemptionPrice" />, <Rub minor={args.redemptionPrice} />],
          [
            <FormattedMessage id="cfa.issue.early" />,
            e === undefined ? (
              <FormattedMessage id="cfa.terms.noEarly" />
            ) : (
              <FormattedMessage
                id="cfa.terms.earlyTerms"
                values={{ from: <DateTime value={e.from} />, price: <Rub minor={e.price} />, who: e.byHolder && e.byIssuer ? 'both' : e.byHolder ? 'holder' : 'issuer' }}
              />
            ),
          ],
          [<FormattedMessage id="cfa.issue.total" />, <Rub minor={product(args.volume, args.placementPrice) ?? 0} />],
          [<FormattedMessage id="cfa.issue.f.rights" />, <span className="prewrap">{args.rights}</span>],
          [
            <FormattedMessage id="cfa.issue.fee" />,
            <span data-fee={fee}>
              <Rub minor={fee} />
            </span>,
          ],
        ]}
      />
      {shortOfFee ? (
        <p className="field-error" role="alert">
          <FormattedMessage id="cfa.issue.shortOfFee" values={{ available: <Rub minor={available ?? 0} />, fee: <Rub minor={fee} /> }} />
        </p>
      ) : null}
      <p className="hint">
        <FormattedMessage id="cfa.issue.reviewHint" />
      </p>
    </div>
  );
}

/** The screen: the wizard, then the operation's progress and, once filed, where to go next. */
export function IssuePage() {
  const { now, fees, wallet } = useCfa();
  const op = useCfaOperation();
  const [filed, setFiled] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const available = wallet.value === undefined ? null : wallet.value.money.value.balance - wallet.value.money.value.locked;
  const settled = op.op?.phase === 'SETTLED';
  return (
    <>
      <PageHeader title={<FormattedMessage id="cfa.issue.title" />} lead={<FormattedMessage id="cfa.issue.lead" />} />
      {settled && filed !== null ? (
        <>
          <OperationStatus state={op} />
          <p className="next-steps">
            <Link to={`/cfa/assets/${encodeURIComponent(filed)}`}>
              <FormattedMessage id="cfa.issue.openAsset" values={{ code: filed }} />
            </Link>{' '}
            <button
              type="button"
              onClick={() => {
                op.reset();
                setFiled(null);
                setRound((r) => r + 1);
              }}
            >
              <FormattedMessage id="cfa.issue.another" />
            </button>
          </p>
        </>
      ) : (
        <IssueWizardForm
          key={round}
          now={now}
          fees={fees.value?.value ?? null}
          available={available}
          busy={op.busy}
          onSubmit={(args) => {
            setFiled(args.code);
            void op.submit('fileIssue', { ...args });
          }}
        >
          <OperationStatus state={op} />
        </IssueWizardForm>
      )}
    </>
  );
}
