/**
 * Primary placement, the investor's side: registered issues and their windows, an application
 * (which reserves quantity × placement price of the investor's money until the close), and the
 * investor's applications with what was allocated and refunded; a pending one can be withdrawn
 * while the window is open.
 */
import type { CfaApplication, CfaAsset } from '@konsortium/client';
import { type FormEvent, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { DataTable, DateTime, ErrorBanner, Field, Loading, PageHeader, Quantity } from '../../ui/components.js';
import { useCfa } from './context.js';
import { useApplications } from './hooks.js';
import { WindowBadge } from './Issues.js';
import { parseUnits, placementWindow, product, type Problem } from './model.js';
import { OperationStatus, useCfaOperation } from './operation.js';
import { AssetLink, Rub, Section } from './parts.js';

export function PlacementPage() {
  const { assets, now, account } = useCfa();
  const all = assets.value ?? [];
  const listed = all.filter((a) => a.status === 'registered' || a.status === 'placing');
  const open = listed.filter((a) => placementWindow(a, now) === 'open');
  const apps = useApplications(all);
  const mine = (apps.value ?? []).filter((a) => a.investor === account);
  return (
    <>
      <PageHeader title={<FormattedMessage id="cfa.placement.title" />} lead={<FormattedMessage id="cfa.placement.lead" />} />
      <ErrorBanner error={assets.error} onRetry={assets.reload} />
      <Section id="offerings" title={<FormattedMessage id="cfa.placement.offerings" />}>
        {assets.value === undefined ? (
          <Loading />
        ) : (
          <DataTable
            caption={<FormattedMessage id="cfa.placement.caption" values={{ count: listed.length }} />}
            rowKey={(a) => a.code}
            rows={listed}
            columns={[
              { header: <FormattedMessage id="cfa.col.asset" />, cell: (a) => <AssetLink code={a.code} /> },
              { header: <FormattedMessage id="cfa.col.name" />, cell: (a) => a.decision.name },
              { header: <FormattedMessage id="cfa.col.price" />, numeric: true, cell: (a) => <Rub minor={a.decision.placementPrice} /> },
              { header: <FormattedMessage id="cfa.col.requested" />, numeric: true, cell: (a) => <FormattedMessage id="cfa.ofVolume" values={{ n: a.requested, volume: a.decision.volume }} /> },
              { header: <FormattedMessage id="cfa.col.until" />, cell: (a) => <DateTime value={a.decision.placementEnd} /> },
              { header: <FormattedMessage id="cfa.col.window" />, cell: (a) => <WindowBadge asset={a} now={now} /> },
            ]}
          />
        )}
      </Section>
      <ApplyForm open={open} />
      <Section id="my-applications" title={<FormattedMessage id="cfa.placement.mine" />}>
        <ErrorBanner error={apps.error} onRetry={apps.reload} />
        {apps.value === undefined ? <Loading /> : <MyApplications apps={mine} />}
      </Section>
    </>
  );
}

function ApplyForm({ open }: { open: readonly CfaAsset[] }) {
  const intl = useIntl();
  const { wallet } = useCfa();
  const [code, setCode] = useState('');
  const [qty, setQty] = useState('');
  const [problem, setProblem] = useState<Problem | undefined>();
  const op = useCfaOperation(() => setQty(''));
  const asset = open.find((a) => a.code === code) ?? open[0];
  const available = wallet.value === undefined ? 0 : wallet.value.money.value.balance - wallet.value.money.value.locked;
  const parsed = parseUnits(qty);
  const cost = asset !== undefined && parsed.ok ? product(parsed.value, asset.decision.placementPrice) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (asset === undefined) return;
    const p = parseUnits(qty);
    if (!p.ok) return setProblem(p.problem);
    if (p.value > asset.decision.volume) return setProblem({ id: 'cfa.v.overVolume', values: { volume: asset.decision.volume } });
    const money = product(p.value, asset.decision.placementPrice);
    if (money === null) return setProblem({ id: 'cfa.v.tooLarge' });
    if (money > available) return setProblem({ id: 'cfa.v.notEnoughMoney', values: { available: intl.formatNumber(available / 100, { style: 'currency', currency: 'RUB' }) } });
    setProblem(undefined);
    void op.submit('apply', { asset: asset.code, quantity: p.value });
  };
  return (
    <Section id="apply" title={<FormattedMessage id="cfa.placement.apply" />}>
      {open.length === 0 ? (
        <p>
          <FormattedMessage id="cfa.placement.noneOpen" />
        </p>
      ) : (
        <form className="inline" onSubmit={submit} noValidate aria-label={intl.formatMessage({ id: 'cfa.placement.apply' })}>
          <Field label={<FormattedMessage id="cfa.col.asset" />}>
            {({ id }) => (
              <select id={id} name="asset" value={asset?.code ?? ''} onChange={(e) => setCode(e.target.value)}>
                {open.map((a) => (
                  <option key={a.code} value={a.code}>
                    {a.code} — {a.decision.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label={<FormattedMessage id="cfa.f.quantity" />}
            hint={<FormattedMessage id="cfa.placement.reserve" values={{ amount: <Rub minor={cost ?? 0} />, available: <Rub minor={available} /> }} />}
            error={problem === undefined ? undefined : <FormattedMessage id={problem.id} values={problem.values} />}
          >
            {({ id, describedBy, invalid }) => <input id={id} name="quantity" inputMode="numeric" autoComplete="off" aria-describedby={describedBy} aria-invalid={invalid} value={qty} onChange={(e) => setQty(e.target.value)} />}
          </Field>
          <button type="submit" className="primary" disabled={op.busy}>
            <FormattedMessage id="cfa.placement.submit" />
          </button>
        </form>
      )}
      <OperationStatus state={op} />
    </Section>
  );
}

function MyApplications({ apps }: { apps: readonly CfaApplication[] }) {
  const { assets, now } = useCfa();
  const op = useCfaOperation();
  const endOf = (code: string) => assets.value?.find((a) => a.code === code)?.decision.placementEnd ?? 0;
  return (
    <>
      <DataTable
        caption={<FormattedMessage id="cfa.placement.mineCaption" values={{ count: apps.length }} />}
        rowKey={(a) => a.id}
        rows={apps}
        columns={[
          { header: <FormattedMessage id="cfa.col.application" />, cell: (a) => <code>{a.id}</code> },
          { header: <FormattedMessage id="cfa.col.asset" />, cell: (a) => <AssetLink code={a.asset} /> },
          { header: <FormattedMessage id="cfa.col.requested" />, numeric: true, cell: (a) => <Quantity value={a.quantity} /> },
          { header: <FormattedMessage id="cfa.col.reserved" />, numeric: true, cell: (a) => <Rub minor={a.money} /> },
          { header: <FormattedMessage id="cfa.col.status" />, cell: (a) => <FormattedMessage id={`cfa.app.${a.status}`} /> },
          { header: <FormattedMessage id="cfa.col.allocated" />, numeric: true, cell: (a) => (a.status === 'pending' ? '—' : <span data-allocated={a.id}><Quantity value={a.allocated} /></span>) },
          { header: <FormattedMessage id="cfa.col.refund" />, numeric: true, cell: (a) => (a.status === 'pending' ? '—' : <span data-refund={a.id}><Rub minor={a.money - a.allocated * a.price} /></span>) },
          {
            header: <FormattedMessage id="cfa.col.actions" />,
            cell: (a) =>
              a.status === 'pending' && now < endOf(a.asset) ? (
                <button type="button" className="danger" disabled={op.busy} onClick={() => void op.submit('withdrawApplication', { application: a.id })}>
                  <FormattedMessage id="cfa.placement.withdraw" values={{ id: a.id }} />
                </button>
              ) : (
                '—'
              ),
          },
        ]}
      />
      <OperationStatus state={op} />
    </>
  );
}
