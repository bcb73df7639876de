/**
 * Parity: the actor runtime (on a simulated clock, fed the candles as trades) and the backtester,
 * run over the same real candle series with the same strategy and risk, must decide the same
 * things: the identical list of order intents (market, entry or exit, the candle that decided it,
 * and why), protective stops included (by the candle they triggered in).
 *
 * The fake exchange fills market orders at the current trade price with the backtest's slippage,
 * and each candle is played as trades open -> low -> high -> close, so the live entry fills at the
 * next candle's open exactly as the backtester assumes and stops see the candle's low.
 */
import { describe, expect, it } from "vitest";
import { readCandleCsvFile, sliceSeries, seriesToCandles, type CandleSeries } from "../../src/backtest/data/index.ts";
import { runBacktest } from "../../src/backtest/engine/index.ts";
import { resolveBacktestConfig } from "../../src/backtest/engine/config.ts";
import type { Candle, Market } from "../../src/core/model.ts";
import { INTERVAL_MS } from "../../src/core/model.ts";
import { listOrders } from "../../src/db/index.ts";
import { createHarness } from "../support/runtime-harness.ts";

const HOUR = INTERVAL_MS["1h"];

interface Intent {
  readonly market: string;
  readonly action: "enter" | "exit";
  /** Open time of the candle that decided it (for stops: the candle they triggered in). */
  readonly ts: number;
  readonly reason: string;
}

function key(i: Intent): string {
  return `${new Date(i.ts).toISOString()} ${i.market} ${i.action} ${i.reason}`;
}

async function loadHourly(market: Market, from: number, count: number): Promise<CandleSeries> {
  const { series } = await readCandleCsvFile(new URL(`../../data/candles/upbit-${market}-1h.csv.gz`, import.meta.url).pathname, { market, interval: "1h" });
  return sliceSeries(series, from, from + count);
}

/** The backtester's intents: approved close decisions, plus protective exits from its trades. */
function backtestIntents(series: CandleSeries, preset: "classic" | "default", startTs: number): Intent[] {
  const config = resolveBacktestConfig({ preset });
  const run = runBacktest([series], config, { startTs, recordDecisions: true });
  const out: Intent[] = [];
  for (const d of run.decisions ?? []) {
    if (d.outcome !== "approved") continue;
    out.push({ market: d.market, action: d.action, ts: d.ts, reason: d.action === "enter" ? "entry" : d.reason });
  }
  for (const t of run.trades) {
    if (t.exitReason === "stop" || t.exitReason === "trailing" || t.exitReason === "target" || t.exitReason.startsWith("take_profit")) {
      out.push({ market: t.market, action: "exit", ts: t.exitTs, reason: t.exitReason === "trailing" ? "trailing_stop" : t.exitReason });
    }
  }
  return out.sort((a, b) => a.ts - b.ts || a.action.localeCompare(b.action));
}

/** Play candles as trades through the runtime and read back the intents it recorded. */
async function runtimeIntents(series: CandleSeries, preset: "classic" | "default", warmup: number): Promise<Intent[]> {
  const market = series.market;
  const candles = seriesToCandles(series);
  const history = candles.slice(0, warmup);
  const live = candles.slice(warmup);
  const config = resolveBacktestConfig({ preset });
  const h = await createHarness({
    markets: [market],
    strategy: config.strategy,
    risk: config.risk,
    settings: { interval: "1h", candleGraceMs: 1_000, historyCandles: warmup },
    history: () => history,
    start: live[0]!.ts,
    slippage: config.engine.slippage,
    initialPrice: () => history[history.length - 1]!.close,
  });
  try {
    h.runtime.start();
    await h.settle(60);
    const play = async (c: Candle) => {
      const quarter = c.volume / 4;
      for (const [offset, price] of [
        [1_000, c.open],
        [2_000, c.low],
        [3_000, c.high],
        [HOUR - 1_000, c.close],
      ] as const) {
        h.clock.set(c.ts + offset);
        h.trade(market, price, quarter);
        await h.settle(6);
      }
    };
    for (const c of live) await play(c);
    // Close the last candle on its timer; a decision there has no next open (the backtest ignores it).
    h.clock.set(live[live.length - 1]!.ts + HOUR + 1_500);
    await h.settle(20);
    const lastTs = live[live.length - 1]!.ts;
    return listOrders(h.db.db, { market, sort: "created_asc", limit: 1000 })
      .filter((o) => o.reason !== "end")
      .map((o): Intent => {
        const [, kind, ts] = (o.intentKey ?? "").split(":");
        if (kind === "enter") return { market, action: "enter", ts: Number(ts), reason: "entry" };
        if (kind === "exit") return { market, action: "exit", ts: Number(ts), reason: o.reason };
        // Protective exits: the candle whose trades triggered them.
        return { market, action: "exit", ts: Math.floor(o.createdAt / HOUR) * HOUR, reason: o.reason };
      })
      .filter((i) => !(i.action === "enter" && i.ts === lastTs))
      .sort((a, b) => a.ts - b.ts || a.action.localeCompare(b.action));
  } finally {
    await h.stop();
  }
}

describe("parity: actor runtime vs backtester on the same candles", () => {
  it.each([
    ["classic", "KRW-BTC", 0, 1_100],
    ["classic", "KRW-XRP", 9_000, 1_600],
    ["default", "KRW-ETH", 2_000, 1_600],
  ] as const)("%s preset on %s hourly candles: identical order intents", async (preset, market, from, count) => {
    const warmup = 100;
    const series = await loadHourly(market, from, count);
    const expected = backtestIntents(series, preset, series.ts[warmup]!);
    const actual = await runtimeIntents(series, preset, warmup);
    expect(expected.length).toBeGreaterThan(6); // the slice really trades
    expect(actual.map(key)).toEqual(expected.map(key));
  });
});
