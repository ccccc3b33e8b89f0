// Fake channel nodes behind one fake `fetch` (no sockets): the key-release endpoint as the real
// node implements it (data-plane/node/src/ledger/key-release.ts: schema without "channel",
// freshness window, the request signature under the channel's suite, the grant, the node's own
// share opened with its seal key and checked against the commitments, re-sealed to the
// one-time key), the blob store, and proven state served from a real chain (helpers/chain.ts).
// Errors are the node's flat JSON bodies `{ code, message }` with its HTTP statuses.
// A test scripts misbehaviour per request with `script` (by arrival order `seq`: the SDK calls
// fetch synchronously in the order it asks the nodes, so seq 0 is the first node asked).
import {
  contentHash,
  type CryptoSuite,
  fromHex,
  intlSuite,
  keyReleaseMessage,
  openSealed,
  releaseContext,
  sealTo,
  shareContext,
  toHex,
  utf8,
  verifyShare,
  x25519KeyPair,
  type X25519KeyPair,
} from '@konsortium/protocol';
import { type FetchFn, KonsortiumClient, type SealNode, type StoredVersion } from '../src/index.js';
import { buildChain, type Chain, CHANNEL, stateProofOf } from './helpers/chain.js';

/** The fields of the real ReleaseBody schema (additionalProperties: false). */
export const RELEASE_FIELDS = ['issuedAt', 'oneTimeKey', 'record', 'requestId', 'requester', 'signature', 'version'] as const;
export const FRESHNESS_MS = 5 * 60_000;

export type Misbehaviour =
  /** An error answer, as the node sends it. */
  | { readonly kind: 'refuse'; readonly status: number; readonly code: string }
  /** Alters the (valid) share before sealing it to the one-time key. */
  | { readonly kind: 'tamper'; readonly edit: (value: Uint8Array, index: number) => Uint8Array }
  /** Claims another share index (the sealed value is the node's own share). */
  | { readonly kind: 'index'; readonly index: number }
  /** Answers as node `nodeId`, with that node's honest share (a node listed twice, an impostor replaying). */
  | { readonly kind: 'as'; readonly nodeId: number }
  /** Seals the share under another request id's context. */
  | { readonly kind: 'wrongContext' }
  /** No answer until the request is aborted. */
  | { readonly kind: 'hang' };

export interface ReleaseCall {
  /** Arrival order over the whole cluster, from 0. */
  readonly seq: number;
  readonly node: FakeReleaseNode;
  readonly body: Record<string, unknown>;
}

export interface RequestLog {
  readonly node: FakeReleaseNode;
  readonly method: string;
  readonly path: string;
}

export class FakeReleaseNode {
  readonly blobs = new Map<string, Uint8Array>();
  readonly seal: X25519KeyPair = x25519KeyPair();

  constructor(
    readonly nodeId: number,
    readonly url: string,
  ) {}

  get sealNode(): SealNode {
    return { nodeId: this.nodeId, sealKey: toHex(this.seal.publicKey) };
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function nodeError(status: number, code: string, message = code.toLowerCase()): Response {
  return json(status, { code, message });
}

export class FakeCluster {
  readonly nodes: FakeReleaseNode[];
  /** `<record>/<version>` → the version as stored on chain. */
  readonly versions = new Map<string, StoredVersion>();
  /** Requester keys (hex) the grants let read every version. */
  readonly granted = new Set<string>();
  readonly releaseCalls: ReleaseCall[] = [];
  readonly requests: RequestLog[] = [];
  script: (call: ReleaseCall) => Misbehaviour | undefined = () => undefined;
  /** The nodes' clock. */
  now: () => number = () => Date.now();
  private chain: Chain | null = null;

  constructor(
    nodeIds: readonly number[] = [1, 2, 3],
    readonly channel: string = CHANNEL,
    readonly suite: CryptoSuite = intlSuite,
  ) {
    this.nodes = nodeIds.map((id) => new FakeReleaseNode(id, `http://node${id}.test:8080`));
  }

  get sealNodes(): SealNode[] {
    return this.nodes.map((n) => n.sealNode);
  }

  node(nodeId: number): FakeReleaseNode {
    const n = this.nodes.find((x) => x.nodeId === nodeId);
    if (n === undefined) throw new Error(`no node ${nodeId}`);
    return n;
  }

  clients(nodes: readonly FakeReleaseNode[] = this.nodes): KonsortiumClient[] {
    return nodes.map((n) => new KonsortiumClient({ baseUrl: n.url, fetch: this.fetch, timeoutMs: 5000 }));
  }

  addVersion(record: string, v: StoredVersion): void {
    this.versions.set(`${record}/${v.version}`, v);
  }

  /** Serves this state (key → value) with proofs, from a real chain whose last block holds it. */
  setState(state: ReadonlyMap<string, Uint8Array>): void {
    if (this.channel !== CHANNEL) throw new Error(`proven state is served for channel ${CHANNEL} only`);
    this.chain = buildChain(1, state);
  }

  /** Requests that reached `node` (any route). */
  countFor(node: FakeReleaseNode, method?: string, path?: RegExp): number {
    return this.requests.filter((r) => r.node === node && (method === undefined || r.method === method) && (path === undefined || path.test(r.path))).length;
  }

  readonly fetch: FetchFn = async (input, init) => {
    const url = new URL(input);
    const node = this.nodes.find((n) => n.url === url.origin);
    if (node === undefined) throw new TypeError(`fetch failed: no host ${url.host}`);
    const signal = init.signal ?? undefined;
    if (signal?.aborted === true) throw signal.reason;
    const method = init.method ?? 'GET';
    this.requests.push({ node, method, path: url.pathname });
    const ch = `/v1/channels/${encodeURIComponent(this.channel)}`;
    const body = init.body;
    if (method === 'GET' && url.pathname === '/v1/channels') {
      return json(200, { channels: [{ name: this.channel, suite: this.suite.id, height: this.chain === null ? 0 : this.chain.blocks.length - 1 }] });
    }
    if (method === 'POST' && url.pathname === `${ch}/data/release`) {
      if (typeof body !== 'string') return nodeError(400, 'INVALID_REQUEST', 'body must be JSON');
      return this.release(node, JSON.parse(body) as Record<string, unknown>, signal);
    }
    const blob = url.pathname.startsWith(`${ch}/blobs/`) ? url.pathname.slice(`${ch}/blobs/`.length) : null;
    if (blob !== null && method === 'GET') {
      const bytes = node.blobs.get(blob);
      if (bytes === undefined) return nodeError(404, 'BLOB_NOT_FOUND', `no blob ${blob} on this node`);
      return new Response(bytes.slice(), { status: 200, headers: { 'content-type': 'application/octet-stream' } });
    }
    if (blob !== null && method === 'PUT') {
      if (!(body instanceof Uint8Array)) return nodeError(415, 'UNSUPPORTED_MEDIA_TYPE');
      if (contentHash(body) !== blob) return nodeError(400, 'CONTENT_MISMATCH');
      const stored = !node.blobs.has(blob);
      node.blobs.set(blob, Uint8Array.from(body));
      return json(stored ? 201 : 200, { hash: blob, size: body.length, stored });
    }
    if (method === 'GET' && url.pathname.startsWith(`${ch}/state/`) && this.chain !== null) {
      const key = decodeURIComponent(url.pathname.slice(`${ch}/state/`.length));
      return json(200, stateProofOf(this.chain, key));
    }
    return nodeError(404, 'NOT_FOUND', `no route ${method} ${url.pathname}`);
  };

  private async release(node: FakeReleaseNode, body: Record<string, unknown>, signal: AbortSignal | undefined): Promise<Response> {
    const call: ReleaseCall = { seq: this.releaseCalls.length, node, body };
    this.releaseCalls.push(call);
    const mis = this.script(call);
    if (mis?.kind === 'refuse') return nodeError(mis.status, mis.code);
    if (mis?.kind === 'hang') {
      return new Promise<Response>((_resolve, reject) => {
        if (signal === undefined) return;
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
    }
    if (Object.keys(body).sort().join() !== RELEASE_FIELDS.join()) return nodeError(400, 'INVALID_REQUEST', `body fields: ${Object.keys(body).join()}`);
    const req = body as { record: string; version: number; requester: string; oneTimeKey: string; requestId: string; issuedAt: number; signature: string };
    if (Math.abs(this.now() - req.issuedAt) > FRESHNESS_MS) return nodeError(401, 'REQUEST_EXPIRED');
    let ok = false;
    try {
      ok = this.suite.verify(fromHex(req.requester), this.suite.hash(keyReleaseMessage({ ...req, channel: this.channel })), fromHex(req.signature));
    } catch {
      ok = false;
    }
    if (!ok) return nodeError(401, 'BAD_SIGNATURE', 'the request signature does not verify with the requester key');
    if (!this.granted.has(req.requester)) return nodeError(403, 'NOT_GRANTED', 'no grant covers the requester');
    const v = this.versions.get(`${req.record}/${req.version}`);
    if (v === undefined) return nodeError(404, 'VERSION_NOT_FOUND');
    const identity = mis?.kind === 'as' ? mis.nodeId : node.nodeId;
    const holder = this.node(identity);
    const mine = v.shares.find((s) => s.nodeId === identity);
    if (mine === undefined) return nodeError(409, 'NOT_A_SHAREHOLDER');
    let value = openSealed(holder.seal.privateKey, fromHex(mine.sealed), shareContext(this.channel, req.record, req.version, identity));
    if (!verifyShare({ index: mine.index, value }, v.commitments.map((c) => fromHex(c)))) return nodeError(500, 'SHARE_UNUSABLE');
    if (mis?.kind === 'tamper') value = mis.edit(Uint8Array.from(value), mine.index);
    const requestId = mis?.kind === 'wrongContext' ? 'ff'.repeat(16) : req.requestId;
    const sealed = sealTo(fromHex(req.oneTimeKey), value, releaseContext(this.channel, req.record, req.version, identity, requestId));
    const logTx = toHex(this.suite.hash(utf8(`log/${call.seq}`)));
    return json(200, { nodeId: identity, index: mis?.kind === 'index' ? mis.index : mine.index, sealed: toHex(sealed), logTx, height: 7 });
  }
}
