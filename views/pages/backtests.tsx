import type { FC } from "hono/jsx";
import { Badge, Csrf, EmptyRow, FieldError, PageHead, Signed, type Tone } from "../components.tsx";
import type { ViewContext } from "../context.ts";
import { formatKst, formatKstMinute, formatPercent, formatPlain } from "../format.ts";
import { Layout } from "../layout.tsx";

/** One stored run as the list shows it (metrics already picked out of its JSON). */
export interface BacktestLine {
  readonly id: number;
  readonly createdAt: number;
  readonly kind: string;
  readonly status: string;
  readonly markets: readonly string[];
  readonly interval: string | null;
  readonly fromTs: number | null;
  readonly toTs: number | null;
  readonly totalReturn?: number;
  readonly maxDrawdown?: number;
  readonly trades?: number;
  readonly sharpe?: number | null;
  readonly finalEquity?: number;
  /** The dashboard can serve its report. */
  readonly hasReport: boolean;
  readonly error: string | null;
  /** Live progress of a run this process is executing. */
  readonly progress?: BacktestProgress;
}

export interface BacktestProgress {
  readonly id: number;
  readonly state: "queued" | "loading" | "running" | "done" | "failed";
  /** Candles done and to do (0 of 0 while loading). */
  readonly done: number;
  readonly total: number;
  readonly error?: string;
}

/** A data set a backtest can run on: a candle file, or a market's stored candles. */
export interface DataChoice {
  readonly value: string;
  readonly label: string;
}

export interface LaunchForm {
  readonly data: string;
  readonly preset: string;
  readonly from: string;
  readonly to: string;
  readonly params: string;
}

export interface LaunchFormState {
  readonly values: LaunchForm;
  readonly errors: Readonly<Record<string, readonly string[]>>;
}

const STATUS_TONE: Readonly<Record<string, Tone>> = { queued: "muted", loading: "info", running: "info", done: "ok", failed: "bad" };

/** Live progress of a run (polled by htmx every second until it ends; a plain reload without JavaScript). */
export const ProgressIndicator: FC<{ ctx: ViewContext; progress: BacktestProgress }> = ({ ctx, progress: p }) => {
  const finished = p.state === "done" || p.state === "failed";
  const poll = finished ? {} : { "hx-get": `/backtests/${p.id}/progress`, "hx-trigger": "every 1s", "hx-swap": "outerHTML" };
  const pct = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  return (
    <div id={`bt-progress-${p.id}`} class="progress" {...poll}>
      <Badge tone={STATUS_TONE[p.state] ?? "muted"}>{ctx.t(`backtest.state.${p.state}`)}</Badge>
      {finished ? null : (
        <>
          <progress max={1000} value={Math.round(pct * 1000)} aria-label={ctx.t("backtest.progress")}></progress>
          <span class="num">{formatPercent(pct, { digits: 0 })}</span>
        </>
      )}
      {p.state === "done" ? (
        <a href={`/backtests/${p.id}`} class="btn quiet">
          {ctx.t("backtest.open")}
        </a>
      ) : null}
      {p.error ? <span class="error-text">{p.error}</span> : null}
    </div>
  );
};

const LaunchPanel: FC<{ ctx: ViewContext; choices: readonly DataChoice[]; presets: readonly string[]; form: LaunchFormState }> = ({ ctx, choices, presets, form }) => {
  const { t } = ctx;
  const v = form.values;
  const err = (k: string) => form.errors[k];
  return (
    <section class="panel" id="bt-launch">
      <h2>{t("backtest.launch")}</h2>
      <form method="post" action="/backtests" class="form" hx-post="/backtests" hx-target="#bt-launch" hx-select="#bt-launch" hx-swap="outerHTML" hx-disable="find button">
        <Csrf ctx={ctx} />
        <div class="form-row">
          <label for="bt-data">{t("backtest.data")}</label>
          <select id="bt-data" name="data" required aria-invalid={err("data") ? "true" : undefined}>
            {choices.map((c) => (
              <option value={c.value} selected={c.value === v.data}>
                {c.label}
              </option>
            ))}
          </select>
          <FieldError errors={err("data")} />
        </div>
        <div class="form-row">
          <label for="bt-preset">{t("backtest.preset")}</label>
          <select id="bt-preset" name="preset">
            {presets.map((p) => (
              <option value={p} selected={p === v.preset}>
                {p}
              </option>
            ))}
          </select>
          <FieldError errors={err("preset")} />
        </div>
        <div class="form-row two">
          <div>
            <label for="bt-from">{t("backtest.from")}</label>
            <input id="bt-from" name="from" type="date" value={v.from} aria-invalid={err("from") ? "true" : undefined} />
            <FieldError errors={err("from")} />
          </div>
          <div>
            <label for="bt-to">{t("backtest.to")}</label>
            <input id="bt-to" name="to" type="date" value={v.to} aria-invalid={err("to") ? "true" : undefined} />
            <FieldError errors={err("to")} />
          </div>
        </div>
        <div class="form-row">
          <label for="bt-params">{t("backtest.params")}</label>
          <textarea id="bt-params" name="params" rows={5} spellcheck={false} placeholder='{"strategy": {"emaFast": 12}}' aria-invalid={err("params") ? "true" : undefined}>
            {v.params}
          </textarea>
          <span class="help">{t("backtest.paramsHelp")}</span>
          <FieldError errors={err("params")} />
        </div>
        <button type="submit" class="btn primary">
          {t("backtest.run")}
          <span class="htmx-indicator spinner" aria-hidden="true"></span>
        </button>
      </form>
    </section>
  );
};

export const BacktestsPage: FC<{
  ctx: ViewContext;
  runs: readonly BacktestLine[];
  choices: readonly DataChoice[];
  presets: readonly string[];
  form: LaunchFormState;
  available: boolean;
}> = ({ ctx, runs, choices, presets, form, available }) => {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t("nav.backtests")}>
      <PageHead title={t("nav.backtests")} sub={t("backtest.sub")} />
      {ctx.can.operate && available ? <LaunchPanel ctx={ctx} choices={choices} presets={presets} form={form} /> : null}
      {!available ? <p class="muted">{t("backtest.unavailable")}</p> : null}
      <section class="panel">
        <h2>{t("backtest.runs")}</h2>
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th class="num">#</th>
                <th>{t("col.createdKst")}</th>
                <th>{t("col.kind")}</th>
                <th>{t("col.markets")}</th>
                <th>{t("backtest.span")}</th>
                <th>{t("col.state")}</th>
                <th class="num">{t("backtest.return")}</th>
                <th class="num">{t("backtest.maxDrawdown")}</th>
                <th class="num">{t("backtest.trades")}</th>
                <th class="num">Sharpe</th>
                <th>{t("backtest.report")}</th>
              </tr>
            </thead>
            <tbody>
              {runs.length === 0 ? (
                <EmptyRow cols={11} text={t("backtest.none")} />
              ) : (
                runs.map((r) => (
                  <tr>
                    <td class="num">
                      <a href={`/backtests/${r.id}`}>{r.id}</a>
                    </td>
                    <td class="time">{formatKstMinute(r.createdAt)}</td>
                    <td>{r.kind}</td>
                    <td>
                      {r.markets.join(", ")} <span class="muted">{r.interval ?? ""}</span>
                    </td>
                    <td class="time">
                      {formatKstMinute(r.fromTs)} – {formatKstMinute(r.toTs)}
                    </td>
                    <td>{r.progress ? <ProgressIndicator ctx={ctx} progress={r.progress} /> : <Badge tone={STATUS_TONE[r.status] ?? "muted"}>{t(`backtest.state.${(r.status in STATUS_TONE ? r.status : "done") as "done"}`)}</Badge>}</td>
                    <td class="num">
                      <Signed value={r.totalReturn}>{formatPercent(r.totalReturn, { signed: true })}</Signed>
                    </td>
                    <td class="num">{formatPercent(r.maxDrawdown)}</td>
                    <td class="num">{r.trades ?? "–"}</td>
                    <td class="num">{formatPlain(r.sharpe, 2)}</td>
                    <td>
                      {r.hasReport ? (
                        <a href={`/backtests/${r.id}/report`} target="_blank" rel="noopener">
                          {t("backtest.report")}
                        </a>
                      ) : (
                        <span class="muted">{r.error ?? "–"}</span>
                      )}
                    </td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      </section>
      <p class="muted small">{t("backtest.note")}</p>
    </Layout>
  );
};

/** One run: its status (with progress while it runs), parameters and headline metrics. */
export const BacktestRunPage: FC<{ ctx: ViewContext; run: BacktestLine; params: string; metrics: readonly (readonly [string, string])[] }> = ({ ctx, run, params, metrics }) => {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={`${t("nav.backtests")} #${run.id}`}>
      <PageHead title={`${t("nav.backtests")} #${run.id}`} sub={`${run.kind} · ${run.markets.join(", ")} ${run.interval ?? ""} · ${formatKst(run.createdAt)} KST`}>
        {run.hasReport ? (
          <a class="btn primary" href={`/backtests/${run.id}/report`} target="_blank" rel="noopener">
            {t("backtest.openReport")}
          </a>
        ) : null}
      </PageHead>
      {run.progress ? <ProgressIndicator ctx={ctx} progress={run.progress} /> : null}
      {run.error ? <p class="flash error">{run.error}</p> : null}
      <div class="grid two">
        <section class="panel">
          <h2>{t("backtest.metrics")}</h2>
          {metrics.length === 0 ? (
            <p class="muted">{t("backtest.noMetrics")}</p>
          ) : (
            <dl class="facts">
              {metrics.map(([k, v]) => (
                <>
                  <dt>{k}</dt>
                  <dd class="num">{v}</dd>
                </>
              ))}
            </dl>
          )}
        </section>
        <section class="panel">
          <h2>{t("backtest.params")}</h2>
          <pre class="code">{params}</pre>
        </section>
      </div>
    </Layout>
  );
};
