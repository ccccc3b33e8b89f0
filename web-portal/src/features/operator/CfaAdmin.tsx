/**
 * CFA administration, the operator's side of the contract: issue decisions filed by issuers and
 * waiting for registration (register, or reject with a reason); the settlement money (mint on a
 * bank deposit, burn on a withdrawal, each with the bank's reference); freezes of accounts or
 * assets with a reason. Each action is an operator operation followed through its phases; the
 * pending issues are read from the chain and refreshed with every new block.
 */
import { type FormEvent, useCallback, useId, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { useLedger } from '../../app/ledger.js';
import { useSession } from '../../app/session.js';
import { DataTable, DateTime, ErrorBanner, Field, Loading, Money, PageHeader, Quantity } from '../../ui/components.js';
import { useLocale } from '../../app/locale.js';
import { useAction, useAsync } from '../../ui/use-async.js';
import { allPages, type CfaOperation, type PageOf, type TenantView } from './api.js';
import { parseMoney, validAssetCode, validMember } from './forms.js';
import { defaultChannel, useBlockTick } from './live.js';
import { PhaseBadge, PhaseProgress } from './progress.js';

interface IssueDecision {
  readonly code: string;
  readonly name: string;
  readonly volume: number;
  readonly nominal: number;
  readonly placementPrice: number;
  readonly placementStart: number;
  readonly placementEnd: number;
  readonly maturityDate: number;
  readonly redemptionPrice: number;
  readonly rights: string;
}

interface CfaAsset {
  readonly code: string;
  readonly issuer: string;
  readonly status: string;
  readonly decision: IssueDecision;
  readonly filed: { readonly timestamp: number; readonly height: number } | null;
}

export function MethodName({ method }: { method: string }) {
  const name = method.includes('.') ? method.slice(method.indexOf('.') + 1) : method;
  return <FormattedMessage id={`operator.method.${name}`} defaultMessage={name} />;
}

function useOperatorSubmit(channel: string | undefined) {
  const { cp } = useSession();
  return useAction(useCallback((method: string, args: Record<string, unknown>) => cp.post<CfaOperation>('/v1/cfa/operator-operations', { ...(channel === undefined ? {} : { channel }), method, args }), [cp, channel]));
}

function IssueCard({ asset, channel, onStarted, onFinal }: { asset: CfaAsset; channel: string; onStarted: (a: CfaAsset) => void; onFinal: () => void }) {
  const intl = useIntl();
  const { currency } = useLocale();
  const action = useOperatorSubmit(channel);
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | undefined>(undefined);
  const headingId = useId();
  const d = asset.decision;
  const reject = (e: FormEvent) => {
    e.preventDefault();
    const r = reason.trim();
    const err = r === '' ? 'operator.cfa.reasonRequired' : r.length > 1000 ? 'operator.form.tooLong' : undefined;
    setReasonError(err);
    if (err === undefined) {
      onStarted(asset);
      void action.run('rejectIssue', { asset: asset.code, reason: r });
    }
  };
  return (
    <li className="card issue" data-asset={asset.code}>
      <h3 id={headingId}>
        {asset.code} — {d.name}
      </h3>
      <dl className="kv compact">
        <div>
          <dt>
            <FormattedMessage id="operator.cfa.issuer" />
          </dt>
          <dd className="mono">{asset.issuer}</dd>
        </div>
        <div>
          <dt>
            <FormattedMessage id="operator.cfa.volume" />
          </dt>
          <dd>
            <Quantity value={d.volume} />
          </dd>
        </div>
        <div>
          <dt>
            <FormattedMessage id="operator.cfa.price" />
          </dt>
          <dd>
            <Money minor={d.placementPrice} currency={currency} />
          </dd>
        </div>
        <div>
          <dt>
            <FormattedMessage id="operator.cfa.window" />
          </dt>
          <dd>
            <DateTime value={d.placementStart} /> – <DateTime value={d.placementEnd} />
          </dd>
        </div>
        <div>
          <dt>
            <FormattedMessage id="operator.cfa.maturity" />
          </dt>
          <dd>
            <DateTime value={d.maturityDate} /> (<Money minor={d.redemptionPrice} currency={currency} />)
          </dd>
        </div>
        <div>
          <dt>
            <FormattedMessage id="operator.cfa.rights" />
          </dt>
          <dd>{d.rights}</dd>
        </div>
      </dl>
      {action.result === undefined ? (
        <>
          <div className="actions-row">
            <button type="button" className="primary" name="register" aria-describedby={headingId} disabled={action.running} onClick={() => {
                onStarted(asset);
                void action.run('registerIssue', { asset: asset.code });
              }}>
              <FormattedMessage id="operator.cfa.register" />
            </button>{' '}
            <button type="button" className="danger" name="reject" aria-describedby={headingId} aria-expanded={rejecting} onClick={() => setRejecting((r) => !r)}>
              <FormattedMessage id="operator.cfa.reject" />
            </button>
          </div>
          {rejecting ? (
            <form onSubmit={reject} noValidate aria-label={intl.formatMessage({ id: 'operator.cfa.rejectTitle' }, { code: asset.code })}>
              <Field label={<FormattedMessage id="operator.cfa.reason" />} hint={<FormattedMessage id="operator.cfa.reasonHint" />} error={reasonError === undefined ? undefined : <FormattedMessage id={reasonError} />}>
                {({ id, describedBy, invalid }) => (
                  <textarea id={id} name="reason" rows={3} aria-describedby={describedBy} aria-invalid={invalid} value={reason} onChange={(e) => setReason(e.target.value)} />
                )}
              </Field>
              <button type="submit" className="danger" disabled={action.running}>
                <FormattedMessage id="operator.cfa.rejectConfirm" values={{ code: asset.code }} />
              </button>
            </form>
          ) : null}
        </>
      ) : (
        <PhaseProgress operation={action.result} onFinal={onFinal} />
      )}
      <ErrorBanner error={action.error} />
    </li>
  );
}

function PendingIssues({ channel, tick }: { channel: string; tick: number }) {
  const { ledger } = useLedger();
  const [finals, setFinals] = useState(0);
  const issues = useAsync(
    async (signal) => {
      if (ledger === undefined) return undefined;
      const list = (await ledger.client.channelRead(channel, 'cfa/assets', { signal })) as { json?: unknown };
      const codes = Array.isArray(list.json) ? list.json.filter((c): c is string => typeof c === 'string') : [];
      const assets = await Promise.all(codes.map(async (c) => ((await ledger.client.channelRead(channel, `cfa/assets/${encodeURIComponent(c)}`, { signal })) as { json?: CfaAsset }).json));
      return assets.filter((a): a is CfaAsset => a !== undefined && a !== null && a.status === 'filed');
    },
    [ledger, channel, tick, finals],
  );
  const onFinal = useCallback(() => setFinals((f) => f + 1), []);
  // An issue being decided stays on screen, with its phases, after it leaves the pending list.
  const [deciding, setDeciding] = useState<readonly CfaAsset[]>([]);
  const onStarted = useCallback((a: CfaAsset) => setDeciding((d) => (d.some((x) => x.code === a.code) ? d : [...d, a])), []);
  const filed = issues.value ?? [];
  const shown = [...filed, ...deciding.filter((k) => !filed.some((i) => i.code === k.code))].sort((a, b) => a.code.localeCompare(b.code));
  if (issues.value === undefined && issues.error === undefined && deciding.length === 0) return <Loading />;
  return (
    <>
      <ErrorBanner error={issues.error} onRetry={issues.reload} />
      {shown.length === 0 ? (
        <p>
          <FormattedMessage id="operator.cfa.noPending" />
        </p>
      ) : (
        <ul className="cards issues">
          {shown.map((a) => (
            <IssueCard key={a.code} asset={a} channel={channel} onStarted={onStarted} onFinal={onFinal} />
          ))}
        </ul>
      )}
    </>
  );
}

function MoneyForm({ channel, members }: { channel: string; members: readonly string[] }) {
  const intl = useIntl();
  const action = useOperatorSubmit(channel);
  const [kind, setKind] = useState<'mint' | 'burn'>('mint');
  const [account, setAccount] = useState('');
  const [amount, setAmount] = useState('');
  const [ref, setRef] = useState('');
  const [errors, setErrors] = useState<{ account?: string; amount?: string; ref?: string }>({});
  const listId = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const minor = parseMoney(amount);
    const found = {
      account: account.trim() === '' ? 'operator.form.required' : validMember(account) ? undefined : 'operator.form.memberId',
      amount: amount.trim() === '' ? 'operator.form.required' : minor === null || minor < 1 ? 'operator.form.money' : undefined,
      ref: ref.trim() === '' ? 'operator.form.required' : ref.trim().length > 200 ? 'operator.form.tooLong' : undefined,
    };
    setErrors(found);
    if (found.account !== undefined || found.amount !== undefined || found.ref !== undefined) return;
    action.reset();
    void action.run(kind, { account: account.trim(), amount: minor!, ref: ref.trim() });
  };
  const err = (k: 'account' | 'amount' | 'ref') => (errors[k] === undefined ? undefined : <FormattedMessage id={errors[k]} />);
  return (
    <>
      <form onSubmit={submit} noValidate aria-label={intl.formatMessage({ id: 'operator.cfa.money' })}>
        <fieldset className="choice">
          <legend>
            <FormattedMessage id="operator.cfa.moneyKind" />
          </legend>
          {(['mint', 'burn'] as const).map((k) => (
            <label key={k} className="radio">
              <input type="radio" name="moneyKind" value={k} checked={kind === k} onChange={() => setKind(k)} /> <FormattedMessage id={`operator.cfa.${k}`} />
            </label>
          ))}
        </fieldset>
        <Field label={<FormattedMessage id="operator.cfa.account" />} hint={<FormattedMessage id="operator.cfa.accountHint" />} error={err('account')}>
          {({ id, describedBy, invalid }) => <input id={id} name="account" list={listId} aria-describedby={describedBy} aria-invalid={invalid} value={account} onChange={(e) => setAccount(e.target.value)} />}
        </Field>
        <datalist id={listId}>
          {members.map((m) => (
            <option key={m} value={m} />
          ))}
        </datalist>
        <Field label={<FormattedMessage id="operator.cfa.amount" />} hint={<FormattedMessage id="operator.cfa.amountHint" />} error={err('amount')}>
          {({ id, describedBy, invalid }) => <input id={id} name="amount" inputMode="decimal" aria-describedby={describedBy} aria-invalid={invalid} value={amount} onChange={(e) => setAmount(e.target.value)} />}
        </Field>
        <Field label={<FormattedMessage id="operator.cfa.ref" />} hint={<FormattedMessage id="operator.cfa.refHint" />} error={err('ref')}>
          {({ id, describedBy, invalid }) => <input id={id} name="ref" aria-describedby={describedBy} aria-invalid={invalid} value={ref} onChange={(e) => setRef(e.target.value)} />}
        </Field>
        <button type="submit" className="primary" disabled={action.running}>
          <FormattedMessage id={kind === 'mint' ? 'operator.cfa.mintButton' : 'operator.cfa.burnButton'} />
        </button>
      </form>
      <ErrorBanner error={action.error} />
      {action.result === undefined ? null : <PhaseProgress key={action.result.id} operation={action.result} />}
    </>
  );
}

function FreezeForm({ channel, members }: { channel: string; members: readonly string[] }) {
  const intl = useIntl();
  const action = useOperatorSubmit(channel);
  const [what, setWhat] = useState<'account' | 'asset'>('account');
  const [target, setTarget] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<{ target?: string; reason?: string }>({});
  const listId = useId();
  const send = (method: 'freeze' | 'unfreeze') => {
    const t = target.trim();
    const found = {
      target: t === '' ? 'operator.form.required' : (what === 'account' ? validMember(t) : validAssetCode(t)) ? undefined : what === 'account' ? 'operator.form.memberId' : 'operator.form.assetCode',
      reason: method === 'freeze' && reason.trim() === '' ? 'operator.cfa.reasonRequired' : reason.trim().length > 1000 ? 'operator.form.tooLong' : undefined,
    };
    setErrors(found);
    if (found.target !== undefined || found.reason !== undefined) return;
    action.reset();
    void action.run(method, { [what]: t, ...(method === 'freeze' ? { reason: reason.trim() } : {}) });
  };
  return (
    <>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          send('freeze');
        }}
        noValidate
        aria-label={intl.formatMessage({ id: 'operator.cfa.freezes' })}
      >
        <fieldset className="choice">
          <legend>
            <FormattedMessage id="operator.cfa.freezeWhat" />
          </legend>
          {(['account', 'asset'] as const).map((k) => (
            <label key={k} className="radio">
              <input type="radio" name="freezeWhat" value={k} checked={what === k} onChange={() => setWhat(k)} /> <FormattedMessage id={`operator.cfa.freeze.${k}`} />
            </label>
          ))}
        </fieldset>
        <Field label={<FormattedMessage id={what === 'account' ? 'operator.cfa.account' : 'operator.cfa.asset'} />} error={errors.target === undefined ? undefined : <FormattedMessage id={errors.target} />}>
          {({ id, describedBy, invalid }) => (
            <input id={id} name="target" list={what === 'account' ? listId : undefined} aria-describedby={describedBy} aria-invalid={invalid} value={target} onChange={(e) => setTarget(e.target.value)} />
          )}
        </Field>
        <datalist id={listId}>
          {members.map((m) => (
            <option key={m} value={m} />
          ))}
        </datalist>
        <Field label={<FormattedMessage id="operator.cfa.reason" />} hint={<FormattedMessage id="operator.cfa.freezeReasonHint" />} error={errors.reason === undefined ? undefined : <FormattedMessage id={errors.reason} />}>
          {({ id, describedBy, invalid }) => <textarea id={id} name="freezeReason" rows={2} aria-describedby={describedBy} aria-invalid={invalid} value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        <div className="actions-row">
          <button type="submit" className="danger" disabled={action.running}>
            <FormattedMessage id="operator.cfa.freezeButton" />
          </button>{' '}
          <button type="button" disabled={action.running} onClick={() => send('unfreeze')}>
            <FormattedMessage id="operator.cfa.unfreezeButton" />
          </button>
        </div>
      </form>
      <ErrorBanner error={action.error} />
      {action.result === undefined ? null : <PhaseProgress key={action.result.id} operation={action.result} />}
    </>
  );
}

export function OperatorOperations({ tick, filter }: { tick: number; filter?: (op: CfaOperation) => boolean }) {
  const { cp } = useSession();
  const ops = useAsync((signal) => allPages((after) => cp.get<PageOf<CfaOperation>>('/v1/cfa/operator-operations', { signal, query: { after } })), [cp, tick]);
  const rows = (ops.value ?? []).filter(filter ?? (() => true)).sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, 25);
  return (
    <>
      <ErrorBanner error={ops.error} onRetry={ops.reload} />
      {ops.value === undefined ? null : (
        <DataTable
          caption={<FormattedMessage id="operator.cfa.opsCaption" values={{ count: rows.length }} />}
          rows={rows}
          rowKey={(o) => o.id}
          columns={[
            { header: <FormattedMessage id="operator.cfa.opWhen" />, cell: (o) => <DateTime value={o.createdAt} /> },
            { header: <FormattedMessage id="operator.cfa.opMethod" />, cell: (o) => <MethodName method={o.method} /> },
            { header: <FormattedMessage id="operator.cfa.opArgs" />, cell: (o) => <ArgsSummary args={o.args} /> },
            { header: <FormattedMessage id="operator.cfa.opPhase" />, cell: (o) => <PhaseBadge phase={o.phase} /> },
            { header: <FormattedMessage id="operator.cfa.opResult" />, cell: (o) => (o.resultCode === null ? '—' : <code>{o.resultCode}</code>) },
            { header: <FormattedMessage id="operator.cfa.opBlock" />, numeric: true, cell: (o) => o.blockHeight ?? '—' },
          ]}
        />
      )}
    </>
  );
}

function ArgsSummary({ args }: { args: unknown }) {
  if (typeof args !== 'object' || args === null) return <>—</>;
  const parts = Object.entries(args as Record<string, unknown>)
    .filter(([, v]) => typeof v !== 'object' || v === null)
    .map(([k, v]) => `${k}: ${String(v)}`);
  return <span className="args-summary">{parts.join('; ') || '—'}</span>;
}

export function CfaAdmin() {
  const { ledger, error } = useLedger();
  const { cp } = useSession();
  const channel = ledger === undefined ? undefined : defaultChannel(ledger.endpoints.network.name, ledger.endpoints.channels);
  const tick = useBlockTick(ledger?.client, channel);
  const tenants = useAsync((signal) => allPages((after) => cp.get<PageOf<TenantView>>('/v1/tenants', { signal, query: { after } })), [cp]);
  const members = (tenants.value ?? []).map((t) => t.memberId);
  return (
    <>
      <PageHeader title={<FormattedMessage id="operator.cfa.title" />} lead={<FormattedMessage id="operator.cfa.lead" values={{ channel: channel ?? '—' }} />} />
      <ErrorBanner error={error} />
      {channel === undefined ? (
        error === undefined ? (
          <Loading />
        ) : null
      ) : (
        <>
          <section className="panel" aria-labelledby="cfa-pending">
            <h2 id="cfa-pending">
              <FormattedMessage id="operator.cfa.pending" />
            </h2>
            <PendingIssues channel={channel} tick={tick} />
          </section>
          <div className="two-col">
            <section className="panel" aria-labelledby="cfa-money">
              <h2 id="cfa-money">
                <FormattedMessage id="operator.cfa.money" />
              </h2>
              <MoneyForm channel={channel} members={members} />
            </section>
            <section className="panel" aria-labelledby="cfa-freezes">
              <h2 id="cfa-freezes">
                <FormattedMessage id="operator.cfa.freezes" />
              </h2>
              <FreezeForm channel={channel} members={members} />
            </section>
          </div>
          <section className="panel" aria-labelledby="cfa-ops">
            <h2 id="cfa-ops">
              <FormattedMessage id="operator.cfa.ops" />
            </h2>
            <OperatorOperations tick={tick} />
          </section>
        </>
      )}
    </>
  );
}
