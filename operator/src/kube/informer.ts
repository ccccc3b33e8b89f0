/**
 * A list-then-watch cache of one kind (in one namespace or all), resilient by construction:
 * - the watch resumes from the last resourceVersion it saw (bookmarks keep it fresh);
 * - when that version has expired (410 Gone, as a status or as an ERROR event) it lists again,
 *   and objects missing from the new list are reported deleted, so no delete is ever lost;
 * - any other failure (connection reset, API server restart) is retried with capped backoff.
 * Handlers see every object after each (re)list, which is what a level-triggered controller wants.
 */
import type { KubeObject } from '../api-types.js';
import { keyOf } from '../api-types.js';
import { isGone, KubeApiError, type KubeRest } from './rest.js';
import { pathOf, type ResourceType } from './resources.js';

export type InformerEvent = 'upsert' | 'delete';
export type InformerHandler = (event: InformerEvent, obj: KubeObject) => void;

export interface InformerOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  /** Seconds a watch request may last before the server ends it (we then resume). */
  readonly watchTimeoutSeconds?: number;
  readonly onError?: (err: unknown) => void;
  /** Injected for tests of the backoff; default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const LIST_PAGE = 500;
const BACKOFF_START_MS = 500;
const BACKOFF_CAP_MS = 30_000;

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; message?: string };
}

export class Informer {
  private readonly cache = new Map<string, KubeObject>();
  private readonly handlers: InformerHandler[] = [];
  private resourceVersion = '';
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  /** Times the informer listed from scratch (first list included). */
  lists = 0;

  constructor(
    private readonly rest: KubeRest,
    readonly type: ResourceType,
    private readonly o: InformerOptions = {},
  ) {}

  on(handler: InformerHandler): void {
    this.handlers.push(handler);
  }

  get(namespace: string, name: string): KubeObject | undefined {
    return this.cache.get(`${namespace}/${name}`);
  }

  list(): KubeObject[] {
    return [...this.cache.values()];
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Resolves after the first complete list. */
  async waitForSync(): Promise<void> {
    if (this.synced) return;
    await new Promise<void>((resolve) => this.syncWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private emit(event: InformerEvent, obj: KubeObject): void {
    for (const h of this.handlers) h(event, obj);
  }

  private async sleep(ms: number): Promise<void> {
    if (this.o.sleep) return this.o.sleep(ms);
    await new Promise<void>((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      // The listener goes with the timer: an outage of many retries must not pile them up.
      const timer = setTimeout(() => {
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async run(): Promise<void> {
    let backoff = BACKOFF_START_MS;
    while (!this.abort.signal.aborted) {
      try {
        if (this.resourceVersion === '') await this.relist();
        await this.watch();
        backoff = BACKOFF_START_MS; // a watch that ended normally: resume at once
      } catch (err) {
        if (this.abort.signal.aborted) break;
        if (isGone(err)) {
          this.resourceVersion = ''; // expired: list again, no wait
          continue;
        }
        this.o.onError?.(err);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, BACKOFF_CAP_MS);
      }
    }
  }

  private async relist(): Promise<void> {
    const seen = new Map<string, KubeObject>();
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.rest.request<{ metadata: { resourceVersion: string; continue?: string }; items: KubeObject[] }>('GET', pathOf(this.type, this.o.namespace), {
        query: { limit: LIST_PAGE, continue: cont, labelSelector: this.o.labelSelector },
      });
      for (const item of page.items) seen.set(keyOf(item), item);
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion;
    } while (cont !== undefined);
    this.lists++;
    const gone = [...this.cache.entries()].filter(([k]) => !seen.has(k));
    this.cache.clear();
    for (const [k, v] of seen) this.cache.set(k, v);
    this.resourceVersion = rv;
    for (const [, obj] of gone) this.emit('delete', obj);
    for (const obj of seen.values()) this.emit('upsert', obj);
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private async watch(): Promise<void> {
    const timeout = this.o.watchTimeoutSeconds ?? 240 + Math.floor(Math.random() * 60);
    await this.rest.stream(
      pathOf(this.type, this.o.namespace),
      { watch: 1, resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: timeout, labelSelector: this.o.labelSelector },
      (raw) => this.apply(raw as WatchEvent),
      this.abort.signal,
    );
  }

  private apply(e: WatchEvent): void {
    if (e.type === 'ERROR') {
      const code = e.object.code ?? 0;
      throw new KubeApiError(code, 'WatchError', `watch ${this.type.plural}: ${code} ${e.object.message ?? ''}`);
    }
    const rv = e.object.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '') this.resourceVersion = rv;
    if (e.type === 'BOOKMARK') return;
    const key = keyOf(e.object);
    if (e.type === 'DELETED') {
      this.cache.delete(key);
      this.emit('delete', e.object);
    } else {
      this.cache.set(key, e.object);
      this.emit('upsert', e.object);
    }
  }
}
