/**
 * A provisioning worker on its own, beside (or instead of) the platform's in-process one: it
 * opens what the platform opened (the database, the master key and signing key from the data
 * directory, the local runtime over the same node directories, or the Kubernetes runtime) and
 * takes jobs from the same queue. Used to scale provisioning out (`worker-main.ts` in a
 * deployment), and by the test that kills a worker mid-job.
 *
 * The worker never makes a master key (it must be the API's). The access-token signing key is
 * in the database, shared with the API (signing-keys.ts), so the tokens it mints for the nodes
 * verify against the API's JWKS wherever the worker runs.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { NODE_AUDIENCE, TokenService } from '../auth/token-service.js';
import { createPrisma, type PrismaClient } from '../db/prisma.js';
import type { NetworkDeps } from '../provisioning/network.js';
import { ProvisioningWorker } from '../provisioning/queue.js';
import { OperationRunner } from '../provisioning/runner.js';
import type { KeyVault } from '../provisioning/vault.js';
import { LocalNodeRuntime } from '../runtime/local-runtime.js';
import type { NodeRuntime } from '../runtime/node-runtime.js';
import { loadMasterKey, masterVault } from './master-vault.js';
import { loadKeyRing } from './signing-keys.js';

/** What provisioning needs to reach the nodes: the nodes accept the control plane's own admin tokens, minted as needed. */
export function networkDeps(o: { db: PrismaClient; vault: KeyVault; runtime: NodeRuntime; tokens: TokenService; apiUrl: string }): NetworkDeps {
  let cached: { token: string; expiresAtMs: number } | null = null;
  return {
    db: o.db,
    vault: o.vault,
    runtime: o.runtime,
    authJwksUrl: `${o.apiUrl}/.well-known/jwks.json`,
    nodeToken: async () => {
      if (cached === null || cached.expiresAtMs - Date.now() < 60_000) {
        const t = await o.tokens.issueAccessToken({ subject: 'control-plane', roles: ['admin'], audience: NODE_AUDIENCE });
        cached = { token: t.token, expiresAtMs: t.expiresAtMs };
      }
      return cached.token;
    },
  };
}

export interface WorkerProcessOptions {
  /** The platform's data directory (master.key, jwt-signing-key.sealed, nodes/). */
  readonly dataDir: string;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /** The control plane's URL (its JWKS is what the nodes check tokens against). */
  readonly apiUrl: string;
  readonly logger: Logger;
  readonly nodeExtraArgs?: readonly string[];
  readonly lockDurationMs?: number;
  readonly catchUpTimeoutMs?: number;
  readonly beforeStep?: (operationId: string, step: string) => void | Promise<void>;
  /** Where nodes run (default: the local runtime over dataDir/nodes); a function is given the worker's database. */
  readonly runtime?: NodeRuntime | ((deps: { db: PrismaClient }) => NodeRuntime);
}

export async function startWorkerProcess(o: WorkerProcessOptions): Promise<{ close(): Promise<void> }> {
  const keyFile = path.join(o.dataDir, 'master.key');
  if (!existsSync(keyFile) && (process.env.KONSORTIUM_MASTER_KEY ?? '') === '' && (process.env.KONSORTIUM_MASTER_KEY_FILE ?? '') === '') {
    throw new Error(`no master key: ${keyFile} is missing and KONSORTIUM_MASTER_KEY(_FILE) is not set; a worker never makes one`);
  }
  const vault = masterVault(loadMasterKey(keyFile).key);
  const db = createPrisma(o.databaseUrl);
  const tokens = new TokenService({ keys: await loadKeyRing(db, vault, path.join(o.dataDir, 'jwt-signing-key.sealed')) });
  let runtime: NodeRuntime;
  try {
    runtime =
      o.runtime === undefined
        ? new LocalNodeRuntime({ baseDir: path.join(o.dataDir, 'nodes'), ...(o.nodeExtraArgs ? { extraArgs: o.nodeExtraArgs } : {}) })
        : typeof o.runtime === 'function'
          ? o.runtime({ db })
          : o.runtime;
  } catch (err) {
    await db.$disconnect();
    throw err;
  }
  const runner = new OperationRunner({
    ...networkDeps({ db, vault, runtime, tokens, apiUrl: o.apiUrl }),
    catchUpTimeoutMs: o.catchUpTimeoutMs ?? 120_000,
    logger: o.logger,
    ...(o.beforeStep ? { beforeStep: o.beforeStep } : {}),
  });
  const worker = new ProvisioningWorker(runner, { redisUrl: o.redisUrl, logger: o.logger, ...(o.lockDurationMs ? { lockDurationMs: o.lockDurationMs } : {}) });
  return {
    async close() {
      await worker.close();
      await runtime.close();
      await db.$disconnect();
    },
  };
}
