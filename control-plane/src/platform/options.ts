/**
 * The command lines of the control plane's processes, as pure functions of (argv, env): the
 * API (`main.ts`, `npm start`), the provisioning worker (`worker-main.ts`) and the migration
 * job (`migrate.ts`). The Helm chart runs these; a bad flag or variable is a `UsageError`
 * (exit code 2) whose message names it. Values that carry credentials (database and Redis
 * URLs) are never echoed in a message.
 *
 * An empty environment variable counts as unset. A flag wins over its variable.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';

export type Env = Readonly<Record<string, string | undefined>>;

/** Bad usage: the process prints the message (and the usage) and exits with `exitCode`. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type RuntimeOption =
  | { readonly kind: 'local' }
  /** namespace: unset = the pod's own namespace (service account), else the kubeconfig context's, else `default`. */
  | { readonly kind: 'kubernetes'; readonly namespace?: string; readonly nodeImage?: string };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface MainOptions {
  /** `--help`: print the usage and exit 0 (nothing else is checked). */
  readonly help: boolean;
  /** Absolute. */
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** Genesis nodes of the network created on first start. */
  readonly nodes: number;
  /** External PostgreSQL; unset: the embedded one in the data directory. */
  readonly databaseUrl?: string;
  /** External Redis; unset: redis-server with its data in the data directory. */
  readonly redisUrl?: string;
  readonly runtime: RuntimeOption;
  /** Run the provisioning worker in this process. */
  readonly worker: boolean;
  /** Create the network on first start (an existing one is resumed either way). */
  readonly network: boolean;
  /** Create the demo tenant on first start. */
  readonly demo: boolean;
  /** The URL the nodes reach this API at (its JWKS); unset: the listen URL. No trailing '/'. */
  readonly publicUrl?: string;
  /** The web portal's build to serve at `/` (absolute); unset: web-portal/dist beside the build (main.ts). */
  readonly portalDir?: string;
  readonly logLevel: LogLevel;
}

export const DEFAULT_DATA_DIR = '.konsortium';
export const DEFAULT_PORT = 8700;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_NODES = 3;

export const MAIN_USAGE = `Usage: konsortium-control-plane [flags]   (npm start)

The control-plane API. With no flags: embedded PostgreSQL and redis-server in the data
directory, local node processes, a ${DEFAULT_NODES}-node network and a demo tenant, on ${DEFAULT_HOST}:${DEFAULT_PORT}.

  --data-dir DIR        KONSORTIUM_DATA_DIR     where everything persists (default ./${DEFAULT_DATA_DIR})
  --host HOST           KONSORTIUM_HOST         listen address (default ${DEFAULT_HOST}; 0.0.0.0 in a pod)
  --port N              KONSORTIUM_PORT         listen port, 0..65535 (default ${DEFAULT_PORT}; 0: a free one)
  --public-url URL      KONSORTIUM_PUBLIC_URL   the URL nodes reach this API at (its JWKS);
                                                default the listen URL; required with kubernetes
  --database-url URL    DATABASE_URL            external PostgreSQL (postgres://…): no embedded one
  --redis-url URL       REDIS_URL               external Redis (redis:// or rediss://): no redis-server
  --runtime KIND        KONSORTIUM_RUNTIME      local (default) or kubernetes (LedgerNode resources,
                                                from the in-cluster config or KUBECONFIG)
  --namespace NS        KONSORTIUM_NAMESPACE    kubernetes: the nodes' namespace (default the pod's own)
  --node-image IMAGE    KONSORTIUM_NODE_IMAGE   kubernetes: the ledger node image (default the operator's)
  --nodes N             KONSORTIUM_NODES        genesis nodes of the network made on first start, 1..7 (default ${DEFAULT_NODES})
  --no-worker           KONSORTIUM_WORKER=0     no provisioning worker in this process (run worker-main)
  --no-network                                  create no network on first start (an existing one is resumed)
  --no-demo                                     no demo tenant
  --portal-dir DIR      KONSORTIUM_PORTAL_DIR   the web portal's build, served at / (default web-portal/dist;
                                                without a build the API runs alone: npm run build builds it)
  --log-level LEVEL     LOG_LEVEL               ${LOG_LEVELS.join(', ')} (default info)
  --help

The master key: KONSORTIUM_MASTER_KEY or KONSORTIUM_MASTER_KEY_FILE, else a generated
master.key in the data directory. Exit codes: 0 stopped cleanly, 1 failed, 2 bad usage.
`;

const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;

type Values = Readonly<Record<string, string | boolean | undefined>>;

function parse(argv: readonly string[], options: Record<string, { type: 'string' | 'boolean' }>): Values {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    // Node's messages name the flag ("Unknown option '--x'", "Option '--port <value>' argument missing").
    throw new UsageError((err as Error).message);
  }
}

/** A string flag's value (parseArgs checked the type). */
function s(v: Values, name: string): string | undefined {
  const x = v[name];
  return typeof x === 'string' ? x : undefined;
}

/** The flag's value, else the variable's (empty = unset), with where it came from for messages. */
function pick(flag: string | undefined, flagName: string, env: Env, varName?: string): { value: string; from: string } | undefined {
  if (flag !== undefined) return { value: flag, from: `--${flagName}` };
  const v = varName === undefined ? undefined : env[varName];
  if (v !== undefined && v !== '') return { value: v, from: varName! };
  return undefined;
}

function intIn(v: { value: string; from: string } | undefined, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^[0-9]{1,6}$/.test(v.value) || Number(v.value) < min || Number(v.value) > max) {
    throw new UsageError(`${v.from} must be an integer ${min}..${max}, got ${JSON.stringify(v.value)}`);
  }
  return Number(v.value);
}

function boolEnv(env: Env, name: string, dflt: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new UsageError(`${name} must be 1/true/yes/on or 0/false/no/off, got ${JSON.stringify(v)}`);
}

function dataDirOf(v: { value: string; from: string } | undefined, cwd: string): string {
  const dir = v?.value ?? DEFAULT_DATA_DIR;
  if (dir.includes('\0')) throw new UsageError(`${v?.from ?? '--data-dir'} is not a path`);
  return path.resolve(cwd, dir);
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function hostOf(v: { value: string; from: string } | undefined): string {
  if (v === undefined) return DEFAULT_HOST;
  if (isIP(v.value) === 0 && !HOSTNAME.test(v.value)) throw new UsageError(`${v.from} must be an IP address or a host name, got ${JSON.stringify(v.value)}`);
  return v.value;
}

/** A URL whose text may hold a password: checked, never echoed. */
function secretUrl(v: { value: string; from: string } | undefined, protocols: readonly string[], example: string): string | undefined {
  if (v === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(v.value);
  } catch {
    throw new UsageError(`${v.from} is not a URL (expected ${example}; the value is not shown: it may hold a password)`);
  }
  if (!protocols.includes(u.protocol)) throw new UsageError(`${v.from} must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL (expected ${example}), got a ${u.protocol}// one`);
  if (u.hostname === '') throw new UsageError(`${v.from} names no host (expected ${example})`);
  return v.value;
}

/** An http(s) URL without credentials, query or fragment; returned without a trailing '/'. */
export function checkPublicUrl(v: { value: string; from: string } | undefined): string | undefined {
  if (v === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(v.value);
  } catch {
    throw new UsageError(`${v.from} must be an http(s) URL such as http://konsortium-api.konsortium.svc:8700, got ${JSON.stringify(v.value)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`${v.from} must be an http:// or https:// URL, got ${JSON.stringify(v.value)}`);
  if (u.username !== '' || u.password !== '') throw new UsageError(`${v.from} must not hold credentials`);
  if (u.search !== '' || u.hash !== '') throw new UsageError(`${v.from} must have no query or fragment, got ${JSON.stringify(v.value)}`);
  return v.value.replace(/\/+$/, '');
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** --runtime and the kubernetes settings. Kubernetes flags with the local runtime are refused; their variables are ignored. */
function runtimeOf(values: Values, env: Env): RuntimeOption {
  const kind = pick(s(values, 'runtime'), 'runtime', env, 'KONSORTIUM_RUNTIME');
  if (kind !== undefined && kind.value !== 'local' && kind.value !== 'kubernetes') throw new UsageError(`${kind.from} must be local or kubernetes, got ${JSON.stringify(kind.value)}`);
  if ((kind?.value ?? 'local') === 'local') {
    for (const f of ['namespace', 'node-image'] as const) {
      if (s(values, f) !== undefined) throw new UsageError(`--${f} applies to --runtime kubernetes only`);
    }
    return { kind: 'local' };
  }
  const ns = pick(s(values, 'namespace'), 'namespace', env, 'KONSORTIUM_NAMESPACE');
  if (ns !== undefined && !DNS_LABEL.test(ns.value)) throw new UsageError(`${ns.from} must be a Kubernetes namespace name (a DNS-1123 label), got ${JSON.stringify(ns.value)}`);
  const image = pick(s(values, 'node-image'), 'node-image', env, 'KONSORTIUM_NODE_IMAGE');
  if (image !== undefined && (image.value.length > 512 || /\s/.test(image.value))) throw new UsageError(`${image.from} must be an image reference (at most 512 characters, no spaces), got ${JSON.stringify(image.value)}`);
  return { kind: 'kubernetes', ...(ns ? { namespace: ns.value } : {}), ...(image ? { nodeImage: image.value } : {}) };
}

function logLevelOf(v: { value: string; from: string } | undefined): LogLevel {
  if (v === undefined) return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(v.value)) throw new UsageError(`${v.from} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(v.value)}`);
  return v.value as LogLevel;
}

const KUBERNETES_NEEDS_PUBLIC_URL = 'the node pods cannot reach this API at its listen address: --runtime kubernetes needs --public-url (or KONSORTIUM_PUBLIC_URL), e.g. http://konsortium-control-plane.konsortium.svc:8700';

/** `main.ts`'s flags and environment (see MAIN_USAGE). */
export function parseMainOptions(argv: readonly string[], env: Env, cwd: string = process.cwd()): MainOptions {
  const v = parse(argv, {
    'data-dir': str,
    host: str,
    port: str,
    'public-url': str,
    'database-url': str,
    'redis-url': str,
    runtime: str,
    namespace: str,
    'node-image': str,
    nodes: str,
    'no-worker': bool,
    'no-network': bool,
    'no-demo': bool,
    'log-level': str,
    'portal-dir': str,
    help: bool,
  });
  const help = v.help === true;
  if (help) return { help, dataDir: dataDirOf(undefined, cwd), host: DEFAULT_HOST, port: DEFAULT_PORT, nodes: DEFAULT_NODES, runtime: { kind: 'local' }, worker: true, network: true, demo: true, logLevel: 'info' };
  const runtime = runtimeOf(v, env);
  const publicUrl = checkPublicUrl(pick(s(v, 'public-url'), 'public-url', env, 'KONSORTIUM_PUBLIC_URL'));
  if (runtime.kind === 'kubernetes' && publicUrl === undefined) throw new UsageError(KUBERNETES_NEEDS_PUBLIC_URL);
  const databaseUrl = secretUrl(pick(s(v, 'database-url'), 'database-url', env, 'DATABASE_URL'), ['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/database');
  const redisUrl = secretUrl(pick(s(v, 'redis-url'), 'redis-url', env, 'REDIS_URL'), ['redis:', 'rediss:'], 'redis://host:6379');
  const portal = pick(s(v, 'portal-dir'), 'portal-dir', env, 'KONSORTIUM_PORTAL_DIR');
  if (portal !== undefined && portal.value.includes('\0')) throw new UsageError(`${portal.from} is not a path`);
  return {
    help,
    dataDir: dataDirOf(pick(s(v, 'data-dir'), 'data-dir', env, 'KONSORTIUM_DATA_DIR'), cwd),
    host: hostOf(pick(s(v, 'host'), 'host', env, 'KONSORTIUM_HOST')),
    port: intIn(pick(s(v, 'port'), 'port', env, 'KONSORTIUM_PORT'), 0, 65535, DEFAULT_PORT),
    nodes: intIn(pick(s(v, 'nodes'), 'nodes', env, 'KONSORTIUM_NODES'), 1, 7, DEFAULT_NODES),
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    ...(redisUrl === undefined ? {} : { redisUrl }),
    runtime,
    worker: v['no-worker'] === true ? false : boolEnv(env, 'KONSORTIUM_WORKER', true),
    network: v['no-network'] !== true,
    demo: v['no-demo'] !== true,
    ...(publicUrl === undefined ? {} : { publicUrl }),
    ...(portal === undefined ? {} : { portalDir: path.resolve(cwd, portal.value) }),
    logLevel: logLevelOf(pick(s(v, 'log-level'), 'log-level', env, 'LOG_LEVEL')),
  };
}

export interface WorkerOptions {
  readonly help: boolean;
  readonly dataDir: string;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /** The API's URL as the nodes reach it (its JWKS). */
  readonly publicUrl: string;
  readonly runtime: RuntimeOption;
  readonly logLevel: LogLevel;
}

export const WORKER_USAGE = `Usage: konsortium-worker   (node control-plane/dist/worker-main.js)

A provisioning worker: takes jobs from the API's queue. Configured by the environment:

  DATABASE_URL            the API's PostgreSQL (required)
  REDIS_URL               the API's Redis (required)
  KONSORTIUM_PUBLIC_URL   the URL the nodes reach the API at (its JWKS) (required)
  KONSORTIUM_DATA_DIR     the API's data directory: jwt-signing-key.sealed (and master.key) (default ./${DEFAULT_DATA_DIR})
  KONSORTIUM_RUNTIME      local (default) or kubernetes
  KONSORTIUM_NAMESPACE    kubernetes: the nodes' namespace (default the pod's own)
  KONSORTIUM_NODE_IMAGE   kubernetes: the ledger node image (default the operator's)
  KONSORTIUM_MASTER_KEY or KONSORTIUM_MASTER_KEY_FILE   the master key (else master.key in the data directory)
  LOG_LEVEL               ${LOG_LEVELS.join(', ')} (default info)

SIGTERM or SIGINT: stops taking jobs, finishes those in flight, exits 0. Exit codes: 1 failed, 2 bad usage.
`;

/** `worker-main.ts`'s environment (it takes no flags but --help). */
export function parseWorkerOptions(argv: readonly string[], env: Env, cwd: string = process.cwd()): WorkerOptions {
  const v = parse(argv, { help: bool });
  const dataDir = dataDirOf(pick(undefined, 'data-dir', env, 'KONSORTIUM_DATA_DIR'), cwd);
  if (v.help === true) return { help: true, dataDir, databaseUrl: '', redisUrl: '', publicUrl: '', runtime: { kind: 'local' }, logLevel: 'info' };
  const required = (name: string): { value: string; from: string } => {
    const p = pick(undefined, name, env, name);
    if (p === undefined) throw new UsageError(`${name} is required`);
    return p;
  };
  return {
    help: false,
    dataDir,
    databaseUrl: secretUrl(required('DATABASE_URL'), ['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/database')!,
    redisUrl: secretUrl(required('REDIS_URL'), ['redis:', 'rediss:'], 'redis://host:6379')!,
    publicUrl: checkPublicUrl(required('KONSORTIUM_PUBLIC_URL'))!,
    runtime: runtimeOf({}, env),
    logLevel: logLevelOf(pick(undefined, 'log-level', env, 'LOG_LEVEL')),
  };
}

export interface MigrateOptions {
  readonly help: boolean;
  readonly databaseUrl: string;
  /** How many times `migrate deploy` is tried while the database cannot be reached. */
  readonly attempts: number;
  /** The pause between attempts. */
  readonly intervalMs: number;
}

export const DEFAULT_MIGRATE_ATTEMPTS = 60;
export const DEFAULT_MIGRATE_INTERVAL_MS = 2000;

export const MIGRATE_USAGE = `Usage: konsortium-migrate [--database-url URL]   (node control-plane/dist/migrate.js)

Applies the control plane's Prisma migrations to DATABASE_URL, retrying while the database
cannot be reached yet (it may start after this job).

  --database-url URL    DATABASE_URL                  postgres://… (required)
  --attempts N          KONSORTIUM_MIGRATE_ATTEMPTS   1..10000 (default ${DEFAULT_MIGRATE_ATTEMPTS})
  --interval-ms MS      KONSORTIUM_MIGRATE_INTERVAL_MS  pause between attempts, 0..600000 (default ${DEFAULT_MIGRATE_INTERVAL_MS})

Exit codes: 0 applied (or nothing to apply), 1 failed (the last error is printed), 2 bad usage.
`;

/** `migrate.ts`'s flags and environment. */
export function parseMigrateOptions(argv: readonly string[], env: Env): MigrateOptions {
  const v = parse(argv, { 'database-url': str, attempts: str, 'interval-ms': str, help: bool });
  if (v.help === true) return { help: true, databaseUrl: '', attempts: DEFAULT_MIGRATE_ATTEMPTS, intervalMs: DEFAULT_MIGRATE_INTERVAL_MS };
  const url = pick(s(v, 'database-url'), 'database-url', env, 'DATABASE_URL');
  if (url === undefined) throw new UsageError('DATABASE_URL (or --database-url) is required');
  return {
    help: false,
    databaseUrl: secretUrl(url, ['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/database')!,
    attempts: intIn(pick(s(v, 'attempts'), 'attempts', env, 'KONSORTIUM_MIGRATE_ATTEMPTS'), 1, 10_000, DEFAULT_MIGRATE_ATTEMPTS),
    intervalMs: intIn(pick(s(v, 'interval-ms'), 'interval-ms', env, 'KONSORTIUM_MIGRATE_INTERVAL_MS'), 0, 600_000, DEFAULT_MIGRATE_INTERVAL_MS),
  };
}
