/**
 * One block: its header with every field, its hash recomputed here (and compared with what the
 * node recorded), its link to the block before, its transaction root recomputed from its
 * transactions, the node signatures over its hash, and its transactions.
 */
import { toHex } from '@konsortium/protocol';
import { FormattedMessage, useIntl } from 'react-intl';
import { Link, useParams } from 'react-router-dom';
import { DataTable, DateTime, ErrorBanner, Loading, PageHeader, StatusBadge } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import { shortHex, verifyRange } from './chain.js';
import { useAudit } from './context.js';
import { Check, Kv, ProblemText } from './parts.js';

export function BlockPage() {
  const { height: param } = useParams();
  const height = /^\d{1,15}$/.test(param ?? '') ? Number(param) : null;
  const { client, channel, suite, nodeKeys } = useAudit();
  const intl = useIntl();
  const state = useAsync(
    async (signal) => {
      if (height === null) return null;
      const from = Math.max(0, height - 1);
      const records = await client.blocks(channel, from, height - from + 1, { signal });
      if (records.length === 0 || records[records.length - 1]!.height !== height) return null;
      const head = await client.head(channel, { signal });
      const verdict = verifyRange({ suite, channel, nodeKeys }, records);
      return { verdict: verdict.blocks[verdict.blocks.length - 1]!, head: head.height };
    },
    [client, channel, suite, nodeKeys, height],
  );
  const v = state.value?.verdict;
  const h = v?.header;
  return (
    <>
      <PageHeader title={<FormattedMessage id="auditor.block.title" values={{ height: height ?? '?' }} />} lead={<FormattedMessage id="auditor.block.lead" values={{ channel }} />} />
      <nav aria-label={intl.formatMessage({ id: 'auditor.block.pager' })} className="pager">
        {height !== null && height > 0 ? (
          <Link to={`/auditor/blocks/${height - 1}`}>
            <FormattedMessage id="auditor.block.previous" />
          </Link>
        ) : null}{' '}
        {height !== null && state.value !== undefined && state.value !== null && height < state.value.head ? (
          <Link to={`/auditor/blocks/${height + 1}`}>
            <FormattedMessage id="auditor.block.next" />
          </Link>
        ) : null}
      </nav>
      <ErrorBanner error={state.error} onRetry={state.reload} />
      {state.status === 'loading' && state.value === undefined ? <Loading /> : null}
      {state.value === null || height === null ? (
        <p role="status">
          <FormattedMessage id="auditor.block.notFound" />
        </p>
      ) : null}
      {v === undefined ? null : (
        <>
          {v.problems.length === 0 ? (
            <div className="banner success" role="status">
              <FormattedMessage id="auditor.block.verified" values={{ height: v.height, signers: v.signers.join(', '), count: v.signers.length }} />
            </div>
          ) : (
            <div className="banner error" role="alert">
              <strong>
                <FormattedMessage id="auditor.block.problems" values={{ count: v.problems.length }} />
              </strong>
              <ul>
                {v.problems.map((p, i) => (
                  <li key={i}>
                    <ProblemText p={p} />
                  </li>
                ))}
              </ul>
            </div>
          )}
          <section className="panel" aria-labelledby="block-header">
            <h2 id="block-header">
              <FormattedMessage id="auditor.block.header" />
            </h2>
            <dl className="kv">
              <Kv label={<FormattedMessage id="auditor.block.height" />}>{h?.height ?? v.height}</Kv>
              <Kv label={<FormattedMessage id="auditor.block.hash" />}>
                <code>{v.hash ?? '—'}</code> <Check state={v.checks.hash} />
                <br />
                <small className="hint">
                  <FormattedMessage id="auditor.block.hashHint" />
                </small>
              </Kv>
              <Kv label={<FormattedMessage id="auditor.block.prevHash" />}>
                <code>{h === undefined || h === null ? '—' : toHex(h.prevHash)}</code> <Check state={v.checks.link} />
              </Kv>
              <Kv label={<FormattedMessage id="auditor.block.txRoot" />}>
                <code>{h === undefined || h === null ? '—' : toHex(h.txRoot)}</code> <Check state={v.checks.txRoot} />
              </Kv>
              <Kv label={<FormattedMessage id="auditor.block.stateRoot" />}>
                <code>{h === undefined || h === null ? '—' : toHex(h.stateRoot)}</code>
              </Kv>
              <Kv label={<FormattedMessage id="auditor.block.time" />}>
                <DateTime value={h?.timestamp ?? null} />
              </Kv>
              <Kv label={<FormattedMessage id="auditor.block.proposer" />}>{h?.proposer ?? '—'}</Kv>
              <Kv label={<FormattedMessage id="auditor.block.channel" />}>
                {h?.channel ?? '—'} ({h?.suite ?? '—'})
              </Kv>
              <Kv label={<FormattedMessage id="auditor.block.signatures" />}>
                <FormattedMessage id="auditor.block.signedBy" values={{ valid: v.signers.length, total: v.signatureCount, nodes: v.signers.join(', ') || '—' }} /> <Check state={v.checks.signatures} />
              </Kv>
            </dl>
          </section>
          <section className="panel" aria-labelledby="block-txs">
            <h2 id="block-txs">
              <FormattedMessage id="auditor.block.txs" />
            </h2>
            <DataTable
              caption={<FormattedMessage id="auditor.block.txsCaption" values={{ count: v.txs.length, height: v.height }} />}
              rows={v.txs}
              rowKey={(t) => String(t.index)}
              columns={[
                { header: '#', numeric: true, cell: (t) => t.index },
                {
                  header: <FormattedMessage id="auditor.tx.id" />,
                  cell: (t) =>
                    t.id === null ? (
                      '—'
                    ) : (
                      <Link to={`/auditor/txs/${t.id}`} className="mono" title={t.id}>
                        {shortHex(t.id)}
                      </Link>
                    ),
                },
                { header: <FormattedMessage id="auditor.tx.operations" />, cell: (t) => t.operations.map((o) => `${o.contract} › ${o.method}`).join(', ') || '—' },
                {
                  header: <FormattedMessage id="auditor.tx.sender" />,
                  cell: (t) => (
                    <span className="mono" title={t.sender ?? undefined}>
                      {shortHex(t.sender, 8)}
                    </span>
                  ),
                },
                { header: <FormattedMessage id="auditor.tx.nonce" />, numeric: true, cell: (t) => t.nonce ?? '—' },
                { header: <FormattedMessage id="auditor.tx.result" />, cell: (t) => <StatusBadge tone={t.result === 'OK' ? 'ok' : 'warn'}>{t.result}</StatusBadge> },
                { header: <FormattedMessage id="auditor.tx.signature" />, cell: (t) => <Check state={t.signatureOk === null ? 'skipped' : t.signatureOk ? 'ok' : 'fail'} /> },
              ]}
            />
          </section>
        </>
      )}
    </>
  );
}
