/**
 * The dashboard's backtest worker thread: loads the data (a candle file, or a market's candles
 * from a read-only connection to the bot's database), runs the live strategy over it with the
 * backtest engine, renders the HTML report, and reports progress on the way. One job per worker;
 * the dashboard's launcher terminates it afterwards. Nothing of this runs on the server's thread.
 */
import type { Interval, Market } from "../../core/model.ts";
import type { LoadedData } from "../../backtest/engine/index.ts";
import type { FromBacktestWorker, ToBacktestWorker } from "./backtest-runner.ts";

declare const self: Worker;

function post(message: FromBacktestWorker): void {
  self.postMessage(message);
}

async function loadFromDb(dbPath: string, market: Market, interval: Interval): Promise<LoadedData> {
  const { openDb, loadCandles } = await import("../../db/index.ts");
  const { candlesToSeries, candleFingerprint } = await import("../../backtest/data/index.ts");
  const handle = openDb({ path: dbPath, readonly: true });
  try {
    const series = candlesToSeries(loadCandles(handle.db, market, interval, { limit: 2_000_000 }), market, interval);
    if (series.length === 0) throw new Error(`no stored ${interval} candles for ${market}`);
    return { series: [series], files: [], fingerprint: candleFingerprint([series]) };
  } finally {
    handle.close();
  }
}

async function run(job: Extract<ToBacktestWorker, { type: "run" }>): Promise<void> {
  post({ type: "progress", state: "loading", done: 0, total: 0 });
  const engine = await import("../../backtest/engine/index.ts");
  const config = engine.resolveBacktestConfig(job.params, job.preset, "params");
  const loaded = job.source.kind === "file" ? await engine.loadCandleFiles([job.source.path]) : await loadFromDb(job.source.dbPath, job.source.market, job.source.interval);
  const { data, startTs, tradedCandles } = engine.selectWindow(loaded, { fromTs: job.fromTs, toTs: job.toTs }, engine.windowWarmup(config));
  post({ type: "progress", state: "running", done: 0, total: tradedCandles });
  const result = engine.runBacktest(data.series, config, { startTs, onProgress: (done, total) => post({ type: "progress", state: "running", done, total }) });
  const built = engine.buildResult({ run: result, config, series: data.series, dataFingerprint: data.fingerprint, startTs });
  const { renderReport } = await import("../../backtest/report/index.ts");
  const report = renderReport(built);
  const first = data.series.map((s) => s.ts[0]!);
  const last = data.series.map((s) => s.ts[s.length - 1]!);
  post({
    type: "done",
    markets: data.series.map((s) => s.market),
    interval: data.series[0]?.interval ?? null,
    fromTs: Math.max(startTs ?? Number.NEGATIVE_INFINITY, Math.min(...first)),
    toTs: Math.max(...last),
    fingerprint: data.fingerprint,
    params: built.params,
    metrics: built.metrics,
    report,
  });
}

self.onmessage = (event: MessageEvent<ToBacktestWorker>) => {
  const message = event.data;
  if (message.type !== "run") return;
  run(message).catch((e: unknown) => post({ type: "error", message: e instanceof Error ? e.message : String(e) }));
};
