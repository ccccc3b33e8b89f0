/** What the resource plugins share: the database, the auth services and the platform's ports. */
import type { onRequestHookHandler } from 'fastify';
import type { ApiKeyService } from '../auth/api-keys.js';
import type { KeyRing } from '../auth/keys.js';
import type { RefreshTokenService } from '../auth/refresh-tokens.js';
import type { TokenService } from '../auth/token-service.js';
import type { HotReads } from '../db/hot-reads.js';
import type { PrismaClient } from '../db/prisma.js';
import type { UsageMeter } from './usage-meter.js';

export interface ApiLimits {
  /** Login/refresh/logout attempts per client address (and e-mail) per minute. */
  readonly authPerMinute: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = { authPerMinute: 20 };

/**
 * Starts provisioning operations (the BullMQ queue in production). `enqueue` is idempotent:
 * the operation id is the job id.
 */
export interface OperationQueue {
  enqueue(operationId: string): Promise<void>;
}

/** Submits a tenant's CFA operation to the ledger (projection/operations.ts behind it). */
export interface CfaGateway {
  submit(operationId: string): Promise<void>;
}

/** The integrity audit of the ledger-DB projection against the chain. */
export interface IntegrityPort {
  run(channel: string): Promise<{ id: bigint; ok: boolean }>;
}

export interface ApiContext {
  readonly db: PrismaClient;
  /** The reads on every request's path (a pg pool in production: db/hot-reads.ts). */
  readonly reads: HotReads;
  readonly tokens: TokenService;
  readonly keyRing: KeyRing;
  readonly refresh: RefreshTokenService;
  readonly apiKeys: ApiKeyService;
  readonly now: () => number;
  readonly limits: ApiLimits;
  readonly usage: UsageMeter;
  readonly operations: OperationQueue | null;
  readonly cfa: CfaGateway | null;
  readonly integrity: IntegrityPort | null;
  /** The shared network's name, where shared-plan tenants live (default "consortium"). */
  readonly defaultNetwork: string;
  /** The onRequest hook that authenticates and sets `req.principal`. */
  readonly authenticate: onRequestHookHandler;
}
