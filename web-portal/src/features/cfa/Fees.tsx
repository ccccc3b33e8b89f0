/**
 * The operator's commission as the chain holds it (governance `gov/fees`, verified against its
 * block): per operation type, the fixed part, the rate, what it is charged on and who pays; a
 * calculator that applies the contract's rule to an amount; and the commission collected so far.
 */
import { CFA_FEE_OPERATIONS, type CfaFeeOperation, readCfaFeeTotals } from '@konsortium/client';
import { type FormEvent, useState } from 'react';
import { FormattedMessage, FormattedNumber, useIntl } from 'react-intl';
import { DataTable, ErrorBanner, Field, Loading, Notice, PageHeader } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import { useCfa } from './context.js';
import { feeFor, parseMoney, type Problem } from './model.js';
import { Account, Rub, Section, VerifiedMark } from './parts.js';

export function FeesPage() {
  const { fees, client, channel, tick } = useCfa();
  const schedule = fees.value?.value;
  const totals = useAsync((signal) => readCfaFeeTotals(client, channel, { signal }), [client, channel, tick]);
  return (
    <>
      <PageHeader title={<FormattedMessage id="cfa.fees.title" />} lead={<FormattedMessage id="cfa.fees.lead" />} />
      <Section id="schedule" title={<FormattedMessage id="cfa.fees.schedule" />} actions={<VerifiedMark entry={fees.value} />}>
        <ErrorBanner error={fees.error} onRetry={fees.reload} />
        {schedule === undefined ? (
          <Loading />
        ) : (
          <>
            {schedule.collector === null ? (
              <Notice>
                <FormattedMessage id="cfa.fees.none" />
              </Notice>
            ) : (
              <p>
                <FormattedMessage id="cfa.fees.collector" values={{ collector: <Account id={schedule.collector} /> }} />
              </p>
            )}
            <DataTable
              caption={<FormattedMessage id="cfa.fees.caption" values={{ height: fees.value!.height }} />}
              rowKey={(op) => op}
              rows={CFA_FEE_OPERATIONS}
              columns={[
                { header: <FormattedMessage id="cfa.col.operation" />, cell: (op) => <FormattedMessage id={`cfa.feeOp.${op}`} /> },
                { header: <FormattedMessage id="cfa.fees.fixed" />, numeric: true, cell: (op) => (schedule.rules[op] === undefined ? '—' : <Rub minor={schedule.rules[op]!.fixed} />) },
                {
                  header: <FormattedMessage id="cfa.fees.rate" />,
                  numeric: true,
                  cell: (op) => (schedule.rules[op] === undefined ? '—' : <FormattedNumber value={schedule.rules[op]!.bps / 10_000} style="percent" maximumFractionDigits={2} />),
                },
                { header: <FormattedMessage id="cfa.fees.base" />, cell: (op) => <FormattedMessage id={`cfa.feeBase.${op}`} /> },
                { header: <FormattedMessage id="cfa.fees.payer" />, cell: (op) => <FormattedMessage id={`cfa.feePayer.${op}`} /> },
              ]}
            />
          </>
        )}
      </Section>
      <Calculator />
      <Section id="collected" title={<FormattedMessage id="cfa.fees.collected" />}>
        <ErrorBanner error={totals.error} onRetry={totals.reload} />
        {totals.value === undefined ? (
          <Loading />
        ) : (
          <DataTable
            caption={<FormattedMessage id="cfa.fees.collectedCaption" values={{ total: <Rub minor={totals.value.value.total} />, height: totals.value.height }} />}
            rowKey={(op) => op}
            rows={CFA_FEE_OPERATIONS.filter((op) => totals.value!.value.byOperation[op] !== undefined)}
            columns={[
              { header: <FormattedMessage id="cfa.col.operation" />, cell: (op) => <FormattedMessage id={`cfa.feeOp.${op}`} /> },
              { header: <FormattedMessage id="cfa.col.amount" />, numeric: true, cell: (op) => <Rub minor={totals.value!.value.byOperation[op] ?? 0} /> },
            ]}
          />
        )}
      </Section>
    </>
  );
}

function Calculator() {
  const intl = useIntl();
  const { fees } = useCfa();
  const [op, setOp] = useState<CfaFeeOperation>('trade');
  const [amount, setAmount] = useState('');
  const [problem, setProblem] = useState<Problem | undefined>();
  const [result, setResult] = useState<{ op: CfaFeeOperation; base: number; fee: number } | null>(null);
  const calc = (e: FormEvent) => {
    e.preventDefault();
    const p = parseMoney(amount, { allowZero: true });
    if (!p.ok) {
      setProblem(p.problem);
      setResult(null);
      return;
    }
    setProblem(undefined);
    // Fees deducted from proceeds never exceed them (placement, trade).
    const cap = op === 'placement' || op === 'trade' ? p.value : undefined;
    setResult({ op, base: p.value, fee: feeFor(fees.value?.value, op, p.value, cap) });
  };
  return (
    <Section id="calculator" title={<FormattedMessage id="cfa.fees.calc" />}>
      <form className="inline" onSubmit={calc} noValidate aria-label={intl.formatMessage({ id: 'cfa.fees.calc' })}>
        <Field label={<FormattedMessage id="cfa.col.operation" />}>
          {({ id }) => (
            <select id={id} name="operation" value={op} onChange={(e) => setOp(e.target.value as CfaFeeOperation)}>
              {CFA_FEE_OPERATIONS.map((o) => (
                <option key={o} value={o}>
                  {intl.formatMessage({ id: `cfa.feeOp.${o}` })}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={<FormattedMessage id="cfa.fees.amount" />} hint={<FormattedMessage id={`cfa.feeBase.${op}`} />} error={problem === undefined ? undefined : <FormattedMessage id={problem.id} values={problem.values} />}>
          {({ id, describedBy, invalid }) => <input id={id} name="amount" inputMode="decimal" autoComplete="off" aria-describedby={describedBy} aria-invalid={invalid} value={amount} onChange={(e) => setAmount(e.target.value)} />}
        </Field>
        <button type="submit">
          <FormattedMessage id="cfa.fees.compute" />
        </button>
      </form>
      <div role="status" className="calc-result">
        {result === null ? null : (
          <p data-fee={result.fee}>
            <FormattedMessage id="cfa.fees.result" values={{ op: intl.formatMessage({ id: `cfa.feeOp.${result.op}` }), base: <Rub minor={result.base} />, fee: <Rub minor={result.fee} /> }} />
          </p>
        )}
      </div>
    </Section>
  );
}
