import client, { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * Every Prometheus metric of the bot, under one naming scheme: `bot_<subject>_<unit>` with base
 * units (seconds, KRW, ratios) and `_total` only on counters. One instance per process, passed to
 * whatever records into it (actors, exchange adapters, the server); tests create their own.
 *
 * Label values stay few by construction: markets are the traded KRW markets, `endpoint` is a REST
 * path template or a route pattern (never a raw path with ids), everything else is an enum.
 * docs/monitoring.md lists every family with its labels and who feeds it.
 */

/** One metric family as registered (for documentation checks and dashboard validation). */
export interface MetricFamilyInfo {
  readonly name: string;
  readonly type: "counter" | "gauge" | "histogram" | "summary";
  readonly help: string;
  readonly labelNames: readonly string[];
}

/** Latency buckets shared by every duration histogram: 1 ms to 10 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The dashboard broadcaster's tick: finer below 25 ms, where a healthy tick lives (it runs once a
 * second next to the page requests, so a few ms matter), up to its 1 s period.
 */
const LIVE_TICK_BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 1];

export class Metrics {
  readonly registry: Registry;

  readonly ordersTotal: Counter<"market" | "side" | "state">;
  readonly fillsTotal: Counter<"market" | "side">;
  readonly feesKrwTotal: Counter<"market">;
  readonly orderRoundTripSeconds: Histogram<"side">;
  readonly exchangeRequestSeconds: Histogram<"endpoint" | "method">;
  readonly exchangeErrorsTotal: Counter<"endpoint" | "method" | "kind">;
  readonly rateLimitWaitsTotal: Counter<"group">;
  readonly rateLimitWaitSecondsTotal: Counter<"group">;
  readonly rateLimitRejectionsTotal: Counter<"group">;
  readonly wsReconnectsTotal: Counter<"stream">;
  readonly wsConnected: Gauge<"stream">;
  readonly wsMessageLagSeconds: Histogram<"stream">;
  readonly wsMessagesTotal: Counter<"stream" | "kind">;
  readonly wsErrorsTotal: Counter<"stream" | "kind">;
  readonly marketDataAgeSeconds: Gauge<"market">;
  readonly actorState: Gauge<"actor" | "state">;
  readonly actorRestartsTotal: Counter<"actor">;
  readonly positionVolume: Gauge<"market">;
  readonly positionValueKrw: Gauge<"market">;
  readonly equityKrw: Gauge;
  readonly realisedPnlKrw: Gauge;
  readonly unrealisedPnlKrw: Gauge;
  readonly drawdownRatio: Gauge;
  readonly drawdownLimitRatio: Gauge;
  readonly tradingHalted: Gauge;
  readonly reconciliationMismatchesTotal: Counter<"kind">;
  readonly tickToOrderSeconds: Histogram;
  readonly signalsTotal: Counter<"market" | "kind" | "outcome">;
  readonly httpRequestsTotal: Counter<"method" | "route" | "status">;
  readonly httpRequestSeconds: Histogram<"method" | "route">;
  readonly alertDeliveriesTotal: Counter<"channel" | "outcome">;
  readonly dashboardLiveTickSeconds: Histogram;
  readonly dashboardLiveClients: Gauge;

  constructor(options: { defaultMetrics?: boolean; labels?: Record<string, string> } = {}) {
    const registry = new Registry();
    if (options.labels) registry.setDefaultLabels(options.labels);
    if (options.defaultMetrics !== false) {
      client.collectDefaultMetrics({ register: registry });
      // promtool lint: these gauges end in `_total`, which is reserved for counters (TOOLCHAIN.md 7).
      for (const n of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) registry.removeSingleMetric(n);
    }
    const registers = [registry];
    this.registry = registry;
    const buckets = LATENCY_BUCKETS;

    // Orders and fills (order-manager actor)
    this.ordersTotal = new Counter({ name: "bot_orders_total", help: "Order state transitions by market, side and state reached", labelNames: ["market", "side", "state"], registers });
    this.fillsTotal = new Counter({ name: "bot_fills_total", help: "Fills recorded", labelNames: ["market", "side"], registers });
    this.feesKrwTotal = new Counter({ name: "bot_fees_krw_total", help: "Fees paid in KRW", labelNames: ["market"], registers });
    this.orderRoundTripSeconds = new Histogram({ name: "bot_order_round_trip_seconds", help: "Order submit to exchange acknowledgement", labelNames: ["side"], buckets, registers });
    this.tickToOrderSeconds = new Histogram({ name: "bot_tick_to_order_seconds", help: "Market message in to order request out", buckets, registers });
    this.signalsTotal = new Counter({ name: "bot_signals_total", help: "Strategy signals by outcome", labelNames: ["market", "kind", "outcome"], registers });

    // Exchange REST adapter (bindExchangeMetrics)
    this.exchangeRequestSeconds = new Histogram({ name: "bot_exchange_request_duration_seconds", help: "Exchange REST request duration per attempt, answered or not", labelNames: ["endpoint", "method"], buckets, registers });
    this.exchangeErrorsTotal = new Counter({ name: "bot_exchange_errors_total", help: "Failed exchange REST attempts by endpoint and error kind", labelNames: ["endpoint", "method", "kind"], registers });
    this.rateLimitWaitsTotal = new Counter({ name: "bot_rate_limit_waits_total", help: "Requests that waited for a rate-limit slot", labelNames: ["group"], registers });
    this.rateLimitWaitSecondsTotal = new Counter({ name: "bot_rate_limit_wait_seconds_total", help: "Time spent waiting for rate-limit slots", labelNames: ["group"], registers });
    this.rateLimitRejectionsTotal = new Counter({ name: "bot_rate_limit_rejections_total", help: "Requests refused locally because their rate-limit slot was too far away", labelNames: ["group"], registers });

    // WebSocket streams (market-data / order-manager actors, bindStreamMetrics)
    this.wsReconnectsTotal = new Counter({ name: "bot_ws_reconnects_total", help: "WebSocket reconnects", labelNames: ["stream"], registers });
    this.wsConnected = new Gauge({ name: "bot_ws_connected", help: "1 while the WebSocket stream is connected", labelNames: ["stream"], registers });
    this.wsMessageLagSeconds = new Histogram({ name: "bot_ws_message_lag_seconds", help: "Delay between an exchange message's timestamp and its arrival", labelNames: ["stream"], buckets, registers });
    this.wsMessagesTotal = new Counter({ name: "bot_ws_messages_total", help: "WebSocket frames received by kind", labelNames: ["stream", "kind"], registers });
    this.wsErrorsTotal = new Counter({ name: "bot_ws_errors_total", help: "WebSocket problems by kind (parse, server, keepalive_timeout, connect)", labelNames: ["stream", "kind"], registers });
    this.marketDataAgeSeconds = new Gauge({ name: "bot_market_data_age_seconds", help: "Time since the last market data per market", labelNames: ["market"], registers });

    // Supervision (root actor, runtime, sampler)
    this.actorState = new Gauge({ name: "bot_actor_state", help: "1 for each actor's current state", labelNames: ["actor", "state"], registers });
    this.actorRestartsTotal = new Counter({ name: "bot_actor_restarts_total", help: "Supervisor restarts per actor", labelNames: ["actor"], registers });
    this.tradingHalted = new Gauge({ name: "bot_trading_halted", help: "1 while all new trading is halted", registers });
    this.reconciliationMismatchesTotal = new Counter({ name: "bot_reconciliation_mismatches_total", help: "Differences found between the database and the exchange", labelNames: ["kind"], registers });

    // Account (risk actor, account sampler)
    this.positionVolume = new Gauge({ name: "bot_position_volume", help: "Open position size in the base asset", labelNames: ["market"], registers });
    this.positionValueKrw = new Gauge({ name: "bot_position_value_krw", help: "Open position value at the last price", labelNames: ["market"], registers });
    this.equityKrw = new Gauge({ name: "bot_equity_krw", help: "Account equity in KRW (cash + positions at last price)", registers });
    this.realisedPnlKrw = new Gauge({ name: "bot_realised_pnl_krw", help: "Realised PnL today (KST) in KRW", registers });
    this.unrealisedPnlKrw = new Gauge({ name: "bot_unrealised_pnl_krw", help: "Unrealised PnL of open positions in KRW", registers });
    this.drawdownRatio = new Gauge({ name: "bot_drawdown_ratio", help: "Drawdown of equity from its peak (0..1)", registers });
    this.drawdownLimitRatio = new Gauge({ name: "bot_drawdown_limit_ratio", help: "Drawdown at which the risk rules stop new entries (risk.maxDrawdown; 1 when disabled, 0 until first sampled)", registers });

    // HTTP server (httpMetrics middleware) and alert delivery (alerter)
    this.httpRequestsTotal = new Counter({ name: "bot_http_requests_total", help: "HTTP requests served by route pattern and status", labelNames: ["method", "route", "status"], registers });
    this.httpRequestSeconds = new Histogram({ name: "bot_http_request_duration_seconds", help: "HTTP request handling time until the response starts", labelNames: ["method", "route"], buckets, registers });
    this.alertDeliveriesTotal = new Counter({ name: "bot_alert_deliveries_total", help: "Alert deliveries per channel kind and outcome (sent, failed, dropped, suppressed)", labelNames: ["channel", "outcome"], registers });

    // Dashboard live stream (the SSE broadcaster, bindLiveMetrics)
    this.dashboardLiveTickSeconds = new Histogram({ name: "bot_dashboard_live_tick_duration_seconds", help: "Time the dashboard's live broadcaster spends per tick: reading the bot, rendering what changed, framing and starting the writes to every client", buckets: LIVE_TICK_BUCKETS, registers });
    this.dashboardLiveClients = new Gauge({ name: "bot_dashboard_live_clients", help: "Browsers connected to the dashboard's live stream", registers });
  }

  /** The exposition text for `GET /metrics`. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Name, type, help and label names of every family in the registry (the bot's and the default ones). */
  families(): MetricFamilyInfo[] {
    return this.registry.getMetricsAsArray().map((m) => {
      const metric = m as unknown as { name: string; help: string; type: MetricFamilyInfo["type"]; labelNames?: readonly string[] };
      return { name: metric.name, type: metric.type, help: metric.help, labelNames: [...(metric.labelNames ?? [])] };
    });
  }
}
