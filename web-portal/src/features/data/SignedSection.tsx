/**
 * The frame of a section whose transactions the user signs in the browser with a self-custody
 * key (encrypted data, e-voting): it needs the ledger, the browser identity and a tenant user,
 * and has a sub-navigation over its screens.
 */
import type { ReactNode } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { NavLink, Routes } from 'react-router-dom';
import { LedgerGate } from './chain.js';
import { IdentityProvider } from './identity/context.js';
import { TenantOnly } from './identity/IdentityPanel.js';

export interface SectionLink {
  readonly to: string;
  /** Message id of the link's text. */
  readonly label: string;
  /** Active only on exactly this path (the section's index). */
  readonly end?: boolean;
}

export function SignedSection({ title, navLabel, links, children }: { title: string; navLabel: string; links: readonly SectionLink[]; children: ReactNode }) {
  const intl = useIntl();
  return (
    <LedgerGate title={<FormattedMessage id={title} />}>
      <IdentityProvider>
        <TenantOnly title={<FormattedMessage id={title} />}>
          <nav className="subnav" aria-label={intl.formatMessage({ id: navLabel })}>
            <ul>
              {links.map((l) => (
                <li key={l.to}>
                  <NavLink to={l.to} end={l.end === true}>
                    <FormattedMessage id={l.label} />
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
          <Routes>{children}</Routes>
        </TenantOnly>
      </IdentityProvider>
    </LedgerGate>
  );
}
