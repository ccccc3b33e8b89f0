import { type FormEvent, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { LanguageSwitcher } from '../../app/LanguageSwitcher.js';
import { useSession } from '../../app/session.js';
import { ErrorBanner, Field } from '../../ui/components.js';
import { useAction } from '../../ui/use-async.js';

export function SignIn() {
  const { signIn } = useSession();
  const intl = useIntl();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction(signIn);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(email.trim(), password);
  };
  return (
    <main id="main" className="signin">
      <div className="signin-top">
        <LanguageSwitcher />
      </div>
      <h1>
        <FormattedMessage id="auth.title" />
      </h1>
      <p className="lead">
        <FormattedMessage id="auth.lead" />
      </p>
      <form onSubmit={submit} aria-label={intl.formatMessage({ id: 'auth.title' })}>
        <ErrorBanner error={action.error} />
        <Field label={<FormattedMessage id="auth.email" />}>
          {({ id }) => <input id={id} name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <Field label={<FormattedMessage id="auth.password" />}>
          {({ id }) => <input id={id} name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        <button type="submit" className="primary" disabled={action.running}>
          <FormattedMessage id={action.running ? 'auth.signingIn' : 'auth.submit'} />
        </button>
      </form>
    </main>
  );
}
