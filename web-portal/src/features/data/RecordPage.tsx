/**
 * One record: its versions (each under its own data key), downloading and decrypting one in the
 * browser with the hash check, and for its owner the grants (to a member or a role, on the record
 * or its collection, optionally until a date) and revocations.
 */
import { type FormEvent, useId, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { Link, useParams } from 'react-router-dom';
import { DataTable, DateTime, ErrorBanner, Field, Loading, Notice, PageHeader, Progress, StatusBadge } from '../../ui/components.js';
import { useAction, useAsync } from '../../ui/use-async.js';
import type { Ledger } from '../../app/ledger.js';
import { LiveBadge, memberOf, submitOps, useFeatureLedger, useLiveHeight } from './chain.js';
import { type ChainVersion, keyFingerprint } from './crypto.js';
import { type DownloadResult, type DownloadStep, downloadVersion, type KeyProgress } from './download.js';
import { coded, type CodedError } from './errors.js';
import { MEMBER_ID, saveBytes } from './files.js';
import { useIdentity } from './identity/context.js';
import { IdentityGate } from './identity/IdentityPanel.js';
import { Bytes, type ChainMe, MemberName, useChainMe } from './parts.js';
import { type DataRecord, type Grant, grantActive, type Grantee, type GrantScope, myGrants, readRecord, readVersion, recordGrants, ROLES } from './records.js';

interface Loaded {
  readonly record: DataRecord;
  readonly versions: ChainVersion[];
}

async function load(ledger: Ledger, id: string, signal: AbortSignal): Promise<Loaded | null> {
  const record = await readRecord(ledger, id, signal);
  if (record === null) return null;
  const versions = await Promise.all(Array.from({ length: record.versions }, (_x, i) => readVersion(ledger, id, i + 1, signal)));
  return { record, versions: versions.filter((v): v is ChainVersion => v !== null).reverse() };
}

function NodeAnswers({ p }: { p: KeyProgress }) {
  const rows = [...p.nodes.entries()].sort(([a], [b]) => a - b);
  return (
    <DataTable
      caption={<FormattedMessage id="data.download.nodesCaption" />}
      rows={rows}
      rowKey={([id]) => String(id)}
      columns={[
        { header: <FormattedMessage id="data.col.node" />, cell: ([id]) => <FormattedMessage id="data.node" values={{ id }} /> },
        {
          header: <FormattedMessage id="data.col.answer" />,
          cell: ([, o]) =>
            o.state === 'asking' ? (
              <StatusBadge tone="neutral">
                <FormattedMessage id="data.download.asking" />
              </StatusBadge>
            ) : o.state === 'released' ? (
              <StatusBadge tone="ok">
                <FormattedMessage id="data.download.released" />
              </StatusBadge>
            ) : (
              <StatusBadge tone="bad">
                <FormattedMessage id="data.download.refused" values={{ code: o.code }} />
              </StatusBadge>
            ),
        },
      ]}
    />
  );
}

function ReleaseSummary({ p }: { p: KeyProgress }) {
  const released = [...p.nodes.values()].filter((o) => o.state === 'released').length;
  const answered = [...p.nodes.values()].filter((o) => o.state !== 'asking').length;
  return (
    <p role="status">
      <FormattedMessage id="data.download.shares" values={{ released, threshold: p.threshold, answered, asked: p.nodes.size, holders: p.holders }} />
    </p>
  );
}

function DownloadPanel({ record, version, isOwner, onClose }: { record: DataRecord; version: ChainVersion; isOwner: boolean; onClose: () => void }) {
  const ledger = useFeatureLedger();
  const { state, sealKey } = useIdentity();
  const [step, setStep] = useState<DownloadStep | null>(null);
  const [progress, setProgress] = useState<KeyProgress | null>(null);
  const action = useAction(async (): Promise<DownloadResult> => {
    if (state.status !== 'ready') throw coded('NO_IDENTITY', 'no keys');
    setProgress(null);
    try {
      return await downloadVersion({ ledger, record: record.id, version, isOwner, signer: state.signer, sealKey: sealKey(), onStep: setStep, onProgress: setProgress });
    } finally {
      setStep(null);
    }
  });
  const result = action.error === undefined ? action.result : undefined;
  const start = () => {
    action.reset();
    void action.run();
  };
  const name = version.meta?.name ?? `${record.id}-v${version.version}`;
  const err = action.error as CodedError | undefined;
  return (
    <section className="panel" aria-labelledby="download-h">
      <h2 id="download-h">
        <FormattedMessage id="data.download.title" values={{ version: version.version, name }} />
      </h2>
      <p>
        <FormattedMessage id={isOwner ? 'data.download.ownerExplain' : 'data.download.readerExplain'} values={{ threshold: version.threshold, holders: version.shares.length }} />
      </p>
      <div className="buttons">
        <button type="button" className="primary" onClick={start} disabled={action.running}>
          <FormattedMessage id="data.download.start" />
        </button>
        <button type="button" onClick={onClose} disabled={action.running}>
          <FormattedMessage id="common.close" />
        </button>
      </div>
      {step === null ? null : (
        <>
          <ol className="steps">
            {(['key', 'fetch', 'decrypt'] as const).map((s) => (
              <li key={s} aria-current={s === step ? 'step' : undefined}>
                <FormattedMessage id={`data.download.step.${s}`} />
              </li>
            ))}
          </ol>
          <Progress value={step === 'key' ? 0.15 : step === 'fetch' ? 0.55 : 0.9} />
        </>
      )}
      {progress === null ? null : (
        <>
          <ReleaseSummary p={progress} />
          <NodeAnswers p={progress} />
        </>
      )}
      {err === undefined ? null : (
        <>
          <ErrorBanner error={err} onRetry={start} />
          {err.code === 'THRESHOLD_NOT_REACHED' && err.details !== undefined ? (
            <p>
              <FormattedMessage id="data.download.thresholdDetail" values={err.details as Record<string, number>} />
            </p>
          ) : null}
        </>
      )}
      {result === undefined || action.running ? null : result.verified ? (
        <Notice kind="success">
          <p>
            <StatusBadge tone="ok">
              <FormattedMessage id="data.download.verified" />
            </StatusBadge>{' '}
            <FormattedMessage id={result.via === 'owner' ? 'data.download.doneOwner' : 'data.download.doneNodes'} values={{ size: <Bytes value={result.plaintext.length} /> }} />
          </p>
          <p>
            <FormattedMessage id="data.download.hash" values={{ hash: <code>{result.hash}</code> }} />
          </p>
          <button type="button" className="primary" onClick={() => saveBytes(result.plaintext, name, version.meta?.contentType ?? 'application/octet-stream')}>
            <FormattedMessage id="data.download.save" values={{ name }} />
          </button>
        </Notice>
      ) : (
        <div className="banner error" role="alert">
          <p>
            <StatusBadge tone="bad">
              <FormattedMessage id="data.download.mismatch" />
            </StatusBadge>{' '}
            <FormattedMessage id="data.download.mismatchText" />
          </p>
          <p>
            <FormattedMessage id="data.download.hashes" values={{ got: <code>{result.hash}</code>, expected: <code>{result.expected}</code> }} />
          </p>
        </div>
      )}
    </section>
  );
}

function granteeText(g: Grantee) {
  return 'member' in g ? <code>{g.member}</code> : <FormattedMessage id="data.grant.role" values={{ role: <FormattedMessage id={`data.role.${g.role}`} defaultMessage={g.role} /> }} />;
}

function scopeText(s: GrantScope) {
  return 'record' in s ? <FormattedMessage id="data.grant.scopeRecord" /> : <FormattedMessage id="data.grant.scopeCollection" values={{ collection: s.collection }} />;
}

interface GrantErrors {
  member?: string;
  expires?: string;
}

/** "2026-03-01T12:00" in local time → ms, or NaN. */
function localMs(value: string): number {
  return value === '' ? Number.NaN : new Date(value).getTime();
}

function GrantForm({ record, onDone }: { record: DataRecord; onDone: () => void }) {
  const ledger = useFeatureLedger();
  const intl = useIntl();
  const { state } = useIdentity();
  const [kind, setKind] = useState<'member' | 'role'>('member');
  const [member, setMember] = useState('');
  const [role, setRole] = useState<string>('auditor');
  const [scope, setScope] = useState<'record' | 'collection'>('record');
  const [limited, setLimited] = useState(false);
  const [expires, setExpires] = useState('');
  const [errors, setErrors] = useState<GrantErrors>({});
  const [granted, setGranted] = useState<string | null>(null);
  const ids = useId();
  const action = useAction(async () => {
    if (state.status !== 'ready') throw coded('NO_IDENTITY', 'no keys');
    const e: GrantErrors = {};
    if (kind === 'member') {
      if (member === '') e.member = intl.formatMessage({ id: 'common.required' });
      else if (!MEMBER_ID.test(member)) e.member = intl.formatMessage({ id: 'data.grant.memberPattern' });
      else if (member === record.owner) e.member = intl.formatMessage({ id: 'data.grant.memberSelf' });
      else if ((await memberOf(ledger, member)) === null) e.member = intl.formatMessage({ id: 'data.grant.memberUnknown' });
    }
    const until = localMs(expires);
    if (limited && (Number.isNaN(until) || until <= Date.now() + 60_000)) e.expires = intl.formatMessage({ id: 'data.grant.expiresFuture' });
    setErrors(e);
    if (Object.keys(e).length > 0) return;
    const grantee = kind === 'member' ? { member } : { role };
    const target = scope === 'record' || record.collection === null ? { record: record.id } : { collection: record.collection };
    await submitOps(ledger, state.signer, { contract: 'data', method: 'grant', args: { ...target, grantee, ...(limited ? { expiresAt: until } : {}) } });
    setGranted(kind === 'member' ? member : role);
    setMember('');
    onDone();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setGranted(null);
    void action.run();
  };
  return (
    <form onSubmit={submit} noValidate aria-label={intl.formatMessage({ id: 'data.grant.formTitle' })}>
      <fieldset>
        <legend>
          <FormattedMessage id="data.grant.to" />
        </legend>
        <div className="check">
          <input type="radio" id={`${ids}-m`} name="grantee-kind" checked={kind === 'member'} onChange={() => setKind('member')} />
          <label htmlFor={`${ids}-m`}>
            <FormattedMessage id="data.grant.toMember" />
          </label>
        </div>
        <div className="check">
          <input type="radio" id={`${ids}-r`} name="grantee-kind" checked={kind === 'role'} onChange={() => setKind('role')} />
          <label htmlFor={`${ids}-r`}>
            <FormattedMessage id="data.grant.toRole" />
          </label>
        </div>
      </fieldset>
      {kind === 'member' ? (
        <Field label={<FormattedMessage id="data.grant.member" />} hint={<FormattedMessage id="data.grant.memberHint" />} error={errors.member}>
          {({ id, describedBy, invalid }) => (
            <input id={id} name="member" value={member} autoComplete="off" spellCheck={false} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setMember(e.target.value.trim())} />
          )}
        </Field>
      ) : (
        <Field label={<FormattedMessage id="data.grant.roleLabel" />}>
          {({ id, describedBy }) => (
            <select id={id} name="role" value={role} aria-describedby={describedBy} onChange={(e) => setRole(e.target.value)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {intl.formatMessage({ id: `data.role.${r}` })}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      {record.collection === null ? null : (
        <fieldset>
          <legend>
            <FormattedMessage id="data.grant.scope" />
          </legend>
          <div className="check">
            <input type="radio" id={`${ids}-sr`} name="scope" checked={scope === 'record'} onChange={() => setScope('record')} />
            <label htmlFor={`${ids}-sr`}>
              <FormattedMessage id="data.grant.scopeRecord" />
            </label>
          </div>
          <div className="check">
            <input type="radio" id={`${ids}-sc`} name="scope" checked={scope === 'collection'} onChange={() => setScope('collection')} />
            <label htmlFor={`${ids}-sc`}>
              <FormattedMessage id="data.grant.scopeCollection" values={{ collection: record.collection }} />
            </label>
          </div>
        </fieldset>
      )}
      <div className="check">
        <input id={`${ids}-l`} type="checkbox" checked={limited} onChange={(e) => setLimited(e.target.checked)} />
        <label htmlFor={`${ids}-l`}>
          <FormattedMessage id="data.grant.limited" />
        </label>
      </div>
      {limited ? (
        <Field label={<FormattedMessage id="data.grant.expires" />} error={errors.expires}>
          {({ id, describedBy, invalid }) => <input id={id} name="expires" type="datetime-local" value={expires} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setExpires(e.target.value)} />}
        </Field>
      ) : null}
      <ErrorBanner error={action.error} />
      {granted === null ? null : (
        <Notice kind="success">
          <FormattedMessage id="data.grant.done" values={{ who: granted }} />
        </Notice>
      )}
      <div>
        <button type="submit" className="primary" disabled={action.running}>
          {action.running ? <FormattedMessage id="common.working" /> : <FormattedMessage id="data.grant.submit" />}
        </button>
      </div>
    </form>
  );
}

function GrantsSection({ record, latest }: { record: DataRecord; latest: ChainVersion | null }) {
  const ledger = useFeatureLedger();
  const height = useLiveHeight();
  const { state } = useIdentity();
  const grants = useAsync((signal) => recordGrants(ledger, record, signal), [ledger, record, height]);
  const [revoked, setRevoked] = useState<string | null>(null);
  const revoke = useAction(async (g: Grant) => {
    if (state.status !== 'ready') throw coded('NO_IDENTITY', 'no keys');
    const target = 'record' in g.scope ? { record: g.scope.record } : { collection: g.scope.collection };
    await submitOps(ledger, state.signer, { contract: 'data', method: 'revoke', args: { ...target, grantee: g.grantee } });
    setRevoked('member' in g.grantee ? g.grantee.member : g.grantee.role);
    grants.reload();
  });
  const now = Date.now();
  const lastRevoke = grants.value?.lastRevoke ?? null;
  const staleKey = lastRevoke !== null && latest !== null && lastRevoke > latest.height;
  return (
    <section className="panel" aria-labelledby="grants-h">
      <h2 id="grants-h">
        <FormattedMessage id="data.grant.title" />
      </h2>
      <ErrorBanner error={grants.error} onRetry={grants.reload} />
      {grants.value === undefined ? (
        grants.status === 'error' ? null : <Loading />
      ) : (
        <DataTable
          caption={<FormattedMessage id="data.grant.caption" />}
          rows={grants.value.grants}
          rowKey={(g) => `${JSON.stringify(g.scope)}/${JSON.stringify(g.grantee)}`}
          columns={[
            { header: <FormattedMessage id="data.col.grantee" />, cell: (g) => granteeText(g.grantee) },
            { header: <FormattedMessage id="data.col.scope" />, cell: (g) => scopeText(g.scope) },
            { header: <FormattedMessage id="data.col.granted" />, cell: (g) => <DateTime value={g.grantedAt} /> },
            {
              header: <FormattedMessage id="data.col.status" />,
              cell: (g) =>
                grantActive(g, now) ? (
                  <StatusBadge tone="ok">
                    {g.expiresAt === null ? <FormattedMessage id="data.grant.active" /> : <FormattedMessage id="data.grant.until" values={{ date: <DateTime value={g.expiresAt} /> }} />}
                  </StatusBadge>
                ) : (
                  <StatusBadge tone="warn">
                    <FormattedMessage id="data.grant.expired" />
                  </StatusBadge>
                ),
            },
            {
              header: <FormattedMessage id="data.col.actions" />,
              cell: (g) => (
                <button type="button" className="danger" disabled={revoke.running} onClick={() => void revoke.run(g)}>
                  <FormattedMessage id="data.grant.revoke" values={{ who: 'member' in g.grantee ? g.grantee.member : g.grantee.role }} />
                </button>
              ),
            },
          ]}
        />
      )}
      <ErrorBanner error={revoke.error} />
      {revoked === null ? null : (
        <Notice kind="success">
          <FormattedMessage id="data.grant.revoked" values={{ who: revoked }} />
        </Notice>
      )}
      {staleKey ? (
        <Notice>
          <FormattedMessage id="data.grant.rotate" values={{ link: (t) => <Link to={`/data/records/${record.id}/upload`}>{t}</Link> }} />
        </Notice>
      ) : null}
      <h3>
        <FormattedMessage id="data.grant.formTitle" />
      </h3>
      <IdentityGate keysPath="/data/keys">
        <GrantForm record={record} onDone={grants.reload} />
      </IdentityGate>
    </section>
  );
}

function ReaderAccess({ record, me }: { record: DataRecord; me: ChainMe }) {
  const ledger = useFeatureLedger();
  const height = useLiveHeight();
  const grants = useAsync((signal) => myGrants(ledger, record, me, signal), [ledger, record, me, height]);
  const now = Date.now();
  if (grants.value === undefined) return grants.status === 'error' ? <ErrorBanner error={grants.error} onRetry={grants.reload} /> : null;
  const active = grants.value.filter((g) => grantActive(g, now));
  return (
    <Notice>
      {active.length > 0 ? (
        <FormattedMessage id="data.record.sharedWithYou" values={{ owner: <code>{record.owner}</code> }} />
      ) : grants.value.length > 0 ? (
        <FormattedMessage id="data.record.grantExpired" values={{ owner: <code>{record.owner}</code> }} />
      ) : (
        <FormattedMessage id="data.record.noGrant" values={{ owner: <code>{record.owner}</code> }} />
      )}
    </Notice>
  );
}

export function RecordPage() {
  const { id = '' } = useParams();
  const ledger = useFeatureLedger();
  const height = useLiveHeight();
  const { me } = useChainMe();
  const data = useAsync((signal) => load(ledger, id, signal), [ledger, id, height]);
  const [selected, setSelected] = useState<number | null>(null);
  const loaded = data.value ?? null;
  const isOwner = loaded !== null && me !== undefined && loaded.record.owner === me.memberId;
  const latest = loaded?.versions[0] ?? null;
  const title = latest?.meta?.name ?? id;
  const chosen = loaded?.versions.find((v) => v.version === selected) ?? null;
  return (
    <>
      <PageHeader
        title={title}
        lead={
          loaded === null ? undefined : (
            <FormattedMessage
              id="data.record.lead"
              values={{ id: <code>{id}</code>, owner: <MemberName id={loaded.record.owner} me={me?.memberId ?? null} />, collection: loaded.record.collection ?? '—', versions: loaded.record.versions }}
            />
          )
        }
        actions={
          <>
            <LiveBadge />
            <Link className="button" to={`/data/records/${id}/log`}>
              <FormattedMessage id="data.record.log" />
            </Link>
            {isOwner ? (
              <Link className="button primary" to={`/data/records/${id}/upload`}>
                <FormattedMessage id="data.record.newVersion" />
              </Link>
            ) : null}
          </>
        }
      />
      <ErrorBanner error={data.error} onRetry={data.reload} />
      {data.value === undefined ? (
        data.status === 'error' ? null : <Loading />
      ) : loaded === null ? (
        <ErrorBanner error={coded('RECORD_NOT_FOUND', `no record "${id}"`)} />
      ) : (
        <>
          {!isOwner && me !== undefined ? <ReaderAccess record={loaded.record} me={me} /> : null}
          <section aria-labelledby="versions-h">
            <h2 id="versions-h">
              <FormattedMessage id="data.record.versions" />
            </h2>
            <DataTable
              caption={<FormattedMessage id="data.record.versionsCaption" />}
              captionHidden
              rows={loaded.versions}
              rowKey={(v) => String(v.version)}
              columns={[
                { header: <FormattedMessage id="data.col.version" />, cell: (v) => v.version, numeric: true },
                { header: <FormattedMessage id="data.col.file" />, cell: (v) => v.meta?.name ?? '—' },
                { header: <FormattedMessage id="data.col.size" />, cell: (v) => <Bytes value={v.size} />, numeric: true },
                { header: <FormattedMessage id="data.col.stored" />, cell: (v) => ('inline' in v.body ? <FormattedMessage id="data.record.inline" /> : <FormattedMessage id="data.record.blob" />) },
                { header: <FormattedMessage id="data.col.key" />, cell: (v) => <code>{keyFingerprint(v)}</code> },
                { header: <FormattedMessage id="data.col.threshold" />, cell: (v) => <FormattedMessage id="data.record.threshold" values={{ t: v.threshold, n: v.shares.length }} /> },
                { header: <FormattedMessage id="data.col.block" />, cell: (v) => v.height, numeric: true },
                { header: <FormattedMessage id="data.col.created" />, cell: (v) => <DateTime value={v.createdAt} /> },
                {
                  header: <FormattedMessage id="data.col.actions" />,
                  cell: (v) => (
                    <button type="button" onClick={() => setSelected(v.version)}>
                      <FormattedMessage id="data.record.download" values={{ version: v.version }} />
                    </button>
                  ),
                },
              ]}
            />
            <p className="muted">
              <FormattedMessage id="data.record.keyNote" />
            </p>
          </section>
          {chosen === null ? null : (
            <IdentityGate keysPath="/data/keys">
              <DownloadPanel key={chosen.version} record={loaded.record} version={chosen} isOwner={isOwner} onClose={() => setSelected(null)} />
            </IdentityGate>
          )}
          {isOwner ? <GrantsSection record={loaded.record} latest={latest} /> : null}
        </>
      )}
    </>
  );
}
