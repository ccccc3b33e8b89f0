/** Onboarding a tenant: the wizard, then its onboarding operation followed live to the end. */
import { useCallback, useState } from 'react';
import { FormattedMessage } from 'react-intl';
import { Link } from 'react-router-dom';
import { useSession } from '../../app/session.js';
import { Notice, PageHeader } from '../../ui/components.js';
import { useAction } from '../../ui/use-async.js';
import type { CreatedTenant, OperationView } from './api.js';
import { OperationProgress } from './progress.js';
import { TenantWizard } from './TenantWizard.js';

export function NewTenant() {
  const { cp } = useSession();
  const create = useAction(useCallback((body: Record<string, unknown>) => cp.post<CreatedTenant>('/v1/tenants', body), [cp]));
  const [finished, setFinished] = useState<OperationView | null>(null);
  const created = create.result;
  return (
    <>
      <PageHeader title={<FormattedMessage id="operator.wizard.title" />} lead={<FormattedMessage id="operator.wizard.lead" />} />
      {created === undefined ? (
        <TenantWizard onSubmit={create.run} running={create.running} error={create.error} />
      ) : (
        <section className="panel" aria-labelledby="onboarding">
          <h2 id="onboarding">
            <FormattedMessage id="operator.wizard.onboarding" values={{ name: created.tenant.name }} />
          </h2>
          <Notice kind="success">
            <FormattedMessage id="operator.wizard.created" values={{ name: created.tenant.name, member: <code>{created.tenant.memberId}</code> }} />
          </Notice>
          <OperationProgress operationId={created.operation.id} initial={created.operation} onDone={setFinished} />
          {finished === null ? null : (
            <p>
              <Link to={`/operator/tenants/${created.tenant.id}`}>
                <FormattedMessage id="operator.wizard.openTenant" values={{ name: created.tenant.name }} />
              </Link>
            </p>
          )}
        </section>
      )}
    </>
  );
}
