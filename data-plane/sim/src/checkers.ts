/**
 * Safety checkers that watch the simulated cluster (Raft paper, Figure 3):
 *   - Election Safety: at most one leader per term.
 *   - Log Matching: if two logs hold an entry with the same index and term, the logs are
 *     identical up to it.
 *   - Leader Completeness: a committed entry is in the log of every later leader.
 *   - State Machine Safety: no two replicas apply different entries at the same index.
 * Linearizability of client operations is checked separately on the recorded history.
 */
import { type Entry, type NodeId, type RawNode } from '@konsortium/raft';

export interface Violation {
  readonly kind:
    | 'election-safety'
    | 'log-matching'
    | 'leader-completeness'
    | 'state-machine-safety'
    | 'linearizability'
    | 'liveness'
    | 'invariant';
  readonly at: number;
  readonly detail: string;
}

function sameEntry(a: Entry, b: Entry): boolean {
  if (a.term !== b.term || a.index !== b.index || a.type !== b.type || a.data.byteLength !== b.data.byteLength) return false;
  for (let i = 0; i < a.data.byteLength; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

export class SafetyChecker {
  private readonly leaders = new Map<number, NodeId>();
  /** index → the entry applied there (by whichever replica applied it first). */
  private readonly applied = new Map<number, Entry>();
  readonly violations: Violation[] = [];

  private fail(kind: Violation['kind'], at: number, detail: string): void {
    this.violations.push({ kind, at, detail });
  }

  onLeader(at: number, id: NodeId, term: number, raw: RawNode): void {
    const prev = this.leaders.get(term);
    if (prev !== undefined && prev !== id) this.fail('election-safety', at, `term ${term} has leaders ${prev} and ${id}`);
    this.leaders.set(term, id);
    // Leader completeness: every entry applied anywhere must be in the new leader's log
    // (or covered by its snapshot, which only holds committed state).
    const log = raw.raft.log;
    const first = log.firstIndex();
    for (const [index, e] of this.applied) {
      if (index < first) continue;
      if (index > log.lastIndex()) {
        this.fail('leader-completeness', at, `leader ${id} of term ${term} lacks committed entry ${index} (last ${log.lastIndex()})`);
        continue;
      }
      const mine = log.slice(index, index + 1, Number.MAX_SAFE_INTEGER)[0]!;
      if (!sameEntry(mine, e)) this.fail('leader-completeness', at, `leader ${id} of term ${term} has a different entry at committed index ${index}`);
    }
  }

  onApplied(at: number, id: NodeId, e: Entry): void {
    const prev = this.applied.get(e.index);
    if (!prev) this.applied.set(e.index, e);
    else if (!sameEntry(prev, e)) {
      this.fail('state-machine-safety', at, `node ${id} applied (term ${e.term}) at ${e.index}, another replica applied term ${prev.term}`);
    }
  }

  /** Log matching across every pair of live replicas. */
  checkLogMatching(at: number, nodes: readonly { id: NodeId; raw: RawNode }[]): void {
    const logs = nodes.map(({ id, raw }) => {
      const log = raw.raft.log;
      return { id, first: log.firstIndex(), entries: log.allEntries() };
    });
    for (let i = 0; i < logs.length; i++) {
      for (let j = i + 1; j < logs.length; j++) {
        const a = logs[i]!;
        const b = logs[j]!;
        const lo = Math.max(a.first, b.first);
        const hi = Math.min(a.first + a.entries.length, b.first + b.entries.length) - 1;
        // Find the highest index where terms agree; everything from lo up to it must match.
        let agree = -1;
        for (let k = hi; k >= lo; k--) {
          if (a.entries[k - a.first]!.term === b.entries[k - b.first]!.term) {
            agree = k;
            break;
          }
        }
        for (let k = lo; k <= agree; k++) {
          if (!sameEntry(a.entries[k - a.first]!, b.entries[k - b.first]!)) {
            this.fail('log-matching', at, `nodes ${a.id} and ${b.id} agree on term at ${agree} but differ at ${k}`);
            break;
          }
        }
      }
    }
  }

  get appliedCount(): number {
    return this.applied.size;
  }
}
