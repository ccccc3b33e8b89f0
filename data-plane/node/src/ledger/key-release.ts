/**
 * A node's side of authorisation-gated decryption. Given a reader's signed request it checks,
 * against the committed state at its latest height: the signature, that the key belongs to an
 * active member, and that the data contract's grants let that member read the version. Only
 * then does it open its own share (sealed to its seal key), check it against the dealer's
 * commitments, record the release on chain (data.logRelease, admitted for ordering before
 * the share leaves the node: a release that cannot be logged does not happen), and seal the
 * share to the request's one-time key.
 */
import { dataKeys, type DataVersion, governanceDirectory, NODE_ROLE, readAccess, releaseContext, shareContext } from '@konsortium/contracts';
import { type ContractError, LedgerError, StateOverlay } from '@konsortium/ledger';
import {
  type CryptoSuite,
  fromHex,
  keyReleaseMessage,
  type KeyReleaseFields,
  openSealed,
  PrivacyError,
  sealTo,
  toHex,
  verifyShare,
} from '@konsortium/protocol';
import { NodeError } from '../errors.js';
import type { ChannelLedger } from './channel-ledger.js';
import type { NodeTxSender } from './node-sender.js';
import { ReleaseLog } from './release-log.js';
import { opensslX25519 } from './server-x25519.js';

export type ReleaseRequest = Omit<KeyReleaseFields, 'channel'> & { readonly signature: string };

export interface ReleaseReply {
  readonly nodeId: number;
  readonly index: number;
  /** The share, sealed to the request's one-time key (context: releaseContext). */
  readonly sealed: string;
  /** The access-log transaction (data.logRelease) this release was recorded with. */
  readonly logTx: string;
  /** The height whose committed state authorised the release. */
  readonly height: number;
}

export interface KeyReleaserOptions {
  readonly ledger: ChannelLedger;
  readonly sender: NodeTxSender;
  readonly suite: CryptoSuite;
  readonly nodeId: number;
  /** The node's X25519 private key; null: it holds no shares. */
  readonly sealKey: Uint8Array | null;
  readonly clock?: () => number;
  /** How far a request's issuedAt may be from this node's clock. */
  readonly freshnessMs?: number;
}

export const DEFAULT_RELEASE_FRESHNESS_MS = 5 * 60_000;
/** Versions whose share this node has checked against the commitments (a version never changes). */
const CHECKED_VERSIONS = 16_384;

export class KeyReleaser {
  private readonly sealPublic: Uint8Array | null;
  private readonly clock: () => number;
  private readonly freshnessMs: number;
  /** `<record>/<version>` → the sealed share that was checked (insertion-ordered: oldest evicted first). */
  private readonly checked = new Map<string, string>();
  private readonly log: ReleaseLog;

  constructor(private readonly o: KeyReleaserOptions) {
    this.sealPublic = o.sealKey === null ? null : opensslX25519.publicKey(o.sealKey);
    this.clock = o.clock ?? Date.now;
    this.freshnessMs = o.freshnessMs ?? DEFAULT_RELEASE_FRESHNESS_MS;
    this.log = new ReleaseLog(o.sender);
  }

  async release(req: ReleaseRequest): Promise<ReleaseReply> {
    const channel = this.o.ledger.name;
    if (Math.abs(this.clock() - req.issuedAt) > this.freshnessMs) {
      throw new NodeError('REQUEST_EXPIRED', `the request was issued at ${new Date(req.issuedAt).toISOString()}, outside ±${this.freshnessMs / 1000}s of this node's clock`);
    }
    const message = keyReleaseMessage({ ...req, channel });
    const suite = this.o.suite;
    let ok = false;
    try {
      ok = suite.verify(fromHex(req.requester), suite.hash(message), fromHex(req.signature));
    } catch {
      ok = false;
    }
    if (!ok) throw new NodeError('BAD_SIGNATURE', 'the request signature does not verify with the requester key');

    const store = this.o.ledger.store;
    const head = store.head;
    if (head === null) throw new NodeError('UNAVAILABLE', 'channel is starting');
    const state = new StateOverlay(store);
    const reader = governanceDirectory.sender(state, req.requester);
    if (reader === null || reader.roles.includes(NODE_ROLE)) throw new NodeError('UNKNOWN_SENDER', 'the requester key belongs to no member of this channel');
    if (!reader.active) throw new NodeError('SENDER_SUSPENDED', `member ${reader.memberId} is suspended`);
    const access = readAccess(state, req.record, req.version, reader, head.timestamp);
    if (!access.ok) throw new NodeError(access.code, access.message);

    const version = state.getJson<DataVersion>(dataKeys.version(req.record, req.version));
    const mine = version?.shares.find((s) => s.nodeId === this.o.nodeId);
    if (version === undefined || mine === undefined || this.o.sealKey === null || this.sealPublic === null) {
      throw new NodeError('NOT_A_SHAREHOLDER', `node ${this.o.nodeId} holds no share of ${req.record} v${req.version}`);
    }
    let value: Uint8Array;
    try {
      value = openSealed(this.o.sealKey, fromHex(mine.sealed), shareContext(channel, req.record, req.version, this.o.nodeId), {
        recipient: this.sealPublic,
        backend: opensslX25519,
      });
    } catch (err) {
      throw new NodeError('SHARE_UNUSABLE', `this node's share does not open with its seal key (${(err as PrivacyError).code ?? 'error'})`);
    }
    const checkedKey = `${req.record}/${req.version}`;
    if (this.checked.get(checkedKey) !== mine.sealed) {
      if (!verifyShare({ index: mine.index, value }, version.commitments.map((c) => fromHex(c)))) {
        throw new NodeError('SHARE_UNUSABLE', "this node's share does not match the version's commitments");
      }
      if (this.checked.size >= CHECKED_VERSIONS) this.checked.delete(this.checked.keys().next().value!);
      this.checked.set(checkedKey, mine.sealed);
    }

    let sealed: Uint8Array;
    try {
      sealed = sealTo(fromHex(req.oneTimeKey), value, releaseContext(channel, req.record, req.version, this.o.nodeId, req.requestId), { backend: opensslX25519 });
    } catch (err) {
      if (err instanceof PrivacyError) throw new NodeError('INVALID_ARGUMENT', `oneTimeKey: ${err.message}`);
      throw err;
    }
    let logTx: string;
    try {
      logTx = await this.log.log({ record: req.record, version: req.version, requester: reader.memberId, requestId: req.requestId });
    } catch (err) {
      const code = err instanceof LedgerError ? err.code : ((err as ContractError).code ?? 'error');
      throw new NodeError('UNAVAILABLE', `the release could not be recorded (${code}); nothing was released`, { cause: err });
    }
    return { nodeId: this.o.nodeId, index: mine.index, sealed: toHex(sealed), logTx, height: head.height };
  }
}
