/**
 * E-voting: ballots with an eligibility snapshot, votes encrypted in the browser to a ballot key
 * the nodes hold in shares and reveal only after close, the on-chain tally, an independent
 * recount here, and receipts with inclusion proofs. Transactions are signed in the browser with
 * the user's self-custody key (the same keys as encrypted data).
 */
import { FormattedMessage, useIntl } from 'react-intl';
import { NavLink, Route, Routes } from 'react-router-dom';
import { PageHeader } from '../../ui/components.js';
import { LedgerGate } from '../data/chain.js';
import { IdentityProvider } from '../data/identity/context.js';
import { TenantOnly } from '../data/identity/IdentityPanel.js';
import { KeysPage } from '../data/KeysPage.js';
import { BallotCreate } from './BallotCreate.js';
import { BallotList } from './BallotList.js';
import { BallotPage } from './BallotPage.js';
import { BallotResults } from './BallotResults.js';
import '../data/data.css';
import { FeatureMessages } from '../../app/locale.js';
import { dataMessages } from '../data/messages.js';
import { votingMessages } from './messages.js';

function VotingSectionScreens() {
  const intl = useIntl();
  return (
    <LedgerGate title={<FormattedMessage id="nav.voting" />}>
      <IdentityProvider>
        <TenantOnly title={<FormattedMessage id="nav.voting" />}>
          <nav className="subnav" aria-label={intl.formatMessage({ id: 'voting.nav' })}>
            <ul>
              <li>
                <NavLink to="/voting" end>
                  <FormattedMessage id="voting.nav.ballots" />
                </NavLink>
              </li>
              <li>
                <NavLink to="/voting/new">
                  <FormattedMessage id="voting.nav.create" />
                </NavLink>
              </li>
              <li>
                <NavLink to="/voting/keys">
                  <FormattedMessage id="data.nav.keys" />
                </NavLink>
              </li>
            </ul>
          </nav>
          <Routes>
            <Route index element={<BallotList />} />
            <Route path="new" element={<BallotCreate />} />
            <Route path="keys" element={<KeysPage />} />
            <Route path=":id" element={<BallotPage />} />
            <Route path=":id/results" element={<BallotResults />} />
            <Route path="*" element={<PageHeader title={<FormattedMessage id="app.notFound" />} />} />
          </Routes>
        </TenantOnly>
      </IdentityProvider>
    </LedgerGate>
  );
}

const CATALOGS = [votingMessages, dataMessages];

export default function VotingSection() {
  return (
    <FeatureMessages catalogs={CATALOGS}>
      <VotingSectionScreens />
    </FeatureMessages>
  );
}
