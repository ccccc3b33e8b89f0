/**
 * One asset: its terms (the issue decision) and status, the holders registry at the latest
 * block or at a chosen height (verified against that block), the movement log — every credit
 * and debit with its cause, gifts and inheritance marked as having no money leg — page by page,
 * and the fees charged to the tenant for operations on it.
 */
import { type CfaAsset, type CfaAssetMove, type CfaMoneyMove, readCfaMoneyMoves, readCfaMoves } from '@konsortium/client';
import { type FormEvent, useState } from 'react';
import { FormattedMessage, FormattedNumber, useIntl } from 'react-intl';
import { Link, useParams } from 'react-router-dom';
import { DataTable, DateTime, ErrorBanner, Field, Loading, Notice, PageHeader, Quantity, StatusBadge } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import { useCfa } from './context.js';
import { useOwners } from './hooks.js';
import { Stamp } from './Issues.js';
import { parseUnits, type Problem, share } from './model.js';
import { Account, AssetStatus, Rub, Section, Terms, VerifiedMark } from './parts.js';

const PAGE = 50;
/** Money movements scanned for this asset's fees (newest first). */
const FEE_SCAN = 500;

export function AssetPage() {
  const { code = '' } = useParams();
  const { assets, account } = useCfa();
  const asset = assets.value?.find((a) => a.code === code);
  if (asset === undefined) {
    return (
      <>
        <PageHeader title={<FormattedMessage id="cfa.asset.title" values={{ code, name: '' }} />} />
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
        title={<FormattedMessage id="cfa.asset.title" values={{ code, name: asset.decision.name }} />}
        lead={
          <>
            <AssetStatus status={asset.status} /> · <FormattedMessage id="cfa.asset.issuer" values={{ issuer: <Account id={asset.issuer} /> }} />
            {asset.issuer === account ? (
              <>
                {' · '}
                <Link to={`/cfa/issues/${encodeURIComponent(code)}`}>
                  <FormattedMessage id="cfa.asset.manage" />
                </Link>
              </>
            ) : null}
          </>
        }
      />
      <AssetTerms asset={asset} />
      <Holders asset={asset} />
      <Movements asset={asset} />
      <Fees asset={asset} />
    </>
  );
}

function AssetTerms({ asset }: { asset: CfaAsset }) {
  const d = asset.decision;
  const e = d.earlyRedemption;
  return (
    <Section id="terms" title={<FormattedMessage id="cfa.asset.terms" />}>
      <Terms
        items={[
          [<FormattedMessage id="cfa.issue.f.volume" />, <Quantity value={d.volume} />],
          [<FormattedMessage id="cfa.issue.f.nominal" />, <Rub minor={d.nominal} />],
          [<FormattedMessage id="cfa.issue.f.placementPrice" />, <Rub minor={d.placementPrice} />],
          [<FormattedMessage id="cfa.terms.window" />, <FormattedMessage id="cfa.terms.range" values={{ from: <DateTime value={d.placementStart} />, to: <DateTime value={d.placementEnd} /> }} />],
          [<FormattedMessage id="cfa.issue.f.maturityDate" />, <DateTime value={d.maturityDate} />],
          [<FormattedMessage id="cfa.issue.f.redemptionPrice" />, <Rub minor={d.redemptionPrice} />],
          [
            <FormattedMessage id="cfa.issue.early" />,
            e === null ? (
              <FormattedMessage id="cfa.terms.noEarly" />
            ) : (
              <FormattedMessage id="cfa.terms.earlyTerms" values={{ from: <DateTime value={e.from} />, price: <Rub minor={e.price} />, who: e.byHolder && e.byIssuer ? 'both' : e.byHolder ? 'holder' : 'issuer' }} />
            ),
          ],
          [<FormattedMessage id="cfa.issue.f.rights" />, <span className="prewrap">{d.rights}</span>],
          [<FormattedMessage id="cfa.col.issued" />, <Quantity value={asset.issued} />],
          [<FormattedMessage id="cfa.col.redeemed" />, <Quantity value={asset.redeemed} />],
          [<FormattedMessage id="cfa.col.outstanding" />, <span data-outstanding><Quantity value={asset.issued - asset.redeemed} /></span>],
          [<FormattedMessage id="cfa.stamp.filed" />, <Stamp at={asset.filed} />],
          [<FormattedMessage id="cfa.stamp.registered" />, asset.registered === null ? '—' : <Stamp at={asset.registered} />],
          [<FormattedMessage id="cfa.stamp.placementClosed" />, asset.placementClosed === null ? '—' : <Stamp at={asset.placementClosed} />],
        ]}
      />
    </Section>
  );
}

function Holders({ asset }: { asset: CfaAsset }) {
  const intl = useIntl();
  const { head } = useCfa();
  const [input, setInput] = useState('');
  const [height, setHeight] = useState<number | undefined>(undefined);
  const [problem, setProblem] = useState<Problem | undefined>();
  const owners = useOwners(asset.code, height);
  const entry = owners.value;
  const rows = Object.entries(entry?.value ?? {}).map(([acc, units]) => ({ acc, units }));
  const total = rows.reduce((s, r) => s + r.units, 0);
  const show = (e: FormEvent) => {
    e.preventDefault();
    if (input.trim() === '') {
      setProblem(undefined);
      setHeight(undefined);
      return;
    }
    const p = parseUnits(input, 0);
    if (!p.ok) return setProblem(p.problem);
    if (head !== null && p.value > head) return setProblem({ id: 'cfa.v.aboveHead', values: { head } });
    setProblem(undefined);
    setHeight(p.value);
  };
  return (
    <Section id="holders" title={<FormattedMessage id="cfa.holders.title" />} actions={<VerifiedMark entry={entry?.buckets} />}>
      <form className="inline" onSubmit={show} noValidate aria-label={intl.formatMessage({ id: 'cfa.holders.atHeight' })}>
        <Field label={<FormattedMessage id="cfa.holders.atHeight" />} hint={<FormattedMessage id="cfa.holders.atHint" />} error={problem === undefined ? undefined : <FormattedMessage id={problem.id} values={problem.values} />}>
          {({ id, describedBy, invalid }) => <input id={id} name="height" inputMode="numeric" autoComplete="off" aria-describedby={describedBy} aria-invalid={invalid} value={input} onChange={(e) => setInput(e.target.value)} />}
        </Field>
        <button type="submit">
          <FormattedMessage id="cfa.holders.show" />
        </button>
      </form>
      <ErrorBanner error={owners.error} onRetry={owners.reload} />
      {entry === undefined ? (
        <Loading />
      ) : (
        <DataTable
          caption={<FormattedMessage id={height === undefined ? 'cfa.holders.captionLatest' : 'cfa.holders.captionAt'} values={{ height: entry.height, count: rows.length }} />}
          rowKey={(r) => r.acc}
          rows={rows}
          columns={[
            { header: <FormattedMessage id="cfa.col.holder" />, cell: (r) => <Account id={r.acc} /> },
            { header: <FormattedMessage id="cfa.col.units" />, numeric: true, cell: (r) => <span data-holder={r.acc}><Quantity value={r.units} /></span> },
            { header: <FormattedMessage id="cfa.col.share" />, numeric: true, cell: (r) => <FormattedNumber value={share(r.units, total)} style="percent" maximumFractionDigits={2} /> },
          ]}
        />
      )}
    </Section>
  );
}

function Movements({ asset }: { asset: CfaAsset }) {
  const { client, channel, tick } = useCfa();
  const [from, setFrom] = useState(0);
  const moves = useAsync((signal) => readCfaMoves(client, channel, asset.code, { from, limit: PAGE, signal }), [client, channel, asset.code, from, tick]);
  const count = moves.value?.count ?? 0;
  return (
    <Section id="moves" title={<FormattedMessage id="cfa.moves.title" />}>
      <ErrorBanner error={moves.error} onRetry={moves.reload} />
      {moves.value === undefined ? (
        <Loading />
      ) : (
        <>
          <DataTable
            caption={<FormattedMessage id="cfa.moves.caption" values={{ from: Math.min(count, from + 1), to: Math.min(count, from + PAGE), count }} />}
            rowKey={(m: CfaAssetMove) => String(m.seq)}
            rows={moves.value.items.map((i) => i.value)}
            columns={[
              { header: <FormattedMessage id="cfa.col.seq" />, numeric: true, cell: (m) => m.seq },
              { header: <FormattedMessage id="cfa.col.time" />, cell: (m) => <DateTime value={m.timestamp} /> },
              { header: <FormattedMessage id="cfa.col.account" />, cell: (m) => <Account id={m.account} /> },
              {
                header: <FormattedMessage id="cfa.col.entry" />,
                cell: (m) => (
                  <StatusBadge tone={m.entry === 'credit' ? 'ok' : 'neutral'}>
                    <FormattedMessage id={`cfa.entry.${m.entry}`} />
                  </StatusBadge>
                ),
              },
              { header: <FormattedMessage id="cfa.col.units" />, numeric: true, cell: (m) => <Quantity value={m.quantity} /> },
              {
                header: <FormattedMessage id="cfa.col.cause" />,
                cell: (m) => (
                  <span data-cause={m.cause}>
                    <FormattedMessage id={`cfa.cause.${m.cause}`} />
                    {m.cause === 'gift' || m.cause === 'inheritance' ? (
                      <>
                        {' '}
                        <StatusBadge tone="warn">
                          <FormattedMessage id="cfa.moves.noMoney" />
                        </StatusBadge>
                      </>
                    ) : null}
                  </span>
                ),
              },
              { header: <FormattedMessage id="cfa.col.money" />, numeric: true, cell: (m) => (m.money === 0 ? '—' : <Rub minor={m.money} />) },
              { header: <FormattedMessage id="cfa.col.counterparty" />, cell: (m) => <Account id={m.counterparty} /> },
              { header: <FormattedMessage id="cfa.col.ref" />, cell: (m) => (m.ref === null ? '—' : <code className="ref">{m.ref}</code>) },
              { header: <FormattedMessage id="cfa.col.block" />, numeric: true, cell: (m) => m.height },
            ]}
          />
          <div className="pager">
            <button type="button" disabled={from === 0} onClick={() => setFrom(Math.max(0, from - PAGE))}>
              <FormattedMessage id="cfa.pager.prev" />
            </button>
            <button type="button" disabled={from + PAGE >= count} onClick={() => setFrom(from + PAGE)}>
              <FormattedMessage id="cfa.pager.next" />
            </button>
          </div>
        </>
      )}
    </Section>
  );
}

function Fees({ asset }: { asset: CfaAsset }) {
  const { client, channel, account, wallet } = useCfa();
  // The money log is read at the height of the proven money account, which gives its length.
  const money = wallet.value?.money;
  const fees = useAsync(
    async (signal) => {
      if (money === undefined) return undefined;
      const out: CfaMoneyMove[] = [];
      const stop = Math.max(0, money.value.moves - FEE_SCAN);
      for (let to = money.value.moves; to > stop; to -= 100) {
        const from = Math.max(stop, to - 100);
        const page = await readCfaMoneyMoves(client, channel, account, { from, limit: to - from, height: money.height, signal });
        out.push(...page.items.map((i) => i.value).filter((m) => m.cause === 'fee' && m.asset === asset.code && m.entry === 'debit'));
      }
      return out.sort((a, b) => b.seq - a.seq);
    },
    [client, channel, account, asset.code, money],
  );
  const total = (fees.value ?? []).reduce((s, m) => s + m.amount, 0);
  return (
    <Section id="fees-charged" title={<FormattedMessage id="cfa.asset.fees" />}>
      <ErrorBanner error={fees.error} onRetry={fees.reload} />
      {fees.value === undefined ? (
        <Loading />
      ) : (
        <DataTable
          caption={<FormattedMessage id="cfa.asset.feesCaption" values={{ total: <Rub minor={total} /> }} />}
          rowKey={(m) => String(m.seq)}
          rows={fees.value}
          columns={[
            { header: <FormattedMessage id="cfa.col.time" />, cell: (m) => <DateTime value={m.timestamp} /> },
            { header: <FormattedMessage id="cfa.col.operation" />, cell: (m) => (m.fee === null ? '—' : <FormattedMessage id={`cfa.feeOp.${m.fee}`} />) },
            { header: <FormattedMessage id="cfa.col.amount" />, numeric: true, cell: (m) => <Rub minor={m.amount} /> },
            { header: <FormattedMessage id="cfa.col.ref" />, cell: (m) => (m.ref === null ? '—' : <code className="ref">{m.ref}</code>) },
            { header: <FormattedMessage id="cfa.col.block" />, numeric: true, cell: (m) => m.height },
          ]}
        />
      )}
    </Section>
  );
}
