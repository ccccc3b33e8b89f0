/**
 * Blocks from a node's HTTP API. Nothing the node says is trusted: blocks are decoded and
 * rehashed here, and the node keys for each height come with a state proof that must verify
 * against that very block's header (whose hash the chain check covers).
 */
import { GOVERNANCE_KEYS, type NodeEntry } from '@konsortium/contracts';
import { type Block, bytesEqual, type CryptoSuite, decodeBlock, fromHex, type StateProofJson, verifyStateProof } from '@konsortium/protocol';
import type { BlockSource } from './block-source.js';

interface BlockJson {
  readonly height: number;
  readonly block: string;
}

export function httpSource(baseUrl: string, channel: string, suite: CryptoSuite, token?: string): BlockSource {
  const hash = (d: Uint8Array): Uint8Array => suite.hash(d);
  const base = `${baseUrl.replace(/\/$/, '')}/v1/channels/${encodeURIComponent(channel)}`;
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${base}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
    const body = (await res.json()) as T & { code?: string; message?: string };
    if (!res.ok) throw new Error(`GET ${base}${path}: ${res.status} ${body.code ?? ''} ${body.message ?? ''}`);
    return body;
  };
  let keysCache: { height: number; keys: Map<number, Uint8Array> } | null = null;
  return {
    description: base,
    range: async () => {
      const head = await get<{ height: number }>('/head');
      const first = await get<{ blocks: BlockJson[] }>('/blocks?from=0&limit=1');
      return { lowest: first.blocks[0]?.height ?? head.height, head: head.height };
    },
    blocks: async (from, limit) => {
      const r = await get<{ blocks: BlockJson[] }>(`/blocks?from=${from}&limit=${limit}`);
      return Array.from({ length: limit }, (_, i) => {
        const j = r.blocks.find((b) => b.height === from + i);
        if (j === undefined) return new Error(`block ${from + i} was not served`);
        try {
          return decodeBlock(hash, fromHex(j.block));
        } catch (err) {
          return err as Error;
        }
      });
    },
    nodeKeysAt: async (height: number, block: Block) => {
      if (keysCache !== null && keysCache.height === height) return keysCache.keys;
      const p = await get<StateProofJson>(`/state/${encodeURIComponent(GOVERNANCE_KEYS.nodes)}?height=${height}`);
      const header = verifyStateProof(suite, p);
      if (header === null || !bytesEqual(fromHex(p.header), block.headerBytes)) throw new Error(`the node keys served for block ${height} do not prove against its header`);
      const nodes = p.value === null ? [] : (JSON.parse(new TextDecoder().decode(fromHex(p.value))) as NodeEntry[]);
      const keys = new Map(nodes.map((n) => [n.nodeId, fromHex(n.publicKey)]));
      keysCache = { height, keys };
      return keys;
    },
    recomputeStateRoot: async () => null,
    close: async () => undefined,
  };
}
