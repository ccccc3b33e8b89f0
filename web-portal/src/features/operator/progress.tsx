/**
 * Following long operations live: a provisioning operation (onboarding, a dedicated node, a
 * shared node) polled until it ends, shown step by step with its progress; and a CFA operation
 * the operator submitted, followed through the projection's phases until it settles or is
 * rejected.
 */
import { useEffect, useRef, useState } from 'react';
import { FormattedMessage } from 'react-intl';
import { useSession } from '../../app/session.js';
import { ErrorBanner, Progress, StatusBadge } from '../../ui/components.js';
import { camel, type CfaOperation, isFinalPhase, OPERATION_STEPS, type OperationView, PHASES } from './api.js';

/** Polls `load` every `intervalMs` until `done(value)`; keeps the last value and the last error. */
export function usePoll<T>(load: ((signal: AbortSignal) => Promise<T>) | null, done: (v: T) => boolean, intervalMs: number, deps: readonly unknown[]): { value: T | undefined; error: unknown } {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const doneRef = useRef(done);
  doneRef.current = done;
  useEffect(() => {
    if (load === null) return;
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const v = await load(ac.signal);
        if (ac.signal.aborted) return;
        setValue(v);
        setError(undefined);
        if (doneRef.current(v)) return;
      } catch (err) {
        if (ac.signal.aborted) return;
        setError(err);
      }
      timer = setTimeout(() => void tick(), intervalMs);
    };
    void tick();
    return () => {
      ac.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, deps);
  return { value, error };
}

export function StepName({ step }: { step: string }) {
  return <FormattedMessage id={`operator.step.${camel(step)}`} defaultMessage={step} />;
}

function opTone(status: OperationView['status']): 'ok' | 'warn' | 'bad' | 'neutral' {
  return status === 'succeeded' ? 'ok' : status === 'failed' ? 'bad' : status === 'running' ? 'warn' : 'neutral';
}

export function OperationStatus({ status }: { status: OperationView['status'] }) {
  return (
    <StatusBadge tone={opTone(status)}>
      <FormattedMessage id={`operator.opStatus.${status}`} />
    </StatusBadge>
  );
}

/** A provisioning operation, live: progress bar, each step done / current / to come, the outcome. */
export function OperationProgress({ operationId, initial, onDone }: { operationId: string; initial?: OperationView; onDone?: (op: OperationView) => void }) {
  const { cp } = useSession();
  const finished = useRef(false);
  const { value, error } = usePoll(
    (signal) => cp.get<OperationView>(`/v1/operations/${operationId}`, { signal }),
    (op) => op.status === 'succeeded' || op.status === 'failed',
    1000,
    [cp, operationId],
  );
  const op = value ?? initial;
  useEffect(() => {
    if (op !== undefined && (op.status === 'succeeded' || op.status === 'failed') && !finished.current) {
      finished.current = true;
      onDone?.(op);
    }
  }, [op, onDone]);
  if (op === undefined) return <Progress />;
  const steps = OPERATION_STEPS[op.kind] ?? [...op.doneSteps, ...(op.step !== '' && op.step !== 'done' && !op.doneSteps.includes(op.step) ? [op.step] : [])];
  const current = op.status === 'succeeded' ? null : steps.find((s) => !op.doneSteps.includes(s)) ?? null;
  return (
    <div className="operation-progress" data-operation={op.id} data-status={op.status}>
      <p>
        <FormattedMessage id={`operator.opKind.${op.kind}`} defaultMessage={op.kind} /> <OperationStatus status={op.status} />{' '}
        {op.attempts > 1 ? <FormattedMessage id="operator.op.attempts" values={{ count: op.attempts }} /> : null}
      </p>
      <Progress value={op.progress / 100} label={<FormattedMessage id="operator.op.progress" values={{ percent: op.progress / 100, done: op.doneSteps.length, total: steps.length }} />} />
      <ol className="steps op-steps">
        {steps.map((s) => {
          const done = op.doneSteps.includes(s);
          const isCurrent = s === current;
          return (
            <li key={s} aria-current={isCurrent ? 'step' : undefined} className={done ? 'done' : isCurrent ? 'current' : 'pending'}>
              <StepName step={s} />{' '}
              <span className="step-state">
                (<FormattedMessage id={done ? 'operator.step.done' : isCurrent ? (op.status === 'failed' ? 'operator.step.failed' : 'operator.step.running') : 'operator.step.pending'} />)
              </span>
            </li>
          );
        })}
      </ol>
      <p role="status" className="op-status-line">
        {op.status === 'succeeded' ? (
          <FormattedMessage id="operator.op.succeeded" />
        ) : op.status === 'failed' ? null : current === null ? (
          <FormattedMessage id="operator.op.queued" />
        ) : (
          <FormattedMessage id="operator.op.current" values={{ step: <StepName step={current} />, n: steps.indexOf(current) + 1, total: steps.length }} />
        )}
      </p>
      {op.status === 'failed' ? (
        <div className="banner error" role="alert">
          <FormattedMessage id="operator.op.failed" values={{ error: op.error ?? '—' }} />
        </div>
      ) : null}
      <ErrorBanner error={error} />
    </div>
  );
}

export function PhaseName({ phase }: { phase: string }) {
  return <FormattedMessage id={`operator.phase.${camel(phase.toLowerCase())}`} defaultMessage={phase} />;
}

export function PhaseBadge({ phase }: { phase: string }) {
  const tone = phase === 'SETTLED' || phase === 'FINALIZED' ? 'ok' : phase === 'REJECTED' ? 'bad' : 'warn';
  return (
    <StatusBadge tone={tone}>
      <PhaseName phase={phase} />
    </StatusBadge>
  );
}

/** A CFA operation followed through CREATED → … → SETTLED (or REJECTED with the contract's code). */
export function PhaseProgress({ operation, onFinal }: { operation: CfaOperation; onFinal?: (op: CfaOperation) => void }) {
  const { cp } = useSession();
  const finished = useRef(false);
  const { value, error } = usePoll((signal) => cp.get<CfaOperation>(`/v1/cfa/operations/${operation.id}`, { signal }), (op) => isFinalPhase(op.phase), 700, [cp, operation.id]);
  const op = value ?? operation;
  useEffect(() => {
    if (isFinalPhase(op.phase) && !finished.current) {
      finished.current = true;
      onFinal?.(op);
    }
  }, [op, onFinal]);
  const reached = PHASES.indexOf(op.phase as (typeof PHASES)[number]);
  return (
    <div className="phase-progress" data-phase={op.phase}>
      <ol className="steps">
        {PHASES.map((p, i) => (
          <li key={p} aria-current={p === op.phase ? 'step' : undefined} className={i <= reached ? 'done' : 'pending'}>
            <PhaseName phase={p} />
          </li>
        ))}
      </ol>
      <p role="status">
        {op.phase === 'SETTLED' ? (
          <FormattedMessage id="operator.phase.settledLine" values={{ height: op.blockHeight ?? '—' }} />
        ) : op.phase === 'REJECTED' ? null : (
          <FormattedMessage id="operator.phase.line" values={{ phase: <PhaseName phase={op.phase} /> }} />
        )}
      </p>
      {op.phase === 'REJECTED' ? (
        <div className="banner error" role="alert">
          <FormattedMessage id="operator.phase.rejected" values={{ code: <code>{op.resultCode ?? '—'}</code> }} />
        </div>
      ) : null}
      <ErrorBanner error={error} />
    </div>
  );
}
