/**
 * One tenant: its plan, status and quotas (changed here), suspension, the move to a dedicated
 * node (followed live), its provisioning operations, its metered usage and invoices, and the
 * recent audit log entries about it.
 */
import { type FormEvent, useCallback, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { useParams } from 'react-router-dom';
import { useSession } from '../../app/session.js';
import { DataTable, DateTime, ErrorBanner, Field, Loading, Money, Notice, PageHeader, Quantity, StatusBadge } from '../../ui/components.js';
import { useAction, useAsync } from '../../ui/use-async.js';
import { allPages, type Invoice, type OperationView, type PageOf, type TenantView, type UsageItem } from './api.js';
import { type DraftErrors, QUOTA_LIMITS, type QuotaDraft, quotasBody, validateQuotas } from './forms.js';
import { OperationProgress, OperationStatus, StepName } from './progress.js';
import { PlanName, TenantStatus } from './Tenants.js';

function QuotaForm({ tenant, onSaved }: { tenant: TenantView; onSaved: (t: TenantView) => void }) {
  const { cp } = useSession();
  const intl = useIntl();
  const [draft, setDraft] = useState<QuotaDraft>({ maxUsers: String(tenant.quotas.maxUsers), maxApiKeys: String(tenant.quotas.maxApiKeys), maxTxPerDay: String(tenant.quotas.maxTxPerDay) });
  const [errors, setErrors] = useState<DraftErrors<QuotaDraft>>({});
  const save = useAction(useCallback((body: unknown) => cp.patch<TenantView>(`/v1/tenants/${tenant.id}`, body), [cp, tenant.id]));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = validateQuotas(draft, true);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const t = await save.run({ quotas: quotasBody(draft) });
    if (t !== undefined) onSaved(t);
  };
  return (
    <form className="inline" onSubmit={(e) => void submit(e)} noValidate aria-label={intl.formatMessage({ id: 'operator.quotas.title' })}>
      {(['maxUsers', 'maxApiKeys', 'maxTxPerDay'] as const).map((k) => (
        <Field
          key={k}
          label={<FormattedMessage id={`operator.quota.${k}`} />}
          hint={<FormattedMessage id="operator.quota.range" values={QUOTA_LIMITS[k]} />}
          error={errors[k] === undefined ? undefined : <FormattedMessage id={errors[k]} values={QUOTA_LIMITS[k]} />}
        >
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              name={k}
              inputMode="numeric"
              size={12}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              value={draft[k]}
              onChange={(e) => {
                setDraft((d) => ({ ...d, [k]: e.target.value }));
                save.reset();
              }}
            />
          )}
        </Field>
      ))}
      <button type="submit" className="primary" disabled={save.running}>
        <FormattedMessage id="operator.quotas.save" />
      </button>
      <div className="form-feedback">
        <ErrorBanner error={save.error} />
        {save.result === undefined ? null : (
          <Notice kind="success">
            <FormattedMessage id="operator.quotas.saved" />
          </Notice>
        )}
      </div>
    </form>
  );
}

function StatusControl({ tenant, onChanged }: { tenant: TenantView; onChanged: (t: TenantView) => void }) {
  const { cp } = useSession();
  const [confirming, setConfirming] = useState(false);
  const change = useAction(useCallback((status: 'active' | 'suspended') => cp.patch<TenantView>(`/v1/tenants/${tenant.id}`, { status }), [cp, tenant.id]));
  const to = tenant.status === 'active' ? 'suspended' : 'active';
  const apply = async () => {
    const t = await change.run(to);
    setConfirming(false);
    if (t !== undefined) onChanged(t);
  };
  return (
    <div>
      <p>
        <FormattedMessage id={tenant.status === 'active' ? 'operator.status.activeLine' : 'operator.status.suspendedLine'} />
      </p>
      {to === 'suspended' && !confirming ? (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          <FormattedMessage id="operator.status.suspend" />
        </button>
      ) : null}
      {to === 'suspended' && confirming ? (
        <div className="confirm" role="group" aria-labelledby="suspend-confirm">
          <p id="suspend-confirm">
            <FormattedMessage id="operator.status.confirm" values={{ name: tenant.name }} />
          </p>
          <button type="button" className="danger" disabled={change.running} onClick={() => void apply()}>
            <FormattedMessage id="operator.status.confirmYes" />
          </button>{' '}
          <button type="button" onClick={() => setConfirming(false)}>
            <FormattedMessage id="common.cancel" />
          </button>
        </div>
      ) : null}
      {to === 'active' ? (
        <button type="button" className="primary" disabled={change.running} onClick={() => void apply()}>
          <FormattedMessage id="operator.status.reactivate" />
        </button>
      ) : null}
      <ErrorBanner error={change.error} />
    </div>
  );
}

function Operations({ tenant, started, onDone }: { tenant: TenantView; started: OperationView | null; onDone: () => void }) {
  const { cp } = useSession();
  const ops = useAsync((signal) => allPages((after) => cp.get<PageOf<OperationView>>(`/v1/tenants/${tenant.id}/operations`, { signal, query: { after } })), [cp, tenant.id, started?.id]);
  const live = started ?? ops.value?.find((o) => o.status === 'queued' || o.status === 'running') ?? null;
  const done = useCallback(() => {
    ops.reload();
    onDone();
  }, [ops, onDone]);
  return (
    <>
      {live === null ? null : <OperationProgress key={live.id} operationId={live.id} initial={live} onDone={done} />}
      <ErrorBanner error={ops.error} onRetry={ops.reload} />
      {ops.value === undefined ? null : (
        <DataTable
          caption={<FormattedMessage id="operator.ops.caption" values={{ count: ops.value.length }} />}
          rows={[...ops.value].sort((a, b) => b.createdAt.localeCompare(a.createdAt))}
          rowKey={(o) => o.id}
          columns={[
            { header: <FormattedMessage id="operator.ops.kind" />, cell: (o) => <FormattedMessage id={`operator.opKind.${o.kind}`} defaultMessage={o.kind} /> },
            { header: <FormattedMessage id="operator.ops.status" />, cell: (o) => <OperationStatus status={o.status} /> },
            { header: <FormattedMessage id="operator.ops.progress" />, numeric: true, cell: (o) => <FormattedMessage id="operator.ops.percent" values={{ percent: o.progress / 100 }} /> },
            { header: <FormattedMessage id="operator.ops.step" />, cell: (o) => (o.step === '' ? '—' : o.step === 'done' ? <FormattedMessage id="common.done" /> : <StepName step={o.step} />) },
            { header: <FormattedMessage id="operator.ops.started" />, cell: (o) => <DateTime value={o.createdAt} /> },
          ]}
        />
      )}
    </>
  );
}

function Usage({ tenantId }: { tenantId: string }) {
  const { cp } = useSession();
  const usage = useAsync((signal) => cp.get<{ items: UsageItem[] }>(`/v1/tenants/${tenantId}/usage`, { signal }), [cp, tenantId]);
  const totals = new Map<string, bigint>();
  for (const u of usage.value?.items ?? []) totals.set(u.metric, (totals.get(u.metric) ?? 0n) + BigInt(u.quantity));
  const rows = [...totals.entries()].map(([metric, quantity]) => ({ metric, quantity }));
  return (
    <>
      <ErrorBanner error={usage.error} onRetry={usage.reload} />
      {usage.value === undefined ? null : (
        <DataTable
          caption={<FormattedMessage id="operator.usage.caption" />}
          rows={rows}
          rowKey={(r) => r.metric}
          columns={[
            { header: <FormattedMessage id="operator.usage.metric" />, cell: (r) => <MetricName metric={r.metric} /> },
            { header: <FormattedMessage id="operator.usage.quantity" />, numeric: true, cell: (r) => <Quantity value={r.quantity} /> },
          ]}
        />
      )}
    </>
  );
}

function MetricName({ metric }: { metric: string }) {
  const known: Record<string, string> = { 'api.requests': 'operator.metric.apiRequests', 'ledger.tx': 'operator.metric.ledgerTx', 'plan.shared': 'operator.metric.planShared', 'plan.dedicated': 'operator.metric.planDedicated' };
  return known[metric] === undefined ? <span className="mono">{metric.replace('.', ' ')}</span> : <FormattedMessage id={known[metric]} />;
}

const NEXT_STATUS: Record<string, readonly ('issued' | 'paid' | 'void')[]> = { draft: ['issued', 'void'], issued: ['paid', 'void'], paid: [], void: [] };

function Invoices({ tenantId }: { tenantId: string }) {
  const { cp } = useSession();
  const intl = useIntl();
  const invoices = useAsync((signal) => cp.get<{ items: Invoice[] }>(`/v1/tenants/${tenantId}/invoices`, { signal }), [cp, tenantId]);
  const [period, setPeriod] = useState(() => new Date().toISOString().slice(0, 7));
  const [periodError, setPeriodError] = useState(false);
  const compute = useAction(useCallback((p: string) => cp.post<Invoice>(`/v1/tenants/${tenantId}/invoices`, { period: p }), [cp, tenantId]));
  const move = useAction(useCallback((id: string, status: string) => cp.post<Invoice>(`/v1/invoices/${id}/status`, { status }), [cp]));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = /^\d{4}-(0[1-9]|1[0-2])$/.test(period.trim());
    setPeriodError(!ok);
    if (!ok) return;
    if ((await compute.run(period.trim())) !== undefined) invoices.reload();
  };
  return (
    <>
      <form className="inline" onSubmit={(e) => void submit(e)} noValidate aria-label={intl.formatMessage({ id: 'operator.invoices.compute' })}>
        <Field label={<FormattedMessage id="operator.invoices.period" />} hint={<FormattedMessage id="operator.invoices.periodHint" />} error={periodError ? <FormattedMessage id="operator.invoices.periodInvalid" /> : undefined}>
          {({ id, describedBy, invalid }) => <input id={id} name="period" size={9} aria-describedby={describedBy} aria-invalid={invalid} value={period} onChange={(e) => setPeriod(e.target.value)} />}
        </Field>
        <button type="submit" disabled={compute.running}>
          <FormattedMessage id="operator.invoices.compute" />
        </button>
      </form>
      <ErrorBanner error={compute.error ?? move.error} />
      <ErrorBanner error={invoices.error} onRetry={invoices.reload} />
      {invoices.value === undefined ? null : (
        <DataTable
          caption={<FormattedMessage id="operator.invoices.caption" values={{ count: invoices.value.items.length }} />}
          rows={invoices.value.items}
          rowKey={(i) => i.id}
          columns={[
            { header: <FormattedMessage id="operator.invoices.period" />, cell: (i) => i.period },
            {
              header: <FormattedMessage id="operator.invoices.lines" />,
              cell: (i) => (
                <ul className="plain">
                  {i.lines.map((l) => (
                    <li key={l.item}>
                      <MetricName metric={l.item} />: <Quantity value={l.quantity} /> — <Money minor={l.amountMinor} currency={i.currency} />
                    </li>
                  ))}
                </ul>
              ),
            },
            { header: <FormattedMessage id="operator.invoices.total" />, numeric: true, cell: (i) => <Money minor={i.totalMinor} currency={i.currency} /> },
            {
              header: <FormattedMessage id="operator.invoices.status" />,
              cell: (i) => (
                <StatusBadge tone={i.status === 'paid' ? 'ok' : i.status === 'void' ? 'neutral' : 'warn'}>
                  <FormattedMessage id={`operator.invoiceStatus.${i.status}`} defaultMessage={i.status} />
                </StatusBadge>
              ),
            },
            {
              header: <FormattedMessage id="operator.invoices.actions" />,
              cell: (i) =>
                (NEXT_STATUS[i.status] ?? []).map((s) => (
                  <button
                    key={s}
                    type="button"
                    className={s === 'void' ? 'danger small' : 'small'}
                    disabled={move.running}
                    onClick={() => void move.run(i.id, s).then((r) => r !== undefined && invoices.reload())}
                  >
                    <FormattedMessage id={`operator.invoices.to.${s}`} values={{ period: i.period }} />
                  </button>
                )),
            },
          ]}
        />
      )}
    </>
  );
}

interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly objectType: string;
}

function AuditLog({ tenantId, refresh }: { tenantId: string; refresh: number }) {
  const { cp } = useSession();
  const log = useAsync((signal) => cp.get<{ items: AuditEntry[] }>('/v1/audit', { signal, query: { tenantId } }), [cp, tenantId, refresh]);
  return (
    <>
      <ErrorBanner error={log.error} onRetry={log.reload} />
      {log.value === undefined ? null : (
        <DataTable
          caption={<FormattedMessage id="operator.audit.caption" />}
          rows={log.value.items.slice(0, 15)}
          rowKey={(e) => e.id}
          columns={[
            { header: <FormattedMessage id="operator.audit.at" />, cell: (e) => <DateTime value={e.at} /> },
            { header: <FormattedMessage id="operator.audit.action" />, cell: (e) => <span className="mono">{e.action.replace('.', ' · ')}</span> },
            { header: <FormattedMessage id="operator.audit.actor" />, cell: (e) => <span className="mono">{e.actor}</span> },
          ]}
        />
      )}
    </>
  );
}

export function TenantDetail() {
  const { id = '' } = useParams();
  const { cp } = useSession();
  const tenantState = useAsync((signal) => cp.get<TenantView>(`/v1/tenants/${id}`, { signal }), [cp, id]);
  const [override, setOverride] = useState<TenantView | null>(null);
  const [moveOp, setMoveOp] = useState<OperationView | null>(null);
  const [changes, setChanges] = useState(0);
  const moveAction = useAction(useCallback(() => cp.post<OperationView>(`/v1/tenants/${id}/move-to-dedicated`, {}), [cp, id]));
  const tenant = override?.id === id ? override : tenantState.value;
  const updated = useCallback((t: TenantView) => {
    setOverride(t);
    setChanges((c) => c + 1);
  }, []);
  const opDone = useCallback(() => {
    setOverride(null);
    tenantState.reload();
    setChanges((c) => c + 1);
  }, [tenantState]);

  if (tenant === undefined)
    return (
      <>
        <PageHeader title={<FormattedMessage id="operator.tenant.title" />} />
        <ErrorBanner error={tenantState.error} onRetry={tenantState.reload} />
        {tenantState.error === undefined ? <Loading /> : null}
      </>
    );
  return (
    <>
      <PageHeader title={tenant.name} lead={<FormattedMessage id="operator.tenant.lead" values={{ member: tenant.memberId }} />} />
      <section className="panel" aria-labelledby="tenant-summary">
        <h2 id="tenant-summary">
          <FormattedMessage id="operator.tenant.summary" />
        </h2>
        <dl className="kv">
          <div>
            <dt>
              <FormattedMessage id="operator.tenant.plan" />
            </dt>
            <dd>
              <PlanName plan={tenant.plan} />
            </dd>
          </div>
          <div>
            <dt>
              <FormattedMessage id="operator.tenant.status" />
            </dt>
            <dd>
              <TenantStatus status={tenant.status} />
            </dd>
          </div>
          <div>
            <dt>
              <FormattedMessage id="operator.tenant.member" />
            </dt>
            <dd className="mono">{tenant.memberId}</dd>
          </div>
          <div>
            <dt>
              <FormattedMessage id="operator.tenant.created" />
            </dt>
            <dd>
              <DateTime value={tenant.createdAt} />
            </dd>
          </div>
        </dl>
      </section>
      <section className="panel" aria-labelledby="tenant-quotas">
        <h2 id="tenant-quotas">
          <FormattedMessage id="operator.quotas.title" />
        </h2>
        <QuotaForm key={tenant.id} tenant={tenant} onSaved={updated} />
      </section>
      <section className="panel" aria-labelledby="tenant-status">
        <h2 id="tenant-status">
          <FormattedMessage id="operator.status.title" />
        </h2>
        <StatusControl tenant={tenant} onChanged={updated} />
      </section>
      <section className="panel" aria-labelledby="tenant-ops">
        <h2 id="tenant-ops">
          <FormattedMessage id="operator.ops.title" />
        </h2>
        {tenant.plan === 'shared' ? (
          <p>
            <FormattedMessage id="operator.dedicated.lead" />{' '}
            <button type="button" disabled={tenant.status !== 'active' || moveAction.running || moveOp !== null} onClick={() => void moveAction.run().then((op) => op !== undefined && setMoveOp(op))}>
              <FormattedMessage id="operator.dedicated.move" />
            </button>
          </p>
        ) : null}
        <ErrorBanner error={moveAction.error} />
        <Operations tenant={tenant} started={moveOp} onDone={opDone} />
      </section>
      <section className="panel" aria-labelledby="tenant-usage">
        <h2 id="tenant-usage">
          <FormattedMessage id="operator.usage.title" />
        </h2>
        <Usage tenantId={tenant.id} />
      </section>
      <section className="panel" aria-labelledby="tenant-invoices">
        <h2 id="tenant-invoices">
          <FormattedMessage id="operator.invoices.title" />
        </h2>
        <Invoices tenantId={tenant.id} />
      </section>
      <section className="panel" aria-labelledby="tenant-audit">
        <h2 id="tenant-audit">
          <FormattedMessage id="operator.audit.title" />
        </h2>
        <AuditLog tenantId={tenant.id} refresh={changes} />
      </section>
    </>
  );
}
