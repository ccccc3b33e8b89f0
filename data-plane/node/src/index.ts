/**
 * @konsortium/node: the ledger node process. Binaries and tests wire it up; nothing else
 * imports it (see DESIGN.md "Layout").
 */
export { KonsortiumNode, type Consistency, type Readiness } from './runtime/node.js';
export { type NodeOptions, NODE_DEFAULTS } from './runtime/options.js';
export type { NodeStatus, MemberStatus, RoleName } from './runtime/status.js';
export { BootError, bootstrapSnapshot } from './runtime/boot.js';
export { build, type HttpApp, type HttpApiOptions } from './http/app.js';
export { DEFAULT_HTTP_LIMITS, type HttpLimits, type NodeApi } from './http/node-api.js';
export { NodeError, type NodeErrorCode } from './errors.js';
export { NodeMetrics } from './metrics.js';
export { RaftTransport, type TransportHandler } from './transport/raft-transport.js';
export { DEFAULT_TRANSPORT_LIMITS, type TransportLimits } from './transport/options.js';
export { KvStateMachine } from './kv/state-machine.js';
export type { Member, MemberAddress } from './kv/members.js';
export { parseHostPort, formatHostPort, type HostPort } from './addresses.js';
export { opensslX25519 } from './ledger/server-x25519.js';
