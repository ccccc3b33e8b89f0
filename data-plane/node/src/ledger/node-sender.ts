/**
 * Transactions a node sends on its own behalf (the access log of key releases, its ballot key
 * shares after a close): signed with its block-signing key, which governance maps to the
 * sender `node:<id>` with the role `node`, and admitted like any other transaction.
 */
import { randomInt } from 'node:crypto';
import { type CryptoSuite, encodeOperation, type Operation, signTx } from '@konsortium/protocol';
import type { ChannelLedger, SubmitResult } from './channel-ledger.js';

export class NodeTxSender {
  private readonly publicKey: Uint8Array;

  constructor(
    private readonly ledger: ChannelLedger,
    private readonly suite: CryptoSuite,
    private readonly privateKey: Uint8Array,
  ) {
    this.publicKey = suite.publicKeyOf(privateKey);
  }

  /** Signs (random nonce) and admits one all-or-nothing transaction; throws what admission throws. */
  send(operations: readonly Operation[]): SubmitResult {
    const tx = signTx(
      { suite: this.suite.id, channel: this.ledger.name, sender: this.publicKey, nonce: randomInt(2 ** 48 - 1), operations: operations.map(encodeOperation) },
      this.privateKey,
      this.suite,
    );
    return this.ledger.submit(tx.bytes);
  }
}
