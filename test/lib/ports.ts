/**
 * Free TCP ports on 127.0.0.1, chosen at run time.
 *
 * Ports are picked at random BELOW the kernel's ephemeral range and test-bound before being
 * handed out. Staying out of the ephemeral range matters for restarts: a port released by a
 * killed member cannot then be taken as the source port of some outgoing connection (the load
 * generator opens dozens), so the member can bind it again.
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';

export const LOOPBACK = '127.0.0.1';

const FLOOR = 10_000;

/** Low end of the kernel's ephemeral port range (32768 if unknown). */
function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const n = Number(low);
    return Number.isInteger(n) && n > FLOOR + 1000 ? n : 32_768;
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
 * `count` distinct free ports on `host`. All are held open together while choosing (so they are
 * distinct and really free at that moment), then released for the caller to bind.
 */
export async function freePorts(count: number, host: string = LOOPBACK): Promise<number[]> {
  if (!Number.isInteger(count) || count < 0 || count > 1000) throw new RangeError(`freePorts: bad count ${count}`);
  const high = ephemeralLow();
  const held = new Map<number, net.Server>();
  try {
    for (let attempt = 0; held.size < count && attempt < count * 100 + 100; attempt++) {
      const port = FLOOR + Math.floor(Math.random() * (high - FLOOR));
      if (held.has(port)) continue;
      const s = await tryListen(port, host);
      if (s) held.set(port, s);
    }
    if (held.size < count) throw new Error(`freePorts: found only ${held.size} of ${count} free ports on ${host}`);
    return [...held.keys()];
  } finally {
    await Promise.all([...held.values()].map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

export async function freePort(host: string = LOOPBACK): Promise<number> {
  const [p] = await freePorts(1, host);
  return p!;
}
