/** The tenants of the platform: plan, status, ledger member and quotas; the way to onboard a new one. */
import { FormattedMessage } from 'react-intl';
import { Link } from 'react-router-dom';
import { useSession } from '../../app/session.js';
import { DataTable, DateTime, ErrorBanner, Loading, PageHeader, Quantity, StatusBadge } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import { allPages, type PageOf, type TenantView } from './api.js';

export function PlanName({ plan }: { plan: string }) {
  return <FormattedMessage id={`operator.plan.${plan}`} defaultMessage={plan} />;
}

export function TenantStatus({ status }: { status: string }) {
  return (
    <StatusBadge tone={status === 'active' ? 'ok' : 'bad'}>
      <FormattedMessage id={`operator.tenantStatus.${status}`} defaultMessage={status} />
    </StatusBadge>
  );
}

export function useTenants() {
  const { cp } = useSession();
  return useAsync((signal) => allPages((after) => cp.get<PageOf<TenantView>>('/v1/tenants', { signal, query: { after } })), [cp]);
}

export function Tenants() {
  const tenants = useTenants();
  return (
    <>
      <PageHeader
        title={<FormattedMessage id="operator.tenants.title" />}
        lead={<FormattedMessage id="operator.tenants.lead" />}
        actions={
          <Link to="/operator/tenants/new" className="button primary">
            <FormattedMessage id="operator.tenants.new" />
          </Link>
        }
      />
      <ErrorBanner error={tenants.error} onRetry={tenants.reload} />
      {tenants.value === undefined ? (
        tenants.error === undefined ? (
          <Loading />
        ) : null
      ) : (
        <DataTable
          caption={<FormattedMessage id="operator.tenants.caption" values={{ count: tenants.value.length }} />}
          rows={tenants.value}
          rowKey={(t) => t.id}
          columns={[
            { header: <FormattedMessage id="operator.tenant.name" />, cell: (t) => <Link to={`/operator/tenants/${t.id}`}>{t.name}</Link> },
            { header: <FormattedMessage id="operator.tenant.plan" />, cell: (t) => <PlanName plan={t.plan} /> },
            { header: <FormattedMessage id="operator.tenant.status" />, cell: (t) => <TenantStatus status={t.status} /> },
            { header: <FormattedMessage id="operator.tenant.member" />, cell: (t) => <span className="mono">{t.memberId}</span> },
            { header: <FormattedMessage id="operator.quota.maxUsers" />, numeric: true, cell: (t) => <Quantity value={t.quotas.maxUsers} /> },
            { header: <FormattedMessage id="operator.quota.maxApiKeys" />, numeric: true, cell: (t) => <Quantity value={t.quotas.maxApiKeys} /> },
            { header: <FormattedMessage id="operator.quota.maxTxPerDay" />, numeric: true, cell: (t) => <Quantity value={t.quotas.maxTxPerDay} /> },
            { header: <FormattedMessage id="operator.tenant.created" />, cell: (t) => <DateTime value={t.createdAt} /> },
          ]}
        />
      )}
    </>
  );
}
