/**
 * Overview: the tenant's settlement money and assets as the node's registry holds them, each
 * registry entry verified in the browser against its block; the latest money movements and the
 * tenant's recent operations. Everything reloads when a new block arrives.
 */
import { type CfaMoneyMove, readCfaMoneyMoves } from '@konsortium/client';
import { FormattedMessage } from 'react-intl';
import { useSession } from '../../app/session.js';
import { DataTable, DateTime, ErrorBanner, Loading, PageHeader, Quantity, StatusBadge } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import { useCfa } from './context.js';
import type { CfaOperationView } from './operation.js';
import { Account, AssetLink, AssetStatus, Rub, Section, Terms, VerifiedMark } from './parts.js';

const RECENT = 10;

export function Overview() {
  const { wallet, assets, account, channel, client, tick, tenant } = useCfa();
  const { cp } = useSession();
  const w = wallet.value;
  const byCode = new Map((assets.value ?? []).map((a) => [a.code, a]));
  const rows = w === undefined ? [] : Object.entries(w.holdings.value).map(([code, units]) => ({ code, units, locked: w.locked.value[code] ?? 0, asset: byCode.get(code) }));

  // The latest movements, newest first, at the height of the money account shown above. The
  // proven account carries its log's length and open chunk, so a page is read only when that
  // chunk holds fewer than RECENT of them.
  const money = w?.money;
  const moves = useAsync(
    async (signal) => {
      if (money === undefined) return undefined;
      const { moves: count, recent } = money.value;
      if (recent.length >= Math.min(RECENT, count)) return recent.slice(-RECENT).reverse();
      const page = await readCfaMoneyMoves(client, channel, account, { from: Math.max(0, count - RECENT), limit: RECENT, height: money.height, signal });
      return page.items.map((i) => i.value).reverse();
    },
    [client, channel, account, money],
  );
  const ops = useAsync(
    async (signal) => {
      const all: CfaOperationView[] = [];
      let after: string | null | undefined;
      for (let i = 0; i < 5; i++) {
        const page = await cp.get<{ items: CfaOperationView[]; next?: string | null }>(`/v1/tenants/${tenant.id}/cfa/operations`, { query: { limit: 100, after: after ?? undefined }, signal });
        all.push(...page.items);
        after = page.next;
        if (after === null || after === undefined) break;
      }
      return all.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, RECENT);
    },
    [cp, tenant.id, tick],
  );

  return (
    <>
      <PageHeader
        title={<FormattedMessage id="cfa.overview.title" />}
        lead={<FormattedMessage id="cfa.overview.lead" values={{ account: <code>{account}</code>, channel: <code>{channel}</code> }} />}
      />
      <Section id="money" title={<FormattedMessage id="cfa.money.title" />} actions={<VerifiedMark entry={w?.money} />}>
        <ErrorBanner error={wallet.error} onRetry={wallet.reload} />
        {w === undefined ? (
          <Loading />
        ) : (
          <Terms
            items={[
              [<FormattedMessage id="cfa.money.balance" />, <span data-money="balance"><Rub minor={w.money.value.balance} /></span>],
              [<FormattedMessage id="cfa.money.locked" />, <span data-money="locked"><Rub minor={w.money.value.locked} /></span>],
              [<FormattedMessage id="cfa.money.available" />, <span data-money="available"><Rub minor={w.money.value.balance - w.money.value.locked} /></span>],
            ]}
          />
        )}
      </Section>
      <Section id="holdings" title={<FormattedMessage id="cfa.holdings.title" />} actions={<VerifiedMark entry={w?.holdings} />}>
        {w === undefined ? null : (
          <DataTable
            caption={<FormattedMessage id="cfa.holdings.caption" values={{ height: w.holdings.height }} />}
            rowKey={(r) => r.code}
            rows={rows}
            columns={[
              { header: <FormattedMessage id="cfa.col.asset" />, cell: (r) => <AssetLink code={r.code} /> },
              { header: <FormattedMessage id="cfa.col.name" />, cell: (r) => r.asset?.decision.name ?? '—' },
              { header: <FormattedMessage id="cfa.col.units" />, numeric: true, cell: (r) => <span data-units={r.code}><Quantity value={r.units} /></span> },
              { header: <FormattedMessage id="cfa.col.lockedUnits" />, numeric: true, cell: (r) => <Quantity value={r.locked} /> },
              { header: <FormattedMessage id="cfa.col.freeUnits" />, numeric: true, cell: (r) => <Quantity value={r.units - r.locked} /> },
              { header: <FormattedMessage id="cfa.col.status" />, cell: (r) => (r.asset === undefined ? '—' : <AssetStatus status={r.asset.status} />) },
            ]}
          />
        )}
      </Section>
      <Section id="money-moves" title={<FormattedMessage id="cfa.moneyMoves.title" />}>
        <ErrorBanner error={moves.error} onRetry={moves.reload} />
        {moves.value === undefined ? (
          <Loading />
        ) : (
          <DataTable
            caption={<FormattedMessage id="cfa.moneyMoves.caption" values={{ count: moves.value.length }} />}
            rowKey={(m: CfaMoneyMove) => String(m.seq)}
            rows={moves.value}
            columns={[
              { header: <FormattedMessage id="cfa.col.time" />, cell: (m) => <DateTime value={m.timestamp} /> },
              { header: <FormattedMessage id="cfa.col.cause" />, cell: (m) => <MoneyCause move={m} /> },
              { header: <FormattedMessage id="cfa.col.amount" />, numeric: true, cell: (m) => <SignedRub entry={m.entry} minor={m.amount} /> },
              { header: <FormattedMessage id="cfa.col.asset" />, cell: (m) => (m.asset === null ? '—' : <AssetLink code={m.asset} />) },
              { header: <FormattedMessage id="cfa.col.counterparty" />, cell: (m) => <Account id={m.counterparty} /> },
              { header: <FormattedMessage id="cfa.col.block" />, numeric: true, cell: (m) => m.height },
            ]}
          />
        )}
      </Section>
      <Section id="operations" title={<FormattedMessage id="cfa.ops.title" />}>
        <ErrorBanner error={ops.error} onRetry={ops.reload} />
        {ops.value === undefined ? (
          <Loading />
        ) : (
          <DataTable
            caption={<FormattedMessage id="cfa.ops.caption" values={{ count: ops.value.length }} />}
            rowKey={(o) => o.id}
            rows={ops.value}
            columns={[
              { header: <FormattedMessage id="cfa.col.time" />, cell: (o) => <DateTime value={o.createdAt} /> },
              { header: <FormattedMessage id="cfa.col.operation" />, cell: (o) => <FormattedMessage id="cfa.method" values={{ method: o.method.replace(/^cfa\./, '') }} /> },
              { header: <FormattedMessage id="cfa.col.details" />, cell: (o) => <span className="mono">{argsSummary(o.args)}</span> },
              { header: <FormattedMessage id="cfa.col.phase" />, cell: (o) => <PhaseBadge phase={o.phase} code={o.resultCode} /> },
              { header: <FormattedMessage id="cfa.col.block" />, numeric: true, cell: (o) => o.blockHeight ?? '—' },
            ]}
          />
        )}
      </Section>
    </>
  );
}

/** The arguments that identify an operation (asset, quantity, price, offer, application, recipient), compactly. */
function argsSummary(args: unknown): string {
  if (typeof args !== 'object' || args === null) return '—';
  const a = args as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of ['code', 'asset', 'offer', 'application']) if (typeof a[k] === 'string') parts.push(a[k]);
  if (typeof a['quantity'] === 'number') parts.push(`× ${a['quantity']}`);
  if (typeof a['to'] === 'string') parts.push(`→ ${a['to']}`);
  return parts.length === 0 ? '—' : parts.join(' ');
}

export function PhaseBadge({ phase, code }: { phase: string; code: string | null }) {
  const tone = phase === 'SETTLED' ? 'ok' : phase === 'REJECTED' ? 'bad' : 'neutral';
  return (
    <StatusBadge tone={tone}>
      <FormattedMessage id="cfa.op.phaseName" values={{ phase }} />
      {phase === 'REJECTED' && code !== null ? <> · {code}</> : null}
    </StatusBadge>
  );
}

/** Credit (+) or debit (−) of money, with the sign as text, not only a colour. */
export function SignedRub({ entry, minor }: { entry: 'credit' | 'debit'; minor: number }) {
  return (
    <span className={`signed ${entry}`}>
      {entry === 'credit' ? '+' : '−'}
      <Rub minor={minor} />
      <span className="visually-hidden">
        {' '}
        <FormattedMessage id={`cfa.entry.${entry}`} />
      </span>
    </span>
  );
}

function MoneyCause({ move }: { move: CfaMoneyMove }) {
  return (
    <>
      <FormattedMessage id={`cfa.moneyCause.${move.cause}`} />
      {move.fee === null ? null : (
        <>
          {' · '}
          <FormattedMessage id={`cfa.feeOp.${move.fee}`} />
        </>
      )}
      {move.ref === null || move.cause === 'fee' ? null : (
        <>
          {' '}
          <code className="ref">{move.ref}</code>
        </>
      )}
    </>
  );
}
