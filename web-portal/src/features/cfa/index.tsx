/**
 * Digital financial assets (ЦФА) for a tenant: holdings and money, the issue wizard, the
 * tenant's issues (registration, placement, redemption), primary placement, the asset page
 * (terms, holders, movements, fees charged), trading (DvP offers, gifts, early redemption) and
 * the fee schedule. Reads go to a ledger node through the control plane's gateway with the SDK's
 * checked readers; operations go through the control plane's CFA API; a live block stream
 * refreshes what is shown.
 */
import { FormattedMessage, useIntl } from 'react-intl';
import { NavLink, Route, Routes } from 'react-router-dom';
import { ErrorBanner, Loading, NotFound, Notice, PageHeader } from '../../ui/components.js';
import { AssetPage } from './AssetPage.js';
import { CfaProvider, useCfa } from './context.js';
import { FeesPage } from './Fees.js';
import { IssueManage, IssuesList } from './Issues.js';
import { IssuePage } from './IssueWizard.js';
import { Overview } from './Overview.js';
import { PlacementPage } from './Placement.js';
import { TradePage } from './Trade.js';
import './cfa.css';
import { FeatureMessages } from '../../app/locale.js';
import { cfaMessages } from './messages.js';

const LINKS = [
  { to: '/cfa', id: 'cfa.nav.overview', end: true },
  { to: '/cfa/issue', id: 'cfa.nav.issue', end: true },
  { to: '/cfa/issues', id: 'cfa.nav.issues', end: false },
  { to: '/cfa/placement', id: 'cfa.nav.placement', end: false },
  { to: '/cfa/trade', id: 'cfa.nav.trade', end: false },
  { to: '/cfa/fees', id: 'cfa.nav.fees', end: false },
] as const;

function SubNav() {
  const intl = useIntl();
  return (
    <nav className="subnav" aria-label={intl.formatMessage({ id: 'cfa.nav.label' })}>
      <ul>
        {LINKS.map((l) => (
          <li key={l.to}>
            <NavLink to={l.to} end={l.end}>
              <FormattedMessage id={l.id} />
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function LiveLine() {
  const { live, head } = useCfa();
  return (
    <p className={`live ${live ? 'on' : 'off'}`} data-head={head ?? ''}>
      <span aria-hidden="true">{live ? '●' : '○'}</span>{' '}
      {!live ? <FormattedMessage id="cfa.live.off" /> : head === null ? <FormattedMessage id="cfa.live.waiting" /> : <FormattedMessage id="cfa.live.on" values={{ height: head }} />}
    </p>
  );
}

function CfaSectionScreens() {
  return (
    <CfaProvider
      fallback={(gate) => (
        <>
          <PageHeader title={<FormattedMessage id="nav.cfa" />} />
          {gate.kind === 'loading' ? <Loading /> : null}
          {gate.kind === 'error' ? <ErrorBanner error={gate.error} onRetry={gate.retry} /> : null}
          {gate.kind === 'no-tenant' ? (
            <Notice>
              <FormattedMessage id="cfa.noTenant" />
            </Notice>
          ) : null}
        </>
      )}
    >
      <SubNav />
      <LiveLine />
      <Routes>
        <Route index element={<Overview />} />
        <Route path="issue" element={<IssuePage />} />
        <Route path="issues" element={<IssuesList />} />
        <Route path="issues/:code" element={<IssueManage />} />
        <Route path="placement" element={<PlacementPage />} />
        <Route path="trade" element={<TradePage />} />
        <Route path="fees" element={<FeesPage />} />
        <Route path="assets/:code" element={<AssetPage />} />
        <Route
          path="*"
          element={<NotFound />}
        />
      </Routes>
    </CfaProvider>
  );
}

const CATALOGS = [cfaMessages];

export default function CfaSection() {
  return (
    <FeatureMessages catalogs={CATALOGS}>
      <CfaSectionScreens />
    </FeatureMessages>
  );
}
