/**
 * PostgreSQL through Prisma without engine binaries: the generated client (`prisma-client`,
 * `engineType = "client"`, in ./generated, made by `npm run prisma:generate`) runs its queries
 * through the pg driver adapter, and migrations are applied by the Prisma CLI's WebAssembly
 * schema engine (prisma.config.ts). See README.md, "Database schema".
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.js';

export { Prisma, PrismaClient } from './generated/client.js';
export type {
  ApiKey,
  AuditLog,
  CfaBalance,
  CfaOperation,
  Channel,
  IntegrityReport,
  Invoice,
  LedgerIdentity,
  LedgerNode,
  Network,
  ProjectionCursor,
  ProvisioningOperation,
  RefreshToken,
  Tenant,
  UsageRecord,
  User,
} from './generated/client.js';
export type * from './generated/models.js';
export * from './generated/enums.js';

/** The control-plane package directory (where prisma.config.ts and prisma/ live). */
export const CONTROL_PLANE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const MIGRATE_TIMEOUT_MS_DEFAULT = 120_000;
const OUTPUT_CHARS_MAX = 8_000;
/** What `migrate deploy` prints once the migrations are applied and recorded (or there were none). */
const MIGRATE_DONE = /^(All migrations have been successfully applied\.|No pending migrations to apply\.)$/m;

export class MigrateError extends Error {
  readonly code = 'PRISMA_MIGRATE_FAILED';
  constructor(
    message: string,
    readonly stderr: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A client over `connectionString` (postgres://…/db). Call `$disconnect()` when done. */
export function createPrisma(connectionString: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString }) });
}

/** The environment for the Prisma CLI: no telemetry, no update check, no engine download. */
export function prismaCliEnv(connectionString: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: connectionString,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
    // Never loaded (engineType "client"), but the CLI looks for it before it starts.
    PRISMA_QUERY_ENGINE_LIBRARY: path.join(CONTROL_PLANE_DIR, 'package.json'),
  };
}

/** Path of the Prisma CLI's entry point (run it with `node`). */
export function prismaCliPath(): string {
  return createRequire(path.join(CONTROL_PLANE_DIR, 'package.json')).resolve('prisma/build/index.js');
}

export interface PrismaCliResult {
  readonly stdout: string;
  readonly stderr: string;
  /** The exit code (0 on success). */
  readonly exitCode: number;
}

/**
 * Runs the Prisma CLI in the control-plane directory against `connectionString`; never throws for a non-zero exit.
 *
 * `doneWhen`: a line of stdout after which the CLI has finished its work. The CLI then idles
 * about 10 s before it exits (a pg pool it does not close), so once that line is out and
 * `graceMs` passed without an exit, the process is ended and the run counts as exit code 0.
 */
export function runPrismaCli(args: readonly string[], connectionString: string, timeoutMs = MIGRATE_TIMEOUT_MS_DEFAULT, o: { doneWhen?: RegExp; graceMs?: number } = {}): Promise<PrismaCliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [prismaCliPath(), ...args], { cwd: CONTROL_PLANE_DIR, env: prismaCliEnv(connectionString), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let done = false;
    let ended: 'timeout' | 'done' | null = null;
    const timer = setTimeout(() => {
      ended = 'timeout';
      child.kill('SIGKILL');
    }, timeoutMs);
    let grace: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < 16 * 1024 * 1024) stdout += chunk;
      if (!done && o.doneWhen !== undefined && o.doneWhen.test(stdout)) {
        done = true;
        grace = setTimeout(() => {
          ended = 'done';
          child.kill('SIGTERM');
        }, o.graceMs ?? 300);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 16 * 1024 * 1024) stderr += chunk;
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      clearTimeout(grace);
      reject(new MigrateError(`prisma ${args.join(' ')} could not run: ${err.message}`, tail(stderr), { cause: err }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(grace);
      if (ended === 'timeout') return reject(new MigrateError(`prisma ${args.join(' ')} was killed (timeout) after at most ${timeoutMs} ms`, tail(stderr)));
      if (ended === 'done') return resolve({ stdout, stderr, exitCode: 0 });
      if (code === null) return reject(new MigrateError(`prisma ${args.join(' ')} was killed (${signal ?? 'unknown signal'})`, tail(stderr)));
      resolve({ stdout, stderr, exitCode: code });
    });
  });
}

/**
 * Applies the committed migrations (prisma/migrations) that `connectionString`'s database has
 * not applied yet (`prisma migrate deploy`). A no-op when it is up to date. Throws a
 * MigrateError (with the CLI's stderr) on failure or after `timeoutMs`.
 */
export async function migrateDeploy(connectionString: string, o: { timeoutMs?: number } = {}): Promise<void> {
  const r = await runPrismaCli(['migrate', 'deploy'], connectionString, o.timeoutMs ?? MIGRATE_TIMEOUT_MS_DEFAULT, { doneWhen: MIGRATE_DONE });
  if (r.exitCode !== 0) {
    const stderr = tail(r.stderr);
    throw new MigrateError(`prisma migrate deploy failed (exit ${r.exitCode}): ${lastLines(stderr)}`, stderr);
  }
}

function tail(s: string): string {
  return s.length > OUTPUT_CHARS_MAX ? s.slice(-OUTPUT_CHARS_MAX) : s;
}

function lastLines(s: string): string {
  return s.trim().split('\n').filter((l) => l.trim() !== '').slice(-3).join(' | ');
}
