#!/usr/bin/env node
/**
 * The migration job (`node control-plane/dist/migrate.js`, a Kubernetes Job or a Helm hook):
 * applies the committed Prisma migrations to DATABASE_URL (`prisma migrate deploy`), trying
 * again every 2 s, up to 60 times, while the database cannot be reached yet. Exit 0 when
 * applied (or nothing was pending), 1 with the last error, 2 on bad usage. See MIGRATE_USAGE
 * in platform/options.ts.
 */
import { parseOrExit } from './platform/cli-exit.js';
import { MIGRATE_USAGE, parseMigrateOptions } from './platform/options.js';

function line(s: string): void {
  process.stderr.write(`${new Date().toISOString()} konsortium-migrate: ${s}\n`);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

const o = parseOrExit('konsortium-migrate', () => parseMigrateOptions(process.argv.slice(2), process.env), MIGRATE_USAGE);

// Loaded once the command line is good: usage errors and --help answer at once.
const { migrateWithRetry } = await import('./platform/migrate-retry.js');
const started = Date.now();
try {
  const attempts = await migrateWithRetry({
    databaseUrl: o.databaseUrl,
    attempts: o.attempts,
    intervalMs: o.intervalMs,
    onRetry: (attempt, err) => line(`attempt ${attempt}/${o.attempts}: the database is not reachable yet (${firstLine(err)}); again in ${o.intervalMs} ms`),
  });
  line(`migrations applied (attempt ${attempts}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  process.exit(0);
} catch (err) {
  const stderr = (err as { stderr?: unknown }).stderr;
  line(`failed: ${err instanceof Error ? err.message : String(err)}`);
  if (typeof stderr === 'string' && stderr.trim() !== '') process.stderr.write(`${stderr.trim()}\n`);
  process.exit(1);
}
