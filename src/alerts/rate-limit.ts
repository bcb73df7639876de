/**
 * A token bucket per channel: `burst` messages at once, then `perMinute` on average. Receivers
 * enforce their own limits (Telegram: about 1 message a second per chat and 20 a minute per
 * group; Slack: 1 a second per webhook) and answer floods with 429s, so we stay under them.
 */
export interface RateLimit {
  readonly burst: number;
  readonly perMinute: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { burst: 5, perMinute: 20 };

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly perMs: number;

  constructor(
    private readonly limit: RateLimit,
    now: number,
  ) {
    if (!(limit.burst >= 1) || !(limit.perMinute > 0)) throw new RangeError("rate limit needs burst >= 1 and perMinute > 0");
    this.tokens = limit.burst;
    this.updatedAt = now;
    this.perMs = limit.perMinute / 60_000;
  }

  private refill(now: number): void {
    if (now > this.updatedAt) {
      this.tokens = Math.min(this.limit.burst, this.tokens + (now - this.updatedAt) * this.perMs);
      this.updatedAt = now;
    }
  }

  /** Take one token if there is one. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Ms until a token is available (0 when one is). */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.perMs);
  }
}
