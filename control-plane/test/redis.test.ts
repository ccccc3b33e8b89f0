/**
 * Redis for BullMQ (src/infra/redis-server.ts): Debian's redis-server on a free loopback port,
 * commands, a BullMQ job round trip, persistence across a restart and a crash (append-only
 * file), a clear error when the binary is missing, and no process left after stop().
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import t, { type Test } from 'tap';
import { redisCommand, RedisServerMissingError, RedisStartError, type RunningRedis, startRedisServer } from '../src/infra/redis-server.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function tmp(t: Test): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'konsortium-redis-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('a throwaway Redis: loopback, no persistence, commands, stop leaves nothing', async (t) => {
  const redis = await startRedisServer({ persistent: false });
  t.teardown(() => redis.stop());
  t.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
  t.equal(redis.url, `redis://127.0.0.1:${redis.port}`);
  t.equal(await redisCommand(redis.port, ['PING']), 'PONG');
  t.equal(await redisCommand(redis.port, ['SET', 'greeting', 'здравствуй']), 'OK');
  t.equal(await redisCommand(redis.port, ['GET', 'greeting']), 'здравствуй', 'UTF-8 round-trips');
  t.equal(await redisCommand(redis.port, ['GET', 'missing']), null);
  t.equal(await redisCommand(redis.port, ['INCR', 'n']), 1);
  t.same(await redisCommand(redis.port, ['CONFIG', 'GET', 'bind']), ['bind', '127.0.0.1'], 'bound to loopback');
  t.same(await redisCommand(redis.port, ['CONFIG', 'GET', 'appendonly']), ['appendonly', 'no']);
  t.same(await redisCommand(redis.port, ['CONFIG', 'GET', 'save']), ['save', ''], 'no snapshots');
  await t.rejects(redisCommand(redis.port, ['NOSUCHCOMMAND']), { code: 'REDIS_ERROR_REPLY' }, 'an error reply rejects');

  const other = await startRedisServer({ persistent: false });
  t.not(other.port, redis.port, 'two servers get two ports');
  await other.stop();

  t.ok(alive(redis.pid), 'the server runs');
  await redis.stop();
  t.notOk(alive(redis.pid), 'stop leaves no process');
  await t.rejects(redisCommand(redis.port, ['PING'], { timeoutMs: 1_000 }), 'and nothing listens on the port');
  await redis.stop();
  t.pass('stop is idempotent');
});

t.test('ioredis and BullMQ: commands, and a queue and a worker run one job', async (t) => {
  const redis = await startRedisServer({ persistent: false });
  // BullMQ 6 in ESM takes client instances (it cannot require() ioredis itself). Clients are
  // closed before the server stops, or they would reconnect forever.
  const clients: Redis[] = [];
  const client = (): Redis => {
    const c = new Redis(redis.url, { maxRetriesPerRequest: null, lazyConnect: false });
    clients.push(c);
    return c;
  };
  const queue = new Queue('provisioning', { connection: client() });
  let worker: Worker | undefined;
  t.teardown(async () => {
    await worker?.close();
    await queue.close();
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await redis.stop();
  });

  const c = client();
  t.equal(await c.ping(), 'PONG', 'PING through ioredis');
  t.equal(await c.set('k', 'v'), 'OK', 'SET');
  t.equal(await c.get('k'), 'v', 'GET');

  const done = new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the job did not complete in 20 s')), 20_000);
    worker = new Worker('provisioning', async (job) => ({ doubled: (job.data as { n: number }).n * 2 }), { connection: client() });
    worker.on('completed', (_job, result) => {
      clearTimeout(timer);
      resolve(result);
    });
    worker.on('failed', (_job, err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  const job = await queue.add('double', { n: 21 });
  t.same(await done, { doubled: 42 }, 'the worker ran the job and returned its result');
  t.equal(await (await queue.getJob(job.id!))?.getState(), 'completed', 'and the job is completed');
});

t.test('a persistent Redis keeps its data across a restart and a crash', async (t) => {
  const dataDir = path.join(await tmp(t), 'redis');
  let redis: RunningRedis = await startRedisServer({ persistent: true, dataDir });
  t.teardown(() => redis.stop());
  t.same(await redisCommand(redis.port, ['CONFIG', 'GET', 'appendonly']), ['appendonly', 'yes']);
  t.same(await redisCommand(redis.port, ['CONFIG', 'GET', 'appendfsync']), ['appendfsync', 'everysec']);
  t.same(await redisCommand(redis.port, ['CONFIG', 'GET', 'dir']), ['dir', dataDir]);
  await redisCommand(redis.port, ['SET', 'tenant:acme', 'onboarded']);
  await redisCommand(redis.port, ['RPUSH', 'jobs', 'a', 'b']);
  await redis.stop();
  t.ok(existsSync(path.join(dataDir, 'appendonlydir')), 'an append-only file is written in dataDir');
  t.ok((await readdir(path.join(dataDir, 'appendonlydir'))).some((f) => f.endsWith('.aof')));

  redis = await startRedisServer({ persistent: true, dataDir });
  t.equal(await redisCommand(redis.port, ['GET', 'tenant:acme']), 'onboarded', 'the data survives a restart');
  t.same(await redisCommand(redis.port, ['LRANGE', 'jobs', '0', '-1']), ['a', 'b']);

  // A crash: appendfsync everysec loses at most about a second of writes.
  await redisCommand(redis.port, ['SET', 'after-restart', 'kept']);
  await new Promise((r) => setTimeout(r, 1_500));
  process.kill(redis.pid, 'SIGKILL'); // the server this test started
  await redis.stop();
  t.notOk(alive(redis.pid), 'the crashed server is gone');
  redis = await startRedisServer({ persistent: true, dataDir });
  t.equal(await redisCommand(redis.port, ['GET', 'after-restart']), 'kept', 'a write a second before a crash survives it');
  await redis.stop();
  t.notOk(alive(redis.pid));
});

t.test('a missing redis-server is a clear error that names the install command', async (t) => {
  const saved = process.env.KONSORTIUM_REDIS_SERVER;
  t.teardown(() => {
    if (saved === undefined) delete process.env.KONSORTIUM_REDIS_SERVER;
    else process.env.KONSORTIUM_REDIS_SERVER = saved;
  });
  process.env.KONSORTIUM_REDIS_SERVER = '/nonexistent/redis-server';
  const err = await startRedisServer({ persistent: false }).then(() => null, (e: unknown) => e);
  t.ok(err instanceof RedisServerMissingError);
  t.equal((err as RedisServerMissingError).code, 'REDIS_SERVER_MISSING');
  t.match((err as Error).message, 'sudo apt-get install -y redis-server');
  t.match((err as Error).message, '/nonexistent/redis-server', 'and the path that was tried');
  delete process.env.KONSORTIUM_REDIS_SERVER;

  await t.rejects(startRedisServer({ persistent: false, env: { PATH: '/nonexistent' } }), { code: 'REDIS_SERVER_MISSING', message: /not found on PATH.*sudo apt-get install -y redis-server/ }, 'nothing on PATH');
});

t.test('start errors', async (t) => {
  await t.rejects(startRedisServer({ persistent: true }), TypeError, 'persistent needs a dataDir');
  const blocker = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  const err = await startRedisServer({ persistent: false, port }).then((r) => r.stop().then(() => null), (e: unknown) => e);
  await new Promise<void>((resolve) => blocker.close(() => resolve()));
  t.ok(err instanceof RedisStartError, 'a taken port fails to start');
  t.equal((err as RedisStartError).code, 'REDIS_START_FAILED');
  t.match((err as RedisStartError).output, /in use/i, 'with the server\'s output');
});
