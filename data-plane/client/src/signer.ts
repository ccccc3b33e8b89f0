/**
 * A transaction signer: one private key under one crypto suite.
 *
 * Nonces. Each (sender, nonce) is accepted at most once per channel. By default every
 * transaction gets a fresh random nonce in [0, 2^53), drawn from crypto.getRandomValues: the
 * same key may sign from several processes, tabs or machines at once, and random nonces need no
 * counter shared between them, no round trip to learn the next one, and no ordering between
 * submissions (a counter would make a lost or reordered transaction block the ones after it).
 * With 2^53 values, a sender that signs a million transactions has a chance of about 6 in 100 000
 * of repeating one; the node then refuses the later one with NONCE_REPLAYED and nothing is
 * ordered, so it is safe to sign again (a new nonce, a new transaction). Callers that keep their
 * own sequence pass `nonce`.
 *
 * The private key is held in a private field: it is not enumerable, not in JSON.stringify and
 * not printed by console.log.
 */
import {
  encodeOperation,
  fromHex,
  type CryptoSuite,
  type Operation,
  signTx,
  type SuiteId,
  suiteById,
  toHex,
  type Transaction,
} from '@konsortium/protocol';

export interface BuildTxOptions {
  /** A nonce in [0, 2^53 − 1]; default: a fresh random one (see randomNonce). */
  readonly nonce?: number;
}

/** A uniformly random safe integer in [0, 2^53 − 1] from the platform's CSPRNG. */
export function randomNonce(): number {
  const words = crypto.getRandomValues(new Uint32Array(2));
  return (words[0]! & 0x1fffff) * 2 ** 32 + words[1]!;
}

export class Signer {
  readonly suite: CryptoSuite;
  readonly publicKey: Uint8Array;
  readonly publicKeyHex: string;
  readonly #privateKey: Uint8Array;

  /** From an existing private key (bytes or lower-case hex) of the suite. */
  constructor(suite: SuiteId | CryptoSuite, privateKey: Uint8Array | string) {
    this.suite = typeof suite === 'string' ? suiteById(suite) : suite;
    this.#privateKey = typeof privateKey === 'string' ? fromHex(privateKey) : Uint8Array.from(privateKey);
    this.publicKey = this.suite.publicKeyOf(this.#privateKey); // throws CryptoError INVALID_KEY
    this.publicKeyHex = toHex(this.publicKey);
  }

  /** A signer with a new key pair (crypto.getRandomValues). Keep `exportPrivateKey()` safe to sign again later. */
  static generate(suite: SuiteId | CryptoSuite = 'intl'): Signer {
    const s = typeof suite === 'string' ? suiteById(suite) : suite;
    return new Signer(s, s.generateKeyPair().privateKey);
  }

  get suiteId(): SuiteId {
    return this.suite.id;
  }

  /** A copy of the private key (to store it; handle with care). */
  exportPrivateKey(): Uint8Array {
    return Uint8Array.from(this.#privateKey);
  }

  /**
   * Signs an off-chain message (a key-release request, …): suite.sign(key, suite.hash(message)),
   * the form nodes verify such requests in.
   */
  signMessage(message: Uint8Array): Uint8Array {
    return this.suite.sign(this.#privateKey, this.suite.hash(message));
  }

  /**
   * Builds and signs a transaction for `channel` with one or more operations (all-or-nothing
   * on the ledger). The result's `bytes` is what `KonsortiumClient.submit` sends and `id` its id.
   */
  buildTx(channel: string, operations: Operation | readonly Operation[], options: BuildTxOptions = {}): Transaction {
    const ops = isOperationList(operations) ? operations : [operations];
    const nonce = options.nonce ?? randomNonce();
    if (!Number.isSafeInteger(nonce) || nonce < 0) throw new RangeError(`nonce must be an integer in [0, 2^53 - 1], got ${nonce}`);
    return signTx({ suite: this.suite.id, channel, sender: this.publicKey, nonce, operations: ops.map(encodeOperation) }, this.#privateKey, this.suite);
  }
}

function isOperationList(ops: Operation | readonly Operation[]): ops is readonly Operation[] {
  return Array.isArray(ops);
}
