/**
 * Closed-loop HTTP/1.1 load generator: `clients` workers, each with one keep-alive connection and
 * at most one request in flight on it, for a warm-up (not counted) and then `seconds` and/or `ops`.
 *
 * It shares the CPU with the cluster under test, so it is built to be cheap. The default engine
 * ('raw') writes each request straight to its worker's socket (one corked head string + the
 * caller's pre-built body Buffer) and parses the response with a minimal HTTP/1.1 parser
 * (Content-Length, chunked, Connection: close); socket listeners are set once per connection,
 * not per request. The 'http' engine does the same through node:http with one shared keep-alive
 * Agent (maxSockets = clients); it costs several times more CPU per request and is kept as a
 * reference to cross-check the raw one. Either way: one watchdog timer for all request timeouts
 * (not a timer per request) and latencies in a fixed log-linear histogram.
 *
 * Counting: in time mode, a request counts if it COMPLETES inside the measurement window (like
 * wrk), so throughput is completions / window; requests still in flight at the end are awaited
 * (bounded by `timeoutMs`) but not counted. In ops mode (`ops` given), the first `ops` requests
 * issued after warm-up count and the window ends at the last completion. A 2xx answer is a
 * success (its latency is recorded); a non-2xx answer, socket error or timeout is an error
 * (counted, never recorded as a latency) and that worker pauses `errorBackoffMs`.
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Histogram } from './histogram.js';

export interface LoadTarget {
  /** `http://host:port`; every request goes there. */
  origin: string;
  /** Default POST. */
  method?: string;
  /** Path (with query) of request number `i` (0, 1, 2, ... over the whole run, warm-up included). */
  path: (i: number) => string;
  /** Body of request number `i`; return cached Buffers so nothing is serialised per request. */
  body: (i: number) => Buffer;
  /** Extra constant headers (ASCII). content-type defaults to application/json. */
  headers?: Readonly<Record<string, string>>;
}

export interface LoadOptions {
  /** Concurrent workers (= connections). */
  clients: number;
  /** Measured duration in seconds. */
  seconds?: number;
  /** Measured request count (issued after warm-up). With `seconds` too, whichever ends first. */
  ops?: number;
  /** Warm-up before measuring, not counted (default 0). */
  warmupSeconds?: number;
  /** A request older than this is aborted and counted as a `timeout` error (default 10 s). */
  timeoutMs?: number;
  /** Pause of a worker after an error (default 10 ms), so a dead target is not spun on. */
  errorBackoffMs?: number;
  /** Hard bound on the measured phase in ops mode (default 600 s). */
  maxSeconds?: number;
  /** 'raw' (default): minimal HTTP/1.1 client on net sockets; 'http': node:http + keep-alive Agent. */
  engine?: 'raw' | 'http';
  /** Stops the run early (what was measured so far is returned). */
  signal?: AbortSignal;
}

export interface LatencySummary {
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface LoadResult {
  /** Successful (2xx) requests counted. */
  ok: number;
  errors: number;
  /** Successful requests per second of the measurement window. */
  opsPerSec: number;
  elapsedSec: number;
  /** Latencies of the successful counted requests, in ms. */
  latencyMs: LatencySummary;
  /** The same latencies, in µs. */
  histogram: Histogram;
  /** Counted errors by kind: `HTTP 503`, `ECONNREFUSED`, `timeout`, ... */
  errorKinds: Record<string, number>;
  /** The first few error descriptions (with the start of the response body if any). */
  errorSamples: string[];
  warmup: { ok: number; errors: number };
  /** TCP connections opened over the whole run (== clients when keep-alive holds). */
  connections: number;
  /** CPU the generator process used during the window, and per counted success. */
  cpu: { userMs: number; systemMs: number; usPerOp: number };
  /** Event-loop delay p99 of the generator during the run; large values mean it was starved or the bottleneck. */
  loopDelayP99Ms: number;
}

const MAX_SAMPLES = 5;
const MAX_HEAD = 64 * 1024;
const DETAIL_BYTES = 200;

/** What a worker engine reports for one request: undefined = 2xx success. */
type Complete = (gen: number, errorKind: string | undefined, detail?: string) => void;

interface Engine {
  /** Sends request `i`; must eventually call `complete(gen, ...)` exactly once. */
  send(i: number, gen: number): void;
  /** Aborts the request in flight (its completion reports `kind`). */
  abort(kind: string): void;
  close(): void;
}

interface Shared {
  hostname: string;
  port: number;
  method: string;
  target: LoadTarget;
  connections: number;
}

function errKind(e: unknown): string {
  const code = (e as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------------------------------------
// 'raw' engine: one net.Socket per worker, requests written as bytes, a minimal response parser.

const enum P {
  Head,
  Body,
  ChunkSize,
  ChunkData,
  ChunkCrlf,
  Trailers,
  UntilClose,
}

class RawEngine implements Engine {
  private sock: net.Socket | undefined;
  private gen = -1;
  private inFlight = false;
  private abortKind: string | undefined;
  private sockError: string | undefined;
  // response parser state
  private buf: Buffer | undefined;
  private state = P.Head;
  private status = 0;
  private remaining = 0;
  private closeAfter = false;
  private detail: Buffer[] | undefined;
  private detailLen = 0;
  private readonly headPrefix: string;
  private readonly headSuffix: string;

  constructor(
    private readonly s: Shared,
    private readonly complete: Complete,
  ) {
    const extra = Object.entries({ 'content-type': 'application/json', ...s.target.headers })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    this.headPrefix = `${s.method} `;
    this.headSuffix = ` HTTP/1.1\r\nhost: ${s.hostname}:${s.port}\r\n${extra}content-length: `;
  }

  send(i: number, gen: number): void {
    this.gen = gen;
    this.inFlight = true;
    this.abortKind = undefined;
    this.state = P.Head;
    this.buf = undefined;
    this.detail = undefined;
    this.detailLen = 0;
    const body = this.s.target.body(i);
    const sock = this.sock ?? this.connect();
    sock.cork();
    sock.write(`${this.headPrefix}${this.s.target.path(i)}${this.headSuffix}${body.length}\r\n\r\n`, 'latin1');
    sock.write(body);
    sock.uncork();
  }

  private connect(): net.Socket {
    const sock = net.connect({ host: this.s.hostname, port: this.s.port, noDelay: true });
    this.s.connections++;
    this.sockError = undefined;
    sock.on('data', (c: Buffer) => this.onData(sock, c));
    // Events of a socket we already dropped are ignored: by then a new request may be in flight.
    sock.on('error', (e) => {
      if (this.sock === sock) this.sockError = errKind(e);
    });
    sock.on('close', () => {
      if (this.sock !== sock) return;
      this.sock = undefined;
      if (!this.inFlight) return;
      if (this.state === P.UntilClose) return this.finish(); // body delimited by close
      this.fail(this.abortKind ?? this.sockError ?? 'connection closed');
    });
    this.sock = sock;
    return sock;
  }

  private onData(sock: net.Socket, chunk: Buffer): void {
    if (sock !== this.sock) return;
    if (!this.inFlight) {
      this.dropSocket();
      return;
    }
    this.buf = this.buf === undefined || this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    try {
      this.parse();
    } catch (e) {
      this.protocolError(errKind(e));
    }
  }

  private parse(): void {
    for (;;) {
      const b = this.buf!;
      switch (this.state) {
        case P.Head: {
          const end = b.indexOf('\r\n\r\n', 0, 'latin1');
          if (end < 0) {
            if (b.length > MAX_HEAD) throw new Error('response head too large');
            return;
          }
          this.parseHead(b.toString('latin1', 0, end));
          this.buf = b.subarray(end + 4);
          continue;
        }
        case P.Body: {
          const take = Math.min(this.remaining, b.length);
          this.keepDetail(b, take);
          this.remaining -= take;
          this.buf = b.subarray(take);
          if (this.remaining === 0) return this.finish();
          return;
        }
        case P.ChunkSize: {
          const eol = b.indexOf('\r\n', 0, 'latin1');
          if (eol < 0) {
            if (b.length > 1024) throw new Error('bad chunk size line');
            return;
          }
          const size = parseInt(b.toString('latin1', 0, eol), 16);
          if (!(size >= 0)) throw new Error('bad chunk size');
          this.buf = b.subarray(eol + 2);
          this.remaining = size;
          this.state = size === 0 ? P.Trailers : P.ChunkData;
          continue;
        }
        case P.ChunkData: {
          const take = Math.min(this.remaining, b.length);
          this.keepDetail(b, take);
          this.remaining -= take;
          this.buf = b.subarray(take);
          if (this.remaining > 0) return;
          this.state = P.ChunkCrlf;
          continue;
        }
        case P.ChunkCrlf: {
          if (b.length < 2) return;
          if (b[0] !== 13 || b[1] !== 10) throw new Error('bad chunk terminator');
          this.buf = b.subarray(2);
          this.state = P.ChunkSize;
          continue;
        }
        case P.Trailers: {
          if (b.length >= 2 && b[0] === 13 && b[1] === 10) {
            this.buf = b.subarray(2);
            return this.finish();
          }
          const end = b.indexOf('\r\n\r\n', 0, 'latin1');
          if (end < 0) return;
          this.buf = b.subarray(end + 4);
          return this.finish();
        }
        case P.UntilClose: {
          this.keepDetail(b, b.length);
          this.buf = undefined;
          return;
        }
      }
    }
  }

  private parseHead(head: string): void {
    if (!head.startsWith('HTTP/1.')) throw new Error('not an HTTP/1.x response');
    const status = Number(head.slice(9, 12));
    if (!(status >= 100 && status < 600)) throw new Error('bad status line');
    if (status < 200) return; // 1xx interim response: the real one follows
    this.status = status;
    let length = -1;
    let chunked = false;
    let close = head.startsWith('HTTP/1.0');
    let at = head.indexOf('\r\n');
    while (at >= 0) {
      const next = head.indexOf('\r\n', at + 2);
      const line = head.slice(at + 2, next < 0 ? undefined : next);
      at = next;
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).toLowerCase();
      if (name === 'content-length') length = Number(line.slice(colon + 1).trim());
      else if (name === 'transfer-encoding') chunked = line.slice(colon + 1).toLowerCase().includes('chunked');
      else if (name === 'connection') {
        const v = line.slice(colon + 1).trim().toLowerCase();
        close = v === 'close' ? true : v === 'keep-alive' ? false : close;
      }
    }
    this.closeAfter = close;
    if (status < 200 || status >= 300) this.detail = [];
    if (chunked) this.state = P.ChunkSize;
    else if (status === 204 || status === 304) {
      this.remaining = 0;
      this.state = P.Body;
    } else if (length >= 0 && Number.isInteger(length)) {
      this.remaining = length;
      this.state = P.Body;
    } else {
      this.closeAfter = true;
      this.state = P.UntilClose;
    }
  }

  private keepDetail(b: Buffer, n: number): void {
    if (this.detail === undefined || this.detailLen >= DETAIL_BYTES || n === 0) return;
    const part = b.subarray(0, Math.min(n, DETAIL_BYTES - this.detailLen));
    this.detail.push(Buffer.from(part));
    this.detailLen += part.length;
  }

  private finish(): void {
    if (!this.inFlight) return;
    this.inFlight = false;
    const leftover = this.buf !== undefined && this.buf.length > 0;
    this.buf = undefined;
    if (this.closeAfter || leftover) this.dropSocket();
    const gen = this.gen;
    if (this.status >= 200 && this.status < 300) this.complete(gen, undefined);
    else this.complete(gen, `HTTP ${this.status}`, Buffer.concat(this.detail ?? []).toString('utf8'));
  }

  private fail(kind: string): void {
    if (!this.inFlight) return;
    this.inFlight = false;
    this.buf = undefined;
    this.dropSocket();
    this.complete(this.gen, kind);
  }

  private protocolError(msg: string): void {
    this.fail(`protocol error: ${msg}`);
  }

  private dropSocket(): void {
    const s = this.sock;
    this.sock = undefined;
    s?.destroy();
  }

  abort(kind: string): void {
    if (!this.inFlight) return;
    this.abortKind = kind;
    this.fail(kind);
  }

  close(): void {
    this.dropSocket();
  }
}

// ---------------------------------------------------------------------------------------------
// 'http' engine: node:http with a shared keep-alive Agent.

class CountingAgent extends http.Agent {
  created = 0;
  override createConnection(options: http.ClientRequestArgs, cb?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    this.created++;
    return super.createConnection(options, cb);
  }
}

class HttpEngine implements Engine {
  private req: http.ClientRequest | undefined;
  private abortKind: string | undefined;

  constructor(
    private readonly s: Shared,
    private readonly agent: CountingAgent,
    private readonly headers: Record<string, string>,
    private readonly complete: Complete,
  ) {}

  send(i: number, gen: number): void {
    this.abortKind = undefined;
    const body = this.s.target.body(i);
    const done: Complete = (g, kind, detail) => {
      if (this.req !== req) return;
      this.req = undefined;
      this.complete(g, kind, detail);
    };
    // No content-length here: end(body) on a fresh request makes node set it from the Buffer.
    const req = http.request({ agent: this.agent, hostname: this.s.hostname, port: this.s.port, method: this.s.method, path: this.s.target.path(i), headers: this.headers }, (res) => {
      const status = res.statusCode ?? 0;
      res.on('error', (e) => done(gen, this.abortKind ?? errKind(e)));
      if (status >= 200 && status < 300) {
        res.on('end', () => done(gen, undefined));
        res.resume();
      } else {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (chunks.length < 4) chunks.push(c);
        });
        res.on('end', () => done(gen, `HTTP ${status}`, Buffer.concat(chunks).toString('utf8', 0, DETAIL_BYTES)));
      }
    });
    req.on('error', (e) => done(gen, this.abortKind ?? errKind(e)));
    this.req = req;
    req.end(body);
  }

  abort(kind: string): void {
    if (this.req === undefined) return;
    this.abortKind = kind;
    this.req.destroy(new Error(kind));
  }

  close(): void {
    this.req?.destroy();
  }
}

// ---------------------------------------------------------------------------------------------

export async function runLoad(target: LoadTarget, opts: LoadOptions): Promise<LoadResult> {
  const clients = opts.clients;
  if (!Number.isInteger(clients) || clients < 1 || clients > 10_000) throw new RangeError(`clients must be 1..10000, got ${clients}`);
  if (opts.seconds === undefined && opts.ops === undefined) throw new RangeError('give seconds and/or ops');
  if (opts.seconds !== undefined && !(opts.seconds > 0)) throw new RangeError('seconds must be > 0');
  if (opts.ops !== undefined && !(Number.isInteger(opts.ops) && opts.ops > 0)) throw new RangeError('ops must be a positive integer');
  const timeMode = opts.ops === undefined;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const backoffMs = opts.errorBackoffMs ?? 10;
  const maxOps = opts.ops ?? Infinity;

  const url = new URL(target.origin);
  if (url.protocol !== 'http:') throw new Error(`only http: origins, got ${target.origin}`);
  const shared: Shared = { hostname: url.hostname, port: Number(url.port || 80), method: target.method ?? 'POST', target, connections: 0 };
  const agent = opts.engine === 'http' ? new CountingAgent({ keepAlive: true, maxSockets: clients, maxFreeSockets: clients }) : undefined;
  const httpHeaders: Record<string, string> = { 'content-type': 'application/json', ...target.headers };

  const hist = new Histogram();
  const errorKinds: Record<string, number> = {};
  const errorSamples: string[] = [];
  const warmup = { ok: 0, errors: 0 };
  let ok = 0;
  let errors = 0;
  let issuedMeasured = 0;
  let seq = 0;
  let lastCompletion = 0;
  let aborted = false;

  const tStart = performance.now();
  const tMeasure = tStart + (opts.warmupSeconds ?? 0) * 1000;
  const tEnd = tMeasure + (opts.seconds ?? opts.maxSeconds ?? 600) * 1000;
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  let cpuAtEnd: NodeJS.CpuUsage | undefined;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();

  const stopped = (now: number): boolean => aborted || now >= tEnd || (!timeMode && issuedMeasured >= maxOps && now >= tMeasure);
  let running = clients;
  let allDone!: () => void;
  const done = new Promise<void>((r) => (allDone = r));

  class Worker {
    readonly engine: Engine;
    gen = 0;
    busy = false;
    startedAt = 0;
    measured = false;
    timedOut = false;

    constructor() {
      const complete: Complete = (gen, kind, detail) => this.complete(gen, kind, detail);
      this.engine = agent ? new HttpEngine(shared, agent, httpHeaders, complete) : new RawEngine(shared, complete);
    }

    readonly issue = (): void => {
      const now = performance.now();
      if (stopped(now)) return this.finish();
      if (cpuAtStart === undefined && now >= tMeasure) cpuAtStart = process.cpuUsage();
      this.measured = !timeMode && now >= tMeasure;
      if (this.measured) issuedMeasured++;
      this.busy = true;
      this.timedOut = false;
      this.startedAt = now;
      this.engine.send(seq++, ++this.gen);
    };

    complete(gen: number, errorKind: string | undefined, detail?: string): void {
      if (gen !== this.gen || !this.busy) return; // stale or already completed
      this.busy = false;
      const now = performance.now();
      const counted = !aborted && (timeMode ? now >= tMeasure && now <= tEnd : this.measured);
      if (counted) {
        lastCompletion = now;
        if (errorKind === undefined) {
          ok++;
          hist.record((now - this.startedAt) * 1000);
        } else {
          errors++;
          errorKinds[errorKind] = (errorKinds[errorKind] ?? 0) + 1;
          if (errorSamples.length < MAX_SAMPLES) errorSamples.push(detail ? `${errorKind}: ${detail}` : errorKind);
        }
      } else if (now < tMeasure) {
        if (errorKind === undefined) warmup.ok++;
        else warmup.errors++;
      }
      if (errorKind === undefined) this.issue();
      else setTimeout(this.issue, backoffMs);
    }

    /** Aborts the in-flight request once it is older than the timeout. */
    check(now: number): void {
      if (!this.busy || now - this.startedAt <= timeoutMs) return;
      if (!this.timedOut) {
        this.timedOut = true;
        this.engine.abort('timeout');
      } else if (now - this.startedAt > timeoutMs + 2000) this.complete(this.gen, 'timeout'); // abort went unreported
    }

    finish(): void {
      if (cpuAtEnd === undefined) cpuAtEnd = process.cpuUsage();
      this.engine.close();
      if (--running === 0) allDone();
    }
  }

  const workers = Array.from({ length: clients }, () => new Worker());
  const watchdog = setInterval(
    () => {
      const now = performance.now();
      for (const w of workers) w.check(now);
    },
    Math.min(250, Math.max(10, timeoutMs / 4)),
  );
  const onAbort = (): void => {
    aborted = true;
    for (const w of workers) w.engine.abort('aborted');
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  for (const w of workers) w.issue();
  try {
    await done;
  } finally {
    clearInterval(watchdog);
    opts.signal?.removeEventListener('abort', onAbort);
    agent?.destroy();
    loop.disable();
  }

  const elapsedSec = timeMode && !aborted ? opts.seconds! : Math.max(0, (Math.min(lastCompletion, tEnd) - tMeasure) / 1000);
  const cpu0 = cpuAtStart ?? process.cpuUsage();
  const cpu1 = cpuAtEnd ?? process.cpuUsage();
  const cpuUs = { user: cpu1.user - cpu0.user, system: cpu1.system - cpu0.system };
  const ms = (us: number): number => Math.round(us) / 1000;
  return {
    ok,
    errors,
    opsPerSec: elapsedSec > 0 ? ok / elapsedSec : 0,
    elapsedSec,
    latencyMs: {
      min: ms(hist.min),
      mean: ms(hist.mean),
      p50: ms(hist.quantile(0.5)),
      p90: ms(hist.quantile(0.9)),
      p99: ms(hist.quantile(0.99)),
      p999: ms(hist.quantile(0.999)),
      max: ms(hist.max),
    },
    histogram: hist,
    errorKinds,
    errorSamples,
    warmup,
    connections: agent ? agent.created : shared.connections,
    cpu: { userMs: cpuUs.user / 1000, systemMs: cpuUs.system / 1000, usPerOp: ok > 0 ? (cpuUs.user + cpuUs.system) / ok : 0 },
    loopDelayP99Ms: loop.count > 0 ? loop.percentile(99) / 1e6 : 0,
  };
}
