/**
 * `bun run download`: fetch Bithumb candles into the SQLite candle store or a CSV file
 * (docs/backtesting.md, "Downloading candles").
 *
 *   bun run download --market KRW-BTC --interval 1h --from 2024-01-01 [--to 2024-07-01]
 *                    [--out FILE.csv] [--progress | --no-progress]
 *
 * Environment: BITHUMB_REST_URL (default https://api.bithumb.com; point it at the simulator in
 * tests), DATABASE_PATH (default data/bot.db, used without --out), REQUEST_TIMEOUT_MS, LOG_LEVEL.
 * A re-run continues where the last one stopped. Progress goes to stderr (by default only on a
 * terminal), the summary to stdout. Exit codes: 0 done, 1 failed, 2 bad argument or setting,
 * 130 interrupted (Ctrl-C or SIGTERM; what was stored is kept, run again to continue).
 */
import { resolve } from "node:path";
import pino from "pino";
import { downloadCandles, formatDownloadSummary, openCsvCandleStore, sqliteCandleStore, type CandleStore } from "../backtest/download/index.ts";
import { SystemClock } from "../clock/system.ts";
import { BITHUMB_REST_URL, envSchema } from "../config/schema.ts";
import { openDb, type DbHandle } from "../db/index.ts";
import { BithumbRestClient } from "../exchange/bithumb/index.ts";
import { createLogger } from "../log.ts";
import { parseCliArgs, parseIntervalArg, parseMarketArg, parseTimeArg, required, runCli, UsageError } from "./args.ts";
import { createProgressBar } from "./progress.ts";

const USAGE =
  "usage: bun run download --market KRW-BTC --interval 1h --from 2024-01-01 [--to 2024-07-01] [--out FILE.csv] [--progress | --no-progress]\n" +
  "  --interval: 1m 3m 5m 10m 15m 30m 1h 4h 1d 1w 1M; times are UTC unless they carry a zone; --to is exclusive (default: now)\n" +
  "  without --out, candles go to the SQLite store at DATABASE_PATH (default data/bot.db)";

/** The client retries each request a little; the downloader retries pages longer on top of that. */
const CLIENT_RETRY = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 5_000 };
const PAGE_RETRY = { maxRetries: 6, baseDelayMs: 1_000, maxDelayMs: 15_000 };

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseCliArgs(argv, {
    market: { type: "string" },
    interval: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    out: { type: "string" },
    progress: { type: "boolean" },
    "no-progress": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const market = parseMarketArg("market", required("market", values.market));
  const interval = parseIntervalArg("interval", required("interval", values.interval));
  const from = parseTimeArg("from", required("from", values.from));
  const to = values.to === undefined ? undefined : parseTimeArg("to", values.to);
  if (to !== undefined && to <= from) throw new UsageError(`--to (${values.to}) must be later than --from (${values.from})`);
  if (values.out !== undefined && values.out.trim() === "") throw new UsageError("--out needs a file name");
  if (values.out?.endsWith(".gz")) throw new UsageError("--out: gzip output is not supported (the file is appended page by page); write .csv and compress it afterwards");
  if (values.progress && values["no-progress"]) throw new UsageError("--progress and --no-progress contradict each other");

  const parsedEnv = envSchema.pick({ BITHUMB_REST_URL: true, DATABASE_PATH: true, REQUEST_TIMEOUT_MS: true, LOG_LEVEL: true }).safeParse(process.env);
  if (!parsedEnv.success) throw new UsageError(parsedEnv.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  const env = parsedEnv.data;

  const stderrIsTTY = process.stderr.isTTY === true;
  const logger = createLogger({ level: env.LOG_LEVEL, format: stderrIsTTY ? "pretty" : "json", name: "download", destination: pino.destination({ dest: 2, sync: true }) });
  const clock = new SystemClock();
  const client = new BithumbRestClient({ baseUrl: env.BITHUMB_REST_URL ?? BITHUMB_REST_URL, clock, timeoutMs: env.REQUEST_TIMEOUT_MS ?? 10_000, retry: CLIENT_RETRY, logger });

  let db: DbHandle | undefined;
  let store: CandleStore;
  let notes: string[] = [];
  if (values.out !== undefined) {
    const csv = openCsvCandleStore(resolve(values.out), market, interval);
    if (csv.repairedBytes > 0) notes.push(`cut ${csv.repairedBytes} bytes of an unfinished last line from ${values.out} (an interrupted write)`);
    store = csv;
  } else {
    const path = resolve(env.DATABASE_PATH ?? "data/bot.db");
    db = openDb({ path });
    store = sqliteCandleStore({ db: db.db, market, interval, label: path });
  }

  const showProgress = values.progress ?? (values["no-progress"] ? false : stderrIsTTY);
  const bar = showProgress ? createProgressBar({ total: 0, label: `${market} ${interval}`, stream: process.stderr, isTTY: stderrIsTTY }) : undefined;
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write(`\n${signal}: stopping after the current page; press Ctrl-C again to quit at once\n`);
    controller.abort(new Error(signal));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    const result = await downloadCandles({
      source: client,
      store,
      clock,
      market,
      interval,
      from,
      to,
      signal: controller.signal,
      retry: PAGE_RETRY,
      logger,
      onProgress: (p) => {
        bar?.setTotal(p.total);
        bar?.update(p.done, `${p.stored} candles`);
      },
    });
    bar?.finish(`${result.stored} candles`);
    const http = Object.values(client.rateLimiter.stats()).reduce((sum, g) => ({ sent: sum.sent + g.acquired, throttled: sum.throttled + g.throttled }), { sent: 0, throttled: 0 });
    notes = [...notes, `HTTP requests sent: ${http.sent}${http.throttled > 0 ? ` (${http.throttled} answered 429 and were retried)` : ""}`];
    process.stdout.write(`${formatDownloadSummary({ ...result, notes: [...result.notes, ...notes] }, store.description)}\n`);
    return result.completed ? 0 : 130;
  } finally {
    db?.close();
  }
}

await runCli("download", USAGE, main);
