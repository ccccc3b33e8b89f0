/**
 * The ballot form: questions and options, the voting window, who may vote (listed members, or
 * the holders of a CFA at the creating block, equally or by holding), quorum and revotes. It
 * checks the draft with validateBallot and hands valid arguments to `onSubmit`; it knows nothing
 * of the ledger, so it is tested on its own.
 */
import { type FormEvent, useId, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { Field } from '../../ui/components.js';
import { type BallotArgs, type BallotDraft, type BallotErrors, emptyDraft, type FormContext, LIMITS, type QuestionDraft, validateBallot } from './ballot-form.js';

export function BallotForm({ ctx, assets, busy, onSubmit }: { ctx: FormContext; assets: readonly string[]; busy: boolean; onSubmit: (args: BallotArgs) => void }) {
  const intl = useIntl();
  const ids = useId();
  const [d, setD] = useState<BallotDraft>(() => ({ ...emptyDraft(), eligibility: ctx.canListMembers ? 'members' : 'cfaAsset', asset: assets[0] ?? '' }));
  const [errors, setErrors] = useState<BallotErrors>({});
  const [submitted, setSubmitted] = useState(false);
  const msg = (key: string) => (errors[key] === undefined ? undefined : intl.formatMessage({ id: errors[key] }, { max: LIMITS.maxQuestions, min: LIMITS.minOptions }));
  const set = (patch: Partial<BallotDraft>) => {
    const next = { ...d, ...patch };
    setD(next);
    if (submitted) {
      const v = validateBallot(next, { ...ctx, now: Date.now() });
      setErrors(v.ok ? {} : v.errors);
    }
  };
  const setQuestion = (i: number, q: QuestionDraft) => set({ questions: d.questions.map((x, k) => (k === i ? q : x)) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    const v = validateBallot(d, { ...ctx, now: Date.now() });
    if (!v.ok) {
      setErrors(v.errors);
      // Focus the first field with an error so keyboard and screen-reader users land on it.
      requestAnimationFrame(() => (document.querySelector('form.ballot-form [aria-invalid="true"]') as HTMLElement | null)?.focus());
      return;
    }
    setErrors({});
    onSubmit(v.args);
  };
  const errorCount = Object.keys(errors).length;
  return (
    <form className="ballot-form" onSubmit={submit} noValidate aria-label={intl.formatMessage({ id: 'voting.create.title' })}>
      {errorCount === 0 ? null : (
        <div className="banner error" role="alert">
          <FormattedMessage id="voting.form.errors" values={{ count: errorCount }} />
        </div>
      )}
      <Field label={<FormattedMessage id="voting.form.id" />} hint={<FormattedMessage id="voting.form.idHint" />} error={msg('id')}>
        {({ id, describedBy, invalid }) => <input id={id} name="ballot-id" value={d.id} autoComplete="off" spellCheck={false} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => set({ id: e.target.value })} />}
      </Field>
      <Field label={<FormattedMessage id="voting.form.title" />} error={msg('title')}>
        {({ id, describedBy, invalid }) => <input id={id} name="title" value={d.title} maxLength={LIMITS.title + 20} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => set({ title: e.target.value })} />}
      </Field>

      <fieldset>
        <legend>
          <FormattedMessage id="voting.form.questions" />
        </legend>
        {errors.questions === undefined ? null : <p className="field-error">{msg('questions')}</p>}
        {d.questions.map((q, i) => (
          <div className="question" key={i}>
            <Field label={<FormattedMessage id="voting.form.question" values={{ n: i + 1 }} />} error={msg(`q${i}.text`)}>
              {({ id, describedBy, invalid }) => (
                <input id={id} name={`q${i}-text`} value={q.text} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setQuestion(i, { ...q, text: e.target.value })} />
              )}
            </Field>
            <div className="options">
              {errors[`q${i}.options`] === undefined ? null : <p className="field-error">{msg(`q${i}.options`)}</p>}
              {q.options.map((o, j) => (
                <div className="option-row" key={j}>
                  <Field label={<FormattedMessage id="voting.form.option" values={{ n: j + 1, q: i + 1 }} />} error={msg(`q${i}.o${j}`)}>
                    {({ id, describedBy, invalid }) => (
                      <input
                        id={id}
                        name={`q${i}-o${j}`}
                        value={o}
                        aria-describedby={describedBy}
                        aria-invalid={invalid}
                        onChange={(e) => setQuestion(i, { ...q, options: q.options.map((x, k) => (k === j ? e.target.value : x)) })}
                      />
                    )}
                  </Field>
                  <button type="button" onClick={() => setQuestion(i, { ...q, options: q.options.filter((_x, k) => k !== j) })} disabled={q.options.length <= LIMITS.minOptions}>
                    <FormattedMessage id="voting.form.removeOption" values={{ n: j + 1, q: i + 1, h: (t) => <span className="visually-hidden">{t}</span> }} />
                  </button>
                </div>
              ))}
              <div className="buttons">
                <button type="button" onClick={() => setQuestion(i, { ...q, options: [...q.options, ''] })} disabled={q.options.length >= LIMITS.maxOptions}>
                  <FormattedMessage id="voting.form.addOption" values={{ q: i + 1 }} />
                </button>
                {d.questions.length > 1 ? (
                  <button type="button" className="danger" onClick={() => set({ questions: d.questions.filter((_x, k) => k !== i) })}>
                    <FormattedMessage id="voting.form.removeQuestion" values={{ n: i + 1 }} />
                  </button>
                ) : null}
              </div>
            </div>
          </div>
        ))}
        <div className="buttons">
          <button type="button" onClick={() => set({ questions: [...d.questions, { text: '', options: ['', ''] }] })} disabled={d.questions.length >= LIMITS.maxQuestions}>
            <FormattedMessage id="voting.form.addQuestion" />
          </button>
        </div>
      </fieldset>

      <fieldset>
        <legend>
          <FormattedMessage id="voting.form.window" />
        </legend>
        <Field label={<FormattedMessage id="voting.form.opensAt" />} hint={<FormattedMessage id="voting.form.opensAtHint" />} error={msg('opensAt')}>
          {({ id, describedBy, invalid }) => <input id={id} name="opens-at" type="datetime-local" step={1} value={d.opensAt} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => set({ opensAt: e.target.value })} />}
        </Field>
        <Field label={<FormattedMessage id="voting.form.closesAt" />} error={msg('closesAt')}>
          {({ id, describedBy, invalid }) => <input id={id} name="closes-at" type="datetime-local" step={1} value={d.closesAt} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => set({ closesAt: e.target.value })} />}
        </Field>
      </fieldset>

      <fieldset>
        <legend>
          <FormattedMessage id="voting.form.eligibility" />
        </legend>
        <div className="check">
          <input type="radio" id={`${ids}-asset`} name="eligibility" checked={d.eligibility === 'cfaAsset'} onChange={() => set({ eligibility: 'cfaAsset' })} />
          <label htmlFor={`${ids}-asset`}>
            <FormattedMessage id="voting.form.byAsset" />
          </label>
        </div>
        <div className="check">
          <input type="radio" id={`${ids}-members`} name="eligibility" checked={d.eligibility === 'members'} onChange={() => set({ eligibility: 'members', weights: 'equal' })} aria-describedby={`${ids}-members-hint`} />
          <label htmlFor={`${ids}-members`}>
            <FormattedMessage id="voting.form.byMembers" />
          </label>
          <small className="hint" id={`${ids}-members-hint`}>
            <FormattedMessage id={ctx.canListMembers ? 'voting.form.byMembersHint' : 'voting.form.byMembersForbidden'} />
          </small>
        </div>
        {d.eligibility === 'members' ? (
          <Field label={<FormattedMessage id="voting.form.members" />} hint={<FormattedMessage id="voting.form.membersHint" />} error={msg('members')}>
            {({ id, describedBy, invalid }) => <textarea id={id} name="members" rows={4} value={d.members} spellCheck={false} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => set({ members: e.target.value })} />}
          </Field>
        ) : (
          <>
            <Field label={<FormattedMessage id="voting.form.asset" />} hint={<FormattedMessage id="voting.form.assetHint" />} error={msg('asset')}>
              {({ id, describedBy, invalid }) => (
                <>
                  <input id={id} name="asset" list={`${ids}-assets`} value={d.asset} autoComplete="off" spellCheck={false} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => set({ asset: e.target.value.toUpperCase() })} />
                  <datalist id={`${ids}-assets`}>
                    {assets.map((a) => (
                      <option key={a} value={a} />
                    ))}
                  </datalist>
                </>
              )}
            </Field>
            <fieldset>
              <legend>
                <FormattedMessage id="voting.form.weights" />
              </legend>
              <div className="check">
                <input type="radio" id={`${ids}-eq`} name="weights" checked={d.weights === 'equal'} onChange={() => set({ weights: 'equal' })} />
                <label htmlFor={`${ids}-eq`}>
                  <FormattedMessage id="voting.form.weightsEqual" />
                </label>
              </div>
              <div className="check">
                <input type="radio" id={`${ids}-hold`} name="weights" checked={d.weights === 'holding'} onChange={() => set({ weights: 'holding' })} />
                <label htmlFor={`${ids}-hold`}>
                  <FormattedMessage id="voting.form.weightsHolding" />
                </label>
              </div>
              {errors.weights === undefined ? null : <p className="field-error">{msg('weights')}</p>}
            </fieldset>
            <p className="muted">
              <FormattedMessage id="voting.form.snapshot" />
            </p>
          </>
        )}
      </fieldset>

      <fieldset>
        <legend>
          <FormattedMessage id="voting.form.quorum" />
        </legend>
        <Field label={<FormattedMessage id="voting.form.minVoters" />} hint={<FormattedMessage id="voting.form.minVotersHint" />} error={msg('minVoters')}>
          {({ id, describedBy, invalid }) => <input id={id} name="min-voters" inputMode="numeric" value={d.minVoters} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => set({ minVoters: e.target.value })} />}
        </Field>
        <Field label={<FormattedMessage id="voting.form.minWeight" />} hint={<FormattedMessage id="voting.form.minWeightHint" />} error={msg('minWeightPercent')}>
          {({ id, describedBy, invalid }) => <input id={id} name="min-weight" inputMode="decimal" value={d.minWeightPercent} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => set({ minWeightPercent: e.target.value })} />}
        </Field>
      </fieldset>
      <div className="check">
        <input id={`${ids}-revote`} type="checkbox" checked={d.revote} onChange={(e) => set({ revote: e.target.checked })} aria-describedby={`${ids}-revote-hint`} />
        <label htmlFor={`${ids}-revote`}>
          <FormattedMessage id="voting.form.revote" />
        </label>
        <small className="hint" id={`${ids}-revote-hint`}>
          <FormattedMessage id="voting.form.revoteHint" />
        </small>
      </div>
      <div className="buttons">
        <button type="submit" className="primary" disabled={busy}>
          <FormattedMessage id="voting.form.submit" />
        </button>
      </div>
    </form>
  );
}
