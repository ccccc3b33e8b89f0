/**
 * What a built-in contract is to the ledger. Contracts are deterministic: they read and write
 * state only through the context, take time only from the block (`timestamp`), and never do I/O.
 * A contract may throw ContractError to reject the transaction; everything the transaction
 * wrote (in all of its operations) is then discarded.
 */
export interface Sender {
  /** Hex of the signing public key. */
  readonly publicKey: string;
  readonly memberId: string;
  readonly roles: readonly string[];
}

export interface StateReader {
  get(key: string): Uint8Array | undefined;
  getJson<T>(key: string): T | undefined;
  /** Keys with this prefix, sorted; bounded by `limit` (deterministic order). */
  keys?(prefix: string, limit: number): string[];
}

export interface ContractContext extends StateReader {
  readonly channel: string;
  /** Height of the block being built. */
  readonly height: number;
  /** The block's timestamp (ms since the epoch), the same on every node. */
  readonly timestamp: number;
  readonly txId: string;
  readonly sender: Sender;
  put(key: string, value: Uint8Array): void;
  putJson(key: string, value: unknown): void;
  delete(key: string): void;
}

export interface Contract {
  readonly name: string;
  /**
   * Stateless checks of an operation's arguments (the method exists, the args match its
   * schema), run before ordering and again in execution. Throws ContractError
   * ('UNKNOWN_METHOD' | 'INVALID_ARGS' | ...). Returns the parsed arguments.
   */
  check(method: string, args: unknown): unknown;
  /** Executes one operation against the state. */
  execute(ctx: ContractContext, method: string, args: unknown): void;
}

/** How the ledger learns who may send transactions and which nodes sign blocks (the governance contract's state). */
export interface IdentityDirectory {
  /** The member behind a signing key, or null if the key is unknown or revoked. */
  sender(state: StateReader, publicKeyHex: string): (Sender & { readonly active: boolean }) | null;
  /** Block-signing keys of the channel's nodes. */
  nodeKeys(state: StateReader): Map<number, Uint8Array>;
  /** Is `nodeId` one of the channel's nodes? */
  isChannelNode(state: StateReader, nodeId: number): boolean;
}
