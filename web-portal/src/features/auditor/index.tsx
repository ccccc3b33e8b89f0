/**
 * The auditor view (auditors and platform admins; read-only): the block explorer with the live
 * block stream, a block and a transaction with their proofs, the chain's integrity recomputed in
 * this browser (with the bit-flip demonstration), and the movement registry with its proofs.
 */
import { FormattedMessage, useIntl } from 'react-intl';
import { NavLink, Route, Routes } from 'react-router-dom';
import { hasRole, useMe } from '../../app/session.js';
import { PageHeader } from '../../ui/components.js';
import { BlockPage } from './BlockPage.js';
import { ChainIntegrity } from './ChainIntegrity.js';
import { AuditLedgerProvider } from './context.js';
import { Explorer } from './Explorer.js';
import { Movements } from './Movements.js';
import { TxPage } from './TxPage.js';
import './auditor.css';
import { FeatureMessages } from '../../app/locale.js';
import { auditorMessages } from './messages.js';

function AuditorSectionScreens() {
  const me = useMe();
  const intl = useIntl();
  if (!hasRole(me, 'auditor', 'platform_admin')) {
    return (
      <>
        <PageHeader title={<FormattedMessage id="nav.auditor" />} />
        <p role="alert">
          <FormattedMessage id="error.FORBIDDEN" />
        </p>
      </>
    );
  }
  return (
    <div className="auditor">
      <nav className="subnav" aria-label={intl.formatMessage({ id: 'auditor.nav' })}>
        <ul>
          <li>
            <NavLink to="/auditor" end>
              <FormattedMessage id="auditor.nav.explorer" />
            </NavLink>
          </li>
          <li>
            <NavLink to="/auditor/chain">
              <FormattedMessage id="auditor.nav.chain" />
            </NavLink>
          </li>
          <li>
            <NavLink to="/auditor/movements">
              <FormattedMessage id="auditor.nav.movements" />
            </NavLink>
          </li>
        </ul>
      </nav>
      <AuditLedgerProvider>
        <Routes>
          <Route index element={<Explorer />} />
          <Route path="blocks/:height" element={<BlockPage />} />
          <Route path="txs/:txId" element={<TxPage />} />
          <Route path="chain" element={<ChainIntegrity />} />
          <Route path="movements" element={<Movements />} />
          <Route
            path="*"
            element={
              <p>
                <FormattedMessage id="app.notFound" />
              </p>
            }
          />
        </Routes>
      </AuditLedgerProvider>
    </div>
  );
}

const CATALOGS = [auditorMessages];

export default function AuditorSection() {
  return (
    <FeatureMessages catalogs={CATALOGS}>
      <AuditorSectionScreens />
    </FeatureMessages>
  );
}
