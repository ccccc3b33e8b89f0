/**
 * Where the cfa contract keeps things: the layout is defined once in the protocol
 * (data-plane/protocol/src/state/cfa.ts, with the table of keys and values), because the SDK,
 * the node and the portal read what the contract writes. The contract's code names the
 * constants without the `CFA_` prefix.
 */
export { cfaKeys, CFA_MOVE_CHUNK as MOVE_CHUNK, cfaMoveChunkOf as moveChunkOf, CFA_OWNER_BUCKETS as OWNER_BUCKETS } from '@konsortium/protocol';
