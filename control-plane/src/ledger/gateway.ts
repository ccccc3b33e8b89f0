/**
 * The control plane's door to one network's ledger: the operator's signer for governance
 * transactions, a client per running node (tried in turn, so one node down is not an outage),
 * and the channel admin calls (Raft membership) the nodes expose to admin callers.
 *
 * Reached only through @konsortium/client and HTTP (DESIGN.md: the control plane never imports
 * the node).
 */
import { KonsortiumApiError, KonsortiumClient, type Signer, type TxStatus } from '@konsortium/client';
import { fromHex, type Operation, type SuiteId } from '@konsortium/protocol';

export class LedgerGatewayError extends Error {
  constructor(
    readonly code: 'LEDGER_UNAVAILABLE' | 'TX_REJECTED' | 'ADMIN_CALL_FAILED',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'LedgerGatewayError';
  }
}

export interface LedgerGatewayOptions {
  readonly suite: SuiteId;
  /** http://host:port of the nodes to use, in order of preference. */
  readonly nodeUrls: () => Promise<readonly string[]>;
  /** A bearer token for the nodes (audience konsortium-node, admin role), when they check callers. */
  readonly token?: () => Promise<string>;
  readonly timeoutMs?: number;
}

export interface RaftMember {
  readonly id: number;
  readonly raftAddr: string;
  readonly httpAddr: string;
  readonly role: 'voter' | 'learner';
}

export class LedgerGateway {
  constructor(private readonly o: LedgerGatewayOptions) {}

  private client(url: string): KonsortiumClient {
    return new KonsortiumClient({ baseUrl: url, ...(this.o.token ? { token: this.o.token } : {}), timeoutMs: this.o.timeoutMs ?? 10_000, retries: 1 });
  }

  /** Runs `f` against each node in turn until one answers; API errors (the node answered) are not retried elsewhere. */
  async withNode<T>(f: (c: KonsortiumClient, url: string) => Promise<T>): Promise<T> {
    const urls = await this.o.nodeUrls();
    if (urls.length === 0) throw new LedgerGatewayError('LEDGER_UNAVAILABLE', 'no running ledger node is known');
    let last: unknown;
    for (const url of urls) {
      try {
        return await f(this.client(url), url);
      } catch (err) {
        if (err instanceof KonsortiumApiError && err.status < 500 && err.code !== 'NOT_LEADER') throw err;
        last = err;
      }
    }
    throw new LedgerGatewayError('LEDGER_UNAVAILABLE', `no ledger node answered (${(last as Error | undefined)?.message ?? 'unknown'})`, { cause: last });
  }

  /** The JSON value of a state key, or null when absent. */
  async stateJson(channel: string, key: string): Promise<unknown> {
    return (await this.stateEntry(channel, key)).value;
  }

  /** The JSON value of a state key (null when absent) and the height the node read it at. */
  async stateEntry(channel: string, key: string): Promise<{ height: number; value: unknown }> {
    const proof = await this.withNode((c) => c.state(channel, key));
    return { height: proof.height, value: proof.value === null ? null : JSON.parse(new TextDecoder().decode(fromHex(proof.value))) };
  }

  /** Signs, submits and waits until final; a rejection is TX_REJECTED with the ledger's code. */
  async submitAndWait(signer: Signer, channel: string, ops: Operation | readonly Operation[]): Promise<TxStatus> {
    const tx = signer.buildTx(channel, ops);
    const status = await this.withNode((c) => c.submitAndWait(tx, { timeoutMs: 30_000 }));
    if (status.status !== 'committed') throw new LedgerGatewayError('TX_REJECTED', `transaction ${status.txId} was ${status.status}: ${status.code ?? ''} ${status.message ?? ''}`.trim());
    return status;
  }

  async head(channel: string, url?: string): Promise<{ height: number; hash: string }> {
    return url === undefined ? this.withNode((c) => c.head(channel)) : this.client(url).head(channel);
  }

  /** A channel admin call on the current leader (membership changes are leader-only): follows NOT_LEADER once. */
  async admin<T>(channel: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const urls = await this.o.nodeUrls();
    const token = this.o.token ? await this.o.token() : undefined;
    let last = '';
    for (const url of urls) {
      const res = await fetch(`${url}/v1/channels/${encodeURIComponent(channel)}/admin${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
      }).catch((err: unknown) => err as Error);
      if (res instanceof Error) {
        last = `${url}: ${res.message}`;
        continue;
      }
      const text = await res.text();
      const json = text === '' ? null : (JSON.parse(text) as Record<string, unknown>);
      if (res.ok) return json as T;
      last = `${url}: ${res.status} ${String(json?.code ?? '')} ${String(json?.message ?? '')}`;
      if (json?.code === 'NOT_LEADER' || res.status >= 500) continue;
      throw new LedgerGatewayError('ADMIN_CALL_FAILED', `${method} ${path} failed: ${last}`);
    }
    throw new LedgerGatewayError('ADMIN_CALL_FAILED', `${method} ${path}: no node took it (${last})`);
  }

  async members(channel: string): Promise<RaftMember[]> {
    const status = await this.admin<{ members?: RaftMember[] }>(channel, 'GET', '/status');
    return status.members ?? [];
  }
}
