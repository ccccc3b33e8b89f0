/**
 * @konsortium/control-plane: tenants, users and auth, the HTTP API, provisioning of ledger
 * nodes, custody of keys, the ledger-DB projection, and the platform on embedded defaults.
 * See README.md.
 */
export * from './auth/index.js';
export { build, type ApiApp, type ApiOptions } from './api/app.js';
export { ApiError, type ApiErrorCode } from './api/errors.js';
export type { ApiLimits, CfaGateway, OperationQueue } from './api/context.js';
export * from './runtime/index.js';
export { MasterKey, CustodyError, sealPrivateKey, openPrivateKey, generateCustodialIdentity } from './keys/custody.js';
export { startRedisServer, RedisServerMissingError, type RunningRedis } from './infra/redis-server.js';
export { startEmbeddedPostgres } from './db/embedded-postgres.js';
export { createPrisma, migrateDeploy } from './db/prisma.js';
export { ProvisioningQueue, ProvisioningWorker } from './provisioning/queue.js';
export { OperationRunner } from './provisioning/runner.js';
export { ensureNetwork, openNetwork, ProvisioningError } from './provisioning/network.js';
export { LedgerGateway, LedgerGatewayError } from './ledger/gateway.js';
export { startPlatform, type Platform, type PlatformOptions } from './platform/platform.js';
export * as projection from './projection/index.js';
export { startWorkerProcess, type WorkerProcessOptions } from './platform/worker-process.js';
