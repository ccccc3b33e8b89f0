/**
 * Small helpers for tests and benchmarks that run real processes: spawn with output to a log
 * file, stop/kill by PID (only processes started here, never by name), temp dirs that are
 * removed on exit, bounded polling, and a one-shot JSON-over-HTTP call for control requests.
 *
 * Every process spawned through `spawnManaged` is remembered until it exits; on process exit
 * (and, once `installSignalCleanup` ran, on SIGINT/SIGTERM/SIGHUP) the survivors get SIGKILL by
 * PID and registered temp dirs are removed, so an interrupted run leaves nothing behind.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** Label for messages, e.g. "etcd m1". */
  name: string;
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended to this file (not piped through this process). */
  logFile?: string;
}

const live = new Set<ManagedProcess>();
const tempDirs = new Set<string>();
let exitHookInstalled = false;
let signalHookInstalled = false;

/** Synchronously SIGKILL every still-running process started by `spawnManaged` (by PID). */
export function killAllSync(): void {
  for (const p of live) p.signal('SIGKILL');
}

function removeTempDirsSync(): void {
  for (const d of tempDirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      // best effort at exit
    }
  }
  tempDirs.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    killAllSync();
    removeTempDirsSync();
  });
}

/**
 * On SIGINT/SIGTERM/SIGHUP: kill our children by PID, remove registered temp dirs, exit 128+n.
 * Idempotent. Cluster launchers call it so that ^C or a test-runner timeout leaves no orphans.
 */
export function installSignalCleanup(): void {
  installExitHook();
  if (signalHookInstalled) return;
  signalHookInstalled = true;
  const codes: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
  for (const [sig, n] of Object.entries(codes) as [NodeJS.Signals, number][]) {
    process.once(sig, () => {
      process.stderr.write(`\n${sig}: killing ${live.size} child process(es) and cleaning up\n`);
      const dying = [...live].map((p) => p.exited);
      killAllSync();
      // Reap them (bounded) before removing their dirs, so nothing is still writing there.
      const bye = (): never => {
        removeTempDirsSync();
        process.exit(128 + n);
      };
      setTimeout(bye, 2000).unref();
      void Promise.all(dying).then(bye);
    });
  }
}

/** A child process we started; signals go to its PID only while it is known to be running. */
export class ManagedProcess {
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private readonly ring: string[] = [];

  private constructor(
    readonly name: string,
    private readonly child: ReturnType<typeof spawn>,
    readonly logFile: string | undefined,
  ) {
    this.pid = child.pid!;
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this);
        resolve(this.exitInfo);
      });
    });
    const keep = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        this.ring.push(line);
        if (this.ring.length > 200) this.ring.shift();
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /** Spawns and resolves once the OS reports the process started (rejects on e.g. ENOENT). */
  static start(opts: SpawnOptions): Promise<ManagedProcess> {
    installExitHook();
    let fd: number | undefined;
    if (opts.logFile !== undefined) fd = openSync(opts.logFile, 'a');
    try {
      const child = spawn(opts.command, [...opts.args], {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: ['ignore', fd ?? 'pipe', fd ?? 'pipe'],
      });
      return new Promise<ManagedProcess>((resolve, reject) => {
        child.once('error', (err) => reject(new Error(`${opts.name}: failed to spawn ${opts.command}: ${err.message}`)));
        child.once('spawn', () => {
          const p = new ManagedProcess(opts.name, child, opts.logFile);
          live.add(p);
          resolve(p);
        });
      });
    } finally {
      if (fd !== undefined) closeSync(fd); // the child holds its own copy
    }
  }

  get running(): boolean {
    return this.exitInfo === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get exitStatus(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** Sends `sig` to this PID if it is still running; false if it had already exited. */
  signal(sig: NodeJS.Signals): boolean {
    if (!this.running) return false;
    try {
      return this.child.kill(sig);
    } catch {
      return false;
    }
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<ExitInfo> {
    this.signal('SIGKILL');
    return this.exited;
  }

  /** `signal` (default SIGTERM), then SIGKILL if still alive after `timeoutMs`; waits for exit. */
  async stop(opts: { signal?: NodeJS.Signals; timeoutMs?: number } = {}): Promise<ExitInfo> {
    if (!this.running) return this.exited;
    this.signal(opts.signal ?? 'SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), opts.timeoutMs ?? 5000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The last `lines` lines of output (from the log file when there is one), for diagnostics. */
  tail(lines = 30): string {
    let all: string[] = this.ring;
    if (this.logFile !== undefined) {
      try {
        all = readFileSync(this.logFile, 'utf8').split('\n').filter((l) => l !== '');
      } catch {
        all = [];
      }
    }
    return all.slice(-lines).join('\n');
  }
}

export function spawnManaged(opts: SpawnOptions): Promise<ManagedProcess> {
  return ManagedProcess.start(opts);
}

/** A fresh 0700 dir under the OS temp dir, removed at process exit unless `keep`. */
export function makeTempDir(prefix: string, keep = false): string {
  const dir = mkdtempSync(join(tmpdir(), prefix.endsWith('-') ? prefix : `${prefix}-`));
  if (!keep) {
    installExitHook();
    tempDirs.add(dir);
  }
  return dir;
}

/** Removes a dir made by `makeTempDir` now (and forgets it). */
export function removeTempDir(dir: string): void {
  tempDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** Thrown by a `waitFor` probe to stop waiting at once (e.g. the process being waited on died). */
export class WaitAborted extends Error {
  override name = 'WaitAborted';
}

/**
 * Polls `probe` every `intervalMs` until it returns something other than undefined; errors it
 * throws count as "not yet" (except WaitAborted, which is rethrown at once). Rejects with a
 * TimeoutError after `timeoutMs`, quoting the last error.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  opts: { timeoutMs: number; intervalMs?: number; what: string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      if (err instanceof WaitAborted) throw err;
      last = err;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new TimeoutError(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}${why}`);
    }
    await sleep(opts.intervalMs ?? 100);
  }
}

export interface HttpResult {
  status: number;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

/**
 * One control request on its own connection (no keep-alive pool shared with load traffic).
 * Rejects on socket errors and after `timeoutMs`; any HTTP status resolves.
 */
export function httpJson(method: string, url: string, body?: unknown, timeoutMs = 2000, extraHeaders: Readonly<Record<string, string>> = {}): Promise<HttpResult> {
  return new Promise<HttpResult>((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json', ...extraHeaders };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    const req = http.request(url, { method, agent: false, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= 4 << 20) chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * CPU time (user + system, ms) the process `pid` has used so far, from /proc (Linux; assumes
 * the usual 100 Hz USER_HZ). Undefined when it cannot be read (exited, not Linux).
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}
