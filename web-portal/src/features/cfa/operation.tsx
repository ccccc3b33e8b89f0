/**
 * Submitting a CFA operation and following it: `POST /v1/tenants/:id/cfa/operations` records
 * it (CREATED) and the control plane takes it on chain; the screen polls
 * `GET /v1/cfa/operations/:id` until SETTLED, or REJECTED with the contract's code (then the
 * node's message for that transaction, when it has one, is added). One call is one transaction:
 * the contract applies all of it or nothing.
 */
import { KonsortiumApiError, KonsortiumTimeoutError } from '@konsortium/client/errors';
import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { FormattedMessage } from 'react-intl';
import { useSession } from '../../app/session.js';
import { ErrorBanner, Notice, Progress } from '../../ui/components.js';
import { useCfa } from './context.js';
import { isFinalPhase, phaseProgress } from './model.js';

export interface CfaOperationView {
  readonly id: string;
  readonly channel: string;
  readonly tenantId: string | null;
  readonly sender: string | null;
  readonly method: string;
  readonly args: unknown;
  readonly phase: string;
  readonly txId: string | null;
  readonly blockHeight: string | null;
  readonly resultCode: string | null;
  readonly source: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** How long a screen follows an operation before it says "still running, look later". */
const FOLLOW_MS = 120_000;
const POLL_MS = 400;

export interface OperationState {
  readonly op: CfaOperationView | null;
  /** A refusal before recording (validation, quota), a REJECTED outcome, or a lost connection. */
  readonly error: unknown;
  /** Sending or following (not final yet). */
  readonly busy: boolean;
  submit(method: string, args: Record<string, unknown>): Promise<void>;
  reset(): void;
}

/** Submits one CFA operation at a time and follows it to its final phase. */
export function useCfaOperation(onSettled?: (op: CfaOperationView) => void): OperationState {
  const { cp } = useSession();
  const { tenant, channel, client, refresh } = useCfa();
  const [op, setOp] = useState<CfaOperationView | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [sending, setSending] = useState(false);
  const settled = useRef(onSettled);
  settled.current = onSettled;
  // The provider's refresh is a new function on each of its renders: keep the latest without restarting the poll.
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;
  /** When the current operation was first followed (a re-render must not restart its clock). */
  const since = useRef<{ id: string; at: number } | null>(null);

  const submit = useCallback(
    async (method: string, args: Record<string, unknown>) => {
      setError(undefined);
      setOp(null);
      setSending(true);
      try {
        const created = await cp.post<CfaOperationView>(`/v1/tenants/${tenant.id}/cfa/operations`, { method, args, channel });
        if (created.phase === 'REJECTED') setError(new KonsortiumApiError(409, created.resultCode ?? 'REJECTED', `${created.method}: ${created.resultCode ?? 'REJECTED'}`));
        setOp(created);
      } catch (err) {
        setError(err);
      } finally {
        setSending(false);
      }
    },
    [cp, tenant.id, channel],
  );

  const id = op?.id;
  const final = op === null || isFinalPhase(op.phase);
  useEffect(() => {
    if (id === undefined || final) return;
    const ac = new AbortController();
    if (since.current?.id !== id) since.current = { id, at: Date.now() };
    const started = since.current.at;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await cp.get<CfaOperationView>(`/v1/cfa/operations/${id}`, { signal: ac.signal });
        if (ac.signal.aborted) return;
        if (next.phase === 'REJECTED') {
          let message = `${next.method}: ${next.resultCode ?? 'REJECTED'}`;
          if (next.txId !== null) {
            try {
              message = (await client.status(next.channel, next.txId, { signal: ac.signal })).message ?? message;
            } catch {
              // The code is what matters; the node's wording is a bonus.
            }
          }
          setError(new KonsortiumApiError(409, next.resultCode ?? 'REJECTED', message));
        }
        setOp(next);
        if (next.phase === 'SETTLED') {
          refreshRef.current();
          settled.current?.(next);
        }
        if (isFinalPhase(next.phase)) return;
        if (Date.now() - started > FOLLOW_MS) {
          setError(new KonsortiumTimeoutError(`operation ${id} is still ${next.phase}`, FOLLOW_MS));
          return;
        }
      } catch (err) {
        if (ac.signal.aborted) return;
        setError(err);
        return;
      }
      timer = setTimeout(() => void poll(), POLL_MS);
    };
    timer = setTimeout(() => void poll(), POLL_MS);
    return () => {
      ac.abort();
      clearTimeout(timer);
    };
  }, [cp, client, id, final]);

  const reset = useCallback(() => {
    setOp(null);
    setError(undefined);
  }, []);
  const following = op !== null && !isFinalPhase(op.phase) && error === undefined;
  return { op, error, busy: sending || following, submit, reset };
}

/** The operation's progress while it runs, then its outcome: done (with its block) or the coded error. */
export function OperationStatus({ state, done }: { state: OperationState; done?: ReactNode }) {
  const { op, error } = state;
  if (op === null && error === undefined) return null;
  return (
    <div className="operation" data-phase={op?.phase ?? 'ERROR'}>
      {op !== null && !isFinalPhase(op.phase) ? (
        <div role="status">
          <Progress value={phaseProgress(op.phase)} label={<FormattedMessage id="cfa.op.phase" values={{ phase: op.phase }} />} />
        </div>
      ) : null}
      {op !== null && op.phase === 'SETTLED' ? (
        <Notice kind="success">
          <FormattedMessage id="cfa.op.settled" values={{ height: op.blockHeight ?? '—' }} />
          {done === undefined ? null : <> {done}</>}
        </Notice>
      ) : null}
      <ErrorBanner error={error} />
      {error instanceof KonsortiumApiError && op?.phase === 'REJECTED' && error.message !== '' ? (
        <p className="op-detail">
          <FormattedMessage id="cfa.op.detail" values={{ detail: <span className="mono">{error.message}</span> }} />
        </p>
      ) : null}
    </div>
  );
}
