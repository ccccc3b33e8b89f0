/**
 * The fee schedule: the operator's commission per operation type as the chain holds it now
 * (`GET /v1/cfa/fees`), and its change, submitted as an operator operation (`setFees`) and
 * followed through its phases; once it settles the schedule is read again from the chain.
 */
import { type FormEvent, useCallback, useMemo, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { useLocale } from '../../app/locale.js';
import { useSession } from '../../app/session.js';
import { DataTable, ErrorBanner, Field, Loading, Money, PageHeader } from '../../ui/components.js';
import { useAction, useAsync } from '../../ui/use-async.js';
import { camel, type CfaOperation, type FeeSchedule } from './api.js';
import { OperatorOperations } from './CfaAdmin.js';
import { FEE_OPERATIONS, type FeeDraft, feeDraftOf, feeErrorsEmpty, type FeeErrors, type FeeOperation, setFeesArgs, validateFees } from './forms.js';
import { PhaseProgress } from './progress.js';

export function FeeOpName({ op }: { op: string }) {
  return <FormattedMessage id={`operator.feeOp.${camel(op)}`} defaultMessage={op} />;
}

function FeeRuleText({ fixed, bps, currency }: { fixed: number; bps: number; currency: string }) {
  if (fixed === 0 && bps === 0) return <FormattedMessage id="operator.fees.free" />;
  if (bps === 0) return <Money minor={fixed} currency={currency} />;
  if (fixed === 0) return <FormattedMessage id="operator.fees.percentOnly" values={{ percent: bps / 10_000 }} />;
  return <FormattedMessage id="operator.fees.both" values={{ fixed: <Money minor={fixed} currency={currency} />, percent: bps / 10_000 }} />;
}

function FeeEditor({ schedule, onSettled }: { schedule: FeeSchedule; onSettled: () => void }) {
  const { cp } = useSession();
  const intl = useIntl();
  const { currency } = useLocale();
  const [draft, setDraft] = useState<FeeDraft>(() => feeDraftOf(schedule, 'operator'));
  const [errors, setErrors] = useState<FeeErrors>({ rows: {} });
  const submit = useAction(useCallback((args: unknown) => cp.post<CfaOperation>('/v1/cfa/operator-operations', { channel: schedule.channel, method: 'setFees', args }), [cp, schedule.channel]));
  const setRow = (op: FeeOperation, k: 'fixed' | 'percent', v: string) => {
    setDraft((d) => ({ ...d, rows: { ...d.rows, [op]: { ...d.rows[op], [k]: v } } }));
    if (errors.rows[op]?.[k] !== undefined) setErrors((e) => ({ ...e, rows: { ...e.rows, [op]: { ...e.rows[op], [k]: undefined } } }));
  };
  const send = (e: FormEvent) => {
    e.preventDefault();
    const found = validateFees(draft);
    setErrors(found);
    if (!feeErrorsEmpty(found)) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('form.fees [aria-invalid="true"]')?.focus());
      return;
    }
    submit.reset();
    void submit.run(setFeesArgs(draft));
  };
  const fieldErr = (id: string | undefined) => (id === undefined ? undefined : <FormattedMessage id={id} />);
  return (
    <>
      <form className="fees" onSubmit={send} noValidate aria-label={intl.formatMessage({ id: 'operator.fees.edit' })}>
        <Field label={<FormattedMessage id="operator.fees.collector" />} hint={<FormattedMessage id="operator.fees.collectorHint" />} error={fieldErr(errors.collector)}>
          {({ id, describedBy, invalid }) => <input id={id} name="collector" aria-describedby={describedBy} aria-invalid={invalid} value={draft.collector} onChange={(e) => setDraft((d) => ({ ...d, collector: e.target.value }))} />}
        </Field>
        <div className="table-wrap">
          <table className="fee-table">
            <caption>
              <FormattedMessage id="operator.fees.editCaption" values={{ currency }} />
            </caption>
            <thead>
              <tr>
                <th scope="col">
                  <FormattedMessage id="operator.fees.operation" />
                </th>
                <th scope="col">
                  <FormattedMessage id="operator.fees.fixed" values={{ currency }} />
                </th>
                <th scope="col">
                  <FormattedMessage id="operator.fees.percent" />
                </th>
              </tr>
            </thead>
            <tbody>
              {FEE_OPERATIONS.map((op) => (
                <tr key={op} data-op={op}>
                  <th scope="row">
                    <FeeOpName op={op} />
                  </th>
                  {(['fixed', 'percent'] as const).map((k) => {
                    const err = errors.rows[op]?.[k];
                    const errId = `fee-${op}-${k}-err`;
                    return (
                      <td key={k} className={err === undefined ? undefined : 'invalid'}>
                        <input
                          name={`${op}.${k}`}
                          inputMode="decimal"
                          size={10}
                          aria-label={intl.formatMessage({ id: k === 'fixed' ? 'operator.fees.fixedFor' : 'operator.fees.percentFor' }, { op: intl.formatMessage({ id: `operator.feeOp.${camel(op)}` }), currency })}
                          aria-invalid={err !== undefined}
                          aria-describedby={err === undefined ? undefined : errId}
                          value={draft.rows[op][k]}
                          onChange={(e) => setRow(op, k, e.target.value)}
                        />
                        {err === undefined ? null : (
                          <small id={errId} className="field-error">
                            <FormattedMessage id={err} />
                          </small>
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="hint">
          <FormattedMessage id="operator.fees.formula" />
        </p>
        <button type="submit" className="primary" disabled={submit.running}>
          <FormattedMessage id="operator.fees.submit" />
        </button>
      </form>
      <ErrorBanner error={submit.error} />
      {submit.result === undefined ? null : (
        <div className="fee-phase">
          <h3>
            <FormattedMessage id="operator.fees.phaseTitle" />
          </h3>
          <PhaseProgress key={submit.result.id} operation={submit.result} onFinal={(op) => op.phase === 'SETTLED' && onSettled()} />
        </div>
      )}
    </>
  );
}

export function Fees() {
  const { cp } = useSession();
  const { currency } = useLocale();
  const [version, setVersion] = useState(0);
  const fees = useAsync((signal) => cp.get<FeeSchedule>('/v1/cfa/fees', { signal }), [cp, version]);
  const onSettled = useCallback(() => setVersion((v) => v + 1), []);
  const rows = useMemo(() => FEE_OPERATIONS.map((op) => ({ op, rule: fees.value?.rules[op] })), [fees.value]);
  return (
    <>
      <PageHeader title={<FormattedMessage id="operator.fees.title" />} lead={<FormattedMessage id="operator.fees.lead" />} />
      <ErrorBanner error={fees.error} onRetry={fees.reload} />
      {fees.value === undefined ? (
        fees.error === undefined ? (
          <Loading />
        ) : null
      ) : (
        <>
          <section className="panel" aria-labelledby="fees-current">
            <h2 id="fees-current">
              <FormattedMessage id="operator.fees.current" />
            </h2>
            <p role="status">
              {fees.value.collector === null ? (
                <FormattedMessage id="operator.fees.none" values={{ height: fees.value.height }} />
              ) : (
                <FormattedMessage id="operator.fees.asOf" values={{ height: fees.value.height, collector: <code>{fees.value.collector}</code> }} />
              )}
            </p>
            <DataTable
              caption={<FormattedMessage id="operator.fees.caption" values={{ channel: fees.value.channel }} />}
              rows={rows}
              rowKey={(r) => r.op}
              columns={[
                { header: <FormattedMessage id="operator.fees.operation" />, cell: (r) => <FeeOpName op={r.op} /> },
                { header: <FormattedMessage id="operator.fees.rule" />, cell: (r) => (r.rule === undefined || fees.value!.collector === null ? <FormattedMessage id="operator.fees.free" /> : <FeeRuleText fixed={r.rule.fixed} bps={r.rule.bps} currency={currency} />) },
              ]}
            />
          </section>
          <section className="panel" aria-labelledby="fees-edit">
            <h2 id="fees-edit">
              <FormattedMessage id="operator.fees.edit" />
            </h2>
            <FeeEditor key={fees.value.channel} schedule={fees.value} onSettled={onSettled} />
          </section>
          <section className="panel" aria-labelledby="fees-history">
            <h2 id="fees-history">
              <FormattedMessage id="operator.fees.history" />
            </h2>
            <OperatorOperations tick={version} filter={(o) => o.method === 'governance.setFees'} />
          </section>
        </>
      )}
    </>
  );
}
