/**
 * The secondary market and the holder's other operations. Deals are delivery versus payment
 * through offers: a sell offer locks the maker's units, a buy offer its money; whoever accepts
 * (all or part) gets units and money exchanged in that one transaction, or nothing. A gift moves
 * units with no money leg (marked so in the registry; inheritance, recorded by the operator, is
 * marked the same way). Early redemption, when the terms let holders demand it, is paid from the
 * issuer's money at the early price. Each form shows what the operation will cost before it is
 * sent, where the contract makes that computable.
 */
import type { CfaAsset, CfaOffer } from '@konsortium/client';
import { type FormEvent, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { DataTable, DateTime, ErrorBanner, Field, Loading, PageHeader } from '../../ui/components.js';
import { useCfa } from './context.js';
import { useOpenOffers } from './hooks.js';
import { ACCOUNT, earlyRedemptionOpen, feeFor, isTradable, parseMoney, parseUnits, product, type Problem } from './model.js';
import { OperationStatus, useCfaOperation } from './operation.js';
import { Account, AssetLink, Rub, Section } from './parts.js';

type Problems = Partial<Record<string, Problem>>;

function Err({ p }: { p: Problem | undefined }) {
  return p === undefined ? null : <FormattedMessage id={p.id} values={p.values} />;
}

/** What the tenant holds free (not locked in its own sell offers) of each asset. */
function useFree(): (code: string) => number {
  const { wallet } = useCfa();
  const w = wallet.value;
  return (code) => (w === undefined ? 0 : (w.holdings.value[code] ?? 0) - (w.locked.value[code] ?? 0));
}

function useAvailable(): number {
  const { wallet } = useCfa();
  const m = wallet.value?.money.value;
  return m === undefined ? 0 : m.balance - m.locked;
}

export function TradePage() {
  const { assets, now } = useCfa();
  const tradable = (assets.value ?? []).filter((a) => isTradable(a, now));
  const offers = useOpenOffers(tradable);
  const [accepting, setAccepting] = useState<CfaOffer | null>(null);
  return (
    <>
      <PageHeader title={<FormattedMessage id="cfa.trade.title" />} lead={<FormattedMessage id="cfa.trade.lead" />} />
      <ErrorBanner error={assets.error} onRetry={assets.reload} />
      <Section id="offers" title={<FormattedMessage id="cfa.trade.offers" />}>
        <ErrorBanner error={offers.error} onRetry={offers.reload} />
        {offers.value === undefined ? <Loading /> : <OfferTable offers={offers.value} onAccept={setAccepting} />}
        {accepting === null ? null : <AcceptForm key={accepting.id} offer={offers.value?.find((o) => o.id === accepting.id) ?? accepting} onClose={() => setAccepting(null)} />}
      </Section>
      <OfferForm assets={tradable} />
      <GiftForm assets={tradable} />
      <EarlyRedemptionForm assets={(assets.value ?? []).filter((a) => earlyRedemptionOpen(a, now, 'holder'))} />
    </>
  );
}

function OfferTable({ offers, onAccept }: { offers: readonly CfaOffer[]; onAccept: (o: CfaOffer) => void }) {
  const { account } = useCfa();
  const op = useCfaOperation();
  return (
    <>
      <DataTable
        caption={<FormattedMessage id="cfa.trade.offersCaption" values={{ count: offers.length }} />}
        rowKey={(o) => o.id}
        rows={offers}
        columns={[
          { header: <FormattedMessage id="cfa.col.offer" />, cell: (o) => <code>{o.id}</code> },
          { header: <FormattedMessage id="cfa.col.asset" />, cell: (o) => <AssetLink code={o.asset} /> },
          { header: <FormattedMessage id="cfa.col.side" />, cell: (o) => <FormattedMessage id={`cfa.side.${o.side}`} /> },
          { header: <FormattedMessage id="cfa.col.maker" />, cell: (o) => <Account id={o.maker} /> },
          { header: <FormattedMessage id="cfa.col.addressedTo" />, cell: (o) => (o.counterparty === null ? <FormattedMessage id="cfa.trade.anyone" /> : <Account id={o.counterparty} />) },
          { header: <FormattedMessage id="cfa.col.price" />, numeric: true, cell: (o) => <Rub minor={o.price} /> },
          { header: <FormattedMessage id="cfa.col.remaining" />, numeric: true, cell: (o) => <FormattedMessage id="cfa.ofVolume" values={{ n: o.remaining, volume: o.quantity }} /> },
          {
            header: <FormattedMessage id="cfa.col.actions" />,
            cell: (o) =>
              o.maker === account ? (
                <button type="button" className="danger" disabled={op.busy} onClick={() => void op.submit('cancelOffer', { offer: o.id })}>
                  <FormattedMessage id="cfa.trade.cancel" values={{ id: o.id }} />
                </button>
              ) : o.counterparty === null || o.counterparty === account ? (
                <button type="button" onClick={() => onAccept(o)}>
                  <FormattedMessage id="cfa.trade.accept" values={{ id: o.id }} />
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

function AcceptForm({ offer, onClose }: { offer: CfaOffer; onClose: () => void }) {
  const intl = useIntl();
  const { fees } = useCfa();
  const free = useFree();
  const available = useAvailable();
  const [qty, setQty] = useState(String(offer.remaining));
  const [problem, setProblem] = useState<Problem | undefined>();
  const op = useCfaOperation();
  const parsed = parseUnits(qty);
  const q = parsed.ok ? parsed.value : 0;
  const money = product(q, offer.price) ?? 0;
  // Accepting a buy offer makes the tenant the seller: it delivers units and pays the trade fee out of the money.
  const selling = offer.side === 'buy';
  const fee = selling ? feeFor(fees.value?.value, 'trade', money, money) : 0;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = parseUnits(qty);
    if (!p.ok) return setProblem(p.problem);
    if (p.value > offer.remaining) return setProblem({ id: 'cfa.v.overRemaining', values: { remaining: offer.remaining } });
    if (selling && p.value > free(offer.asset)) return setProblem({ id: 'cfa.v.moreThanHeld', values: { held: free(offer.asset) } });
    const m = product(p.value, offer.price);
    if (m === null) return setProblem({ id: 'cfa.v.tooLarge' });
    if (!selling && m > available) return setProblem({ id: 'cfa.v.notEnoughMoney', values: { available: intl.formatNumber(available / 100, { style: 'currency', currency: 'RUB' }) } });
    setProblem(undefined);
    void op.submit('acceptOffer', { offer: offer.id, quantity: p.value });
  };
  return (
    <form className="panel-form" id="accept" onSubmit={submit} noValidate aria-label={intl.formatMessage({ id: 'cfa.trade.acceptTitle' }, { id: offer.id })}>
      <h3>
        <FormattedMessage id="cfa.trade.acceptTitle" values={{ id: offer.id }} />
      </h3>
      <p>
        <FormattedMessage
          id={selling ? 'cfa.trade.acceptSell' : 'cfa.trade.acceptBuy'}
          values={{ asset: offer.asset, price: <Rub minor={offer.price} />, remaining: offer.remaining }}
        />
      </p>
      <Field
        label={<FormattedMessage id="cfa.f.quantity" />}
        hint={<FormattedMessage id="cfa.trade.dealMoney" values={{ amount: <Rub minor={money} />, fee: <Rub minor={fee} />, net: <Rub minor={money - fee} />, selling: selling ? 'yes' : 'no' }} />}
        error={problem === undefined ? undefined : <Err p={problem} />}
      >
        {({ id, describedBy, invalid }) => <input id={id} name="quantity" inputMode="numeric" autoComplete="off" aria-describedby={describedBy} aria-invalid={invalid} value={qty} onChange={(e) => setQty(e.target.value)} />}
      </Field>
      <div className="action-row">
        <button type="submit" className="primary" disabled={op.busy}>
          <FormattedMessage id="cfa.trade.acceptSubmit" />
        </button>
        <button type="button" onClick={onClose} disabled={op.busy}>
          <FormattedMessage id="common.close" />
        </button>
      </div>
      <OperationStatus state={op} />
    </form>
  );
}

function AssetSelect({ assets, value, onChange, describe }: { assets: readonly CfaAsset[]; value: string; onChange: (v: string) => void; describe?: (a: CfaAsset) => string }) {
  return (
    <Field label={<FormattedMessage id="cfa.col.asset" />}>
      {({ id }) => (
        <select id={id} name="asset" value={value} onChange={(e) => onChange(e.target.value)}>
          {assets.map((a) => (
            <option key={a.code} value={a.code}>
              {a.code} — {describe === undefined ? a.decision.name : describe(a)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

function OfferForm({ assets }: { assets: readonly CfaAsset[] }) {
  const intl = useIntl();
  const { fees, account } = useCfa();
  const free = useFree();
  const available = useAvailable();
  const [side, setSide] = useState<'sell' | 'buy'>('sell');
  const [code, setCode] = useState('');
  const [qty, setQty] = useState('');
  const [price, setPrice] = useState('');
  const [counterparty, setCounterparty] = useState('');
  const [problems, setProblems] = useState<Problems>({});
  const op = useCfaOperation(() => {
    setQty('');
    setPrice('');
  });
  const asset = assets.find((a) => a.code === code) ?? assets[0];
  const q = parseUnits(qty);
  const p = parseMoney(price);
  const money = q.ok && p.ok ? (product(q.value, p.value) ?? 0) : 0;
  const fee = side === 'sell' ? feeFor(fees.value?.value, 'trade', money, money) : 0;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (asset === undefined) return;
    const out: Problems = {};
    if (!q.ok) out.quantity = q.problem;
    else if (side === 'sell' && q.value > free(asset.code)) out.quantity = { id: 'cfa.v.moreThanHeld', values: { held: free(asset.code) } };
    if (!p.ok) out.price = p.problem;
    const cp = counterparty.trim();
    if (cp !== '' && !ACCOUNT.test(cp)) out.counterparty = { id: 'cfa.v.account' };
    else if (cp === account) out.counterparty = { id: 'cfa.v.notYourself' };
    if (q.ok && p.ok) {
      const m = product(q.value, p.value);
      if (m === null) out.price = { id: 'cfa.v.tooLarge' };
      else if (side === 'buy' && m > available) out.price = { id: 'cfa.v.notEnoughMoney', values: { available: intl.formatNumber(available / 100, { style: 'currency', currency: 'RUB' }) } };
    }
    setProblems(out);
    if (Object.keys(out).length > 0 || !q.ok || !p.ok) return;
    void op.submit(side === 'sell' ? 'offerSell' : 'offerBuy', { asset: asset.code, quantity: q.value, price: p.value, ...(cp === '' ? {} : { counterparty: cp }) });
  };
  return (
    <Section id="make-offer" title={<FormattedMessage id="cfa.trade.make" />}>
      {assets.length === 0 ? (
        <p>
          <FormattedMessage id="cfa.trade.noneTradable" />
        </p>
      ) : (
        <form onSubmit={submit} noValidate aria-label={intl.formatMessage({ id: 'cfa.trade.make' })}>
          <fieldset>
            <legend>
              <FormattedMessage id="cfa.col.side" />
            </legend>
            <label className="check">
              <input type="radio" name="side" value="sell" checked={side === 'sell'} onChange={() => setSide('sell')} /> <FormattedMessage id="cfa.side.sell" />
            </label>
            <label className="check">
              <input type="radio" name="side" value="buy" checked={side === 'buy'} onChange={() => setSide('buy')} /> <FormattedMessage id="cfa.side.buy" />
            </label>
          </fieldset>
          <AssetSelect assets={assets} value={asset?.code ?? ''} onChange={setCode} describe={(a) => intl.formatMessage({ id: 'cfa.trade.freeUnits' }, { name: a.decision.name, free: free(a.code) })} />
          <Field label={<FormattedMessage id="cfa.f.quantity" />} error={problems.quantity === undefined ? undefined : <Err p={problems.quantity} />}>
            {({ id, describedBy, invalid }) => <input id={id} name="quantity" inputMode="numeric" autoComplete="off" aria-describedby={describedBy} aria-invalid={invalid} value={qty} onChange={(e) => setQty(e.target.value)} />}
          </Field>
          <Field label={<FormattedMessage id="cfa.f.unitPrice" />} hint={<FormattedMessage id="cfa.issue.h.money" />} error={problems.price === undefined ? undefined : <Err p={problems.price} />}>
            {({ id, describedBy, invalid }) => <input id={id} name="price" inputMode="decimal" autoComplete="off" aria-describedby={describedBy} aria-invalid={invalid} value={price} onChange={(e) => setPrice(e.target.value)} />}
          </Field>
          <Field label={<FormattedMessage id="cfa.f.counterparty" />} hint={<FormattedMessage id="cfa.trade.counterpartyHint" />} error={problems.counterparty === undefined ? undefined : <Err p={problems.counterparty} />}>
            {({ id, describedBy, invalid }) => <input id={id} name="counterparty" autoComplete="off" aria-describedby={describedBy} aria-invalid={invalid} value={counterparty} onChange={(e) => setCounterparty(e.target.value)} />}
          </Field>
          <p className="cost" data-cost={money} data-fee={fee}>
            <FormattedMessage id={side === 'sell' ? 'cfa.trade.sellCost' : 'cfa.trade.buyCost'} values={{ amount: <Rub minor={money} />, fee: <Rub minor={fee} />, net: <Rub minor={money - fee} /> }} />
          </p>
          <button type="submit" className="primary" disabled={op.busy}>
            <FormattedMessage id={side === 'sell' ? 'cfa.trade.submitSell' : 'cfa.trade.submitBuy'} />
          </button>
          <OperationStatus state={op} />
        </form>
      )}
    </Section>
  );
}

function GiftForm({ assets }: { assets: readonly CfaAsset[] }) {
  const intl = useIntl();
  const { fees, account } = useCfa();
  const free = useFree();
  const available = useAvailable();
  const held = assets.filter((a) => free(a.code) > 0);
  const [code, setCode] = useState('');
  const [to, setTo] = useState('');
  const [qty, setQty] = useState('');
  const [note, setNote] = useState('');
  const [problems, setProblems] = useState<Problems>({});
  const op = useCfaOperation(() => {
    setQty('');
    setNote('');
  });
  const asset = held.find((a) => a.code === code) ?? held[0];
  const q = parseUnits(qty);
  const fee = asset !== undefined && q.ok ? feeFor(fees.value?.value, 'gift', product(q.value, asset.decision.nominal) ?? 0) : 0;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (asset === undefined) return;
    const out: Problems = {};
    const recipient = to.trim();
    if (recipient === '') out.to = { id: 'cfa.v.required' };
    else if (!ACCOUNT.test(recipient)) out.to = { id: 'cfa.v.account' };
    else if (recipient === account) out.to = { id: 'cfa.v.notYourself' };
    if (!q.ok) out.quantity = q.problem;
    else if (q.value > free(asset.code)) out.quantity = { id: 'cfa.v.moreThanHeld', values: { held: free(asset.code) } };
    if (note.trim().length > 1000) out.note = { id: 'cfa.v.tooLong', values: { max: 1000 } };
    if (fee > available) out.quantity = { id: 'cfa.v.feeOverAvailable', values: { available: intl.formatNumber(available / 100, { style: 'currency', currency: 'RUB' }) } };
    setProblems(out);
    if (Object.keys(out).length > 0 || !q.ok) return;
    void op.submit('gift', { asset: asset.code, to: recipient, quantity: q.value, ...(note.trim() === '' ? {} : { note: note.trim() }) });
  };
  return (
    <Section id="gift" title={<FormattedMessage id="cfa.gift.title" />}>
      <p className="hint">
        <FormattedMessage id="cfa.gift.lead" />
      </p>
      {held.length === 0 ? (
        <p>
          <FormattedMessage id="cfa.gift.nothing" />
        </p>
      ) : (
        <form onSubmit={submit} noValidate aria-label={intl.formatMessage({ id: 'cfa.gift.title' })}>
          <AssetSelect assets={held} value={asset?.code ?? ''} onChange={setCode} describe={(a) => intl.formatMessage({ id: 'cfa.trade.freeUnits' }, { name: a.decision.name, free: free(a.code) })} />
          <Field label={<FormattedMessage id="cfa.gift.to" />} hint={<FormattedMessage id="cfa.gift.toHint" />} error={problems.to === undefined ? undefined : <Err p={problems.to} />}>
            {({ id, describedBy, invalid }) => <input id={id} name="to" autoComplete="off" aria-describedby={describedBy} aria-invalid={invalid} value={to} onChange={(e) => setTo(e.target.value)} />}
          </Field>
          <Field label={<FormattedMessage id="cfa.f.quantity" />} error={problems.quantity === undefined ? undefined : <Err p={problems.quantity} />}>
            {({ id, describedBy, invalid }) => <input id={id} name="quantity" inputMode="numeric" autoComplete="off" aria-describedby={describedBy} aria-invalid={invalid} value={qty} onChange={(e) => setQty(e.target.value)} />}
          </Field>
          <Field label={<FormattedMessage id="cfa.gift.note" />} error={problems.note === undefined ? undefined : <Err p={problems.note} />}>
            {({ id, describedBy, invalid }) => <input id={id} name="note" autoComplete="off" aria-describedby={describedBy} aria-invalid={invalid} value={note} onChange={(e) => setNote(e.target.value)} />}
          </Field>
          <p className="cost" data-fee={fee}>
            <FormattedMessage id="cfa.gift.cost" values={{ fee: <Rub minor={fee} /> }} />
          </p>
          <button type="submit" className="primary" disabled={op.busy}>
            <FormattedMessage id="cfa.gift.submit" />
          </button>
          <OperationStatus state={op} />
        </form>
      )}
    </Section>
  );
}

function EarlyRedemptionForm({ assets }: { assets: readonly CfaAsset[] }) {
  const intl = useIntl();
  const { fees } = useCfa();
  const free = useFree();
  const held = assets.filter((a) => free(a.code) > 0);
  const [code, setCode] = useState('');
  const [qty, setQty] = useState('');
  const [problem, setProblem] = useState<Problem | undefined>();
  const op = useCfaOperation(() => setQty(''));
  const asset = held.find((a) => a.code === code) ?? held[0];
  const price = asset?.decision.earlyRedemption?.price ?? 0;
  const q = parseUnits(qty);
  const money = q.ok ? (product(q.value, price) ?? 0) : 0;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (asset === undefined) return;
    if (!q.ok) return setProblem(q.problem);
    if (q.value > free(asset.code)) return setProblem({ id: 'cfa.v.moreThanHeld', values: { held: free(asset.code) } });
    setProblem(undefined);
    void op.submit('redeemEarly', { asset: asset.code, quantity: q.value });
  };
  return (
    <Section id="early" title={<FormattedMessage id="cfa.early.title" />}>
      <p className="hint">
        <FormattedMessage id="cfa.early.lead" />
      </p>
      {held.length === 0 ? (
        <p>
          <FormattedMessage id="cfa.early.none" />
        </p>
      ) : (
        <form className="inline" onSubmit={submit} noValidate aria-label={intl.formatMessage({ id: 'cfa.early.title' })}>
          <AssetSelect
            assets={held}
            value={asset?.code ?? ''}
            onChange={setCode}
            describe={(a) => intl.formatMessage({ id: 'cfa.early.option' }, { free: free(a.code), price: intl.formatNumber((a.decision.earlyRedemption?.price ?? 0) / 100, { style: 'currency', currency: 'RUB' }) })}
          />
          <Field
            label={<FormattedMessage id="cfa.f.quantity" />}
            hint={<FormattedMessage id="cfa.early.payment" values={{ amount: <Rub minor={money} />, until: <DateTime value={asset?.decision.maturityDate} /> }} />}
            error={problem === undefined ? undefined : <Err p={problem} />}
          >
            {({ id, describedBy, invalid }) => <input id={id} name="quantity" inputMode="numeric" autoComplete="off" aria-describedby={describedBy} aria-invalid={invalid} value={qty} onChange={(e) => setQty(e.target.value)} />}
          </Field>
          <span className="hint">
            <FormattedMessage id="cfa.early.issuerPays" values={{ fee: <Rub minor={feeFor(fees.value?.value, 'early-redemption', money)} /> }} />
          </span>
          <button type="submit" className="primary" disabled={op.busy}>
            <FormattedMessage id="cfa.trade.redeemEarly" />
          </button>
        </form>
      )}
      <OperationStatus state={op} />
      <p className="hint">
        <FormattedMessage id="cfa.early.final" />
      </p>
    </Section>
  );
}

