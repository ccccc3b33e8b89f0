/**
 * The issuer's side. "My issues" lists the tenant's issue decisions with their registration
 * status; one issue's page follows its placement (applications: requested vs allocated and the
 * refund, pro rata when oversubscribed — a preview while pending, the chain's figures once
 * closed), closes it, and redeems: early (when the terms let the issuer) and at maturity.
 */
import type { CfaAsset } from '@konsortium/client';
import { type FormEvent, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { Link, useParams } from 'react-router-dom';
import { DataTable, DateTime, ErrorBanner, Field, Loading, Notice, PageHeader, Quantity, StatusBadge } from '../../ui/components.js';
import { useCfa } from './context.js';
import { useApplications, useOwners } from './hooks.js';
import { allocationRows, canClosePlacement, earlyRedemptionOpen, feeFor, parseUnits, placementWindow, product, type Problem } from './model.js';
import { OperationStatus, useCfaOperation } from './operation.js';
import { Account, AssetLink, AssetStatus, Rub, Section, Terms } from './parts.js';

export function IssuesList() {
  const { assets, account, now } = useCfa();
  const mine = (assets.value ?? []).filter((a) => a.issuer === account);
  return (
    <>
      <PageHeader
        title={<FormattedMessage id="cfa.issues.title" />}
        lead={<FormattedMessage id="cfa.issues.lead" />}
        actions={
          <Link to="/cfa/issue" className="button-link">
            <FormattedMessage id="cfa.issues.new" />
          </Link>
        }
      />
      <ErrorBanner error={assets.error} onRetry={assets.reload} />
      {assets.value === undefined ? (
        <Loading />
      ) : (
        <DataTable
          caption={<FormattedMessage id="cfa.issues.caption" values={{ count: mine.length }} />}
          rowKey={(a) => a.code}
          rows={mine}
          columns={[
            {
              header: <FormattedMessage id="cfa.col.asset" />,
              cell: (a) => (
                <Link to={`/cfa/issues/${encodeURIComponent(a.code)}`}>
                  <code>{a.code}</code>
                </Link>
              ),
            },
            { header: <FormattedMessage id="cfa.col.name" />, cell: (a) => a.decision.name },
            { header: <FormattedMessage id="cfa.col.status" />, cell: (a) => <AssetStatus status={a.status} /> },
            { header: <FormattedMessage id="cfa.col.window" />, cell: (a) => <WindowBadge asset={a} now={now} /> },
            { header: <FormattedMessage id="cfa.col.requested" />, numeric: true, cell: (a) => <FormattedMessage id="cfa.ofVolume" values={{ n: a.requested, volume: a.decision.volume }} /> },
            { header: <FormattedMessage id="cfa.col.issued" />, numeric: true, cell: (a) => <Quantity value={a.issued} /> },
            { header: <FormattedMessage id="cfa.col.redeemed" />, numeric: true, cell: (a) => <Quantity value={a.redeemed} /> },
          ]}
        />
      )}
    </>
  );
}

export function WindowBadge({ asset, now }: { asset: CfaAsset; now: number }) {
  const w = placementWindow(asset, now);
  return (
    <StatusBadge tone={w === 'open' ? 'ok' : w === 'ended' ? 'warn' : 'neutral'}>
      <FormattedMessage id={`cfa.window.${w}`} />
    </StatusBadge>
  );
}

export function IssueManage() {
  const { code = '' } = useParams();
  const { assets, account } = useCfa();
  const asset = assets.value?.find((a) => a.code === code);
  if (asset === undefined) {
    return (
      <>
        <PageHeader title={<FormattedMessage id="cfa.manage.title" values={{ code }} />} />
        <ErrorBanner error={assets.error} onRetry={assets.reload} />
        {assets.value === undefined ? (
          <Loading />
        ) : (
          <Notice>
            <FormattedMessage id="cfa.asset.unknown" values={{ code }} />
          </Notice>
        )}
      </>
    );
  }
  return (
    <>
      <PageHeader
        title={<FormattedMessage id="cfa.manage.title" values={{ code }} />}
        lead={
          <>
            {asset.decision.name} · <AssetStatus status={asset.status} /> · <AssetLink code={code} />
          </>
        }
      />
      {asset.issuer !== account ? (
        <Notice>
          <FormattedMessage id="cfa.manage.notIssuer" values={{ issuer: <code>{asset.issuer}</code> }} />
        </Notice>
      ) : null}
      <Registration asset={asset} />
      <Placement asset={asset} isIssuer={asset.issuer === account} />
      <Redemption asset={asset} isIssuer={asset.issuer === account} />
    </>
  );
}

function Registration({ asset }: { asset: CfaAsset }) {
  return (
    <Section id="registration" title={<FormattedMessage id="cfa.manage.registration" />}>
      <Terms
        items={[
          [<FormattedMessage id="cfa.col.status" />, <AssetStatus status={asset.status} />],
          [<FormattedMessage id="cfa.stamp.filed" />, <Stamp at={asset.filed} />],
          ...(asset.registered === null ? [] : ([[<FormattedMessage id="cfa.stamp.registered" />, <Stamp at={asset.registered} />]] as const)),
          ...(asset.rejected === null
            ? []
            : ([
                [<FormattedMessage id="cfa.stamp.rejected" />, <Stamp at={asset.rejected} />],
                [<FormattedMessage id="cfa.stamp.reason" />, asset.rejected.reason],
              ] as const)),
        ]}
      />
      {asset.status === 'filed' ? (
        <p className="hint">
          <FormattedMessage id="cfa.manage.awaiting" />
        </p>
      ) : null}
    </Section>
  );
}

export function Stamp({ at }: { at: { height: number; timestamp: number } }) {
  return <FormattedMessage id="cfa.stamp.at" values={{ time: <DateTime value={at.timestamp} />, height: at.height }} />;
}

function Placement({ asset, isIssuer }: { asset: CfaAsset; isIssuer: boolean }) {
  const { now } = useCfa();
  const apps = useApplications([asset]);
  const op = useCfaOperation();
  const rows = allocationRows(apps.value ?? [], asset.decision.volume);
  const pending = rows.filter((r) => r.preview);
  const requestedPending = pending.reduce((s, r) => s + r.requested, 0);
  const oversubscribed = requestedPending > asset.decision.volume;
  const closable = canClosePlacement(asset, now);
  const d = asset.decision;
  return (
    <Section id="placement" title={<FormattedMessage id="cfa.manage.placement" />}>
      <Terms
        items={[
          [<FormattedMessage id="cfa.terms.window" />, <FormattedMessage id="cfa.terms.range" values={{ from: <DateTime value={d.placementStart} />, to: <DateTime value={d.placementEnd} /> }} />],
          [<FormattedMessage id="cfa.manage.windowState" />, <WindowBadge asset={asset} now={now} />],
          [<FormattedMessage id="cfa.issue.f.placementPrice" />, <Rub minor={d.placementPrice} />],
          [<FormattedMessage id="cfa.issue.f.volume" />, <Quantity value={d.volume} />],
          [<FormattedMessage id="cfa.col.requested" />, <Quantity value={asset.status === 'registered' || asset.status === 'placing' ? asset.requested : rows.reduce((s, r) => s + r.requested, 0)} />],
          [<FormattedMessage id="cfa.col.issued" />, <Quantity value={asset.issued} />],
          [<FormattedMessage id="cfa.manage.proceeds" />, <Rub minor={asset.proceeds} />],
        ]}
      />
      <ErrorBanner error={apps.error} onRetry={apps.reload} />
      {pending.length > 0 ? (
        <Notice>
          {oversubscribed ? (
            <FormattedMessage id="cfa.manage.oversubscribed" values={{ requested: requestedPending, volume: d.volume }} />
          ) : (
            <FormattedMessage id="cfa.manage.undersubscribed" values={{ requested: requestedPending, volume: d.volume }} />
          )}
        </Notice>
      ) : null}
      <DataTable
        caption={<FormattedMessage id="cfa.alloc.caption" values={{ count: rows.length }} />}
        rowKey={(r) => r.id}
        rows={rows}
        columns={[
          { header: <FormattedMessage id="cfa.col.application" />, cell: (r) => <code>{r.id}</code> },
          { header: <FormattedMessage id="cfa.col.investor" />, cell: (r) => <Account id={r.investor} /> },
          { header: <FormattedMessage id="cfa.col.requested" />, numeric: true, cell: (r) => <Quantity value={r.requested} /> },
          {
            header: <FormattedMessage id="cfa.col.allocated" />,
            numeric: true,
            cell: (r) => (
              <span data-allocated={r.id}>
                <Quantity value={r.allocated} />
                {r.preview ? (
                  <>
                    {' '}
                    <small>
                      <FormattedMessage id="cfa.alloc.ifClosedNow" />
                    </small>
                  </>
                ) : null}
              </span>
            ),
          },
          { header: <FormattedMessage id="cfa.col.paid" />, numeric: true, cell: (r) => <Rub minor={r.paid} /> },
          { header: <FormattedMessage id="cfa.col.refund" />, numeric: true, cell: (r) => <span data-refund={r.id}><Rub minor={r.refund} /></span> },
          { header: <FormattedMessage id="cfa.col.status" />, cell: (r) => <FormattedMessage id={`cfa.app.${r.status}`} /> },
        ]}
      />
      {isIssuer && (asset.status === 'registered' || asset.status === 'placing') ? (
        <div className="action-row">
          <button type="button" className="primary" disabled={!closable || op.busy} onClick={() => void op.submit('closePlacement', { asset: asset.code })}>
            <FormattedMessage id="cfa.manage.close" />
          </button>
          <span className="hint">
            <FormattedMessage id={closable ? 'cfa.manage.closeHint' : 'cfa.manage.closeNotYet'} values={{ end: <DateTime value={d.placementEnd} /> }} />
          </span>
        </div>
      ) : null}
      <OperationStatus state={op} />
    </Section>
  );
}

function Redemption({ asset, isIssuer }: { asset: CfaAsset; isIssuer: boolean }) {
  const { now, fees, wallet } = useCfa();
  const owners = useOwners(asset.code);
  const d = asset.decision;
  const outstanding = asset.issued - asset.redeemed;
  const holders = owners.value?.value ?? {};
  const total = Object.values(holders).reduce((s, u) => s + (product(u, d.redemptionPrice) ?? 0), 0);
  const fee = feeFor(fees.value?.value, 'redemption', total);
  const available = wallet.value === undefined ? 0 : wallet.value.money.value.balance - wallet.value.money.value.locked;
  const matured = now >= d.maturityDate;
  const op = useCfaOperation();
  if (asset.status !== 'placed' && asset.status !== 'redeemed' && asset.status !== 'closed') return null;
  return (
    <Section id="redemption" title={<FormattedMessage id="cfa.manage.redemption" />}>
      <Terms
        items={[
          [<FormattedMessage id="cfa.issue.f.maturityDate" />, <DateTime value={d.maturityDate} />],
          [<FormattedMessage id="cfa.issue.f.redemptionPrice" />, <Rub minor={d.redemptionPrice} />],
          [<FormattedMessage id="cfa.col.outstanding" />, <Quantity value={outstanding} />],
          [<FormattedMessage id="cfa.manage.redeemCost" />, <Rub minor={total} />],
          [<FormattedMessage id="cfa.fee.estimate" />, <Rub minor={fee} />],
        ]}
      />
      {isIssuer && (asset.status === 'placed' || asset.status === 'redeemed') ? (
        <div className="action-row">
          <button type="button" className="primary" disabled={!matured || op.busy || available < total + fee} onClick={() => void op.submit('redeem', { asset: asset.code })}>
            <FormattedMessage id="cfa.manage.redeem" />
          </button>
          <span className="hint">
            {!matured ? (
              <FormattedMessage id="cfa.manage.redeemNotYet" values={{ at: <DateTime value={d.maturityDate} /> }} />
            ) : available < total + fee ? (
              <FormattedMessage id="cfa.manage.redeemShort" values={{ available: <Rub minor={available} />, needed: <Rub minor={total + fee} /> }} />
            ) : (
              <FormattedMessage id="cfa.manage.redeemHint" />
            )}
          </span>
        </div>
      ) : null}
      <OperationStatus state={op} />
      {isIssuer && earlyRedemptionOpen(asset, now, 'issuer') ? <IssuerEarlyRedemption asset={asset} holders={holders} /> : null}
    </Section>
  );
}

function IssuerEarlyRedemption({ asset, holders }: { asset: CfaAsset; holders: Readonly<Record<string, number>> }) {
  const intl = useIntl();
  const { fees } = useCfa();
  const list = Object.keys(holders);
  const [holder, setHolder] = useState(list[0] ?? '');
  const [qty, setQty] = useState('');
  const [problem, setProblem] = useState<Problem | undefined>();
  const op = useCfaOperation(() => setQty(''));
  const price = asset.decision.earlyRedemption?.price ?? 0;
  const parsed = parseUnits(qty);
  const money = parsed.ok ? (product(parsed.value, price) ?? 0) : 0;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = parseUnits(qty);
    if (!p.ok) return setProblem(p.problem);
    if (p.value > (holders[holder] ?? 0)) return setProblem({ id: 'cfa.v.moreThanHeld', values: { held: holders[holder] ?? 0 } });
    setProblem(undefined);
    void op.submit('redeemEarly', { asset: asset.code, holder, quantity: p.value });
  };
  return (
    <form className="inline" onSubmit={submit} noValidate aria-label={intl.formatMessage({ id: 'cfa.manage.earlyByIssuer' })}>
      <h3>
        <FormattedMessage id="cfa.manage.earlyByIssuer" />
      </h3>
      <Field label={<FormattedMessage id="cfa.col.holder" />}>
        {({ id }) => (
          <select id={id} name="holder" value={holder} onChange={(e) => setHolder(e.target.value)}>
            {list.map((h) => (
              <option key={h} value={h}>
                {h}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={<FormattedMessage id="cfa.f.quantity" />} error={problem === undefined ? undefined : <FormattedMessage id={problem.id} values={problem.values} />} hint={<FormattedMessage id="cfa.trade.payment" values={{ amount: <Rub minor={money} /> }} />}>
        {({ id, describedBy, invalid }) => <input id={id} name="quantity" inputMode="numeric" aria-describedby={describedBy} aria-invalid={invalid} value={qty} onChange={(e) => setQty(e.target.value)} />}
      </Field>
      <span className="hint">
        <FormattedMessage id="cfa.fee.line" values={{ fee: <Rub minor={feeFor(fees.value?.value, 'early-redemption', money)} /> }} />
      </span>
      <button type="submit" disabled={op.busy || list.length === 0}>
        <FormattedMessage id="cfa.trade.redeemEarly" />
      </button>
      <OperationStatus state={op} />
    </form>
  );
}
