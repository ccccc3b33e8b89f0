/**
 * The contexts that bind each sealed secret and ciphertext to what it is for: a share sealed
 * for one node and record version cannot be passed off as another node's or version's, a vote
 * box cannot be moved to another pseudonym. Client, node and contracts use these same strings.
 */
import { utf8 } from '../codec/bytes.js';

/** A record version's data-key share sealed to node `nodeId`'s seal key. */
export const shareContext = (channel: string, record: string, version: number, nodeId: number): string => `data-share:${channel}/${record}/${version}/${nodeId}`;
/** A record version's secret sealed to its owner. */
export const ownerKeyContext = (channel: string, record: string, version: number): string => `data-owner:${channel}/${record}/${version}`;
/** A share re-sealed by node `nodeId` to a reader's one-time key for request `requestId`. */
export const releaseContext = (channel: string, record: string, version: number, nodeId: number, requestId: string): string =>
  `data-release:${channel}/${record}/${version}/${nodeId}/${requestId}`;
/** Associated data of a record version's ciphertext. */
export const recordAad = (channel: string, record: string, version: number): Uint8Array => utf8(`data-record:${channel}/${record}/${version}`);
/** A ballot key share sealed to node `nodeId`'s seal key. */
export const ballotShareContext = (channel: string, ballot: string, nodeId: number): string => `ballot-share:${channel}/${ballot}/${nodeId}`;
/** Associated data of a vote box: binds it to its ballot and pseudonym. */
export const voteAad = (channel: string, ballot: string, pseudonym: string): Uint8Array => utf8(`vote:${channel}/${ballot}/${pseudonym}`);
