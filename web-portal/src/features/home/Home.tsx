/** The first screen after sign-in: who you are, your tenant, and where each service is. */
import { FormattedMessage } from 'react-intl';
import { Link } from 'react-router-dom';
import { hasRole, useMe, useSession } from '../../app/session.js';
import { ErrorBanner, Loading, PageHeader } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';

interface TenantView {
  readonly id: string;
  readonly name: string;
  readonly plan: string;
  readonly status: string;
}

export function Home() {
  const me = useMe();
  const { cp } = useSession();
  const tenant = useAsync(
    async (signal) => (me.tenantId === null ? null : cp.get<TenantView>(`/v1/tenants/${me.tenantId}`, { signal })),
    [cp, me.tenantId],
  );
  const cards: { to: string; id: string; show: boolean }[] = [
    { to: '/cfa', id: 'cfa', show: hasRole(me, 'tenant_admin', 'tenant_member') },
    { to: '/data', id: 'data', show: hasRole(me, 'tenant_admin', 'tenant_member') },
    { to: '/voting', id: 'voting', show: hasRole(me, 'tenant_admin', 'tenant_member') },
    { to: '/operator', id: 'operator', show: hasRole(me, 'platform_admin') },
    { to: '/auditor', id: 'auditor', show: hasRole(me, 'platform_admin', 'auditor') },
  ];
  return (
    <>
      <PageHeader
        title={<FormattedMessage id="home.title" />}
        lead={
          tenant.value ? (
            <FormattedMessage id="home.tenant" values={{ name: tenant.value.name, plan: tenant.value.plan, status: tenant.value.status }} />
          ) : (
            <FormattedMessage id="home.platform" />
          )
        }
      />
      {tenant.status === 'loading' && tenant.value === undefined ? <Loading /> : null}
      <ErrorBanner error={tenant.error} onRetry={tenant.reload} />
      <ul className="cards">
        {cards
          .filter((c) => c.show)
          .map((c) => (
            <li key={c.to} className="card">
              <h2>
                <Link to={c.to}>
                  <FormattedMessage id={`nav.${c.id}`} />
                </Link>
              </h2>
              <p>
                <FormattedMessage id={`home.${c.id}`} />
              </p>
            </li>
          ))}
      </ul>
    </>
  );
}
