/** Voting receipts kept in this browser (IndexedDB), one per ballot and member: the latest vote cast here. */
import { dbAll, dbGet, dbPut } from '../data/identity/db.js';
import type { Receipt } from './model.js';

interface StoredReceipt extends Receipt {
  readonly id: string;
}

const keyOf = (channel: string, ballot: string, memberId: string) => `${channel}/${ballot}/${memberId}`;

export async function saveReceipt(r: Receipt): Promise<void> {
  await dbPut<StoredReceipt>('receipts', { ...r, id: keyOf(r.channel, r.ballot, r.memberId) });
}

export async function loadReceipt(channel: string, ballot: string, memberId: string): Promise<Receipt | null> {
  const s = await dbGet<StoredReceipt>('receipts', keyOf(channel, ballot, memberId));
  if (s === undefined) return null;
  const { id: _id, ...r } = s;
  return r;
}

/** Ballot ids this member voted in from this browser. */
export async function votedHere(channel: string, memberId: string): Promise<Set<string>> {
  const all = await dbAll<StoredReceipt>('receipts');
  return new Set(all.filter((r) => r.channel === channel && r.memberId === memberId).map((r) => r.ballot));
}
