/**
 * The operator console (platform admins): tenants (onboarding wizard, quotas, suspension, the
 * move to a dedicated node, usage and invoices), networks and channels, node health live and
 * node provisioning, CFA administration, the fee schedule, and integrity audits.
 */
import { useIntl } from 'react-intl';
import { Route, Routes } from 'react-router-dom';
import { hasRole, useMe } from '../../app/session.js';
import { NotFound, RoleRefused, SectionNav } from '../../ui/components.js';
import { CfaAdmin } from './CfaAdmin.js';
import { Fees } from './Fees.js';
import { Integrity } from './Integrity.js';
import { Networks } from './Networks.js';
import { NewTenant } from './NewTenant.js';
import { Nodes } from './Nodes.js';
import { TenantDetail } from './TenantDetail.js';
import { Tenants } from './Tenants.js';
import './operator.css';
import { FeatureMessages } from '../../app/locale.js';
import { cfaMessages } from '../cfa/messages.js';
import { operatorMessages } from './messages.js';

const SECTIONS = [
  { to: '/operator', id: 'operator.nav.tenants', end: true },
  { to: '/operator/networks', id: 'operator.nav.networks' },
  { to: '/operator/nodes', id: 'operator.nav.nodes' },
  { to: '/operator/cfa', id: 'operator.nav.cfa' },
  { to: '/operator/fees', id: 'operator.nav.fees' },
  { to: '/operator/integrity', id: 'operator.nav.integrity' },
] as const;

function OperatorSectionScreens() {
  const me = useMe();
  const intl = useIntl();
  if (!hasRole(me, 'platform_admin')) {
    return <RoleRefused titleId="nav.operator" />;
  }
  return (
    <div className="operator">
      <SectionNav label={intl.formatMessage({ id: 'operator.nav' })} links={SECTIONS} />
      <Routes>
        <Route index element={<Tenants />} />
        <Route path="tenants" element={<Tenants />} />
        <Route path="tenants/new" element={<NewTenant />} />
        <Route path="tenants/:id" element={<TenantDetail />} />
        <Route path="networks" element={<Networks />} />
        <Route path="nodes" element={<Nodes />} />
        <Route path="cfa" element={<CfaAdmin />} />
        <Route path="fees" element={<Fees />} />
        <Route path="integrity" element={<Integrity />} />
        <Route
          path="*"
          element={<NotFound />}
        />
      </Routes>
    </div>
  );
}

const CATALOGS = [operatorMessages, cfaMessages];

export default function OperatorSection() {
  return (
    <FeatureMessages catalogs={CATALOGS}>
      <OperatorSectionScreens />
    </FeatureMessages>
  );
}
