/**
 * Encrypted data exchange: records encrypted in the browser, shared through on-chain grants,
 * read with key shares the nodes release only to authorised members, every release logged.
 * Transactions are signed in the browser with the user's self-custody key (keys screen).
 */
import { FormattedMessage } from 'react-intl';
import { Route } from 'react-router-dom';
import { PageHeader } from '../../ui/components.js';
import { AccessLogPage } from './AccessLog.js';
import { KeysPage } from './KeysPage.js';
import { RecordList } from './RecordList.js';
import { RecordPage } from './RecordPage.js';
import { type SectionLink, SignedSection } from './SignedSection.js';
import { UploadPage } from './Upload.js';
import './data.css';
import { FeatureMessages } from '../../app/locale.js';
import { dataMessages } from './messages.js';

const LINKS: readonly SectionLink[] = [
  { to: '/data', label: 'data.nav.records', end: true },
  { to: '/data/upload', label: 'data.nav.upload' },
  { to: '/data/keys', label: 'data.nav.keys' },
];

function DataSectionScreens() {
  return (
    <SignedSection title="nav.data" navLabel="data.nav" links={LINKS}>
      <Route index element={<RecordList />} />
      <Route path="upload" element={<UploadPage />} />
      <Route path="keys" element={<KeysPage />} />
      <Route path="records/:id" element={<RecordPage />} />
      <Route path="records/:id/upload" element={<UploadPage />} />
      <Route path="records/:id/log" element={<AccessLogPage />} />
      <Route path="*" element={<PageHeader title={<FormattedMessage id="app.notFound" />} />} />
    </SignedSection>
  );
}

const CATALOGS = [dataMessages];

export default function DataSection() {
  return (
    <FeatureMessages catalogs={CATALOGS}>
      <DataSectionScreens />
    </FeatureMessages>
  );
}
