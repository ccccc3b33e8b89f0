/**
 * The auditor view (auditors and platform admins; read-only): the block explorer with the live
 * block stream, a block and a transaction with their proofs, the chain's integrity recomputed in
 * this browser (with the bit-flip demonstration), and the movement registry with its proofs.
 */
import { useIntl } from 'react-intl';
import { Route, Routes } from 'react-router-dom';
import { hasRole, useMe } from '../../app/session.js';
import { NotFound, RoleRefused, SectionNav } from '../../ui/components.js';
import { BlockPage } from './BlockPage.js';
import { ChainIntegrity } from './ChainIntegrity.js';
import { AuditLedgerProvider } from './context.js';
import { Explorer } from './Explorer.js';
import { Movements } from './Movements.js';
import { TxPage } from './TxPage.js';
import './auditor.css';
import { FeatureMessages } from '../../app/locale.js';
import { auditorMessages } from './messages.js';

const SECTIONS = [
  { to: '/auditor', id: 'auditor.nav.explorer', end: true },
  { to: '/auditor/chain', id: 'auditor.nav.chain' },
  { to: '/auditor/movements', id: 'auditor.nav.movements' },
] as const;

function AuditorSectionScreens() {
  const me = useMe();
  const intl = useIntl();
  if (!hasRole(me, 'auditor', 'platform_admin')) {
    return <RoleRefused titleId="nav.auditor" />;
  }
  return (
    <div className="auditor">
      <SectionNav label={intl.formatMessage({ id: 'auditor.nav' })} links={SECTIONS} />
      <AuditLedgerProvider>
        <Routes>
          <Route index element={<Explorer />} />
          <Route path="blocks/:height" element={<BlockPage />} />
          <Route path="txs/:txId" element={<TxPage />} />
          <Route path="chain" element={<ChainIntegrity />} />
          <Route path="movements" element={<Movements />} />
          <Route
            path="*"
            element={<NotFound />}
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
