import { listClosedTrades, type Db } from "../db/index.ts";
import { every, type Job, nextKstMidnight, scheduleRecurring } from "../jobs/index.ts";
import type { Logger } from "../log.ts";
import type { Clock } from "../ports/clock.ts";
import type { ActorNode, ActorSummary, ControlPort } from "../ports/control.ts";
import type { Metrics } from "./metrics.ts";

/**
 * Gauges that describe the running bot as a whole rather than one event, read periodically from
 * the control port and the database: market-data age per market, today's realised PnL, the
 * drawdown limit in force, the states of the shared actors, and a zero for every actor's
 * restart counter (so `increase()` sees an actor's first restart).
 *
 * Everything the sampler reads is already kept by the runtime; it adds no state of its own
 * except what it needs to clear series that went away.
 */

const DAY_MS = 86_400_000;

export interface MetricsSamplerOptions {
  readonly control: Pick<ControlPort, "listActors" | "actorTree" | "currentParams">;
  readonly db: Db;
  readonly metrics: Metrics;
  /** The runtime's clock: trade timestamps and candle times are on it (simulated time in sim mode). */
  readonly clock: Clock;
  /** Sampling period on `clock` (in sim mode at speed S, pass S x the wall period). */
  readonly everyMs: number;
  /** Candle length of the traded interval: a closed candle at `ts` covers data up to `ts + candleIntervalMs`. */
  readonly candleIntervalMs: number;
  /** Clock ms per wall ms (the simulator's speed; default 1): ages are reported in wall seconds. */
  readonly timeScale?: number;
  readonly logger?: Logger;
}

/**
 * Sample now, then every `everyMs` on the clock until `cancel()`. A failing sample is logged and
 * the schedule goes on.
 */
export function startMetricsSampler(options: MetricsSamplerOptions): Job {
  const sampler = new MetricsSampler(options);
  const onError = (err: unknown) => options.logger?.warn({ err }, "metrics sample failed");
  try {
    sampler.sample();
  } catch (err) {
    onError(err);
  }
  return scheduleRecurring(options.clock, every(options.everyMs), () => sampler.sample(), onError);
}

export class MetricsSampler {
  private readonly options: MetricsSamplerOptions;
  private readonly startedAt: number;
  private readonly marketsShown = new Set<string>();
  private readonly actorStates = new Map<string, string>();

  constructor(options: MetricsSamplerOptions) {
    if (!(options.everyMs > 0)) throw new RangeError(`everyMs must be > 0, got ${options.everyMs}`);
    if (!(options.candleIntervalMs > 0)) throw new RangeError(`candleIntervalMs must be > 0, got ${options.candleIntervalMs}`);
    this.options = options;
    this.startedAt = options.clock.now();
  }

  sample(): void {
    const { control, db, metrics, clock } = this.options;
    const now = clock.now();
    this.sampleMarketData(control.listActors(), now);
    this.sampleActorTree(control.actorTree());
    metrics.realisedPnlKrw.set(realisedPnlToday(db, now));
    // No limit = a limit of 100 %: the series stays present (a label-less gauge cannot vanish).
    metrics.drawdownLimitRatio.set(control.currentParams().risk.maxDrawdown ?? 1);
  }

  /** Age per watched market; markets no longer traded (or whose trader stopped) lose their series. */
  private sampleMarketData(actors: readonly ActorSummary[], now: number): void {
    const { metrics, candleIntervalMs, timeScale = 1 } = this.options;
    const current = new Set<string>();
    for (const actor of actors) {
      if (actor.state === "stopped") continue;
      current.add(actor.market);
      const latest = latestDataTs(actor, candleIntervalMs) ?? this.startedAt;
      metrics.marketDataAgeSeconds.set({ market: actor.market }, Math.max(0, now - latest) / timeScale / 1000);
    }
    for (const market of this.marketsShown) if (!current.has(market)) metrics.marketDataAgeSeconds.remove({ market });
    this.marketsShown.clear();
    for (const market of current) this.marketsShown.add(market);
  }

  /**
   * Zero restart counters for every actor, and the state of the root and shared actors (the
   * runtime reports the traders' states itself, with its full list of trader states).
   */
  private sampleActorTree(root: ActorNode): void {
    const { metrics } = this.options;
    const nodes = [root, ...(root.children ?? [])];
    for (const node of nodes) {
      if (node.kind !== "root") metrics.actorRestartsTotal.inc({ actor: node.id }, 0);
      if (node.kind === "trader") continue;
      const previous = this.actorStates.get(node.id);
      if (previous !== undefined && previous !== node.state) metrics.actorState.set({ actor: node.id, state: previous }, 0);
      metrics.actorState.set({ actor: node.id, state: node.state }, 1);
      this.actorStates.set(node.id, node.state);
    }
  }
}

/**
 * When the newest market data of a trader is from: its last public trade, else the end of its
 * last closed candle; undefined when it has seen neither.
 */
export function latestDataTs(actor: Pick<ActorSummary, "lastTradeTs" | "lastCandleTs">, candleIntervalMs: number): number | undefined {
  const candleEnd = actor.lastCandleTs === undefined ? undefined : actor.lastCandleTs + candleIntervalMs;
  if (actor.lastTradeTs === undefined) return candleEnd;
  return candleEnd === undefined ? actor.lastTradeTs : Math.max(actor.lastTradeTs, candleEnd);
}

/**
 * Realised PnL of the trades closed from the start of the current KST day to `now` (Bithumb's day; the
 * daily PnL job books the same sum at midnight). Reads newest first in growing pages until a
 * page reaches back before the day's start, so a usual sample reads a few dozen rows.
 */
export function realisedPnlToday(db: Db, now: number): number {
  const dayStart = nextKstMidnight(now) - DAY_MS;
  for (let limit = 64; ; limit *= 4) {
    const rows = listClosedTrades(db, limit);
    const reachesBack = rows.length < limit || rows[rows.length - 1]!.exitTs < dayStart;
    if (!reachesBack) continue;
    let sum = 0;
    for (const row of rows) if (row.exitTs >= dayStart && row.exitTs <= now) sum += row.pnl;
    return sum;
  }
}
