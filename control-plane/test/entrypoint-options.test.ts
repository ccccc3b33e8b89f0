/**
 * The command lines of the production entrypoints (src/platform/options.ts): main.ts's flags
 * and their environment variables, worker-main.ts's environment, migrate.ts's — defaults,
 * precedence (a flag wins over its variable; an empty variable is unset), and every refusal
 * with a message naming the flag and never echoing a credential. Then the three built
 * entrypoints (control-plane/dist, `npm run build`) exit 2 with that message on bad usage
 * and 0 on --help.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { MAIN_USAGE, type MainOptions, parseMainOptions, parseMigrateOptions, parseWorkerOptions, UsageError } from '../src/platform/options.js';

const CWD = '/srv/konsortium';
const main = (argv: string[], env: Record<string, string> = {}): MainOptions => parseMainOptions(argv, env, CWD);
const K8S = ['--runtime', 'kubernetes', '--public-url', 'http://cp.konsortium.svc:8700'];

function refuses(t: Test, fn: () => unknown, message: RegExp, what: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof UsageError, `${what}: a UsageError`);
  t.equal((err as UsageError | undefined)?.exitCode, 2);
  t.match((err as Error | undefined)?.message, message, what);
}

t.test('main: the defaults are npm start (embedded everything)', async (t) => {
  t.same(main([]), {
    help: false,
    dataDir: '/srv/konsortium/.konsortium',
    host: '127.0.0.1',
    port: 8700,
    nodes: 3,
    runtime: { kind: 'local' },
    worker: true,
    network: true,
    demo: true,
    logLevel: 'info',
  });
  t.equal(main([], { KONSORTIUM_DATA_DIR: '/var/lib/k' }).dataDir, '/var/lib/k');
  t.equal(main(['--data-dir', 'rel']).dataDir, '/srv/konsortium/rel', 'relative to the working directory');
  t.equal(main([]).databaseUrl, undefined, 'no DATABASE_URL: the embedded PostgreSQL');
  t.equal(main([]).redisUrl, undefined, 'no REDIS_URL: redis-server');
  t.equal(main(['--help', '--port', 'x']).help, true, '--help checks nothing else');
});

t.test('main: a deployment (flags and variables)', async (t) => {
  const env = {
    DATABASE_URL: 'postgres://konsortium:s3cret@pg.konsortium.svc:5432/konsortium?sslmode=require',
    REDIS_URL: 'rediss://:pw@redis.konsortium.svc:6380/0',
    KONSORTIUM_RUNTIME: 'kubernetes',
    KONSORTIUM_NAMESPACE: 'ledger',
    KONSORTIUM_NODE_IMAGE: 'ghcr.io/konsortium/ledger-node:0.1.0',
    KONSORTIUM_PUBLIC_URL: 'http://konsortium-control-plane.konsortium.svc:8700/',
    KONSORTIUM_HOST: '0.0.0.0',
    KONSORTIUM_PORT: '8080',
    KONSORTIUM_WORKER: '0',
    LOG_LEVEL: 'warn',
  };
  t.same(main(['--no-network', '--no-demo'], env), {
    help: false,
    dataDir: '/srv/konsortium/.konsortium',
    host: '0.0.0.0',
    port: 8080,
    nodes: 3,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    runtime: { kind: 'kubernetes', namespace: 'ledger', nodeImage: 'ghcr.io/konsortium/ledger-node:0.1.0' },
    worker: false,
    network: false,
    demo: false,
    publicUrl: 'http://konsortium-control-plane.konsortium.svc:8700',
    logLevel: 'warn',
  });
  const flags = main(
    ['--database-url', 'postgresql://a@db/x', '--redis-url', 'redis://r:6379', ...K8S, '--namespace', 'ns2', '--node-image', 'img:2', '--host', '::', '--port', '0', '--log-level', 'debug', '--nodes', '5'],
    env,
  );
  t.match(flags, { databaseUrl: 'postgresql://a@db/x', redisUrl: 'redis://r:6379', runtime: { kind: 'kubernetes', namespace: 'ns2', nodeImage: 'img:2' }, host: '::', port: 0, logLevel: 'debug', nodes: 5, publicUrl: 'http://cp.konsortium.svc:8700' }, 'flags win over variables');
  t.same(main(['--runtime', 'kubernetes', '--public-url', 'https://x'], {}).runtime, { kind: 'kubernetes' }, 'namespace and image default later (the pod\'s namespace, the operator\'s image)');
  t.equal(main([], { DATABASE_URL: '', KONSORTIUM_RUNTIME: '' }).databaseUrl, undefined, 'an empty variable is unset');
  t.same(main([], { KONSORTIUM_RUNTIME: 'local', KONSORTIUM_NAMESPACE: 'x', KONSORTIUM_NODE_IMAGE: 'y' }).runtime, { kind: 'local' }, "the kubernetes runtime's variables are ignored by the local one");
  t.equal(main(['--public-url', 'http://10.0.0.5:8700'], {}).publicUrl, 'http://10.0.0.5:8700', 'a public URL with the local runtime');
  for (const [v, worker] of [['1', true], ['true', true], ['yes', true], ['on', true], ['0', false], ['false', false], ['NO', false], ['off', false]] as const) {
    t.equal(main([], { KONSORTIUM_WORKER: v }).worker, worker, `KONSORTIUM_WORKER=${v}`);
  }
  t.equal(main(['--no-worker'], { KONSORTIUM_WORKER: '1' }).worker, false, '--no-worker wins');
  t.equal(main(['--host', 'api.internal']).host, 'api.internal');
});

t.test('main: bad usage is refused, naming the flag', async (t) => {
  refuses(t, () => main(['--bogus']), /Unknown option '--bogus'/, 'an unknown flag');
  refuses(t, () => main(['extra']), /positional/i, 'a positional argument');
  refuses(t, () => main(['--port']), /--port/, 'a missing value');
  refuses(t, () => main(['--port', '65536']), /^--port must be an integer 0\.\.65535, got "65536"$/, 'port out of range');
  refuses(t, () => main(['--port', '80a']), /--port must be an integer/, 'port not a number');
  refuses(t, () => main([], { KONSORTIUM_PORT: '-1' }), /^KONSORTIUM_PORT must be an integer 0\.\.65535/, 'the variable is named when it is the source');
  refuses(t, () => main(['--nodes', '8']), /--nodes must be an integer 1\.\.7/, 'nodes');
  refuses(t, () => main(['--nodes', '0']), /--nodes must be an integer 1\.\.7/, 'nodes');
  refuses(t, () => main(['--host', 'not a host']), /--host must be an IP address or a host name/, 'host');
  refuses(t, () => main(['--runtime', 'docker']), /^--runtime must be local or kubernetes, got "docker"$/, 'runtime');
  refuses(t, () => main([], { KONSORTIUM_RUNTIME: 'k8s' }), /^KONSORTIUM_RUNTIME must be local or kubernetes/, 'runtime variable');
  refuses(t, () => main(['--namespace', 'ns']), /--namespace applies to --runtime kubernetes only/, 'a kubernetes flag with the local runtime');
  refuses(t, () => main(['--node-image', 'img']), /--node-image applies to --runtime kubernetes only/, 'a kubernetes flag with the local runtime');
  refuses(t, () => main(['--runtime', 'kubernetes']), /needs --public-url/, 'kubernetes without a public URL');
  refuses(t, () => main([...K8S, '--namespace', 'Bad_NS']), /--namespace must be a Kubernetes namespace name/, 'namespace');
  refuses(t, () => main([...K8S, '--node-image', 'a b']), /--node-image must be an image reference/, 'image');
  refuses(t, () => main(['--public-url', 'cp:8700']), /--public-url must be an http:\/\/ or https:\/\/ URL/, 'public URL scheme');
  refuses(t, () => main(['--public-url', 'not a url']), /--public-url must be an http\(s\) URL/, 'public URL');
  refuses(t, () => main(['--public-url', 'http://u:p@cp']), /must not hold credentials/, 'public URL with credentials');
  refuses(t, () => main(['--public-url', 'http://cp/?a=1']), /no query or fragment/, 'public URL with a query');
  refuses(t, () => main(['--log-level', 'loud']), /--log-level must be one of fatal, error/, 'log level');
  refuses(t, () => main([], { KONSORTIUM_WORKER: 'maybe' }), /KONSORTIUM_WORKER must be 1\/true/, 'worker variable');
  refuses(t, () => main(['--no-worker=1']), /--no-worker/, 'a boolean flag takes no value');

  const secret = 's3cr3t-pa55';
  for (const [argv, env, what] of [
    [['--database-url', `mysql://root:${secret}@db/x`], {}, /--database-url must be a postgres:\/\/ or postgresql:\/\/ URL/],
    [[], { DATABASE_URL: `postgres//root:${secret}@db` }, /^DATABASE_URL is not a URL/],
    [[], { REDIS_URL: `http://:${secret}@r:6379` }, /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    [['--redis-url', `${secret}`], {}, /--redis-url is not a URL/],
  ] as const) {
    let message = '';
    try {
      main([...argv], { ...env });
    } catch (e) {
      message = (e as Error).message;
    }
    t.match(message, what);
    t.notOk(message.includes(secret), `the message does not echo the URL (${message})`);
  }
});

t.test('main: the web portal directory', async (t) => {
  t.equal(main([]).portalDir, undefined, 'unset: main.ts serves web-portal/dist of the checkout');
  t.equal(main(['--portal-dir', 'web/dist']).portalDir, '/srv/konsortium/web/dist', 'relative to the working directory');
  t.equal(main([], { KONSORTIUM_PORTAL_DIR: '/opt/portal' }).portalDir, '/opt/portal', 'the variable');
  t.equal(main(['--portal-dir', '/a'], { KONSORTIUM_PORTAL_DIR: '/b' }).portalDir, '/a', 'the flag wins');
  t.equal(main([], { KONSORTIUM_PORTAL_DIR: '' }).portalDir, undefined, 'an empty variable is unset');
  refuses(t, () => main(['--portal-dir']), /--portal-dir/, 'a missing value');
  t.match(MAIN_USAGE, /--portal-dir DIR\s+KONSORTIUM_PORTAL_DIR/, 'in the usage text');
});

t.test('worker: the environment', async (t) => {
  const env = { DATABASE_URL: 'postgres://u:p@db/k', REDIS_URL: 'redis://r:6379', KONSORTIUM_PUBLIC_URL: 'http://cp:8700/', KONSORTIUM_DATA_DIR: '/data' };
  t.same(parseWorkerOptions([], env, CWD), { help: false, dataDir: '/data', databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL, publicUrl: 'http://cp:8700', runtime: { kind: 'local' }, logLevel: 'info' });
  t.same(parseWorkerOptions([], { ...env, KONSORTIUM_RUNTIME: 'kubernetes', KONSORTIUM_NAMESPACE: 'ns', KONSORTIUM_NODE_IMAGE: 'img:1' }, CWD).runtime, { kind: 'kubernetes', namespace: 'ns', nodeImage: 'img:1' });
  t.equal(parseWorkerOptions([], { ...env, KONSORTIUM_DATA_DIR: '' }, CWD).dataDir, '/srv/konsortium/.konsortium');
  t.equal(parseWorkerOptions(['--help'], {}, CWD).help, true);
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'KONSORTIUM_PUBLIC_URL'] as const) {
    refuses(t, () => parseWorkerOptions([], { ...env, [name]: '' }, CWD), new RegExp(`^${name} is required$`), `${name} missing`);
  }
  refuses(t, () => parseWorkerOptions(['--data-dir', 'x'], env, CWD), /Unknown option '--data-dir'/, 'the worker takes no flags');
  refuses(t, () => parseWorkerOptions([], { ...env, KONSORTIUM_RUNTIME: 'nomad' }, CWD), /KONSORTIUM_RUNTIME must be local or kubernetes/, 'runtime');
  refuses(t, () => parseWorkerOptions([], { ...env, KONSORTIUM_PUBLIC_URL: 'ftp://x' }, CWD), /KONSORTIUM_PUBLIC_URL must be an http/, 'public URL');
  refuses(t, () => parseWorkerOptions([], { ...env, LOG_LEVEL: 'chatty' }, CWD), /LOG_LEVEL must be one of/, 'log level');
});

t.test('migrate: the environment and flags', async (t) => {
  t.same(parseMigrateOptions([], { DATABASE_URL: 'postgres://u:p@db/k' }), { help: false, databaseUrl: 'postgres://u:p@db/k', attempts: 60, intervalMs: 2000 }, 'defaults: 60 attempts 2 s apart');
  t.same(parseMigrateOptions(['--attempts', '3', '--interval-ms', '10'], { DATABASE_URL: 'postgres://u:p@db/k', KONSORTIUM_MIGRATE_ATTEMPTS: '9' }), { help: false, databaseUrl: 'postgres://u:p@db/k', attempts: 3, intervalMs: 10 });
  t.equal(parseMigrateOptions([], { DATABASE_URL: 'postgres://u:p@db/k', KONSORTIUM_MIGRATE_ATTEMPTS: '9', KONSORTIUM_MIGRATE_INTERVAL_MS: '0' }).attempts, 9);
  t.equal(parseMigrateOptions(['--database-url', 'postgresql://x/y'], {}).databaseUrl, 'postgresql://x/y');
  refuses(t, () => parseMigrateOptions([], {}), /DATABASE_URL \(or --database-url\) is required/, 'no database');
  refuses(t, () => parseMigrateOptions(['--attempts', '0'], { DATABASE_URL: 'postgres://db/k' }), /--attempts must be an integer 1\.\.10000/, 'attempts');
  refuses(t, () => parseMigrateOptions([], { DATABASE_URL: 'postgres://db/k', KONSORTIUM_MIGRATE_INTERVAL_MS: '1e3' }), /KONSORTIUM_MIGRATE_INTERVAL_MS must be an integer/, 'interval');
});

t.test('the built entrypoints: exit 2 on bad usage, 0 on --help', async (t) => {
  const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
  const run = (file: string, args: string[], env: Record<string, string> = {}) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|REDIS_URL|KONSORTIUM_.*|LOG_LEVEL)$/.test(k)));
    return spawnSync(process.execPath, [path.join(dist, file), ...args], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 30_000 });
  };
  let r = run('main.js', ['--runtime', 'kubernetes']);
  t.equal(r.status, 2, 'main: exit 2');
  t.match(r.stderr, /^konsortium: the node pods cannot reach this API at its listen address: --runtime kubernetes needs --public-url/);
  r = run('main.js', ['--port', 'x']);
  t.equal(r.status, 2);
  t.match(r.stderr, /--port must be an integer 0\.\.65535, got "x"/);
  r = run('main.js', ['--help']);
  t.equal(r.status, 0, 'main --help: exit 0');
  t.match(r.stdout, /--database-url URL\s+DATABASE_URL/);
  r = run('worker-main.js', []);
  t.equal(r.status, 2, 'worker: exit 2');
  t.match(r.stderr, /^konsortium-worker: DATABASE_URL is required/);
  r = run('migrate.js', []);
  t.equal(r.status, 2, 'migrate: exit 2');
  t.match(r.stderr, /^konsortium-migrate: DATABASE_URL \(or --database-url\) is required/);
  r = run('migrate.js', ['--help']);
  t.equal(r.status, 0);
  t.match(r.stdout, /60/);
});
