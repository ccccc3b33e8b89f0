/**
 * One transaction and its inclusion proof, verified in this browser: the Merkle path from the
 * transaction's leaf (its id and outcome) to the transaction root of the proof's block header;
 * that header is the block the node serves at that height (same hash, recomputed here), and
 * the nodes' signatures over that hash hold. The envelope is read from the block itself.
 */
import { verifyTxInclusion } from '@konsortium/client';
import { FormattedMessage } from 'react-intl';
import { Link, useParams } from 'react-router-dom';
import { ErrorBanner, Loading, PageHeader, StatusBadge } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import { verifyRange } from './chain.js';
import { useAudit } from './context.js';
import { Check, Kv, ProblemText } from './parts.js';

export function TxPage() {
  const { txId: param } = useParams();
  const txId = /^[0-9a-fA-F]{64}$/.test(param ?? '') ? param!.toLowerCase() : null;
  const { client, channel, suite, nodeKeys } = useAudit();
  const state = useAsync(
    async (signal) => {
      if (txId === null) return null;
      const proof = await client.txProof(channel, txId, { signal });
      const inclusion = verifyTxInclusion(suite, proof);
      const from = Math.max(0, proof.height - 1);
      const records = await client.blocks(channel, from, proof.height - from + 1, { signal });
      const chain = verifyRange({ suite, channel, nodeKeys }, records);
      const block = chain.blocks[chain.blocks.length - 1];
      const tx = block?.txs[proof.index];
      const anchored = inclusion !== null && block !== undefined && block.hash === inclusion.blockHash;
      const sameTx = tx !== undefined && tx.id === txId;
      return { proof, inclusion, block, tx, anchored, sameTx, ok: inclusion !== null && anchored && sameTx && block.problems.length === 0 };
    },
    [client, channel, suite, nodeKeys, txId],
  );
  const v = state.value;
  return (
    <>
      <PageHeader title={<FormattedMessage id="auditor.tx.title" />} lead={<code className="mono">{txId ?? param}</code>} />
      <ErrorBanner error={state.error} onRetry={state.reload} />
      {state.status === 'loading' && v === undefined ? <Loading /> : null}
      {v === null ? (
        <p role="status">
          <FormattedMessage id="auditor.tx.invalidId" />
        </p>
      ) : null}
      {v === undefined || v === null ? null : (
        <>
          {v.ok ? (
            <div className="banner success" role="status">
              <FormattedMessage id="auditor.tx.verified" values={{ height: v.proof.height, index: v.proof.index, steps: v.proof.path.length, signers: v.block!.signers.join(', ') }} />
            </div>
          ) : (
            <div className="banner error" role="alert">
              <strong>
                <FormattedMessage id="auditor.tx.notVerified" />
              </strong>
              <ul>
                {v.inclusion === null ? (
                  <li>
                    <FormattedMessage id="auditor.tx.pathFails" />
                  </li>
                ) : null}
                {v.inclusion !== null && !v.anchored ? (
                  <li>
                    <FormattedMessage id="auditor.tx.notAnchored" values={{ height: v.proof.height }} />
                  </li>
                ) : null}
                {!v.sameTx ? (
                  <li>
                    <FormattedMessage id="auditor.tx.notInBlock" values={{ height: v.proof.height, index: v.proof.index }} />
                  </li>
                ) : null}
                {(v.block?.problems ?? []).map((p, i) => (
                  <li key={i}>
                    <ProblemText p={p} />
                  </li>
                ))}
              </ul>
            </div>
          )}
          <section className="panel" aria-labelledby="tx-proof">
            <h2 id="tx-proof">
              <FormattedMessage id="auditor.tx.proof" />
            </h2>
            <dl className="kv">
              <Kv label={<FormattedMessage id="auditor.tx.block" />}>
                <Link to={`/auditor/blocks/${v.proof.height}`}>
                  <FormattedMessage id="auditor.tx.blockLink" values={{ height: v.proof.height }} />
                </Link>{' '}
                <FormattedMessage id="auditor.tx.position" values={{ index: v.proof.index }} />
              </Kv>
              <Kv label={<FormattedMessage id="auditor.tx.result" />}>
                <StatusBadge tone={v.proof.code === 'OK' ? 'ok' : 'warn'}>{v.proof.code}</StatusBadge>
              </Kv>
              <Kv label={<FormattedMessage id="auditor.tx.merklePath" />}>
                <Check state={v.inclusion === null ? 'fail' : 'ok'} />{' '}
                <FormattedMessage id="auditor.tx.pathSteps" values={{ count: v.proof.path.length }} />
                {v.proof.path.length === 0 ? null : (
                  <ol className="mono small-list">
                    {v.proof.path.map((p, i) => (
                      <li key={i}>{p}</li>
                    ))}
                  </ol>
                )}
              </Kv>
              <Kv label={<FormattedMessage id="auditor.block.hash" />}>
                <code>{v.inclusion?.blockHash ?? '—'}</code> <Check state={v.anchored ? 'ok' : 'fail'} />
              </Kv>
              <Kv label={<FormattedMessage id="auditor.block.signatures" />}>
                <FormattedMessage id="auditor.block.signedBy" values={{ valid: v.block?.signers.length ?? 0, total: v.block?.signatureCount ?? 0, nodes: v.block?.signers.join(', ') || '—' }} />{' '}
                <Check state={v.block?.checks.signatures ?? 'fail'} />
              </Kv>
            </dl>
          </section>
          {v.tx === undefined ? null : (
            <section className="panel" aria-labelledby="tx-envelope">
              <h2 id="tx-envelope">
                <FormattedMessage id="auditor.tx.envelope" />
              </h2>
              <dl className="kv">
                <Kv label={<FormattedMessage id="auditor.tx.sender" />}>
                  <code>{v.tx.sender ?? '—'}</code>
                </Kv>
                <Kv label={<FormattedMessage id="auditor.tx.nonce" />}>{v.tx.nonce ?? '—'}</Kv>
                <Kv label={<FormattedMessage id="auditor.tx.signature" />}>
                  <Check state={v.tx.signatureOk === null ? 'skipped' : v.tx.signatureOk ? 'ok' : 'fail'} />
                </Kv>
              </dl>
              {v.tx.operations.map((o, i) => (
                <div key={i} className="operation">
                  <h3>
                    <FormattedMessage id="auditor.tx.operation" values={{ n: i + 1, name: `${o.contract} › ${o.method}` }} />
                  </h3>
                  <pre className="mono args">{pretty(o.argsJson)}</pre>
                </div>
              ))}
            </section>
          )}
        </>
      )}
    </>
  );
}

function pretty(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}
