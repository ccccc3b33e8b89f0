/**
 * Metered usage (API requests, ledger transactions) per tenant, metric and UTC day. Counting
 * is in memory and flushed in one upsert per (tenant, metric, day) every few seconds, so a read
 * request costs a map increment, not a database write. A crash loses at most one interval of
 * counts (usage is for invoices and quotas, not for money movements).
 */
import type { PrismaClient } from '../db/prisma.js';

const DAY_MS = 86_400_000;

export class UsageMeter {
  private pending = new Map<string, bigint>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: PrismaClient,
    private readonly now: () => number,
    private readonly intervalMs = 5_000,
  ) {}

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.flush().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  add(tenantId: string, metric: string, quantity = 1n): void {
    const day = new Date(Math.floor(this.now() / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
    const key = `${tenantId}|${metric}|${day}`;
    this.pending.set(key, (this.pending.get(key) ?? 0n) + quantity);
  }

  /** Writes the pending counts; concurrent calls are serialised. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      for (const [key, quantity] of batch) {
        const [tenantId, metric, day] = key.split('|') as [string, string, string];
        try {
          await this.db.$executeRaw`INSERT INTO usage_records (tenant_id, metric, day, quantity) VALUES (${tenantId}::uuid, ${metric}, ${day}::date, ${quantity})
            ON CONFLICT (tenant_id, metric, day) DO UPDATE SET quantity = usage_records.quantity + EXCLUDED.quantity`;
        } catch {
          // A tenant deleted meanwhile (FK), or the database away: keep the count for the next flush.
          if (!(await this.tenantGone(tenantId))) this.pending.set(key, (this.pending.get(key) ?? 0n) + quantity);
        }
      }
    });
    return this.flushing;
  }

  private async tenantGone(tenantId: string): Promise<boolean> {
    try {
      return (await this.db.tenant.count({ where: { id: tenantId } })) === 0;
    } catch {
      return false;
    }
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
