/**
 * Chain integrity: fetch a range of blocks and verify them in this browser (chain.ts); then flip
 * one bit of one block's copy and see, recomputed, exactly where the chain breaks.
 */
import type { KonsortiumClient } from '@konsortium/client';
import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { ErrorBanner, Field, Loading, PageHeader, Progress } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import { type BlockRecordJson, type ChainVerdict, checkBlock, SignatureCache, summarize, type VerifyOptions } from './chain.js';
import { ChainReport } from './ChainReport.js';
import { ChannelPicker } from './Explorer.js';
import { useAudit } from './context.js';

const MAX_RANGE = 500;
const DEFAULT_RANGE = 30;

type Phase = { readonly kind: 'idle' } | { readonly kind: 'fetching'; readonly done: number; readonly total: number } | { readonly kind: 'verifying'; readonly done: number; readonly total: number };

/** Fetches blocks from..to, 100 a page. */
async function fetchRange(client: KonsortiumClient, channel: string, from: number, to: number, signal: AbortSignal, onProgress: (done: number) => void): Promise<BlockRecordJson[]> {
  const out: BlockRecordJson[] = [];
  let next = from;
  while (next <= to) {
    const page = await client.blocks(channel, next, Math.min(100, to - next + 1), { signal });
    if (page.length === 0) break;
    out.push(...page.filter((r) => r.height <= to));
    next = out[out.length - 1]!.height + 1;
    onProgress(out.length);
  }
  return out;
}

/** Verifies block by block, yielding to the page every few blocks so progress shows and the page stays responsive. */
export async function verifyIncrementally(o: VerifyOptions, records: readonly BlockRecordJson[], cache: SignatureCache, signal: AbortSignal, onProgress: (done: number) => void): Promise<ChainVerdict> {
  const blocks: ReturnType<typeof checkBlock>[] = [];
  const from = records[0]?.height ?? 0;
  for (let i = 0; i < records.length; i++) {
    const prev = blocks[i - 1];
    blocks.push(checkBlock(o, records[i]!, from + i, prev === undefined ? null : { hash: prev.hash, header: prev.header, height: prev.height }, cache));
    if (i % 5 === 4) {
      onProgress(i + 1);
      await new Promise((r) => setTimeout(r, 0));
      if (signal.aborted) throw signal.reason;
    }
  }
  onProgress(records.length);
  return summarize(blocks);
}

export function ChainIntegrity() {
  const { client, channel, suite, nodeKeys, keySource } = useAudit();
  const intl = useIntl();
  const head = useAsync((signal) => client.head(channel, { signal }), [client, channel]);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [txSignatures, setTxSignatures] = useState(true);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [error, setError] = useState<unknown>(undefined);
  const [records, setRecords] = useState<readonly BlockRecordJson[] | null>(null);
  const [baseline, setBaseline] = useState<ChainVerdict | null>(null);
  const [checkedWith, setCheckedWith] = useState<{ txSignatures: boolean } | null>(null);
  const cache = useMemo(() => new SignatureCache(), []);
  const running = useRef<AbortController | null>(null);

  const headHeight = head.value?.height;
  const fromN = /^\d{1,15}$/.test(from) ? Number(from) : NaN;
  const toN = /^\d{1,15}$/.test(to) ? Number(to) : NaN;
  const fromError = from === '' || Number.isNaN(fromN) ? 'auditor.chain.badHeight' : undefined;
  const toError =
    to === '' || Number.isNaN(toN)
      ? 'auditor.chain.badHeight'
      : headHeight !== undefined && toN > headHeight
        ? 'auditor.chain.aboveHead'
        : !Number.isNaN(fromN) && toN < fromN
          ? 'auditor.chain.toBeforeFrom'
          : !Number.isNaN(fromN) && toN - fromN + 1 > MAX_RANGE
            ? 'auditor.chain.tooMany'
            : undefined;
  const [showErrors, setShowErrors] = useState(false);

  const run = useCallback(
    async (a: number, b: number, withTxSigs: boolean) => {
      running.current?.abort();
      const ac = new AbortController();
      running.current = ac;
      setError(undefined);
      setRecords(null);
      setBaseline(null);
      try {
        setPhase({ kind: 'fetching', done: 0, total: b - a + 1 });
        const recs = await fetchRange(client, channel, a, b, ac.signal, (done) => setPhase({ kind: 'fetching', done, total: b - a + 1 }));
        setPhase({ kind: 'verifying', done: 0, total: recs.length });
        const verdict = await verifyIncrementally({ suite, channel, nodeKeys, txSignatures: withTxSigs }, recs, cache, ac.signal, (done) => setPhase({ kind: 'verifying', done, total: recs.length }));
        setRecords(recs);
        setBaseline(verdict);
        setCheckedWith({ txSignatures: withTxSigs });
      } catch (err) {
        if (!ac.signal.aborted) setError(err);
      } finally {
        if (running.current === ac) {
          running.current = null;
          setPhase({ kind: 'idle' });
        }
      }
    },
    [client, channel, suite, nodeKeys, cache],
  );

  // The first visit verifies the latest blocks at once.
  const started = useRef(false);
  useEffect(() => {
    if (headHeight === undefined || started.current) return;
    started.current = true;
    const a = Math.max(0, headHeight - DEFAULT_RANGE + 1);
    setFrom(String(a));
    setTo(String(headHeight));
    void run(a, headHeight, true);
    return () => {
      // Unmounted (or StrictMode's trial unmount): stop, and verify again if mounted again.
      started.current = false;
      running.current?.abort();
    };
  }, [headHeight, run]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setShowErrors(true);
    if (fromError !== undefined || toError !== undefined) return;
    void run(fromN, toN, txSignatures);
  };

  return (
    <>
      <PageHeader title={<FormattedMessage id="auditor.chain.title" />} lead={<FormattedMessage id="auditor.chain.lead" values={{ channel }} />} />
      <ChannelPicker />
      <section className="panel" aria-labelledby="chain-range">
        <h2 id="chain-range">
          <FormattedMessage id="auditor.chain.range" />
        </h2>
        {head.value === undefined ? head.error === undefined ? <Loading /> : null : (
          <p>
            <FormattedMessage id="auditor.chain.headIs" values={{ height: head.value.height }} />{' '}
            <FormattedMessage id={keySource === 'registry' ? 'auditor.keys.registry' : 'auditor.keys.node'} values={{ count: nodeKeys.size }} />
          </p>
        )}
        <ErrorBanner error={head.error} onRetry={head.reload} />
        <form className="inline" onSubmit={submit} noValidate aria-label={intl.formatMessage({ id: 'auditor.chain.range' })}>
          <Field label={<FormattedMessage id="auditor.chain.from" />} error={showErrors && fromError ? <FormattedMessage id={fromError} /> : undefined}>
            {({ id, describedBy, invalid }) => <input id={id} name="from" inputMode="numeric" size={8} aria-describedby={describedBy} aria-invalid={invalid} value={from} onChange={(e) => setFrom(e.target.value.trim())} />}
          </Field>
          <Field
            label={<FormattedMessage id="auditor.chain.to" />}
            error={showErrors && toError ? <FormattedMessage id={toError} values={{ head: headHeight ?? 0, max: MAX_RANGE }} /> : undefined}
          >
            {({ id, describedBy, invalid }) => <input id={id} name="to" inputMode="numeric" size={8} aria-describedby={describedBy} aria-invalid={invalid} value={to} onChange={(e) => setTo(e.target.value.trim())} />}
          </Field>
          <div className="field checkbox">
            <label>
              <input type="checkbox" name="txSignatures" checked={txSignatures} onChange={(e) => setTxSignatures(e.target.checked)} /> <FormattedMessage id="auditor.chain.txSignatures" />
            </label>
          </div>
          <button type="submit" className="primary" disabled={phase.kind !== 'idle'}>
            <FormattedMessage id="auditor.chain.verify" />
          </button>
        </form>
        {phase.kind === 'idle' ? null : (
          <Progress
            value={phase.total === 0 ? undefined : phase.done / phase.total}
            label={<FormattedMessage id={phase.kind === 'fetching' ? 'auditor.chain.fetching' : 'auditor.chain.verifying'} values={{ done: phase.done, total: phase.total }} />}
          />
        )}
        <ErrorBanner error={error} />
      </section>
      {records === null || baseline === null || checkedWith === null ? null : (
        <ChainReport records={records} baseline={baseline} options={{ suite, channel, nodeKeys, txSignatures: checkedWith.txSignatures }} cache={cache} />
      )}
    </>
  );
}
