/**
 * Encrypted data exchange: records encrypted in the browser, shared through on-chain grants,
 * read with key shares the nodes release only to authorised members, every release logged.
 * Transactions are signed in the browser with the user's self-custody key (keys screen).
 */
import { FormattedMessage, useIntl } from 'react-intl';
import { NavLink, Route, Routes } from 'react-router-dom';
import { PageHeader } from '../../ui/components.js';
import { AccessLogPage } from './AccessLog.js';
import { LedgerGate } from './chain.js';
import { IdentityProvider } from './identity/context.js';
import { TenantOnly } from './identity/IdentityPanel.js';
import { KeysPage } from './KeysPage.js';
import { RecordList } from './RecordList.js';
import { RecordPage } from './RecordPage.js';
import { UploadPage } from './Upload.js';
import './data.css';
import { FeatureMessages } from '../../app/locale.js';
import { dataMessages } from './messages.js';

function DataSectionScreens() {
  const intl = useIntl();
  return (
    <LedgerGate title={<FormattedMessage id="nav.data" />}>
      <IdentityProvider>
        <TenantOnly title={<FormattedMessage id="nav.data" />}>
          <nav className="subnav" aria-label={intl.formatMessage({ id: 'data.nav' })}>
            <ul>
              <li>
                <NavLink to="/data" end>
                  <FormattedMessage id="data.nav.records" />
                </NavLink>
              </li>
              <li>
                <NavLink to="/data/upload">
                  <FormattedMessage id="data.nav.upload" />
                </NavLink>
              </li>
              <li>
                <NavLink to="/data/keys">
                  <FormattedMessage id="data.nav.keys" />
                </NavLink>
              </li>
            </ul>
          </nav>
          <Routes>
            <Route index element={<RecordList />} />
            <Route path="upload" element={<UploadPage />} />
            <Route path="keys" element={<KeysPage />} />
            <Route path="records/:id" element={<RecordPage />} />
            <Route path="records/:id/upload" element={<UploadPage />} />
            <Route path="records/:id/log" element={<AccessLogPage />} />
            <Route path="*" element={<PageHeader title={<FormattedMessage id="app.notFound" />} />} />
          </Routes>
        </TenantOnly>
      </IdentityProvider>
    </LedgerGate>
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
