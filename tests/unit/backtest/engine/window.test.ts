import { describe, expect, it } from "vitest";
import { candleFingerprint, sliceSeries } from "../../../../src/backtest/data/index.ts";
import { buildResult, equityPoints, type LoadedData, resolveBacktestConfig, runBacktest, selectWindow, windowWarmup } from "../../../../src/backtest/engine/index.ts";
import { ParseError } from "../../../../src/core/errors.ts";
import { bundledHourly, H } from "./support.ts";

/** `--from` / `--to`: the candles a windowed run uses, and what the run then does with them. */
const classic = resolveBacktestConfig({}, "classic");
const FROM = Date.UTC(2024, 0, 1);
const TO = Date.UTC(2024, 6, 1);

async function loaded(...symbols: ("BTC" | "ETH" | "XRP")[]): Promise<LoadedData> {
  const series = await Promise.all(symbols.map((s) => bundledHourly(s)));
  return { series, files: series.map((s) => ({ path: `upbit-${s.market}-1h.csv.gz`, imported: { series: s, issues: [], rows: s.length, dropped: 0, filled: 0 } })), fingerprint: candleFingerprint(series) };
}

describe("selectWindow", () => {
  it("keeps each market's candles in [from, to) plus the warm-up before it, with the fingerprint of exactly those", async () => {
    const data = await loaded("BTC", "ETH");
    const w = selectWindow(data, { fromTs: FROM, toTs: TO }, 300);
    expect(w.startTs).toBe(FROM);
    for (const s of w.data.series) {
      const firstTraded = s.ts.findIndex((t) => t >= FROM);
      expect(firstTraded).toBe(300);
      expect(s.ts.at(-1)).toBe(TO - H);
    }
    expect(w.tradedCandles).toBe(w.data.series.reduce((n, s) => n + s.length - 300, 0));
    expect(w.data.fingerprint).toBe(candleFingerprint(w.data.series));
    expect(w.data.fingerprint).not.toBe(data.fingerprint);
    expect(w.data.files).toBe(data.files);
  });

  it("leaves the data as it is without a window, and starts at the first candle without --from", async () => {
    const data = await loaded("BTC");
    const all = selectWindow(data, {}, 300);
    expect(all.data).toBe(data);
    expect(all.startTs).toBeUndefined();
    expect(all.tradedCandles).toBe(data.series[0]!.length);
    const head = selectWindow(data, { toTs: Date.UTC(2022, 2, 1) }, 300);
    expect(head.startTs).toBeUndefined();
    expect(head.data.series[0]!.ts[0]).toBe(data.series[0]!.ts[0]);
    expect(head.tradedCandles).toBe(head.data.series[0]!.length);
  });

  it("refuses a window in which a market has no candle, naming its file and span", async () => {
    const data = await loaded("BTC");
    expect(() => selectWindow(data, { fromTs: Date.UTC(2030, 0, 1) }, 300)).toThrow(ParseError);
    expect(() => selectWindow(data, { fromTs: Date.UTC(2030, 0, 1) }, 300)).toThrow(
      "upbit-KRW-BTC-1h.csv.gz: no KRW-BTC candle from 2030-01-01T00:00:00Z to the end (the file has 2022-01-01T00:00:00Z to 2024-12-31T23:00:00Z)",
    );
  });
});

describe("a windowed run", () => {
  it("trades only inside the window, starts flat at its first candle, and ignores a signal on its last", async () => {
    const data = await loaded("BTC");
    const w = selectWindow(data, { fromTs: FROM, toTs: TO }, windowWarmup(classic));
    const run = runBacktest(w.data.series, classic, { startTs: w.startTs, recordDecisions: true });
    expect(run.equityTs[0]).toBe(FROM);
    expect(run.equityValue[0]).toBe(classic.engine.initialCapital);
    expect(run.equityTs.at(-1)).toBe(TO - H);
    expect(run.candles).toBe(w.tradedCandles);
    expect(run.trades.length).toBeGreaterThan(0);
    for (const t of run.trades) {
      expect(t.entryTs).toBeGreaterThanOrEqual(FROM);
      expect(t.exitTs).toBeLessThan(TO);
    }
    expect(run.decisions!.every((d) => d.ts >= FROM && d.ts < TO)).toBe(true);
    // The metrics and the report's candles cover the window only.
    const result = buildResult({ run, config: classic, series: w.data.series, dataFingerprint: w.data.fingerprint, startTs: w.startTs });
    expect(result.candles["KRW-BTC"]!.ts[0]).toBe(FROM);
    expect(result.metrics.candles).toBe(w.tradedCandles);
  });

  it("does not depend on how much history the file has before the warm-up", async () => {
    const data = await loaded("BTC");
    const warmup = windowWarmup(classic);
    const full = selectWindow(data, { fromTs: FROM, toTs: TO }, warmup);
    // The same file cut a week before the warm-up starts: the windowed run is identical.
    const btc = data.series[0]!;
    const shortFile = sliceSeries(btc, btc.ts.findIndex((t) => t >= FROM) - warmup - 7 * 24);
    const short = selectWindow({ ...data, series: [shortFile] }, { fromTs: FROM, toTs: TO }, warmup);
    expect(short.data.fingerprint).toBe(full.data.fingerprint);
    const a = runBacktest(full.data.series, classic, { startTs: FROM });
    const b = runBacktest(short.data.series, classic, { startTs: FROM });
    expect(b.trades).toEqual(a.trades);
    expect(equityPoints({ ts: b.equityTs, value: b.equityValue })).toEqual(equityPoints({ ts: a.equityTs, value: a.equityValue }));
  });
});
