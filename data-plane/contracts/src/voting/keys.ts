/**
 * Where the voting contract keeps things: the layout is defined once in the protocol
 * (data-plane/protocol/src/state/voting.ts, with the table of keys and values), because the
 * node, the SDK and the portal read what the contract writes.
 */
export { votingKeys } from '@konsortium/protocol';
