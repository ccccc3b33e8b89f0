/**
 * Uploading a document: a new record, or a new version of one of mine. The file is read and
 * encrypted here under a fresh data key, the ciphertext goes to the nodes' blob stores (large
 * files) and then one transaction records the version. Each step shows its progress; until the
 * transaction is sent the upload can be cancelled and nothing is written to the ledger.
 */
import { type FormEvent, useId, useRef, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { Link, useParams } from 'react-router-dom';
import { fromHex } from '@konsortium/protocol';
import { ErrorBanner, Field, Loading, Notice, PageHeader, Progress } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import { sealNodes, submitOps, useFeatureLedger } from './chain.js';
import { sealDocument } from './crypto.js';
import { coded, isAbort } from './errors.js';
import { DATA_ID, readFileWithProgress, recordIdFromName } from './files.js';
import { useIdentity } from './identity/context.js';
import { IdentityGate } from './identity/IdentityPanel.js';
import { Bytes, ShortHex } from './parts.js';
import { type DataRecord, readRecord } from './records.js';

type Step = 'read' | 'encrypt' | 'upload' | 'submit' | 'commit';
const STEPS: readonly Step[] = ['read', 'encrypt', 'upload', 'submit', 'commit'];
/** How much of the bar each step takes (upload dominates for large files). */
const WEIGHT: Readonly<Record<Step, number>> = { read: 0.15, encrypt: 0.1, upload: 0.55, submit: 0.05, commit: 0.15 };

interface Run {
  readonly step: Step;
  /** 0..1 within the step. */
  readonly part: number;
  readonly nodesDone: number;
  readonly nodes: number;
  readonly inline: boolean;
  readonly cancellable: boolean;
}

interface Done {
  readonly record: string;
  readonly version: number;
  readonly height: number;
  readonly txId: string;
  readonly size: number;
  readonly blobNodes: number;
}

function overall(r: Run): number {
  let sum = 0;
  for (const s of STEPS) {
    if (s === r.step) return sum + WEIGHT[s] * r.part;
    sum += WEIGHT[s];
  }
  return sum;
}

interface FormErrors {
  file?: string;
  record?: string;
  collection?: string;
}

function UploadForm({ existing }: { existing: DataRecord | null }) {
  const ledger = useFeatureLedger();
  const intl = useIntl();
  const { state, sealKey } = useIdentity();
  const [file, setFile] = useState<File | null>(null);
  const [record, setRecord] = useState(existing?.id ?? '');
  const [recordTouched, setRecordTouched] = useState(false);
  const [collection, setCollection] = useState('');
  const [keepName, setKeepName] = useState(true);
  const [errors, setErrors] = useState<FormErrors>({});
  const [run, setRun] = useState<Run | null>(null);
  const [done, setDone] = useState<Done | null>(null);
  const [failure, setFailure] = useState<unknown>(undefined);
  const [cancelled, setCancelled] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const nameId = useId();

  const ready = state.status === 'ready' ? state : null;

  const validate = (): FormErrors => {
    const e: FormErrors = {};
    if (file === null) e.file = intl.formatMessage({ id: 'data.upload.fileMissing' });
    else if (file.size === 0) e.file = intl.formatMessage({ id: 'data.upload.fileEmpty' });
    if (existing === null) {
      if (record === '') e.record = intl.formatMessage({ id: 'common.required' });
      else if (!DATA_ID.test(record)) e.record = intl.formatMessage({ id: 'data.upload.idPattern' });
      if (collection !== '' && !DATA_ID.test(collection)) e.collection = intl.formatMessage({ id: 'data.upload.idPattern' });
    }
    return e;
  };

  const start = async () => {
    if (ready === null || file === null) return;
    if (sealKey() === null) throw coded('NO_IDENTITY', 'there are no keys in this browser');
    const ac = new AbortController();
    abort.current = ac;
    const signal = ac.signal;
    const id = existing?.id ?? record;
    // The record id must be free (new record); the next version number comes from the chain.
    const current = await readRecord(ledger, id, signal);
    if (existing === null && current !== null) {
      setErrors({ record: intl.formatMessage({ id: 'data.upload.idTaken' }) });
      return;
    }
    if (existing !== null && current === null) throw coded('RECORD_NOT_FOUND', `no record "${id}"`);
    const version = (current?.versions ?? 0) + 1;
    const reachable = ledger.endpoints.nodes.map((n, i) => ({ n, c: ledger.clients[i]! })).filter((x) => x.n.status === 'running');
    let r: Run = { step: 'read', part: 0, nodesDone: 0, nodes: reachable.length, inline: false, cancellable: true };
    const update = (patch: Partial<Run>) => {
      r = { ...r, ...patch };
      setRun(r);
    };
    update({});
    const plaintext = await readFileWithProgress(file, (f) => update({ part: f }), signal);
    update({ step: 'encrypt', part: 0 });
    const nodes = await sealNodes(ledger, signal);
    // Let the page paint the step before the (synchronous) encryption.
    await new Promise((res) => setTimeout(res, 20));
    signal.throwIfAborted();
    const meta = keepName ? { name: file.name, contentType: file.type } : file.type === '' ? undefined : { contentType: file.type };
    const sealed = sealDocument({ channel: ledger.channel, record: id, version, plaintext, nodes, ownerSealKey: fromHex(ready.info.sealPublicKey), ...(meta === undefined ? {} : { meta }) });
    update({ part: 1, step: 'upload', inline: sealed.blob === null });
    if (sealed.blob !== null) {
      if (reachable.length === 0) throw coded('NODE_UNREACHABLE', 'no ledger node is running');
      const blob = sealed.blob;
      let count = 0;
      await Promise.all(
        reachable.map(async ({ c, n }) => {
          try {
            await c.putBlob(ledger.channel, blob.hash, blob.bytes, { signal, timeoutMs: 120_000 });
          } catch (err) {
            if (isAbort(err)) throw err;
            throw coded('BLOB_REFUSED', `node ${n.nodeId}: ${(err as Error).message}`, { node: n.nodeId });
          }
          count++;
          update({ nodesDone: count, part: count / reachable.length });
        }),
      );
    }
    signal.throwIfAborted();
    update({ step: 'submit', part: 0, cancellable: false });
    const op = existing === null ? { record: id, ...(collection === '' ? {} : { collection }), version: sealed.args } : { record: id, version: sealed.args };
    const status = await submitOps(ledger, ready.signer, { contract: 'data', method: existing === null ? 'putRecord' : 'addVersion', args: op }, { signal, onSubmitted: () => update({ step: 'commit', part: 0.3 }) });
    update({ step: 'commit', part: 1 });
    setDone({ record: id, version, height: status.height, txId: status.txId, size: plaintext.length, blobNodes: sealed.blob === null ? 0 : reachable.length });
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = validate();
    setErrors(found);
    setDone(null);
    setFailure(undefined);
    setCancelled(false);
    if (Object.keys(found).length > 0) return;
    start()
      .catch((err: unknown) => {
        if (isAbort(err)) setCancelled(true);
        else setFailure(err);
      })
      .finally(() => {
        abort.current = null;
        setRun(null);
      });
  };

  const running = run !== null;
  return (
    <>
      <form onSubmit={submit} noValidate aria-label={intl.formatMessage({ id: existing === null ? 'data.upload.title' : 'data.upload.versionTitle' })}>
        <Field label={<FormattedMessage id="data.upload.file" />} hint={<FormattedMessage id="data.upload.fileHint" />} error={errors.file}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              name="file"
              type="file"
              disabled={running}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onChange={(e) => {
                const f = e.target.files?.[0] ?? null;
                setFile(f);
                if (f !== null && existing === null && !recordTouched) setRecord(recordIdFromName(f.name));
              }}
            />
          )}
        </Field>
        {file === null ? null : (
          <p className="muted">
            <FormattedMessage id="data.upload.chosen" values={{ name: file.name, size: <Bytes value={file.size} /> }} />
          </p>
        )}
        {existing === null ? (
          <>
            <Field label={<FormattedMessage id="data.upload.recordId" />} hint={<FormattedMessage id="data.upload.recordIdHint" />} error={errors.record}>
              {({ id, describedBy, invalid }) => (
                <input
                  id={id}
                  name="record"
                  value={record}
                  disabled={running}
                  autoComplete="off"
                  spellCheck={false}
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                  onChange={(e) => {
                    setRecord(e.target.value);
                    setRecordTouched(true);
                  }}
                />
              )}
            </Field>
            <Field label={<FormattedMessage id="data.upload.collection" />} hint={<FormattedMessage id="data.upload.collectionHint" />} error={errors.collection}>
              {({ id, describedBy, invalid }) => (
                <input id={id} name="collection" value={collection} disabled={running} autoComplete="off" spellCheck={false} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setCollection(e.target.value)} />
              )}
            </Field>
          </>
        ) : null}
        <div className="check">
          <input id={nameId} type="checkbox" checked={keepName} disabled={running} onChange={(e) => setKeepName(e.target.checked)} aria-describedby={`${nameId}-hint`} />
          <label htmlFor={nameId}>
            <FormattedMessage id="data.upload.keepName" />
          </label>
          <small id={`${nameId}-hint`} className="hint">
            <FormattedMessage id="data.upload.keepNameHint" />
          </small>
        </div>
        <div className="buttons">
          <button type="submit" className="primary" disabled={running}>
            <FormattedMessage id={existing === null ? 'data.upload.submit' : 'data.upload.submitVersion'} />
          </button>
          {running ? (
            <button type="button" onClick={() => abort.current?.abort()} disabled={!run.cancellable}>
              <FormattedMessage id="data.upload.cancel" />
            </button>
          ) : null}
        </div>
      </form>
      {run === null ? null : (
        <section className="panel" aria-labelledby="upload-progress-h">
          <h2 id="upload-progress-h">
            <FormattedMessage id="data.upload.progressTitle" />
          </h2>
          <ol className="steps">
            {STEPS.map((s) => (
              <li key={s} aria-current={s === run.step ? 'step' : undefined}>
                <FormattedMessage id={`data.upload.step.${s}`} />
              </li>
            ))}
          </ol>
          <Progress value={overall(run)} />
          <p role="status">
            {run.step === 'upload' ? (
              run.inline ? (
                <FormattedMessage id="data.upload.inline" />
              ) : (
                <FormattedMessage id="data.upload.nodes" values={{ done: run.nodesDone, total: run.nodes }} />
              )
            ) : (
              <FormattedMessage id={`data.upload.now.${run.step}`} />
            )}
          </p>
          {run.cancellable ? null : (
            <p className="muted">
              <FormattedMessage id="data.upload.noCancel" />
            </p>
          )}
        </section>
      )}
      {cancelled ? (
        <Notice>
          <FormattedMessage id="data.upload.cancelled" />
        </Notice>
      ) : null}
      <ErrorBanner error={failure} />
      {done === null ? null : (
        <Notice kind="success">
          <p>
            <FormattedMessage
              id="data.upload.done"
              values={{ record: <strong>{done.record}</strong>, version: done.version, height: done.height, size: <Bytes value={done.size} />, nodes: done.blobNodes }}
            />
          </p>
          <p>
            <FormattedMessage id="data.upload.tx" values={{ tx: <ShortHex value={done.txId} /> }} />
          </p>
          <p>
            <Link to={`/data/records/${done.record}`}>
              <FormattedMessage id="data.upload.open" />
            </Link>
          </p>
        </Notice>
      )}
    </>
  );
}

export function UploadPage() {
  const { id } = useParams();
  const ledger = useFeatureLedger();
  const existing = useAsync((signal) => (id === undefined ? Promise.resolve(null) : readRecord(ledger, id, signal)), [ledger, id]);
  const title = id === undefined ? <FormattedMessage id="data.upload.title" /> : <FormattedMessage id="data.upload.versionTitle" />;
  return (
    <>
      <PageHeader title={title} lead={id === undefined ? <FormattedMessage id="data.upload.lead" /> : <FormattedMessage id="data.upload.versionLead" values={{ record: id }} />} />
      <IdentityGate keysPath="/data/keys">
        {existing.status === 'error' ? (
          <ErrorBanner error={existing.error} onRetry={existing.reload} />
        ) : existing.value === undefined ? (
          <Loading />
        ) : id !== undefined && existing.value === null ? (
          <ErrorBanner error={coded('RECORD_NOT_FOUND', `no record "${id}"`)} />
        ) : (
          <UploadForm existing={existing.value} />
        )}
      </IdentityGate>
    </>
  );
}
