/** Networks (crypto suite), their channels and nodes; registering a network. */
import { type FormEvent, useCallback, useState } from 'react';
import { FormattedMessage, useIntl } from 'react-intl';
import { Link } from 'react-router-dom';
import { useSession } from '../../app/session.js';
import { DataTable, DateTime, ErrorBanner, Field, Loading, Notice, PageHeader, StatusBadge } from '../../ui/components.js';
import { useAction, useAsync } from '../../ui/use-async.js';
import type { ChannelView, NetworkView, NodeView } from './api.js';

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

function NetworkPanel({ network }: { network: NetworkView }) {
  const { cp } = useSession();
  const detail = useAsync(
    async (signal) => {
      const [channels, nodes] = await Promise.all([
        cp.get<{ items: ChannelView[] }>(`/v1/networks/${network.id}/channels`, { signal }),
        cp.get<{ items: NodeView[] }>(`/v1/networks/${network.id}/nodes`, { signal }),
      ]);
      return { channels: channels.items, nodes: nodes.items };
    },
    [cp, network.id],
  );
  const headingId = `net-${network.id}`;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>
        <FormattedMessage id="operator.networks.network" values={{ name: network.name }} />
      </h2>
      <p>
        <FormattedMessage id="operator.networks.suite" values={{ suite: <FormattedMessage id={`operator.suite.${network.suite}`} /> }} />{' '}
        <FormattedMessage id="operator.networks.since" values={{ date: <DateTime value={network.createdAt} /> }} />
      </p>
      <ErrorBanner error={detail.error} onRetry={detail.reload} />
      {detail.value === undefined ? null : (
        <div className="two-col">
          <DataTable
            caption={<FormattedMessage id="operator.channels.caption" values={{ name: network.name, count: detail.value.channels.length }} />}
            rows={detail.value.channels}
            rowKey={(c) => c.id}
            columns={[
              { header: <FormattedMessage id="operator.channels.name" />, cell: (c) => <span className="mono">{c.name}</span> },
              { header: <FormattedMessage id="operator.channels.created" />, cell: (c) => <DateTime value={c.createdAt} /> },
            ]}
          />
          <DataTable
            caption={<FormattedMessage id="operator.networks.nodesCaption" values={{ name: network.name, count: detail.value.nodes.length }} />}
            rows={detail.value.nodes}
            rowKey={(n) => n.id}
            columns={[
              { header: <FormattedMessage id="operator.nodes.node" />, numeric: true, cell: (n) => n.nodeId },
              { header: <FormattedMessage id="operator.nodes.kind" />, cell: (n) => <FormattedMessage id={`operator.nodeKind.${n.kind}`} /> },
              { header: <FormattedMessage id="operator.nodes.status" />, cell: (n) => <StatusBadge tone={n.status === 'running' ? 'ok' : 'warn'}>{<NodeStatusName status={n.status} />}</StatusBadge> },
            ]}
          />
        </div>
      )}
      <p>
        <Link to={`/operator/nodes?network=${network.id}`}>
          <FormattedMessage id="operator.networks.health" values={{ name: network.name }} />
        </Link>
      </p>
    </section>
  );
}

export function NodeStatusName({ status }: { status: string }) {
  return <FormattedMessage id={`operator.nodeStatus.${status}`} defaultMessage={status} />;
}

export function Networks() {
  const { cp } = useSession();
  const intl = useIntl();
  const networks = useAsync((signal) => cp.get<{ items: NetworkView[] }>('/v1/networks', { signal }), [cp]);
  const [name, setName] = useState('');
  const [suite, setSuite] = useState<'intl' | 'gost' | 'sm'>('intl');
  const [nameError, setNameError] = useState<string | undefined>(undefined);
  const create = useAction(useCallback((body: unknown) => cp.post<NetworkView>('/v1/networks', body), [cp]));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    const err = n === '' ? 'operator.form.required' : NAME.test(n) ? undefined : 'operator.networks.nameRule';
    setNameError(err);
    if (err !== undefined) return;
    if ((await create.run({ name: n, suite })) !== undefined) {
      setName('');
      networks.reload();
    }
  };
  return (
    <>
      <PageHeader title={<FormattedMessage id="operator.networks.title" />} lead={<FormattedMessage id="operator.networks.lead" />} />
      <ErrorBanner error={networks.error} onRetry={networks.reload} />
      {networks.value === undefined ? networks.error === undefined ? <Loading /> : null : networks.value.items.map((n) => <NetworkPanel key={n.id} network={n} />)}
      <section className="panel" aria-labelledby="net-create">
        <h2 id="net-create">
          <FormattedMessage id="operator.networks.create" />
        </h2>
        <p className="hint">
          <FormattedMessage id="operator.networks.createHint" />
        </p>
        <form className="inline" onSubmit={(e) => void submit(e)} noValidate aria-label={intl.formatMessage({ id: 'operator.networks.create' })}>
          <Field label={<FormattedMessage id="operator.networks.name" />} hint={<FormattedMessage id="operator.networks.nameRule" />} error={nameError === undefined ? undefined : <FormattedMessage id={nameError} />}>
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                name="networkName"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                value={name}
                onChange={(e) => {
                  setName(e.target.value);
                  setNameError(undefined);
                  create.reset();
                }}
              />
            )}
          </Field>
          <Field label={<FormattedMessage id="operator.networks.suiteLabel" />}>
            {({ id }) => (
              <select id={id} name="suite" value={suite} onChange={(e) => setSuite(e.target.value as 'intl' | 'gost' | 'sm')}>
                {(['intl', 'gost', 'sm'] as const).map((s) => (
                  <option key={s} value={s}>
                    {intl.formatMessage({ id: `operator.suite.${s}` })}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit" className="primary" disabled={create.running}>
            <FormattedMessage id="operator.networks.createButton" />
          </button>
        </form>
        <ErrorBanner error={create.error} />
        {create.result === undefined ? null : (
          <Notice kind="success">
            <FormattedMessage id="operator.networks.created" values={{ name: create.result.name }} />
          </Notice>
        )}
      </section>
    </>
  );
}
