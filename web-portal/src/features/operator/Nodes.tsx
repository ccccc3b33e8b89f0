/**
 * The nodes of a network, live: for each, whether it answers, its Raft role and term, its chain
 * height and lag behind the leader on every channel (polled every few seconds); and adding a
 * shared node, with its provisioning followed step by step.
 */
import { useCallback, useMemo, useState } from 'react';
import { FormattedMessage, FormattedTime, useIntl } from 'react-intl';
import { useSearchParams } from 'react-router-dom';
import { useSession } from '../../app/session.js';
import { DataTable, ErrorBanner, Field, Loading, PageHeader, StatusBadge } from '../../ui/components.js';
import { useAction, useAsync } from '../../ui/use-async.js';
import type { NetworkHealth, NetworkView, NodeHealth, OperationView, RaftRole } from './api.js';
import { NodeStatusName } from './Networks.js';
import { OperationProgress, usePoll } from './progress.js';

const REFRESH_MS = 3000;

export function RoleBadge({ role }: { role: RaftRole }) {
  const tone = role === 'leader' ? 'ok' : role === 'follower' ? 'neutral' : role === null ? 'bad' : 'warn';
  return (
    <StatusBadge tone={tone}>
      <FormattedMessage id={`operator.role.${role ?? 'unknown'}`} />
    </StatusBadge>
  );
}

function HealthTable({ health }: { health: NetworkHealth }) {
  const channels = useMemo(() => [...new Set(health.items.flatMap((n) => n.channels.map((c) => c.name)))].sort(), [health]);
  const leader = health.items.find((n) => n.role === 'leader');
  return (
    <>
      <p className="leader-line" role="status">
        {leader === undefined ? (
          <FormattedMessage id="operator.nodes.noLeader" values={{ channel: health.primaryChannel ?? '—' }} />
        ) : (
          <FormattedMessage id="operator.nodes.leader" values={{ node: leader.nodeId, term: leader.term ?? '—', channel: health.primaryChannel ?? '—' }} />
        )}
      </p>
      <p className="hint">
        <FormattedMessage id="operator.nodes.checkedAt" values={{ time: <FormattedTime value={Date.parse(health.checkedAt)} hour="2-digit" minute="2-digit" second="2-digit" /> }} />
      </p>
      <DataTable<NodeHealth>
        caption={<FormattedMessage id="operator.nodes.caption" values={{ count: health.items.length, channel: health.primaryChannel ?? '—' }} />}
        rows={health.items}
        rowKey={(n) => n.id}
        columns={[
          { header: <FormattedMessage id="operator.nodes.node" />, numeric: true, cell: (n) => n.nodeId },
          { header: <FormattedMessage id="operator.nodes.kind" />, cell: (n) => <FormattedMessage id={`operator.nodeKind.${n.kind}`} defaultMessage={n.kind} /> },
          { header: <FormattedMessage id="operator.nodes.status" />, cell: (n) => <NodeStatusName status={n.status} /> },
          {
            header: <FormattedMessage id="operator.nodes.reachable" />,
            cell: (n) => (
              <StatusBadge tone={n.reachable ? 'ok' : 'bad'}>
                <FormattedMessage id={n.reachable ? 'operator.nodes.up' : 'operator.nodes.down'} />
              </StatusBadge>
            ),
          },
          { header: <FormattedMessage id="operator.nodes.role" />, cell: (n) => <RoleBadge role={n.role} /> },
          { header: <FormattedMessage id="operator.nodes.term" />, numeric: true, cell: (n) => n.term ?? '—' },
          ...channels.flatMap((ch) => [
            { header: <FormattedMessage id="operator.nodes.heightOf" values={{ channel: ch }} />, numeric: true, cell: (n: NodeHealth) => n.height[ch] ?? '—' },
            {
              header: <FormattedMessage id="operator.nodes.lagOf" values={{ channel: ch }} />,
              numeric: true,
              cell: (n: NodeHealth) => {
                const lag = n.lag[ch];
                if (lag === null || lag === undefined) return '—';
                return lag === 0 ? <FormattedMessage id="operator.nodes.inSync" /> : <FormattedMessage id="operator.nodes.behind" values={{ count: lag }} />;
              },
            },
          ]),
          { header: <FormattedMessage id="operator.nodes.latency" />, numeric: true, cell: (n) => (n.latencyMs === null ? '—' : <FormattedMessage id="operator.nodes.ms" values={{ ms: n.latencyMs }} />) },
          { header: <FormattedMessage id="operator.nodes.error" />, cell: (n) => (n.error === null ? '—' : <span className="error-text">{n.error}</span>) },
        ]}
      />
    </>
  );
}

export function Nodes() {
  const { cp } = useSession();
  const intl = useIntl();
  const [params, setParams] = useSearchParams();
  const networks = useAsync((signal) => cp.get<{ items: NetworkView[] }>('/v1/networks', { signal }), [cp]);
  const networkId = params.get('network') ?? networks.value?.items[0]?.id ?? null;
  const network = networks.value?.items.find((n) => n.id === networkId);
  const { value: health, error } = usePoll(networkId === null ? null : (signal) => cp.get<NetworkHealth>(`/v1/networks/${networkId}/nodes/health`, { signal }), () => false, REFRESH_MS, [cp, networkId]);
  const [adding, setAdding] = useState<OperationView | null>(null);
  const add = useAction(useCallback(() => cp.post<OperationView>(`/v1/networks/${networkId}/nodes`, {}), [cp, networkId]));
  return (
    <>
      <PageHeader title={<FormattedMessage id="operator.nodes.title" />} lead={<FormattedMessage id="operator.nodes.lead" values={{ seconds: REFRESH_MS / 1000 }} />} />
      <ErrorBanner error={networks.error} onRetry={networks.reload} />
      {networks.value !== undefined && networks.value.items.length > 1 ? (
        <form className="inline" onSubmit={(e) => e.preventDefault()} aria-label={intl.formatMessage({ id: 'operator.nodes.network' })}>
          <Field label={<FormattedMessage id="operator.nodes.network" />}>
            {({ id }) => (
              <select id={id} name="network" value={networkId ?? ''} onChange={(e) => setParams({ network: e.target.value })}>
                {networks.value!.items.map((n) => (
                  <option key={n.id} value={n.id}>
                    {n.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </form>
      ) : null}
      <section className="panel" aria-labelledby="nodes-health">
        <h2 id="nodes-health">
          <FormattedMessage id="operator.nodes.health" values={{ name: network?.name ?? '—' }} />{' '}
          <StatusBadge tone="ok">
            <FormattedMessage id="common.live" />
          </StatusBadge>
        </h2>
        <ErrorBanner error={error} />
        {health === undefined ? error === undefined ? <Loading /> : null : <HealthTable health={health} />}
      </section>
      <section className="panel" aria-labelledby="nodes-add">
        <h2 id="nodes-add">
          <FormattedMessage id="operator.nodes.add" />
        </h2>
        <p>
          <FormattedMessage id="operator.nodes.addLead" />
        </p>
        <button type="button" className="primary" disabled={networkId === null || add.running} onClick={() => void add.run().then((op) => op !== undefined && setAdding(op))}>
          <FormattedMessage id="operator.nodes.addButton" />
        </button>
        <ErrorBanner error={add.error} />
        {adding === null ? null : <OperationProgress key={adding.id} operationId={adding.id} initial={adding} />}
      </section>
    </>
  );
}
