/**
 * A real Redis for BullMQ, for `npm start` and for tests: Debian's `redis-server` (no npm
 * package ships a Redis server that installs offline; /work/shared/RECIPES.md, "Redis"),
 * started on 127.0.0.1 on a free port.
 *
 * - Not persistent (tests): `--save "" --appendonly no`, nothing is written to disk.
 * - Persistent (`npm start`): `--dir <dataDir> --appendonly yes --appendfsync everysec`, so the
 *   queue survives a restart (at most about a second of writes is lost on a crash).
 *
 * The binary is `redis-server` on PATH, or the file named by KONSORTIUM_REDIS_SERVER. When there
 * is none, RedisServerMissingError (REDIS_SERVER_MISSING) names the install command.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { freePort } from './ports.js';

export const REDIS_INSTALL_COMMAND = 'sudo apt-get install -y redis-server';

export interface RedisServerOptions {
  /** Keep the data on disk across restarts (append-only file in `dataDir`). */
  readonly persistent: boolean;
  /** Required when persistent; otherwise only the working directory of the server. */
  readonly dataDir?: string;
  /** Default: a free loopback port. */
  readonly port?: number;
  /** How long to wait for the first PONG. Default 10 s. */
  readonly startTimeoutMs?: number;
  /** The server's own log lines (stdout and stderr). */
  readonly onLog?: (line: string) => void;
  /** Default process.env: where KONSORTIUM_REDIS_SERVER and PATH are read. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunningRedis {
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** The server's process id. */
  readonly pid: number;
  /** Asks the server to shut down, then SIGTERM, then SIGKILL; resolves once the process is gone (bounded, idempotent). */
  stop(): Promise<void>;
}

export class RedisServerMissingError extends Error {
  readonly code = 'REDIS_SERVER_MISSING';
  override readonly name = 'RedisServerMissingError';
}

export class RedisStartError extends Error {
  readonly code = 'REDIS_START_FAILED';
  override readonly name = 'RedisStartError';
  constructor(
    message: string,
    /** The server's last output lines. */
    readonly output: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A Redis error reply (`-ERR …`) from redisCommand. */
export class RedisReplyError extends Error {
  readonly code = 'REDIS_ERROR_REPLY';
  override readonly name = 'RedisReplyError';
}

const START_TIMEOUT_MS_DEFAULT = 10_000;
const PING_INTERVAL_MS = 50;
const SHUTDOWN_WAIT_MS = 5_000;
const TERM_WAIT_MS = 3_000;
const OUTPUT_LINES_MAX = 40;
const PORT_ATTEMPTS = 3;

/** The redis-server binary: KONSORTIUM_REDIS_SERVER if set, else `redis-server` on PATH. Throws RedisServerMissingError. */
export function findRedisServer(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.KONSORTIUM_REDIS_SERVER;
  if (override !== undefined && override !== '') {
    if (isExecutable(override)) return path.resolve(override);
    throw new RedisServerMissingError(`KONSORTIUM_REDIS_SERVER=${override} is not an executable file; unset it to use redis-server from PATH, or install Redis with: ${REDIS_INSTALL_COMMAND}`);
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'redis-server');
    if (isExecutable(candidate)) return candidate;
  }
  throw new RedisServerMissingError(`redis-server is not installed (not found on PATH); install it with: ${REDIS_INSTALL_COMMAND}`);
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}


export async function startRedisServer(o: RedisServerOptions): Promise<RunningRedis> {
  const bin = findRedisServer(o.env ?? process.env);
  if (o.persistent && (o.dataDir === undefined || o.dataDir === '')) throw new TypeError('a persistent Redis needs a dataDir');
  const dataDir = o.dataDir === undefined ? undefined : path.resolve(o.dataDir);
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  // A free port can be taken between our probe and the server's bind: draw again then.
  let lastError: unknown;
  for (let attempt = 0; attempt < (o.port === undefined ? PORT_ATTEMPTS : 1); attempt++) {
    const port = o.port ?? (await freePort());
    try {
      return await startOn(bin, port, dataDir, o);
    } catch (err) {
      lastError = err;
      if (!(err instanceof RedisStartError) || !/address already in use/i.test(err.output)) throw err;
    }
  }
  throw lastError;
}

async function startOn(bin: string, port: number, dataDir: string | undefined, o: RedisServerOptions): Promise<RunningRedis> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--daemonize', 'no'];
  if (o.persistent) args.push('--dir', dataDir!, '--appendonly', 'yes', '--appendfsync', 'everysec');
  else args.push('--save', '', '--appendonly', 'no');
  if (!o.persistent && dataDir !== undefined) args.push('--dir', dataDir);

  const output: string[] = [];
  const onLine = (line: string) => {
    output.push(line);
    if (output.length > OUTPUT_LINES_MAX) output.shift();
    o.onLog?.(line);
  };
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dataDir, env: o.env ?? process.env });
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (l.trim() !== '') onLine(l);
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
  });
  let gone = false;
  void exited.then(() => (gone = true));

  const deadline = Date.now() + (o.startTimeoutMs ?? START_TIMEOUT_MS_DEFAULT);
  for (;;) {
    if (gone) {
      const r = await exited;
      if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw new RedisServerMissingError(`${bin} could not be run; install Redis with: ${REDIS_INSTALL_COMMAND}`, { cause: r.error });
      throw new RedisStartError(`redis-server exited before it answered on 127.0.0.1:${port} (${r.error?.message ?? `code ${r.code}, signal ${r.signal}`}): ${output.slice(-3).join(' | ')}`, output.join('\n'));
    }
    try {
      if ((await redisCommand(port, ['PING'], { timeoutMs: 1_000 })) === 'PONG') break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await kill(child, exited);
      throw new RedisStartError(`redis-server did not answer PING on 127.0.0.1:${port} within ${o.startTimeoutMs ?? START_TIMEOUT_MS_DEFAULT} ms`, output.join('\n'));
    }
    await new Promise((r) => setTimeout(r, PING_INTERVAL_MS));
  }

  let stopping: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    stop() {
      stopping ??= (async () => {
        if (gone) return;
        // SHUTDOWN flushes the append-only file; NOSAVE skips an RDB snapshot nobody asked for.
        await redisCommand(port, o.persistent ? ['SHUTDOWN'] : ['SHUTDOWN', 'NOSAVE'], { timeoutMs: 2_000 }).catch(() => undefined);
        if (await exitsWithin(exited, SHUTDOWN_WAIT_MS)) return;
        await kill(child, exited);
      })();
      return stopping;
    },
  };
}

async function exitsWithin(exited: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([exited.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** SIGTERM, then SIGKILL; by the child's own PID only. */
async function kill(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (await exitsWithin(exited, TERM_WAIT_MS)) return;
  child.kill('SIGKILL');
  await exitsWithin(exited, TERM_WAIT_MS);
}

/** A decoded RESP reply: simple and bulk strings, integers, null, arrays. */
export type RedisReply = string | number | null | RedisReply[];

/**
 * Sends one command to the Redis on 127.0.0.1:`port` over a fresh connection and returns its
 * reply; an error reply rejects with RedisReplyError. For health checks and administration
 * (PING, SHUTDOWN, INFO), not for traffic: BullMQ brings its own client.
 */
export function redisCommand(port: number, args: readonly string[], o: { timeoutMs?: number; host?: string } = {}): Promise<RedisReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: o.host ?? '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (err: Error | null, value?: RedisReply) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err === null) resolve(value ?? null);
      else reject(err);
    };
    socket.setTimeout(o.timeoutMs ?? 5_000, () => finish(new Error(`redis ${args[0] ?? ''}: no reply within ${o.timeoutMs ?? 5_000} ms`)));
    socket.once('error', (e) => finish(e));
    socket.once('close', () => finish(new Error(`redis ${args[0] ?? ''}: connection closed without a reply`)));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        const r = parseReply(buf, 0);
        if (r === undefined) return; // incomplete
        if (r.value instanceof RedisReplyError) finish(r.value);
        else finish(null, r.value);
      } catch (e) {
        finish(e as Error);
      }
    });
    socket.write(encodeCommand(args));
  });
}

function encodeCommand(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.from(a, 'utf8');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

type Parsed = { value: RedisReply | RedisReplyError; next: number };

/** One RESP2 value at `at`, or undefined when the buffer does not hold all of it yet. */
function parseReply(buf: Buffer, at: number): Parsed | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const line = buf.toString('utf8', at + 1, eol);
  const next = eol + 2;
  switch (String.fromCharCode(buf[at]!)) {
    case '+':
      return { value: line, next };
    case '-':
      return { value: new RedisReplyError(line), next };
    case ':':
      return { value: Number(line), next };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, next };
      if (buf.length < next + n + 2) return undefined;
      return { value: buf.toString('utf8', next, next + n), next: next + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, next };
      const items: RedisReply[] = [];
      let pos = next;
      for (let i = 0; i < n; i++) {
        const item = parseReply(buf, pos);
        if (item === undefined) return undefined;
        if (item.value instanceof RedisReplyError) return item;
        items.push(item.value);
        pos = item.next;
      }
      return { value: items, next: pos };
    }
    default:
      throw new Error(`not a RESP reply: ${JSON.stringify(line.slice(0, 40))}`);
  }
}
