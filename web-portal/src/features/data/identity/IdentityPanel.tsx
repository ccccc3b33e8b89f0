/**
 * The user's self-custody keys on screen: making them, their registration on chain (with the
 * provisioning operation's progress), the backup file and restoring from one, forgetting them.
 * `IdentityGate` shows the short form of it in place of a screen that needs a ready key.
 */
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { Link } from 'react-router-dom';
import { hasRole, useMe } from '../../../app/session.js';
import { ErrorBanner, Field, Loading, Notice, PageHeader, Progress, StatusBadge } from '../../../ui/components.js';
import { useAction } from '../../../ui/use-async.js';
import { saveBytes } from '../files.js';
import { MIN_PASSPHRASE } from './keystore.js';
import { type IdentityState, useIdentity } from './context.js';

const KNOWN_STEPS = new Set(['custodial-key', 'ledger-member', 'register-keys']);

function StepName({ step }: { step: string }) {
  if (KNOWN_STEPS.has(step)) return <FormattedMessage id={`data.identity.step.${step.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())}`} />;
  return <span>{step === '' ? '…' : step}</span>;
}

function Registering({ state }: { state: Extract<IdentityState, { status: 'registering' }> }) {
  const { retry, discard } = useIdentity();
  const again = useAction(retry);
  const drop = useAction(discard);
  const op = state.operation;
  return (
    <>
      {state.error === undefined ? (
        <div role="status">
          <Progress
            value={op === null ? undefined : op.progress / 100}
            label={
              <FormattedMessage
                id="data.identity.registering"
                values={{
                  step: op === null ? <FormattedMessage id="data.identity.step.sending" /> : op.status === 'succeeded' ? <FormattedMessage id="data.identity.step.chain" /> : <StepName step={op.step} />,
                  percent: (op?.progress ?? 0) / 100,
                }}
              />
            }
          />
          {op?.status === 'succeeded' ? (
            <p>
              <FormattedMessage id="data.identity.waitingChain" />
            </p>
          ) : null}
        </div>
      ) : (
        <>
          <ErrorBanner error={state.error} onRetry={() => void again.run()} />
          <button type="button" className="danger" onClick={() => void drop.run()} disabled={drop.running}>
            <FormattedMessage id="data.identity.discard" />
          </button>
        </>
      )}
      <p className="mono small">
        <FormattedMessage id="data.identity.publicKey" values={{ key: <code>{state.info.publicKey}</code> }} />
      </p>
    </>
  );
}

function CreateKeys() {
  const { create } = useIdentity();
  const me = useMe();
  const action = useAction(create);
  const admin = hasRole(me, 'tenant_admin');
  return (
    <>
      <p>
        <FormattedMessage id="data.identity.explain" />
      </p>
      {admin ? null : (
        <Notice>
          <FormattedMessage id="data.identity.adminOnly" />
        </Notice>
      )}
      <ErrorBanner error={action.error} />
      <button type="button" className="primary" onClick={() => void action.run()} disabled={action.running}>
        <FormattedMessage id="data.identity.create" />
      </button>
    </>
  );
}

function RestoreForm() {
  const { restore } = useIdentity();
  const intl = useIntl();
  const [file, setFile] = useState<File | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [touched, setTouched] = useState(false);
  const action = useAction(async (f: File, p: string) => restore(new Uint8Array(await f.arrayBuffer()), p));
  const fileError = touched && file === null ? intl.formatMessage({ id: 'data.identity.backupFileMissing' }) : undefined;
  const passError = touched && passphrase === '' ? intl.formatMessage({ id: 'common.required' }) : undefined;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (file === null || passphrase === '') return;
    void action.run(file, passphrase);
  };
  return (
    <form onSubmit={submit} noValidate aria-label={intl.formatMessage({ id: 'data.identity.restoreTitle' })}>
      <Field label={<FormattedMessage id="data.identity.backupFile" />} error={fileError}>
        {({ id, describedBy, invalid }) => (
          <input id={id} name="backup" type="file" accept="application/json,.json" aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        )}
      </Field>
      <Field label={<FormattedMessage id="data.identity.restorePassphrase" />} error={passError}>
        {({ id, describedBy, invalid }) => (
          <input id={id} name="restore-passphrase" type="password" autoComplete="current-password" value={passphrase} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setPassphrase(e.target.value)} />
        )}
      </Field>
      <ErrorBanner error={action.error} />
      <div>
        <button type="submit" disabled={action.running}>
          <FormattedMessage id="data.identity.restore" />
        </button>
      </div>
    </form>
  );
}

function BackupForm() {
  const { backup, tenant } = useIdentity();
  const intl = useIntl();
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [touched, setTouched] = useState(false);
  const [saved, setSaved] = useState(false);
  const action = useAction(async (p: string) => {
    const bytes = await backup(p);
    saveBytes(bytes, `konsortium-keys-${tenant?.memberId ?? 'tenant'}.json`, 'application/json');
    setSaved(true);
  });
  const passError = touched && passphrase.length < MIN_PASSPHRASE ? intl.formatMessage({ id: 'data.identity.passphraseShort' }, { min: MIN_PASSPHRASE }) : undefined;
  const confirmError = touched && confirm !== passphrase ? intl.formatMessage({ id: 'data.identity.passphraseMismatch' }) : undefined;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    setSaved(false);
    if (passphrase.length < MIN_PASSPHRASE || confirm !== passphrase) return;
    void action.run(passphrase);
  };
  return (
    <form onSubmit={submit} noValidate aria-label={intl.formatMessage({ id: 'data.identity.backupTitle' })}>
      <Field label={<FormattedMessage id="data.identity.passphrase" />} hint={<FormattedMessage id="data.identity.passphraseHint" values={{ min: MIN_PASSPHRASE }} />} error={passError}>
        {({ id, describedBy, invalid }) => (
          <input id={id} name="passphrase" type="password" autoComplete="new-password" value={passphrase} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setPassphrase(e.target.value)} />
        )}
      </Field>
      <Field label={<FormattedMessage id="data.identity.passphraseConfirm" />} error={confirmError}>
        {({ id, describedBy, invalid }) => (
          <input id={id} name="passphrase-confirm" type="password" autoComplete="new-password" value={confirm} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setConfirm(e.target.value)} />
        )}
      </Field>
      <ErrorBanner error={action.error} />
      {saved ? (
        <Notice kind="success">
          <FormattedMessage id="data.identity.backupSaved" />
        </Notice>
      ) : null}
      <div>
        <button type="submit" className="primary" disabled={action.running}>
          {action.running ? <FormattedMessage id="data.identity.backupWorking" /> : <FormattedMessage id="data.identity.backupDownload" />}
        </button>
      </div>
    </form>
  );
}

function Ready({ state }: { state: Extract<IdentityState, { status: 'ready' }> }) {
  const { discard } = useIdentity();
  const [sure, setSure] = useState(false);
  const drop = useAction(discard);
  const sureId = useId();
  return (
    <>
      <Notice kind="success">
        <StatusBadge tone="ok">
          <FormattedMessage id="data.identity.registered" />
        </StatusBadge>{' '}
        <FormattedMessage id="data.identity.readyText" values={{ member: state.memberName, id: <code>{state.memberId}</code> }} />
      </Notice>
      <dl className="facts">
        <dt>
          <FormattedMessage id="data.identity.signingKey" />
        </dt>
        <dd>
          <code>{state.info.publicKey}</code>
        </dd>
        <dt>
          <FormattedMessage id="data.identity.sealingKey" />
        </dt>
        <dd>
          <code>{state.info.sealPublicKey}</code>
        </dd>
      </dl>
      <section className="panel" aria-labelledby={`${sureId}-b`}>
        <h2 id={`${sureId}-b`}>
          <FormattedMessage id="data.identity.backupTitle" />
        </h2>
        <p>
          <FormattedMessage id="data.identity.backupExplain" />
        </p>
        <BackupForm />
      </section>
      <section className="panel" aria-labelledby={`${sureId}-r`}>
        <h2 id={`${sureId}-r`}>
          <FormattedMessage id="data.identity.restoreTitle" />
        </h2>
        <p>
          <FormattedMessage id="data.identity.restoreReplace" />
        </p>
        <RestoreForm />
      </section>
      <section className="panel" aria-labelledby={`${sureId}-f`}>
        <h2 id={`${sureId}-f`}>
          <FormattedMessage id="data.identity.forgetTitle" />
        </h2>
        <p>
          <FormattedMessage id="data.identity.forgetExplain" />
        </p>
        <div className="check">
          <input id={sureId} type="checkbox" checked={sure} onChange={(e) => setSure(e.target.checked)} />
          <label htmlFor={sureId}>
            <FormattedMessage id="data.identity.forgetSure" />
          </label>
        </div>
        <ErrorBanner error={drop.error} />
        <button type="button" className="danger" disabled={!sure || drop.running} onClick={() => void drop.run()}>
          <FormattedMessage id="data.identity.forget" />
        </button>
      </section>
    </>
  );
}

/** The full keys screen body (under the page's h1). */
export function IdentityPanel() {
  const { state } = useIdentity();
  const headingId = useId();
  switch (state.status) {
    case 'loading':
      return <Loading />;
    case 'no-tenant':
      return (
        <Notice>
          <FormattedMessage id="data.identity.noTenant" />
        </Notice>
      );
    case 'error':
      return <ErrorBanner error={state.error} />;
    case 'ready':
      return <Ready state={state} />;
    case 'registering':
      return (
        <section className="panel" aria-labelledby={headingId}>
          <h2 id={headingId}>
            <FormattedMessage id="data.identity.registrationTitle" />
          </h2>
          <Registering state={state} />
        </section>
      );
    case 'none':
      return (
        <>
          <section className="panel" aria-labelledby={headingId}>
            <h2 id={headingId}>
              <FormattedMessage id="data.identity.createTitle" />
            </h2>
            <CreateKeys />
          </section>
          <section className="panel" aria-labelledby={`${headingId}-r`}>
            <h2 id={`${headingId}-r`}>
              <FormattedMessage id="data.identity.restoreTitle" />
            </h2>
            <p>
              <FormattedMessage id="data.identity.restoreExplain" />
            </p>
            <RestoreForm />
          </section>
        </>
      );
  }
}

/**
 * Renders `children` once the browser identity is ready to sign; otherwise what is missing and
 * how to get there (make keys here, wait for the registration, or the keys screen).
 */
export function IdentityGate({ children, keysPath }: { children: ReactNode; keysPath: string }) {
  const { state } = useIdentity();
  const headingId = useId();
  if (state.status === 'ready') return <>{children}</>;
  if (state.status === 'loading') return <Loading />;
  return (
    <section className="panel identity-gate" aria-labelledby={headingId}>
      <h2 id={headingId}>
        <FormattedMessage id="data.identity.gateTitle" />
      </h2>
      {state.status === 'none' ? <CreateKeys /> : state.status === 'registering' ? <Registering state={state} /> : state.status === 'error' ? <ErrorBanner error={state.error} /> : null}
      {state.status === 'no-tenant' ? (
        <p>
          <FormattedMessage id="data.identity.noTenant" />
        </p>
      ) : (
        <p>
          <Link to={keysPath}>
            <FormattedMessage id="data.identity.manage" />
          </Link>
        </p>
      )}
    </section>
  );
}

/** These services are a tenant's: a user of no tenant (operator, auditor) gets a sentence instead of the screens. */
export function TenantOnly({ title, children }: { title: ReactNode; children: ReactNode }) {
  const { state } = useIdentity();
  if (state.status !== 'no-tenant') return <>{children}</>;
  return (
    <>
      <PageHeader title={title} />
      <Notice>
        <FormattedMessage id="data.identity.noTenant" />
      </Notice>
    </>
  );
}
