/** A counter that moves with every new block of a channel (the node's SSE stream), for screens that reload on it. */
import type { KonsortiumClient } from '@konsortium/client';
import { useEffect, useState } from 'react';

export function useBlockTick(client: KonsortiumClient | undefined, channel: string | undefined): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (client === undefined || channel === undefined) return;
    const ac = new AbortController();
    (async () => {
      for await (const _ of client.events(channel, { signal: ac.signal, maxRetries: 1_000_000 })) setTick((t) => t + 1);
    })().catch(() => {
      // The stream gave up: the screen keeps its data and its own refresh buttons.
    });
    return () => ac.abort();
  }, [client, channel]);
  return tick;
}

/** The channel operator screens work in: the network's own (every node serves it), else the first. */
export function defaultChannel(network: string, channels: readonly string[]): string {
  return channels.includes(network) ? network : (channels[0] ?? network);
}
