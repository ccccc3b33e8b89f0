/**
 * The new-tenant wizard: organisation and plan, the first administrator and the ledger key's
 * custody, quotas, then a review. Each step is validated before the next (forms.ts), errors sit
 * on their fields and focus goes to the first; the request is built only from a reviewed draft.
 * It takes the submit as a prop, so a component test can drive it without a server.
 */
import { type FormEvent, type ReactNode, useRef, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { ErrorBanner, Field } from '../../ui/components.js';
import { createTenantBody, type DraftErrors, EMPTY_TENANT, firstInvalidStep, QUOTA_LIMITS, type TenantDraft, validateTenantStep, WIZARD_STEPS, type WizardStep } from './forms.js';

export interface TenantWizardProps {
  readonly onSubmit: (body: Record<string, unknown>) => Promise<unknown>;
  readonly running?: boolean;
  readonly error?: unknown;
}

export function TenantWizard({ onSubmit, running = false, error }: TenantWizardProps) {
  const intl = useIntl();
  const [draft, setDraft] = useState<TenantDraft>(EMPTY_TENANT);
  const [step, setStep] = useState<WizardStep>('organisation');
  const [errors, setErrors] = useState<DraftErrors<TenantDraft>>({});
  const form = useRef<HTMLFormElement>(null);
  const index = WIZARD_STEPS.indexOf(step);

  const set = <K extends keyof TenantDraft>(k: K, v: TenantDraft[K]) => {
    setDraft((d) => ({ ...d, [k]: v }));
    if (errors[k] !== undefined) setErrors((e) => ({ ...e, [k]: undefined }));
  };
  const focusFirstInvalid = () => requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  const go = (to: WizardStep) => {
    setErrors({});
    setStep(to);
    requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('legend')?.focus());
  };

  const next = (e: FormEvent) => {
    e.preventDefault();
    const found = validateTenantStep(step, draft);
    if (Object.keys(found).length > 0) {
      if (step === 'review') {
        const back = firstInvalidStep(draft) ?? 'organisation';
        setStep(back);
        setErrors(validateTenantStep(back, draft));
      } else setErrors(found);
      focusFirstInvalid();
      return;
    }
    if (step !== 'review') go(WIZARD_STEPS[index + 1]!);
    else void onSubmit(createTenantBody(draft));
  };

  const err = (k: keyof TenantDraft): ReactNode =>
    errors[k] === undefined ? undefined : <FormattedMessage id={errors[k]} values={k in QUOTA_LIMITS ? { min: QUOTA_LIMITS[k as keyof typeof QUOTA_LIMITS].min, max: QUOTA_LIMITS[k as keyof typeof QUOTA_LIMITS].max } : {}} />;

  const text = (k: 'name' | 'adminEmail' | 'publicKey' | 'maxUsers' | 'maxApiKeys' | 'maxTxPerDay', label: ReactNode, o: { type?: string; hint?: ReactNode; autoComplete?: string; inputMode?: 'numeric' } = {}) => (
    <Field label={label} hint={o.hint} error={err(k)}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          name={k}
          type={o.type ?? 'text'}
          autoComplete={o.autoComplete ?? 'off'}
          inputMode={o.inputMode}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          value={draft[k]}
          onChange={(e) => set(k, e.target.value)}
        />
      )}
    </Field>
  );

  return (
    <form ref={form} onSubmit={next} noValidate className="wizard" aria-label={intl.formatMessage({ id: 'operator.wizard.title' })}>
      <ol className="steps" aria-label={intl.formatMessage({ id: 'operator.wizard.steps' })}>
        {WIZARD_STEPS.map((s, i) => (
          <li key={s} aria-current={s === step ? 'step' : undefined} className={i < index ? 'done' : undefined}>
            <FormattedMessage id={`operator.wizard.step.${s}`} />
          </li>
        ))}
      </ol>
      <fieldset>
        <legend tabIndex={-1}>
          <FormattedMessage id="operator.wizard.stepOf" values={{ n: index + 1, total: WIZARD_STEPS.length, name: <FormattedMessage id={`operator.wizard.step.${step}`} /> }} />
        </legend>
        {step === 'organisation' ? (
          <>
            {text('name', <FormattedMessage id="operator.tenant.name" />, { hint: <FormattedMessage id="operator.wizard.nameHint" /> })}
            <fieldset className="choice">
              <legend>
                <FormattedMessage id="operator.tenant.plan" />
              </legend>
              {(['shared', 'dedicated'] as const).map((p) => (
                <label key={p} className="radio">
                  <input type="radio" name="plan" value={p} checked={draft.plan === p} onChange={() => set('plan', p)} /> <FormattedMessage id={`operator.plan.${p}`} /> —{' '}
                  <span className="hint">
                    <FormattedMessage id={`operator.plan.${p}.hint`} />
                  </span>
                </label>
              ))}
            </fieldset>
          </>
        ) : null}
        {step === 'admin' ? (
          <>
            {text('adminEmail', <FormattedMessage id="operator.wizard.adminEmail" />, { type: 'email', hint: <FormattedMessage id="operator.wizard.adminEmailHint" /> })}
            <Field label={<FormattedMessage id="operator.wizard.password" />} hint={<FormattedMessage id="operator.wizard.passwordHint" />} error={err('password')}>
              {({ id, describedBy, invalid }) => (
                <input id={id} name="password" type="password" autoComplete="new-password" aria-describedby={describedBy} aria-invalid={invalid} value={draft.password} onChange={(e) => set('password', e.target.value)} />
              )}
            </Field>
            <Field label={<FormattedMessage id="operator.wizard.passwordRepeat" />} error={err('passwordRepeat')}>
              {({ id, describedBy, invalid }) => (
                <input
                  id={id}
                  name="passwordRepeat"
                  type="password"
                  autoComplete="new-password"
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                  value={draft.passwordRepeat}
                  onChange={(e) => set('passwordRepeat', e.target.value)}
                />
              )}
            </Field>
            <fieldset className="choice">
              <legend>
                <FormattedMessage id="operator.wizard.custody" />
              </legend>
              {(['custodial', 'self'] as const).map((c) => (
                <label key={c} className="radio">
                  <input type="radio" name="custody" value={c} checked={draft.custody === c} onChange={() => set('custody', c)} /> <FormattedMessage id={`operator.custody.${c}`} />
                </label>
              ))}
            </fieldset>
            {draft.custody === 'self' ? text('publicKey', <FormattedMessage id="operator.wizard.publicKey" />, { hint: <FormattedMessage id="operator.wizard.publicKeyHint" /> }) : null}
          </>
        ) : null}
        {step === 'quotas' ? (
          <>
            <p className="hint">
              <FormattedMessage id="operator.wizard.quotasHint" />
            </p>
            {text('maxUsers', <FormattedMessage id="operator.quota.maxUsers" />, { inputMode: 'numeric', hint: <FormattedMessage id="operator.quota.range" values={QUOTA_LIMITS.maxUsers} /> })}
            {text('maxApiKeys', <FormattedMessage id="operator.quota.maxApiKeys" />, { inputMode: 'numeric', hint: <FormattedMessage id="operator.quota.range" values={QUOTA_LIMITS.maxApiKeys} /> })}
            {text('maxTxPerDay', <FormattedMessage id="operator.quota.maxTxPerDay" />, { inputMode: 'numeric', hint: <FormattedMessage id="operator.quota.range" values={QUOTA_LIMITS.maxTxPerDay} /> })}
          </>
        ) : null}
        {step === 'review' ? (
          <dl className="kv review">
            {(
              [
                ['name', <FormattedMessage id="operator.tenant.name" />, draft.name.trim()],
                ['plan', <FormattedMessage id="operator.tenant.plan" />, <FormattedMessage id={`operator.plan.${draft.plan}`} />],
                ['adminEmail', <FormattedMessage id="operator.wizard.adminEmail" />, draft.adminEmail.trim()],
                ['custody', <FormattedMessage id="operator.wizard.custody" />, <FormattedMessage id={`operator.custody.${draft.custody}`} />],
                ...(['maxUsers', 'maxApiKeys', 'maxTxPerDay'] as const).map(
                  (k) => [k, <FormattedMessage id={`operator.quota.${k}`} />, draft[k].trim() === '' ? <FormattedMessage id="operator.quota.default" /> : draft[k].trim()] as const,
                ),
              ] as const
            ).map(([k, label, value]) => (
              <div key={k}>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
        ) : null}
      </fieldset>
      <ErrorBanner error={error} />
      <div className="wizard-buttons">
        {index > 0 ? (
          <button type="button" onClick={() => go(WIZARD_STEPS[index - 1]!)} disabled={running}>
            <FormattedMessage id="common.back" />
          </button>
        ) : null}
        <button type="submit" className="primary" disabled={running}>
          <FormattedMessage id={step === 'review' ? (running ? 'operator.wizard.creating' : 'operator.wizard.create') : 'common.next'} />
        </button>
      </div>
    </form>
  );
}
