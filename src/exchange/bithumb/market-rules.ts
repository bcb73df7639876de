import type { Market, MarketRules, OrderChance } from "../../core/model.ts";
import type { Clock } from "../../ports/clock.ts";
import type { Logger } from "../../log.ts";
import { fallbackRules } from "./http/parse.ts";

/**
 * Per-market trading rules (fees, minimum and maximum order, market state, price unit) read from
 * `GET /v1/orders/chance` at runtime (API.md 4.2, 9) and kept for `ttlMs` on the injected clock.
 *
 * When the endpoint fails, the last rules read are kept (even past their TTL: yesterday's fee is a
 * better guess than a default); with nothing read yet, the documented fallbacks (5,000 KRW,
 * 0.25%) stand in with state `unknown`, and the next read is retried after `retryMs` rather than on
 * every order.
 */

export interface MarketRulesCacheOptions {
  readonly clock: Clock;
  readonly fetchChance: (market: Market) => Promise<OrderChance>;
  /** How long rules read from the exchange stay fresh (default 10 min). */
  readonly ttlMs?: number;
  /** How soon to try again after a failed read (default 30 s). */
  readonly retryMs?: number;
  readonly logger?: Logger;
}

interface Entry {
  readonly rules: MarketRules;
  readonly fromExchange: boolean;
  readonly expiresAt: number;
}

export class MarketRulesCache {
  private readonly clock: Clock;
  private readonly fetchChance: (market: Market) => Promise<OrderChance>;
  private readonly ttlMs: number;
  private readonly retryMs: number;
  private readonly logger?: Logger;
  private readonly entries = new Map<Market, Entry>();
  private readonly inFlight = new Map<Market, Promise<MarketRules>>();

  constructor(options: MarketRulesCacheOptions) {
    this.clock = options.clock;
    this.fetchChance = options.fetchChance;
    this.ttlMs = options.ttlMs ?? 600_000;
    this.retryMs = options.retryMs ?? 30_000;
    this.logger = options.logger;
  }

  /** Rules for `market`: cached while fresh, else re-read (concurrent callers share one read). */
  get(market: Market): Promise<MarketRules> {
    const entry = this.entries.get(market);
    if (entry && entry.expiresAt > this.clock.now()) return Promise.resolve(entry.rules);
    const pending = this.inFlight.get(market);
    if (pending) return pending;
    const read = this.refresh(market, entry).finally(() => this.inFlight.delete(market));
    this.inFlight.set(market, read);
    return read;
  }

  /** Forget cached rules (all markets when none given), e.g. after an exchange notice. */
  invalidate(market?: Market): void {
    if (market === undefined) this.entries.clear();
    else this.entries.delete(market);
  }

  /** Whether the rules in use for `market` came from the exchange (false = fallbacks). */
  isFromExchange(market: Market): boolean {
    return this.entries.get(market)?.fromExchange ?? false;
  }

  private async refresh(market: Market, previous: Entry | undefined): Promise<MarketRules> {
    try {
      const { rules } = await this.fetchChance(market);
      this.entries.set(market, { rules, fromExchange: true, expiresAt: this.clock.now() + this.ttlMs });
      return rules;
    } catch (error) {
      const keep = previous?.fromExchange ? previous.rules : fallbackRules(market);
      this.logger?.warn(
        { market, err: error instanceof Error ? error.message : String(error), using: previous?.fromExchange ? "last known" : "fallback" },
        "orders/chance unavailable; using fallback market rules",
      );
      this.entries.set(market, { rules: keep, fromExchange: previous?.fromExchange ?? false, expiresAt: this.clock.now() + this.retryMs });
      return keep;
    }
  }
}
