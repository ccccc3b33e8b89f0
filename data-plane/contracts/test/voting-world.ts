/**
 * A channel with governance + cfa + voting on in-memory ledgers, for the voting tests: members
 * and nodes with real keys (the nodes with X25519 seal key pairs), signed transactions from
 * members and from nodes (under their block-signing keys), a ballot key dealt for real, votes
 * sealed for real, and readers of the voting state. Every batch goes to every ledger; they must agree.
 */
import { fromHex, intlSuite, type KeyPair, openSealed, randomScalar, scalarToBytes, sealTo, sealToBallot } from '@konsortium/protocol';
import { splitSecret, toHex, type Transaction, votePseudonym, type X25519KeyPair, x25519KeyPair } from '@konsortium/protocol';
import { cfaContract, type Genesis, parseGenesis } from '../src/index.js';
import { type Ballot, ballotShareContext, type BallotKey, encodeChoice, type StoredVote, type VoteToCount, voteAad, votingContract, votingKeys } from '../src/voting/index.js';
import { DAY, decision, T0 } from './cfa-world.js';
import { ChannelWorld, type Op, type Outcome } from './channel-world.js';

export { DAY, T0 };
export const CHANNEL = 'consortium';

/** A deterministic key pair from a small number. */
const seeded = (i: number): KeyPair => intlSuite.generateKeyPair((n) => new Uint8Array(n).map((_, j) => (i * 131 + j * 7 + 1) & 0xff));

export const BASE_MEMBERS: Record<string, readonly string[]> = {
  op: ['admin', 'operator'],
  iss: ['issuer'],
  iss2: ['issuer'],
  alice: ['investor'],
  bob: ['investor'],
  carol: ['investor'],
  dave: ['investor'],
  erin: ['member'],
  frank: ['member'],
};

export type { Op };
export type Res = Outcome;

export interface WorldOptions {
  /** Ledgers replaying every block (default 1). */
  readonly ledgers?: number;
  /** Extra voters v000, v001, … with the member role. */
  readonly extraVoters?: number;
  /** Channel nodes (default 3); the ones listed in `withoutSealKey` hold no shares. */
  readonly nodes?: number;
  readonly withoutSealKey?: readonly number[];
}

interface Cast {
  readonly keys: Map<string, KeyPair>;
  readonly nodeKeys: KeyPair[];
  readonly sealKeys: X25519KeyPair[];
  readonly extra: string[];
  readonly genesis: Genesis;
}

/** The members (the base ones and `extraVoters` more), nodes and seal keys of a world, and its genesis. */
function cast(o: WorldOptions): Cast {
  const members = Object.entries(BASE_MEMBERS).map(([id, roles]) => ({ id, roles }));
  const extra: string[] = [];
  for (let i = 0; i < (o.extraVoters ?? 0); i++) {
    const id = `v${String(i).padStart(3, '0')}`;
    extra.push(id);
    members.push({ id, roles: ['member'] });
  }
  const keys = new Map(members.map((m, i) => [m.id, seeded(i + 1)] as const));
  const nodeKeys: KeyPair[] = [];
  const sealKeys: X25519KeyPair[] = [];
  for (let i = 0; i < (o.nodes ?? 3); i++) {
    nodeKeys.push(seeded(1000 + i));
    sealKeys.push(x25519KeyPair((n) => new Uint8Array(n).fill(200 + i)));
  }
  const genesis = parseGenesis({
    channel: CHANNEL,
    suite: 'intl',
    timestamp: T0,
    members: members.map((m) => ({ id: m.id, name: m.id, roles: [...m.roles], keys: [toHex(keys.get(m.id)!.publicKey)] })),
    nodes: nodeKeys.map((k, i) => ({
      nodeId: i + 1,
      publicKey: toHex(k.publicKey),
      owner: 'op',
      ...(o.withoutSealKey?.includes(i + 1) ? {} : { sealKey: toHex(sealKeys[i]!.publicKey) }),
    })),
  });
  return { keys, nodeKeys, sealKeys, extra, genesis };
}

export class VotingWorld extends ChannelWorld {
  readonly keys: Map<string, KeyPair>;
  readonly nodeKeys: KeyPair[];
  readonly sealKeys: X25519KeyPair[];
  readonly extra: string[];

  constructor(o: WorldOptions = {}) {
    const c = cast(o);
    super(c.genesis, () => [cfaContract(), votingContract()], (nodeId) => c.nodeKeys[nodeId - 1]!.privateKey, o.ledgers ?? 1, 'voting');
    this.keys = c.keys;
    this.nodeKeys = c.nodeKeys;
    this.sealKeys = c.sealKeys;
    this.extra = c.extra;
  }

  /** A member's signed transaction (voting operations unless said otherwise). */
  sign(who: string, ops: readonly Op[]): Transaction {
    const k = this.keys.get(who);
    if (k === undefined) throw new Error(`no member ${who}`);
    return this.signWith(k, ops);
  }

  /** A node's own transaction, signed with its block-signing key (sender `node:<id>`). */
  signNode(nodeId: number, ops: readonly Op[]): Transaction {
    return this.signWith(this.nodeKeys[nodeId - 1]!, ops);
  }

  run(who: string, method: string, args: unknown, contract = 'voting'): Res {
    return this.block([this.sign(who, [{ contract, method, args }])])[0]!;
  }

  runNode(nodeId: number, method: string, args: unknown): Res {
    return this.block([this.signNode(nodeId, [{ method, args }])])[0]!;
  }

  ballot(id: string): Ballot {
    const b = this.json<Ballot>(votingKeys.ballot(id));
    if (b === undefined) throw new Error(`no ballot ${id}`);
    return b;
  }

  /** Deals a fresh ballot key to the nodes with a seal key, as the creator's client does. */
  deal(ballotId: string, threshold: number): { key: BallotKey; secret: bigint } {
    const holders = this.sealKeys.map((s, i) => ({ nodeId: i + 1, seal: s })).filter((h) => this.hasSealKey(h.nodeId));
    const secret = randomScalar();
    const d = splitSecret(secret, threshold, holders.length);
    const shares = holders.map((h, i) => ({
      nodeId: h.nodeId,
      index: d.shares[i]!.index,
      sealed: toHex(sealTo(h.seal.publicKey, d.shares[i]!.value, ballotShareContext(CHANNEL, ballotId, h.nodeId))),
    }));
    return { key: { publicKey: toHex(d.commitments[0]!), threshold, commitments: d.commitments.map(toHex), shares }, secret };
  }

  private hasSealKey(nodeId: number): boolean {
    const nodes = this.json<{ nodeId: number; sealKey?: string }[]>('gov/nodes') ?? [];
    return nodes.some((n) => n.nodeId === nodeId && n.sealKey !== undefined);
  }

  pseudonym(who: string, ballotId: string): string {
    return votePseudonym(CHANNEL, ballotId, who);
  }

  /** A voter's encrypted vote, as its client makes it (or raw plaintext bytes to encrypt). */
  box(who: string, ballotId: string, answers: readonly number[] | Uint8Array): string {
    const plaintext = answers instanceof Uint8Array ? answers : encodeChoice(answers);
    const pub = fromHex(this.ballot(ballotId).key.publicKey);
    return toHex(sealToBallot(pub, plaintext, voteAad(CHANNEL, ballotId, this.pseudonym(who, ballotId))));
  }

  voteTx(who: string, ballotId: string, answers: readonly number[] | Uint8Array): Transaction {
    return this.sign(who, [{ method: 'vote', args: { ballot: ballotId, pseudonym: this.pseudonym(who, ballotId), box: this.box(who, ballotId, answers) } }]);
  }

  vote(who: string, ballotId: string, answers: readonly number[] | Uint8Array): Res {
    return this.block([this.voteTx(who, ballotId, answers)])[0]!;
  }

  /** What node `nodeId` gets by opening its sealed share with its private seal key (32 bytes hex). */
  openShare(nodeId: number, ballotId: string): string {
    const s = this.ballot(ballotId).key.shares.find((x) => x.nodeId === nodeId);
    if (s === undefined) throw new Error(`node ${nodeId} has no share of ${ballotId}`);
    return toHex(openSealed(this.sealKeys[nodeId - 1]!.privateKey, fromHex(s.sealed), ballotShareContext(CHANNEL, ballotId, nodeId)));
  }

  /** The stored votes of a ballot in seq order, read through the seq index (what an auditor does). */
  storedVotes(ballotId: string): (VoteToCount & StoredVote)[] {
    const b = this.ballot(ballotId);
    const out: (VoteToCount & StoredVote)[] = [];
    for (let n = 0; n < b.voteCount; n++) {
      const pseudonym = this.json<string>(votingKeys.seq(ballotId, n))!;
      out.push({ pseudonym, ...this.json<StoredVote>(votingKeys.vote(ballotId, pseudonym))! });
    }
    return out;
  }

  /** All keys of the state with this prefix (sorted). */
  keysWith(prefix: string): string[] {
    return [...this.store.state.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

/** The scalar of a share hex, as combineShares takes it. */
export const shareOf = (index: number, hex: string): { index: number; value: Uint8Array } => ({ index, value: fromHex(hex) });
export const secretHex = (x: bigint): string => toHex(scalarToBytes(x));

/**
 * Files `code` as `iss`, registers it, has each holder apply for its units (minting the money
 * first) and closes the placement at its end: the asset is placed with exactly these holdings.
 */
export function placeAsset(w: VotingWorld, code: string, units: Record<string, number>): void {
  const total = Object.values(units).reduce((s, n) => s + n, 0);
  const d = decision(code, { volume: total });
  const must = (what: string, r: Res): void => {
    if (r.code !== 'OK') throw new Error(`${what}: ${r.code} ${r.message}`);
  };
  must('fileIssue', w.run('iss', 'fileIssue', d, 'cfa'));
  must('registerIssue', w.run('op', 'registerIssue', { asset: code }, 'cfa'));
  w.at(d.placementStart as number);
  for (const [who, q] of Object.entries(units)) {
    must('mint', w.run('op', 'mint', { account: who, amount: q * (d.placementPrice as number), ref: `deposit-${code}-${who}` }, 'cfa'));
    must('apply', w.run(who, 'apply', { asset: code, quantity: q }, 'cfa'));
  }
  w.at(d.placementEnd as number);
  must('closePlacement', w.run('op', 'closePlacement', { asset: code }, 'cfa'));
}

/** Standard createBallot arguments (time window [now + 1 h, now + 2 days)), with a freshly dealt key. */
export function ballotArgs(w: VotingWorld, id: string, over: Record<string, unknown> = {}, threshold = 2): { args: Record<string, unknown>; secret: bigint } {
  const { key, secret } = w.deal(id, threshold);
  return {
    args: {
      id,
      title: `Ballot ${id}`,
      questions: [
        { text: 'Approve the annual report?', options: ['yes', 'no', 'abstain'] },
        { text: 'Chair of the board', options: ['Ivanova', 'Petrov'] },
      ],
      window: { opensAt: w.now + 3_600_000, closesAt: w.now + 2 * DAY },
      eligibility: { members: ['alice', 'bob', 'carol', 'dave', 'erin'] },
      weights: 'equal',
      quorum: {},
      revote: false,
      key,
      ...over,
    },
    secret,
  };
}
