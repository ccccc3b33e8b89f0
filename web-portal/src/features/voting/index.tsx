/**
 * E-voting: ballots with an eligibility snapshot, votes encrypted in the browser to a ballot key
 * the nodes hold in shares and reveal only after close, the on-chain tally, an independent
 * recount here, and receipts with inclusion proofs. Transactions are signed in the browser with
 * the user's self-custody key (the same keys as encrypted data).
 */
import { FormattedMessage } from 'react-intl';
import { Route } from 'react-router-dom';
import { PageHeader } from '../../ui/components.js';
import { KeysPage } from '../data/KeysPage.js';
import { type SectionLink, SignedSection } from '../data/SignedSection.js';
import { BallotCreate } from './BallotCreate.js';
import { BallotList } from './BallotList.js';
import { BallotPage } from './BallotPage.js';
import { BallotResults } from './BallotResults.js';
import '../data/data.css';
import { FeatureMessages } from '../../app/locale.js';
import { dataMessages } from '../data/messages.js';
import { votingMessages } from './messages.js';

const LINKS: readonly SectionLink[] = [
  { to: '/voting', label: 'voting.nav.ballots', end: true },
  { to: '/voting/new', label: 'voting.nav.create' },
  { to: '/voting/keys', label: 'data.nav.keys' },
];

function VotingSectionScreens() {
  return (
    <SignedSection title="nav.voting" navLabel="voting.nav" links={LINKS}>
      <Route index element={<BallotList />} />
      <Route path="new" element={<BallotCreate />} />
      <Route path="keys" element={<KeysPage />} />
      <Route path=":id" element={<BallotPage />} />
      <Route path=":id/results" element={<BallotResults />} />
      <Route path="*" element={<PageHeader title={<FormattedMessage id="app.notFound" />} />} />
    </SignedSection>
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
