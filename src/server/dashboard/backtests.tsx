import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AssetUrls } from "../../../views/context.ts";
import { formatKrw, formatPercent, formatPlain } from "../../../views/format.ts";
import { BacktestRunPage, BacktestsPage, ProgressIndicator, type BacktestLine, type DataChoice, type LaunchForm, type LaunchFormState } from "../../../views/pages/backtests.tsx";
import { ErrorPage } from "../../../views/pages/login.tsx";
import { marketFromFileName } from "../../backtest/data/index.ts";
import { resolveBacktestConfig } from "../../backtest/engine/index.ts";
import { ParseError } from "../../core/errors.ts";
import { INTERVALS, isMarket, type Interval } from "../../core/model.ts";
import { STRATEGY_PRESET_NAMES } from "../../core/strategy/index.ts";
import { getBacktestRun, listBacktestRuns, listCandleSeries, type BacktestRunRow } from "../../db/index.ts";
import { csrfProtect, requireRole, requireUser, who, type DashboardEnv } from "./contract.ts";
import { BacktestBusyError, type BacktestJob, type BacktestLauncher, candleFiles, insideDir } from "./backtest-runner.ts";
import type { DashboardDeps } from "./deps.ts";
import { audit, type Ctx, isHtmx, readForm, renderFragment, renderPage, viewContext } from "./request.ts";

/**
 * Backtests: the list of stored runs (from the CLI or this page), a form to launch one on a candle
 * file or a market's stored candles (operators), each run's page with its progress, and its HTML
 * report. The report is the backtester's self-contained page (inline script and styles), so it is
 * served with its own sandboxing CSP: scripts run, but in an opaque origin that can neither read
 * the session nor call the API.
 */

const REPORT_CSP = "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

export function backtestRoutes(deps: DashboardDeps, assets: AssetUrls, launcher: BacktestLauncher | undefined): Hono<DashboardEnv> {
  const { db } = deps;
  const settings = deps.backtests;
  const options = { dbPath: settings?.dbPath };
  const user = requireUser();

  function reportPath(row: BacktestRunRow): string | undefined {
    const path = row.reportPath;
    return settings && path && insideDir(settings.reportsDir, path) && existsSync(path) ? path : undefined;
  }

  function line(row: BacktestRunRow): BacktestLine {
    const metrics = parseJson(row.metrics) as Record<string, unknown> | null;
    const m = metrics && typeof metrics === "object" && !Array.isArray(metrics) ? metrics : {};
    const markets = parseJson(row.markets);
    return {
      id: row.id,
      createdAt: row.createdAt,
      kind: row.kind,
      status: row.status,
      markets: Array.isArray(markets) ? markets.map(String) : [],
      interval: row.interval,
      fromTs: row.fromTs,
      toTs: row.toTs,
      totalReturn: num(m["totalReturn"]),
      maxDrawdown: num(m["maxDrawdown"]),
      trades: num(m["trades"]),
      sharpe: num(m["sharpe"]) ?? null,
      finalEquity: num(m["finalEquity"]),
      hasReport: reportPath(row) !== undefined,
      error: row.error,
      progress: launcher?.progressOf(row.id),
    };
  }

  /** Data sets offered: candle files, and markets' stored candles when the worker can read the database. */
  function choices(): DataChoice[] {
    const files = settings ? candleFiles(settings.candlesDir).map((name) => ({ value: `file:${name}`, label: name })) : [];
    const stored = options.dbPath
      ? listCandleSeries(db)
          .filter((s) => s.count > 0)
          .map((s) => ({ value: `db:${s.market}:${s.interval}`, label: `${s.market} ${s.interval} · ${formatPlain(s.count, 0)} (DB)` }))
      : [];
    return [...stored, ...files];
  }

  const emptyForm: LaunchFormState = { values: { data: "", preset: "default", from: "", to: "", params: "" }, errors: {} };

  async function listPage(c: Ctx, form: LaunchFormState = emptyForm, status: ContentfulStatusCode = 200): Promise<Response> {
    const ctx = viewContext(c, deps, assets);
    const runs = listBacktestRuns(db, 100).map(line);
    return renderPage(c, <BacktestsPage ctx={ctx} runs={runs} choices={choices()} presets={STRATEGY_PRESET_NAMES} form={form} available={launcher !== undefined && settings !== undefined} />, status);
  }

  /** The launch form checked: a listed data set, a preset, dates, and parameters the backtester accepts. */
  function parseLaunch(c: Ctx, values: LaunchForm): { job?: BacktestJob; errors: Record<string, string[]> } {
    const t = viewContext(c, deps, assets, { flash: undefined }).t;
    const errors: Record<string, string[]> = {};
    if (!choices().some((ch) => ch.value === values.data)) errors["data"] = [t("backtest.badData")];
    if (!(STRATEGY_PRESET_NAMES as readonly string[]).includes(values.preset)) errors["preset"] = [t("backtest.badPreset")];
    const date = (field: "from" | "to") => {
      const v = values[field].trim();
      if (v === "") return undefined;
      const ts = DATE.test(v) ? Date.parse(`${v}T00:00:00Z`) : Number.NaN;
      if (!Number.isFinite(ts)) errors[field] = [t("form.badDate")];
      return Number.isFinite(ts) ? ts : undefined;
    };
    const fromTs = date("from");
    const toTs = date("to");
    if (fromTs !== undefined && toTs !== undefined && toTs <= fromTs) errors["to"] = [t("backtest.toBeforeFrom")];
    let params: unknown = {};
    if (values.params.trim() !== "") {
      try {
        params = JSON.parse(values.params);
      } catch (e) {
        errors["params"] = [t("form.badJson", { error: (e as Error).message })];
      }
    }
    if (!errors["params"] && !errors["preset"]) {
      try {
        resolveBacktestConfig(params, values.preset, "params");
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        errors["params"] = e.message.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.endsWith("invalid parameters:"));
      }
    }
    if (Object.keys(errors).length > 0 || !settings) return { errors };
    const [kind, ...rest] = values.data.split(":");
    if (kind === "file") {
      const name = rest.join(":");
      const market = marketFromFileName(name);
      return { job: { source: { kind: "file", path: join(settings.candlesDir, name) }, markets: market ? [market] : [name], preset: values.preset, params, fromTs, toTs }, errors };
    }
    const [market, interval] = rest;
    if (!options.dbPath || !isMarket(market) || !(INTERVALS as readonly string[]).includes(interval ?? "")) return { errors: { data: [t("backtest.badData")] } };
    return { job: { source: { kind: "db", dbPath: options.dbPath, market, interval: interval as Interval }, markets: [market], interval, preset: values.preset, params, fromTs, toTs }, errors };
  }

  const routes = new Hono<DashboardEnv>()
    .get("/backtests", user, (c) => listPage(c))
    .post("/backtests", user, requireRole("operator"), csrfProtect(), async (c) => {
      const form = (await readForm(c)).values;
      const values: LaunchForm = { data: form["data"] ?? "", preset: form["preset"] ?? "default", from: form["from"] ?? "", to: form["to"] ?? "", params: (form["params"] ?? "").slice(0, 20_000) };
      const t = viewContext(c, deps, assets, { flash: undefined }).t;
      if (!launcher || !settings) return listPage(c, { values, errors: { _: [t("backtest.unavailable")] } }, 503);
      const { job, errors } = parseLaunch(c, values);
      if (!job) return listPage(c, { values, errors }, 422);
      let id: number;
      try {
        id = launcher.launch(job, who(c.get("principal")!));
      } catch (e) {
        if (!(e instanceof BacktestBusyError)) throw e;
        return listPage(c, { values, errors: { _: [t("backtest.busy")] } }, 429);
      }
      audit(c, deps, "backtest.launch", String(id), { data: values.data, preset: values.preset, from: values.from || null, to: values.to || null, params: job.params });
      const to = `/backtests/${id}`;
      if (isHtmx(c)) {
        c.header("HX-Redirect", to);
        return c.body(null, 204);
      }
      return c.redirect(to, 303);
    })
    .get("/backtests/:id{[0-9]+}", user, (c) => {
      const ctx = viewContext(c, deps, assets);
      const row = getBacktestRun(db, Number(c.req.param("id")));
      if (!row) return renderPage(c, <ErrorPage ctx={ctx} status={404} message={ctx.t("error.noRun", { id: c.req.param("id") })} />, 404);
      const run = line(row);
      const m = (parseJson(row.metrics) ?? {}) as Record<string, unknown>;
      const pct = (k: string) => [k, formatPercent(num(m[k]), { signed: k === "totalReturn" })] as const;
      const ratio = (k: string) => [k, formatPlain(num(m[k]), 3)] as const;
      const metrics = row.metrics
        ? [
            pct("totalReturn"),
            ["finalEquity", formatKrw(num(m["finalEquity"]), ctx.lang)] as const,
            pct("cagr"),
            pct("maxDrawdown"),
            ratio("sharpe"),
            ratio("sortino"),
            ["trades", formatPlain(num(m["trades"]), 0)] as const,
            pct("winRate"),
            ratio("profitFactor"),
            pct("benchmarkReturn"),
          ]
        : [];
      return renderPage(c, <BacktestRunPage ctx={ctx} run={run} params={JSON.stringify(parseJson(row.params), null, 2)} metrics={metrics} />);
    })
    .get("/backtests/:id{[0-9]+}/progress", user, async (c) => {
      const ctx = viewContext(c, deps, assets, { flash: undefined });
      const id = Number(c.req.param("id"));
      const progress = launcher?.progressOf(id);
      if (!progress) return c.body(null, 204);
      // A run that just ended: reload the page so its metrics and report link show.
      if (progress.state === "done" || progress.state === "failed") c.header("HX-Refresh", "true");
      return renderFragment(c, <ProgressIndicator ctx={ctx} progress={progress} />);
    })
    .get("/backtests/:id{[0-9]+}/report", user, (c) => {
      const row = getBacktestRun(db, Number(c.req.param("id")));
      const path = row ? reportPath(row) : undefined;
      if (!path) return c.text("no report", 404);
      // If the platform's CSP replaces ours, the nonce still lets the report's own script and styles run.
      const nonce = /^[A-Za-z0-9+/=_-]{8,128}$/.test(c.get("cspNonce") ?? "") ? c.get("cspNonce") : "";
      const html = readFileSync(path, "utf8").replace(/<(script|style)(?=[\s>])/g, nonce ? `<$1 nonce="${nonce}"` : "<$1");
      return c.html(html, 200, { "Content-Security-Policy": REPORT_CSP, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" });
    });
  return routes;
}
