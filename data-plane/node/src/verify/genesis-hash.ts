/** The hash block 0 must have, computed offline from a genesis document (no node needed). */
import { genesisWrites, type Genesis } from '@konsortium/contracts';
import { type CryptoSuite, encodeBlockHeader, blockHashOf, merkleRoot, smtReferenceRoot, ZERO_HASH } from '@konsortium/protocol';

export function genesisBlockHash(g: Genesis, suite: CryptoSuite): Uint8Array {
  const hash = (d: Uint8Array): Uint8Array => suite.hash(d);
  const state = new Map<string, Uint8Array>();
  for (const [k, v] of genesisWrites(g)) if (v !== null) state.set(k, v);
  const header = encodeBlockHeader({
    suite: g.suite,
    channel: g.channel,
    height: 0,
    prevHash: ZERO_HASH,
    txRoot: merkleRoot(hash, []),
    stateRoot: smtReferenceRoot(hash, state),
    timestamp: g.timestamp,
    proposer: 0,
    txCount: 0,
  });
  return blockHashOf(hash, header);
}
