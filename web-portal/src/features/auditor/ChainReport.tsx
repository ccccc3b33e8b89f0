/**
 * The verified range, block by block, and the bit-flip control: flipping one bit of one block's
 * copy re-runs the checks here and flags, in the table and in an alert, where the chain breaks.
 * Takes the blocks as served (hex) and the verdict of the untouched copy, so a component test can
 * mount it on real blocks without a server.
 */
import { type FormEvent, type ReactNode, useMemo, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { Link } from 'react-router-dom';
import { Field, StatusBadge } from '../../ui/components.js';
import {
  type BlockRecordJson,
  type BlockVerdict,
  type ChainVerdict,
  decodeRecord,
  parseTargetKey,
  type Problem,
  shortHex,
  SignatureCache,
  type Tamper,
  type TamperTarget,
  tamperBlock,
  tamperTargets,
  targetKey,
  verifyRange,
  type VerifyOptions,
} from './chain.js';
import { Check, ProblemText } from './parts.js';

export function TargetName({ target }: { target: TamperTarget }) {
  if (target.kind === 'header') return <FormattedMessage id="auditor.tamper.headerField" values={{ field: <FormattedMessage id={`auditor.field.${target.field}`} /> }} />;
  return <FormattedMessage id="auditor.tamper.txPart" values={{ index: target.index, part: <FormattedMessage id={`auditor.txPart.${target.part}`} /> }} />;
}

/** Where the chain breaks, in one sentence. */
export function BreakText({ p }: { p: Problem }) {
  if (p.code === 'PREV_HASH')
    return (
      <FormattedMessage
        id="auditor.chain.breakLink"
        values={{ height: p.height, other: p.other ?? p.height - 1, found: <code title={p.found}>{shortHex(p.found, 12)}</code>, expected: <code title={p.expected}>{shortHex(p.expected, 12)}</code> }}
      />
    );
  if (p.code === 'TX_ROOT') return <FormattedMessage id="auditor.chain.breakTxRoot" values={{ height: p.height }} />;
  return <ProblemText p={p} />;
}

function defaultBlock(records: readonly BlockRecordJson[], decoded: readonly ({ txs: readonly Uint8Array[] } | null)[]): number | null {
  if (records.length === 0) return null;
  // The latest block with transactions that has a successor in the range, else the one before the last.
  for (let i = records.length - 2; i >= 0; i--) if ((decoded[i]?.txs.length ?? 0) > 0) return records[i]!.height;
  return records[Math.max(0, records.length - 2)]!.height;
}

function status(b: BlockVerdict): ReactNode {
  return (
    <>
      {b.tampered ? (
        <StatusBadge tone="warn">
          <FormattedMessage id="auditor.chain.tamperedCopy" />
        </StatusBadge>
      ) : null}{' '}
      {b.problems.length === 0 ? (
        <StatusBadge tone="ok">
          <FormattedMessage id="auditor.chain.holds" />
        </StatusBadge>
      ) : (
        <StatusBadge tone="bad">
          <FormattedMessage id="auditor.chain.brokenHere" />
        </StatusBadge>
      )}
    </>
  );
}

export function ChainReport({ records, baseline, options, cache }: { records: readonly BlockRecordJson[]; baseline: ChainVerdict; options: VerifyOptions; cache?: SignatureCache }) {
  const intl = useIntl();
  const sigCache = useMemo(() => cache ?? new SignatureCache(), [cache]);
  const decoded = useMemo(
    () =>
      records.map((r) => {
        try {
          return decodeRecord(options.suite, r);
        } catch {
          return null;
        }
      }),
    [records, options.suite],
  );
  const [tamper, setTamper] = useState<Tamper | null>(null);
  const [height, setHeight] = useState<number | null>(() => defaultBlock(records, decoded));
  const block = height === null ? null : (decoded[height - (records[0]?.height ?? 0)] ?? null);
  const targets = useMemo(() => (block === null ? [] : tamperTargets(block)), [block]);
  const [targetChoice, setTargetChoice] = useState<string | null>(null);
  const fallbackTarget = targets.find((t) => t.target.kind === 'tx' && t.target.part === 'args') ?? targets.find((t) => t.target.kind === 'header' && t.target.field === 'timestamp');
  const chosen = targets.find((t) => targetKey(t.target) === targetChoice) ?? fallbackTarget;
  const [bit, setBit] = useState('0');
  const [bitTouched, setBitTouched] = useState(false);
  const bitN = /^\d{1,6}$/.test(bit) ? Number(bit) : NaN;
  const bitError = chosen === undefined || Number.isNaN(bitN) || bitN >= chosen.bits ? <FormattedMessage id="auditor.tamper.badBit" values={{ max: (chosen?.bits ?? 1) - 1 }} /> : undefined;

  const verdict = useMemo(() => (tamper === null ? baseline : verifyRange({ ...options, tamper }, records, sigCache)), [tamper, baseline, options, records, sigCache]);
  const effect = useMemo(() => {
    if (tamper === null) return null;
    const b = decoded[tamper.height - (records[0]?.height ?? 0)];
    if (b === null || b === undefined) return null;
    try {
      return tamperBlock(options.suite, b, tamper).effect;
    } catch {
      return null;
    }
  }, [tamper, decoded, records, options.suite]);

  const flip = (e: FormEvent) => {
    e.preventDefault();
    setBitTouched(true);
    if (height === null || chosen === undefined || bitError !== undefined) return;
    setTamper({ height, target: chosen.target, bit: bitN });
  };

  const first = records[0]?.height ?? 0;
  const last = records[records.length - 1]?.height ?? 0;
  const headHash = verdict.blocks[verdict.blocks.length - 1]?.hash ?? null;
  const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

  return (
    <>
      <section className="panel" aria-labelledby="chain-result">
        <h2 id="chain-result">
          <FormattedMessage id="auditor.chain.result" />
        </h2>
        {verdict.ok ? (
          <div className="banner success chain-summary" role="status">
            <strong>
              <FormattedMessage id="auditor.chain.okTitle" />
            </strong>
            <p>
              <FormattedMessage id="auditor.chain.ok" values={{ count: records.length, from: first, to: last }} />
            </p>
            <p>
              <FormattedMessage id="auditor.chain.headHash" values={{ height: last, hash: <code>{headHash}</code> }} />
            </p>
          </div>
        ) : (
          <div className="banner error chain-summary" role="alert">
            <strong>
              <FormattedMessage id={tamper === null ? 'auditor.chain.brokenTitle' : 'auditor.chain.tamperTitle'} />
            </strong>
            {verdict.breakAt === null ? null : (
              <p className="break-at">
                <BreakText p={verdict.breakAt} />{' '}
                <a href={`#chain-row-${verdict.breakAt.height}`}>
                  <FormattedMessage id="auditor.chain.showRow" values={{ height: verdict.breakAt.height }} />
                </a>
              </p>
            )}
            <details open={tamper !== null}>
              <summary>
                <FormattedMessage id="auditor.chain.allProblems" values={{ count: verdict.problems.length }} />
              </summary>
              <ul className="problems">
                {verdict.problems.map((p, i) => (
                  <li key={i}>
                    <ProblemText p={p} />
                  </li>
                ))}
              </ul>
            </details>
          </div>
        )}
      </section>

      <section className="panel" aria-labelledby="chain-tamper">
        <h2 id="chain-tamper">
          <FormattedMessage id="auditor.tamper.title" />
        </h2>
        <p className="lead">
          <FormattedMessage id="auditor.tamper.lead" />
        </p>
        {records.length === 0 ? null : (
          <form className="inline" onSubmit={flip} noValidate aria-label={intl.formatMessage({ id: 'auditor.tamper.title' })}>
            <Field label={<FormattedMessage id="auditor.tamper.block" />}>
              {({ id }) => (
                <select
                  id={id}
                  name="block"
                  value={height ?? ''}
                  onChange={(e) => {
                    setHeight(Number(e.target.value));
                    setTargetChoice(null);
                  }}
                >
                  {records.map((r, i) => (
                    <option key={r.height} value={r.height}>
                      {intl.formatMessage({ id: 'auditor.tamper.blockOption' }, { height: r.height, count: decoded[i]?.txs.length ?? 0 })}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={<FormattedMessage id="auditor.tamper.target" />}>
              {({ id }) => (
                <select id={id} name="target" value={chosen === undefined ? '' : targetKey(chosen.target)} onChange={(e) => setTargetChoice(parseTargetKey(e.target.value) === null ? null : e.target.value)}>
                  {targets.map((t) => (
                    <option key={targetKey(t.target)} value={targetKey(t.target)}>
                      {t.target.kind === 'header'
                        ? intl.formatMessage({ id: 'auditor.tamper.headerFieldBits' }, { field: intl.formatMessage({ id: `auditor.field.${t.target.field}` }), bits: t.bits })
                        : intl.formatMessage({ id: 'auditor.tamper.txPartBits' }, { index: t.target.index, part: intl.formatMessage({ id: `auditor.txPart.${t.target.part}` }), bits: t.bits })}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={<FormattedMessage id="auditor.tamper.bit" />} hint={<FormattedMessage id="auditor.tamper.bitHint" values={{ max: (chosen?.bits ?? 1) - 1 }} />} error={bitTouched ? bitError : undefined}>
              {({ id, describedBy, invalid }) => (
                <input
                  id={id}
                  name="bit"
                  inputMode="numeric"
                  size={6}
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                  value={bit}
                  onChange={(e) => {
                    setBit(e.target.value.trim());
                    setBitTouched(true);
                  }}
                />
              )}
            </Field>
            <button type="submit" className="danger" name="flip">
              <FormattedMessage id="auditor.tamper.flip" />
            </button>
            <button type="button" name="restore" disabled={tamper === null} onClick={() => setTamper(null)}>
              <FormattedMessage id="auditor.tamper.restore" />
            </button>
          </form>
        )}
        <p role="status" className="tamper-note">
          {tamper === null ? (
            <FormattedMessage id="auditor.tamper.none" />
          ) : (
            <FormattedMessage
              id="auditor.tamper.applied"
              values={{
                bit: tamper.bit,
                target: <TargetName target={tamper.target} />,
                height: tamper.height,
                before: <code>{effect === null ? '?' : hex(effect.before)}</code>,
                after: <code>{effect === null ? '?' : hex(effect.after)}</code>,
              }}
            />
          )}
        </p>
      </section>

      <section className="panel" aria-labelledby="chain-blocks">
        <h2 id="chain-blocks">
          <FormattedMessage id="auditor.chain.blocks" />
        </h2>
        <div className="table-wrap">
          <table className="chain-table">
            <caption>
              <FormattedMessage id="auditor.chain.caption" values={{ from: first, to: last, count: records.length }} />
            </caption>
            <thead>
              <tr>
                <th scope="col" className="num">
                  <FormattedMessage id="auditor.block.height" />
                </th>
                <th scope="col">
                  <FormattedMessage id="auditor.chain.recomputedHash" />
                </th>
                <th scope="col">
                  <FormattedMessage id="auditor.chain.matchesRecord" />
                </th>
                <th scope="col">
                  <FormattedMessage id="auditor.chain.link" />
                </th>
                <th scope="col">
                  <FormattedMessage id="auditor.block.txRoot" />
                </th>
                <th scope="col">
                  <FormattedMessage id="auditor.block.signatures" />
                </th>
                <th scope="col">
                  <FormattedMessage id="auditor.chain.txSigs" />
                </th>
                <th scope="col">
                  <FormattedMessage id="auditor.chain.status" />
                </th>
              </tr>
            </thead>
            <tbody>
              {verdict.blocks.map((b) => (
                <tr key={b.height} id={`chain-row-${b.height}`} data-height={b.height} className={[b.tampered ? 'tampered' : '', b.problems.length > 0 ? 'broken' : ''].filter(Boolean).join(' ') || undefined}>
                  <th scope="row" className="num">
                    <Link to={`/auditor/blocks/${b.height}`}>{b.height}</Link>
                  </th>
                  <td>
                    <span className="mono" title={b.hash ?? undefined}>
                      {shortHex(b.hash)}
                    </span>
                  </td>
                  <td>
                    <Check state={b.checks.hash} />
                  </td>
                  <td>
                    <Check state={b.checks.link} />
                  </td>
                  <td>
                    <Check state={b.checks.txRoot} />
                  </td>
                  <td>
                    <Check state={b.checks.signatures} /> <span className="muted">{`${b.signers.length}/${b.signatureCount}`}</span>
                  </td>
                  <td>
                    <Check state={b.checks.txSignatures} />
                  </td>
                  <td>{status(b)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
