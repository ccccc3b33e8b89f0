/**
 * Small helpers of the local node runtime: atomic file writes, free loopback ports, a keyed
 * mutex, the tail of a log file, and a check that a PID still runs a given node.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/** Writes `data` to `file` through a temp file in the same directory and a rename. */
export async function writeFileAtomic(file: string, data: string, mode = 0o644): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // The mode applies at creation: a secret is never readable by others, not even for a moment.
    await writeFile(tmp, data, { mode, flag: 'wx' });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** The parsed JSON of `file`, or undefined when it does not exist. */
export async function readJsonIfExists(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as unknown;
}

const PORT_FLOOR = 10_000;

/** Low end of the kernel's ephemeral port range (32768 if unknown). */
function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const n = Number(low);
    return Number.isInteger(n) && n > PORT_FLOOR + 1000 ? n : 32_768;
  } catch {
    return 32_768;
  }
}

function tryListen(port: number, host: string): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(undefined));
    s.listen({ port, host, exclusive: true }, () => resolve(s));
  });
}

/**
 * `count` distinct ports free on `host` right now and not in `exclude`. They are picked at random
 * below the kernel's ephemeral range, so that a port a stopped node released is not taken as the
 * source port of some outgoing connection before the node binds it again.
 */
export async function freePorts(count: number, host: string, exclude: ReadonlySet<number> = new Set()): Promise<number[]> {
  const high = ephemeralLow();
  const held = new Map<number, net.Server>();
  try {
    for (let attempt = 0; held.size < count && attempt < count * 200 + 200; attempt++) {
      const port = PORT_FLOOR + Math.floor(Math.random() * (high - PORT_FLOOR));
      if (held.has(port) || exclude.has(port)) continue;
      const s = await tryListen(port, host);
      if (s) held.set(port, s);
    }
    if (held.size < count) throw new Error(`found only ${held.size} of ${count} free ports on ${host}`);
    return [...held.keys()];
  } finally {
    await Promise.all([...held.values()].map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

/** `host:port`, with brackets around an IPv6 host. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Splits `host:port` (or `[v6]:port`). */
export function splitHostPort(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const host = addr.slice(0, i);
  return { host: host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host, port: Number(addr.slice(i + 1)) };
}

/** Whether a TCP connection to host:port is accepted within `timeoutMs`. */
export function tcpAccepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** One promise chain per key: `run(key, fn)` runs `fn` after every earlier `fn` of that key. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    const tail = mine.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await mine;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/**
 * The last `lines` non-empty lines of `file` from byte `from` on (at most the last 64 KiB of
 * it), each cut to `maxLine` characters. Empty when the file cannot be read.
 */
export async function tailFile(file: string, from: number, lines: number, maxLine = 400): Promise<string[]> {
  try {
    const fh = await open(file, 'r');
    try {
      const size = (await fh.stat()).size;
      const start = Math.max(from, size - 65_536);
      if (size <= start) return [];
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      return buf
        .toString('utf8')
        .split('\n')
        .map((l) => l.trimEnd())
        .filter((l) => l !== '')
        .slice(-lines)
        .map((l) => (l.length > maxLine ? `${l.slice(0, maxLine)}…` : l));
    } finally {
      await fh.close();
    }
  } catch {
    return [];
  }
}

/** Whether a process with this PID exists (signal 0). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether PID `pid` runs a command line containing every one of `needles` (Linux /proc).
 * False when it cannot be told: a PID is never signalled on a guess, since it may have been
 * reused by an unrelated process.
 */
export function pidRuns(pid: number, needles: readonly string[]): boolean {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return false;
  }
  return needles.every((n) => cmdline.includes(n));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** JSON with object keys sorted, so equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  });
}
