/**
 * Encodes a batch of messages as one frame payload, byte-identical to the core's
 * encodeMessages, but with the buffer sized up front: the core's Writer starts small and
 * doubles, which copies a large append batch several times on the hot path.
 */
import { type Message, Writer, writeMessage } from '@konsortium/raft';

/** Upper bound of a message's encoding (fixed header, entries, snapshot, context). */
function estimateBytes(m: Message): number {
  let n = 96 + m.context.byteLength;
  for (const e of m.entries) n += 24 + e.data.byteLength;
  if (m.snapshot) n += 64 + 8 * (m.snapshot.metadata.confState.voters.length + m.snapshot.metadata.confState.learners.length) + m.snapshot.data.byteLength;
  return n;
}

export function encodeBatch(batch: readonly Message[]): Uint8Array {
  let size = 4;
  for (const m of batch) size += estimateBytes(m);
  const w = new Writer(size);
  w.u32(batch.length);
  for (const m of batch) writeMessage(w, m);
  return w.finish();
}
