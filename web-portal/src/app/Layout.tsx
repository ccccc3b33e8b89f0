/**
 * The frame around every signed-in screen: a skip link, the header with the language switcher
 * and sign-out, navigation by role, and the page in <main>.
 */
import type { ReactNode } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { NavLink } from 'react-router-dom';
import { LanguageSwitcher } from './LanguageSwitcher.js';
import { hasRole, useMe, useSession } from './session.js';

export function Layout({ children }: { children: ReactNode }) {
  const me = useMe();
  const { signOut } = useSession();
  const intl = useIntl();
  const tenant = hasRole(me, 'tenant_admin', 'tenant_member');
  const links: { to: string; id: string; show: boolean }[] = [
    { to: '/', id: 'nav.home', show: true },
    { to: '/cfa', id: 'nav.cfa', show: tenant },
    { to: '/data', id: 'nav.data', show: tenant },
    { to: '/voting', id: 'nav.voting', show: tenant },
    { to: '/operator', id: 'nav.operator', show: hasRole(me, 'platform_admin') },
    { to: '/auditor', id: 'nav.auditor', show: hasRole(me, 'platform_admin', 'auditor') },
  ];
  return (
    <>
      <a className="skip-link" href="#main">
        <FormattedMessage id="app.skip" />
      </a>
      <header className="top">
        <span className="brand">
          <FormattedMessage id="app.name" />
        </span>
        <nav aria-label={intl.formatMessage({ id: 'nav.main' })}>
          <ul>
            {links
              .filter((l) => l.show)
              .map((l) => (
                <li key={l.to}>
                  <NavLink to={l.to} end={l.to === '/'}>
                    <FormattedMessage id={l.id} />
                  </NavLink>
                </li>
              ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            <FormattedMessage id="app.signedInAs" values={{ email: me.email ?? me.subject }} /> ·{' '}
            {me.roles.map((r) => intl.formatMessage({ id: `role.${r}`, defaultMessage: r })).join(', ')}
          </span>
          <LanguageSwitcher />
          <button type="button" onClick={() => void signOut()}>
            <FormattedMessage id="app.signOut" />
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
