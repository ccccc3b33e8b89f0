/** One state key with its proof at a height, as the API answers it (shared by the state and registry routes). */
import type { StateProofJson } from '@konsortium/protocol';
import type { LedgerStore } from '@konsortium/storage';
import { NodeError } from '../../../errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

export type StateProofReplyBody = Omit<StateProofJson, 'siblings'> & { siblings: string[]; json?: unknown };

function jsonOf(valueHex: string | null): { json?: unknown } {
  if (valueHex === null) return {};
  try {
    return { json: JSON.parse(decoder.decode(Buffer.from(valueHex, 'hex'))) as unknown };
  } catch {
    return {};
  }
}

/** The height to answer at: the head by default; 404 HEIGHT_NOT_AVAILABLE outside the kept range. */
export function heightOf(store: LedgerStore, query: string | undefined): number {
  const head = store.head;
  if (head === null) throw new NodeError('UNAVAILABLE', 'the channel has no genesis block yet');
  const height = query === undefined ? head.height : Number(query);
  if (height > head.height || height < store.lowestBlock) {
    throw new NodeError('HEIGHT_NOT_AVAILABLE', `height ${height} is not available here (kept: ${store.lowestBlock}..${head.height})`);
  }
  return height;
}

export function stateProofReply(store: LedgerStore, key: string, height: number): StateProofReplyBody {
  const p = store.proveState(key, height);
  return { ...p, siblings: [...p.siblings], ...jsonOf(p.value) };
}
