/**
 * Lets a repeated log line through at most once per interval per key: a peer that is down or
 * misbehaving must not flood the log (or slow the event loop) with the same complaint.
 */
export class LogLimiter {
  private readonly last = new Map<string, number>();

  constructor(private readonly intervalMs = 5000) {}

  allow(key: string): boolean {
    const now = Date.now();
    const prev = this.last.get(key);
    if (prev !== undefined && now - prev < this.intervalMs) return false;
    if (this.last.size > 1000) this.last.clear(); // bound the map; worst case we log a bit more
    this.last.set(key, now);
    return true;
  }
}
