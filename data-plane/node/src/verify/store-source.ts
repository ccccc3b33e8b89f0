/** Blocks and state straight from a channel's LMDB store in a node's data directory (the node should be stopped). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { GOVERNANCE_KEYS, type NodeEntry } from '@konsortium/contracts';
import { type Block, type CryptoSuite, decodeBlock, fromHex, smtReferenceRoot } from '@konsortium/protocol';
import { LedgerStore } from '@konsortium/storage';
import type { BlockSource } from './block-source.js';

export function channelStoreDir(dataDir: string, channel: string): string {
  return path.join(dataDir, 'channels', channel, 'ledger');
}

export async function openStoreSource(dataDir: string, channel: string, suite: CryptoSuite): Promise<BlockSource> {
  const dir = channelStoreDir(dataDir, channel);
  if (!existsSync(dir)) throw new Error(`no ledger of channel "${channel}" in ${dataDir} (looked for ${dir})`);
  const hash = (d: Uint8Array): Uint8Array => suite.hash(d);
  const store = await LedgerStore.open({ dir, hash, fsync: false });
  return {
    description: `${dir}`,
    range: async () => {
      if (store.head === null) throw new Error('the store is empty');
      return { lowest: store.lowestBlock, head: store.head.height };
    },
    blocks: async (from, limit) => {
      const out: (Block | Error)[] = [];
      for (let h = from; h < from + limit; h++) {
        const bytes = store.blockBytes(h);
        if (bytes === undefined) {
          out.push(new Error(`block ${h} is missing`));
          continue;
        }
        try {
          out.push(decodeBlock(hash, bytes));
        } catch (err) {
          out.push(err as Error);
        }
      }
      return out;
    },
    nodeKeysAt: async (height) => {
      const v = store.getAt(height, GOVERNANCE_KEYS.nodes);
      const nodes = v === null ? [] : (JSON.parse(new TextDecoder().decode(v)) as NodeEntry[]);
      return new Map(nodes.map((n) => [n.nodeId, fromHex(n.publicKey)]));
    },
    recomputeStateRoot: async () => smtReferenceRoot(hash, store.stateEntries()),
    close: () => store.close(),
  };
}
