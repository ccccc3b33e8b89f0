/**
 * One node of a network changes at a time. Before the operator applies a changed StatefulSet of
 * an existing node, it takes the network's slot; it gives the slot back when that node is
 * running the new revision and Ready again. Taking the slot also requires every other node of
 * the network to be settled and Ready, so a quorum stays up throughout. Checked and taken
 * without an await in between, so two reconciles of the same network cannot both pass (one
 * operator process is active: leader election).
 */
export class RolloutGate {
  private readonly holder = new Map<string, string>();

  /** True if `node` holds or now takes the slot of `network`. */
  tryTake(network: string, node: string, othersSettled: boolean): boolean {
    const h = this.holder.get(network);
    if (h === node) return true;
    if (h !== undefined || !othersSettled) return false;
    this.holder.set(network, node);
    return true;
  }

  holderOf(network: string): string | undefined {
    return this.holder.get(network);
  }

  release(network: string, node: string): boolean {
    if (this.holder.get(network) !== node) return false;
    this.holder.delete(network);
    return true;
  }
}
