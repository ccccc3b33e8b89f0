/**
 * Where the data contract keeps things: the layout is defined once in the protocol
 * (data-plane/protocol/src/state/data.ts, with the table of keys and values), because the SDK,
 * the node and the portal read what the contract writes.
 */
export { dataGranteeKey as granteeKey, dataKeys, dataScopeKey as scopeKey } from '@konsortium/protocol';

/**
 * The contexts that bind sealed key material and ciphertext to one record version (the same
 * strings for client, node and contract, defined once in the protocol):
 *   shareContext(channel, record, version, nodeId)   `data-share:<channel>/<record>/<version>/<nodeId>`
 *   ownerKeyContext(channel, record, version)        `data-owner:<channel>/<record>/<version>`
 *   releaseContext(channel, record, version, nodeId, requestId)
 *                                                    `data-release:<channel>/<record>/<version>/<nodeId>/<requestId>`
 *   recordAad(channel, record, version)              utf8 `data-record:<channel>/<record>/<version>`
 */
export { ownerKeyContext, recordAad, releaseContext, shareContext } from '@konsortium/protocol';
