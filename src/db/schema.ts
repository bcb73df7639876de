import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The bot's durable state. Times are epoch ms (UTC) integers; prices, volumes and KRW amounts are
 * REAL (doubles, the same numbers the exchange sends; orders are re-rounded onto the exchange grid
 * by core/orders/krw.ts before they are sent). JSON columns hold small structured details.
 *
 * Migrations are generated from this file by drizzle-kit into migrations/ and applied at start-up;
 * a landed migration is never edited.
 */

export const markets = sqliteTable("markets", {
  code: text("code").primaryKey(),
  koreanName: text("korean_name").notNull(),
  englishName: text("english_name").notNull(),
  /** Bithumb's market_warning: NONE | CAUTION. */
  warning: text("warning").notNull().default("NONE"),
  /** False once the exchange stopped listing the market. */
  active: integer("active", { mode: "boolean" }).notNull().default(true),
  listedAt: integer("listed_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
  delistedAt: integer("delisted_at"),
});

export const candles = sqliteTable(
  "candles",
  {
    market: text("market").notNull(),
    interval: text("interval").notNull(),
    /** Candle open time. */
    ts: integer("ts").notNull(),
    open: real("open").notNull(),
    high: real("high").notNull(),
    low: real("low").notNull(),
    close: real("close").notNull(),
    volume: real("volume").notNull(),
  },
  (t) => [primaryKey({ columns: [t.market, t.interval, t.ts] })],
);

export const signals = sqliteTable(
  "signals",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    ts: integer("ts").notNull(),
    market: text("market").notNull(),
    /** enter | exit | adjustStop */
    kind: text("kind").notNull(),
    strength: real("strength"),
    /** JSON array of reasons. */
    reasons: text("reasons").notNull().default("[]"),
    candleTs: integer("candle_ts"),
    /** approved | denied | ignored */
    outcome: text("outcome").notNull().default("approved"),
    deniedReason: text("denied_reason"),
    details: text("details"),
  },
  (t) => [index("signals_market_ts").on(t.market, t.ts)],
);

export const orders = sqliteTable(
  "orders",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** Chosen before sending and stored in the same transaction as the intent (never reused). */
    clientOrderId: text("client_order_id").notNull(),
    /** The exchange's order id (`C…`), once known. */
    exchangeOrderId: text("exchange_order_id"),
    market: text("market").notNull(),
    side: text("side").notNull(),
    type: text("type").notNull(),
    timeInForce: text("time_in_force"),
    /** limit/best: unit price; price (market buy): KRW amount. */
    price: real("price"),
    volume: real("volume"),
    /** pending_submit | open | partially_filled | filled | cancelled | rejected | unknown */
    state: text("state").notNull(),
    /** 0 URGENT, 1 HIGH, 2 NORMAL, 3 LOW */
    priority: integer("priority").notNull().default(2),
    reason: text("reason").notNull(),
    /**
     * The decision this order carries out, e.g. `KRW-BTC:enter:1756684800000`: unique, so a decision
     * replayed after a restart can never become a second order.
     */
    intentKey: text("intent_key"),
    executedVolume: real("executed_volume").notNull().default(0),
    executedFunds: real("executed_funds").notNull().default(0),
    paidFee: real("paid_fee").notNull().default(0),
    attempts: integer("attempts").notNull().default(0),
    /** Adopted from the exchange during reconciliation (not placed by this bot). */
    external: integer("external", { mode: "boolean" }).notNull().default(false),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    submittedAt: integer("submitted_at"),
    closedAt: integer("closed_at"),
  },
  (t) => [
    uniqueIndex("orders_client_order_id").on(t.clientOrderId),
    uniqueIndex("orders_exchange_order_id").on(t.exchangeOrderId),
    uniqueIndex("orders_intent_key").on(t.intentKey),
    index("orders_state").on(t.state),
    index("orders_market_created").on(t.market, t.createdAt),
  ],
);

export const fills = sqliteTable(
  "fills",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    orderId: integer("order_id")
      .notNull()
      .references(() => orders.id),
    exchangeOrderId: text("exchange_order_id").notNull(),
    /**
     * Identity of the fill: the order's cumulative executed volume after it (8-decimal text).
     * WebSocket and REST both report cumulative volume, so the same fill seen twice collides.
     */
    cumVolume: text("cum_volume").notNull(),
    tradeId: text("trade_id"),
    market: text("market").notNull(),
    side: text("side").notNull(),
    price: real("price").notNull(),
    volume: real("volume").notNull(),
    funds: real("funds").notNull(),
    fee: real("fee").notNull(),
    ts: integer("ts").notNull(),
  },
  (t) => [uniqueIndex("fills_order_cum").on(t.exchangeOrderId, t.cumVolume), index("fills_market_ts").on(t.market, t.ts)],
);

export const positions = sqliteTable("positions", {
  market: text("market").primaryKey(),
  volume: real("volume").notNull(),
  avgPrice: real("avg_price").notNull(),
  /** KRW paid for the current volume, buy fees included (core/portfolio/position.ts). */
  costBasis: real("cost_basis").notNull(),
  fees: real("fees").notNull().default(0),
  soldVolume: real("sold_volume").notNull().default(0),
  soldFunds: real("sold_funds").notNull().default(0),
  entryTs: integer("entry_ts").notNull(),
  stop: real("stop"),
  /** KRW the position risks at its initial stop (for the Kelly estimate of closed trades). */
  risk: real("risk"),
  highWater: real("high_water"),
  /** JSON: trailing-stop and take-profit progress from the strategy. */
  exitState: text("exit_state"),
  /** open | dust | closed */
  status: text("status").notNull(),
  realisedPnl: real("realised_pnl").notNull().default(0),
  /** Adopted from an exchange balance the bot did not buy. */
  external: integer("external", { mode: "boolean" }).notNull().default(false),
  updatedAt: integer("updated_at").notNull(),
});

/** Per-market strategy state, so a restarted trader resumes instead of relearning. */
export const traderState = sqliteTable("trader_state", {
  market: text("market").primaryKey(),
  /** paused by the operator (survives restarts) */
  paused: integer("paused", { mode: "boolean" }).notNull().default(false),
  halted: integer("halted", { mode: "boolean" }).notNull().default(false),
  strategyState: text("strategy_state"),
  lastCandleTs: integer("last_candle_ts"),
  updatedAt: integer("updated_at").notNull(),
});

export const closedTrades = sqliteTable(
  "closed_trades",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    market: text("market").notNull(),
    entryTs: integer("entry_ts").notNull(),
    entryPrice: real("entry_price").notNull(),
    exitTs: integer("exit_ts").notNull(),
    exitPrice: real("exit_price").notNull(),
    volume: real("volume").notNull(),
    fee: real("fee").notNull(),
    pnl: real("pnl").notNull(),
    /** KRW risked at the initial stop, when known. */
    risk: real("risk"),
    exitReason: text("exit_reason").notNull(),
  },
  (t) => [index("closed_trades_exit").on(t.exitTs)],
);

export const dailyPnl = sqliteTable("daily_pnl", {
  /** KST calendar day, YYYY-MM-DD. */
  date: text("date").primaryKey(),
  realised: real("realised").notNull(),
  unrealised: real("unrealised").notNull(),
  equity: real("equity").notNull(),
  return: real("return").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const config = sqliteTable("config", {
  key: text("key").primaryKey(),
  /** JSON value. */
  value: text("value").notNull(),
  description: text("description"),
  updatedBy: text("updated_by").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    ts: integer("ts").notNull(),
    /** Who: system, supervisor, operator name, api token name. */
    actor: text("actor").notNull(),
    /** What: actor.restarted, trader.paused, order.submitted, … */
    action: text("action").notNull(),
    target: text("target"),
    details: text("details"),
    /** Where from: IP address or channel. */
    source: text("source"),
  },
  (t) => [index("audit_ts").on(t.ts), index("audit_action").on(t.action)],
);

export const backtestRuns = sqliteTable("backtest_runs", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  createdAt: integer("created_at").notNull(),
  /** backtest | optimize | compare */
  kind: text("kind").notNull().default("backtest"),
  /** queued | running | done | failed */
  status: text("status").notNull(),
  markets: text("markets").notNull(),
  interval: text("interval"),
  fromTs: integer("from_ts"),
  toTs: integer("to_ts"),
  params: text("params").notNull(),
  metrics: text("metrics"),
  dataFingerprint: text("data_fingerprint"),
  reportPath: text("report_path"),
  error: text("error"),
  finishedAt: integer("finished_at"),
});

/**
 * Dashboard users (issue 6). Passwords are argon2id hashes (Bun.password); `failed_logins` and
 * `locked_until` carry the per-user login lockout across restarts.
 */
export const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  passwordHash: text("password_hash").notNull(),
  /** viewer | operator | admin */
  role: text("role").notNull().default("viewer"),
  /** ko | en */
  lang: text("lang").notNull().default("ko"),
  disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
  /** Consecutive failed logins since the last success. */
  failedLogins: integer("failed_logins").notNull().default(0),
  lockedUntil: integer("locked_until"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * Login sessions: one row per refresh token. Refreshing rotates the token (the old row is revoked
 * with reason `rotated`, a new row joins the same `family_id`); presenting a rotated token again
 * revokes the whole family (theft detection). Only the SHA-256 of the token's secret is stored.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    refreshHash: text("refresh_hash").notNull(),
    familyId: text("family_id").notNull(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    /** rotated | logout | reuse | password | disabled | admin */
    revokeReason: text("revoke_reason"),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_family").on(t.familyId), index("sessions_user").on(t.userId)],
);

/** Machine tokens for /api/v1: scoped, revocable, only the SHA-256 of the secret stored. */
export const apiTokens = sqliteTable("api_tokens", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  tokenHash: text("token_hash").notNull(),
  /** JSON array of scopes: read | trade | admin. */
  scopes: text("scopes").notNull(),
  createdBy: text("created_by").notNull(),
  createdAt: integer("created_at").notNull(),
  lastUsedAt: integer("last_used_at"),
  /** Optional end of validity (epoch ms); null = until revoked. */
  expiresAt: integer("expires_at"),
  revokedAt: integer("revoked_at"),
});

/** Secrets at rest (exchange keys, …): AES-256-GCM ciphertext (tag appended) and IV, base64. */
export const secrets = sqliteTable("secrets", {
  key: text("key").primaryKey(),
  ciphertext: text("ciphertext").notNull(),
  iv: text("iv").notNull(),
  updatedBy: text("updated_by").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Alert channels managed from the dashboard (src/alerts); secret fields in `config` are sealed by the secrets box. */
export const alertChannels = sqliteTable("alert_channels", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  /** telegram | slack | email | webhook */
  kind: text("kind").notNull(),
  name: text("name").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  /** JSON object; secret fields hold sealed strings, never plaintext. */
  config: text("config").notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
  updatedBy: text("updated_by").notNull(),
});

/** Every alert raised, with its delivery results per channel (src/alerts). */
export const alerts = sqliteTable(
  "alerts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    ts: integer("ts").notNull(),
    /** info | warning | critical */
    severity: text("severity").notNull(),
    /** De-duplication key, e.g. `halt:KRW-BTC`. */
    key: text("key").notNull(),
    title: text("title").notNull(),
    text: text("text").notNull(),
    /** JSON: delivery result per channel. */
    channelsJson: text("channels_json").notNull().default("[]"),
    /** True when rate limiting or de-duplication kept it from being sent. */
    suppressed: integer("suppressed", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [index("alerts_ts").on(t.ts), index("alerts_key_ts").on(t.key, t.ts)],
);
