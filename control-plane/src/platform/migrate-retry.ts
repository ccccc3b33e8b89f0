/**
 * `prisma migrate deploy` for a deployment's migration job, which may start before its
 * PostgreSQL accepts connections: tried up to `attempts` times, `intervalMs` apart, while the
 * database cannot be reached (or is still starting, or its database is not created yet). Any
 * other failure (a migration that fails, bad credentials) is final at once.
 */
import { migrateDeploy } from '../db/prisma.js';

/** What the Prisma CLI (and PostgreSQL) say while the database is not reachable yet. */
const UNREACHABLE = [
  /Can't reach database server/i,
  /the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)/i,
  /Database `[^`]*` does not exist/i,
  /Server has closed the connection/i,
  /Timed out (fetching a new connection|trying to acquire)/i,
  /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/,
  /\bP10(01|02|03|17)\b/,
];

/** True when `err` says the database is not reachable (yet): worth trying again. */
export function isDatabaseUnreachable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { message?: unknown; stderr?: unknown };
  const text = `${typeof e.message === 'string' ? e.message : ''}\n${typeof e.stderr === 'string' ? e.stderr : ''}`;
  return UNREACHABLE.some((re) => re.test(text));
}

export interface MigrateRetryOptions {
  readonly databaseUrl: string;
  /** At least 1. */
  readonly attempts: number;
  readonly intervalMs: number;
  /** Called after a failed attempt that will be retried (attempt counts from 1). */
  readonly onRetry?: (attempt: number, err: unknown) => void;
  /** Tests: the migration and the pause. */
  readonly migrate?: (databaseUrl: string) => Promise<void>;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Resolves with the number of attempts it took; rejects with the last error. */
export async function migrateWithRetry(o: MigrateRetryOptions): Promise<number> {
  if (!Number.isInteger(o.attempts) || o.attempts < 1) throw new RangeError(`attempts must be a positive integer, got ${o.attempts}`);
  const migrate = o.migrate ?? ((url: string) => migrateDeploy(url));
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      await migrate(o.databaseUrl);
      return attempt;
    } catch (err) {
      if (attempt >= o.attempts || !isDatabaseUnreachable(err)) throw err;
      o.onRetry?.(attempt, err);
      await sleep(o.intervalMs);
    }
  }
}
