/**
 * Where a transaction is, as far as this node knows. The chain is the truth for final states
 * (committed, rejected); before that the node remembers what it accepted (received) and what
 * it proposed (ordered). A status never moves backwards: if an ordered batch is lost with a
 * leadership change and re-proposed, its transactions stay "ordered".
 */
export type TxState = 'received' | 'ordered' | 'committed' | 'rejected';

const RANK: Readonly<Record<TxState, number>> = { received: 0, ordered: 1, committed: 2, rejected: 2 };
const MAX_TRACKED = 500_000;
const MAX_MESSAGES = 100_000;

export class TxStatusBoard {
  private readonly pending = new Map<string, 'received' | 'ordered'>();
  /** Why recent transactions were rejected in execution (the block holds only the code). */
  private readonly messages = new Map<string, string>();

  get tracked(): number {
    return this.pending.size;
  }

  pendingState(idHex: string): 'received' | 'ordered' | undefined {
    return this.pending.get(idHex);
  }

  advance(idHex: string, to: 'received' | 'ordered'): void {
    const now = this.pending.get(idHex);
    if (now !== undefined && RANK[now] >= RANK[to]) return;
    if (now === undefined && this.pending.size >= MAX_TRACKED) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(idHex, to);
  }

  /** The transaction is in a block: the chain answers from now on. */
  settled(idHex: string, rejectionMessage: string | null): void {
    this.pending.delete(idHex);
    if (rejectionMessage === null) return;
    if (this.messages.size >= MAX_MESSAGES) this.messages.delete(this.messages.keys().next().value!);
    this.messages.set(idHex, rejectionMessage);
  }

  message(idHex: string): string | undefined {
    return this.messages.get(idHex);
  }
}
