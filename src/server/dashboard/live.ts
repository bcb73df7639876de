import { Hono } from "hono";
import { jsx, type Child } from "hono/jsx";
import { streamSSE } from "hono/streaming";
import { TradingBadge } from "../../../views/components.tsx";
import type { AssetUrls, LiveTopic, ViewContext } from "../../../views/context.ts";
import { translator } from "../../../views/i18n.ts";
import type { MarketLine } from "../../../views/models.ts";
import { ActorRow, ActorTree, actorRowId } from "../../../views/pages/actors.tsx";
import { MarketActions, MarketPosition, SignalRows, TraderFacts } from "../../../views/pages/market.tsx";
import { ChangeCell, changeCellId, MarketRow, marketRowId, PriceCell, priceCellId } from "../../../views/pages/markets.tsx";
import { ActorHealthPanel, AlertList, FillRows, OverviewSummary, PositionsCompactBody, TradingPanel } from "../../../views/pages/overview.tsx";
import { PositionsTableBody } from "../../../views/pages/positions.tsx";
import { isMarket, type Market } from "../../core/model.ts";
import { listMarkets, type Db, type MarketRow as ListingRow } from "../../db/index.ts";
import type { Logger } from "../../log.ts";
import type { Clock, TimerId } from "../../ports/clock.ts";
import type { ControlPort } from "../../ports/control.ts";
import { hasRole, requireUser, type DashboardEnv, type Lang } from "./contract.ts";
import type { AlertAdmin } from "./deps.ts";
import { directReads, marketLines, marketLiveData, overviewData, positionLines, type MarketReads, type OverviewReads } from "./read-models.ts";
import { readerLang, toHtml } from "./request.ts";

/**
 * Live updates over SSE: ONE broadcaster samples the bot once per tick (the control port and a few
 * repo reads, each at most once and only if a subscribed topic needs it), renders each topic once
 * per variant (language x whether operator controls show), frames the result as SSE once, and
 * writes the same bytes to every client of that variant and topic set. Fifty clients on the
 * overview cost one sample, one render and one encoding per tick, not fifty.
 *
 * Each fragment is an element with an id and `hx-swap-oob="true"`; the page's one
 * `hx-sse:connect` element receives them as unnamed SSE messages and htmx swaps each by id (ids
 * a page does not have are skipped, so one message serves every page showing a topic). Only
 * fragments whose HTML changed since the last tick are sent (a price tick replaces the price
 * cell, not the row); a client that just connected, or whose previous write had not finished,
 * gets the full set. A fragment whose data did not change is not even rendered again. A client
 * sent nothing for `heartbeatMs` gets a `ping` event (Bun closes streams idle for 10 s).
 * Disconnected clients are unsubscribed by the stream's abort. A message's id is its tick.
 */

export const LIVE_TOPICS = ["header", "overview", "markets", "positions", "actors"] as const satisfies readonly (LiveTopic | "header")[];
/** One market's page: its row, the trader's controls and facts, the position, signals and fills. */
type MarketTopic = `market:${Market}`;
type Topic = (typeof LIVE_TOPICS)[number] | MarketTopic;
/** Market topics one stream may follow (a page shows one market; the cap bounds what a client can make the server render). */
export const MAX_MARKET_TOPICS = 4;

/**
 * The topics of a request that exist: the header always, the fixed topics asked for (in their
 * order), then up to `MAX_MARKET_TOPICS` market topics with a well-formed market code.
 */
export function liveTopics(requested: readonly string[]): Topic[] {
  const markets = [...new Set(requested)].filter((t): t is MarketTopic => t.startsWith("market:") && isMarket(t.slice("market:".length)));
  return [...LIVE_TOPICS.filter((t) => t === "header" || requested.includes(t)), ...markets.slice(0, MAX_MARKET_TOPICS)];
}

export interface LiveVariant {
  readonly lang: Lang;
  readonly operate: boolean;
}

export interface LiveSources {
  readonly control: ControlPort;
  readonly db: Db;
  readonly alerts?: AlertAdmin;
}

export interface LiveOptions {
  readonly sources: LiveSources;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly assets: AssetUrls;
  readonly tickMs?: number;
  readonly heartbeatMs?: number;
  /**
   * Monotonic milliseconds for a tick's own duration (default `performance.now`). Not `clock`:
   * that is the wall or a simulated clock, which need not advance while a tick runs.
   */
  readonly monotonicMs?: () => number;
}

/**
 * What the broadcaster reports about itself, for metrics (`bindLiveMetrics` in src/metrics):
 * `live.observe(bindLiveMetrics(metrics))`. An observer that throws is logged and ignored, so
 * observing can never change what a client gets.
 */
export interface LiveObserver {
  /**
   * A tick that sampled the bot has ended: its own time in seconds (the reads, the renders, the
   * framing and starting the writes; not the network) and how many clients it served.
   */
  onTick?(report: { readonly seconds: number; readonly clients: number }): void;
  /** The number of connected clients, whenever it changes and once when the observer is added. */
  onClients?(count: number): void;
}

export interface Subscription {
  close(): void;
  /** Resolves when the subscription ends (client gone or broadcaster stopped). */
  readonly closed: Promise<void>;
}

/** Writes one SSE frame (already encoded) to a client; a rejected promise or a throw drops the client. */
export type FrameWriter = (frame: Uint8Array) => Promise<unknown> | unknown;

interface Client {
  readonly topics: readonly Topic[];
  readonly variant: string;
  readonly write: FrameWriter;
  /** Needs every fragment (new, or missed a message). */
  fresh: boolean;
  busy: boolean;
  lastSentAt: number;
  end: () => void;
}

const encoder = new TextEncoder();

/** One SSE event as bytes: `event:` (if named), a `data:` line per line of data, the id. */
export function sseFrame(data: string, options: { event?: string; id?: string } = {}): Uint8Array {
  const lines = data.split(/\r\n|\r|\n/).map((l) => `data: ${l}`);
  return encoder.encode(`${options.event ? `event: ${options.event}\n` : ""}${lines.join("\n")}\n${options.id ? `id: ${options.id}\n` : ""}\n`);
}

/** The reads of one tick, each done at most once and only if some topic needs it. */
class Snapshot implements OverviewReads, MarketReads {
  private readonly memo = new Map<string, unknown>();
  private readonly direct: OverviewReads & MarketReads;
  constructor(private readonly sources: LiveSources) {
    this.direct = directReads(sources);
  }

  private once<T>(key: string, read: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, read());
    return this.memo.get(key) as T;
  }

  actors = () => this.once("actors", this.direct.actors);
  health = () => this.once("health", this.direct.health);
  portfolio = () => this.once("portfolio", this.direct.portfolio);
  positions = () => this.once("positions", this.direct.positions);
  trailing = () => this.once("trailing", this.direct.trailing);
  fills = () => this.once("fills", this.direct.fills);
  alerts = () => this.once("alerts", this.direct.alerts);
  markets = (): ListingRow[] => this.once("markets", () => listMarkets(this.sources.db));
  listing = (market: string) => this.once(`listing:${market}`, () => this.direct.listing(market));
  tree = () => this.once("tree", () => this.sources.control.actorTree());
  overview = (lang: Lang) => this.once(`overview:${lang}`, () => overviewData(this, lang));
  marketLines = (lang: Lang): MarketLine[] => this.once(`marketLines:${lang}`, () => marketLines(this.markets(), this.actors(), lang));
  position = (market: Market) => this.once(`position:${market}`, () => this.direct.position(market));
  signals = (market: Market) => this.once(`signals:${market}`, () => this.direct.signals(market));
  marketFills = (market: Market) => this.once(`marketFills:${market}`, () => this.direct.marketFills(market));
  market = (market: Market, lang: Lang) => this.once(`market:${market}:${lang}`, () => marketLiveData(this, market, lang));
}

/**
 * One fragment of a topic: its element id, the view that renders it, and optionally `key`, a
 * signature of the data it shows: while the key stays the same, the last rendering is reused.
 */
interface Item {
  readonly id: string;
  readonly key?: string;
  /**
   * When set, the fragment goes into a delta only when this changes (its smaller parts, sent as
   * their own items, carry the rest); a full frame always has the whole, current fragment.
   */
  readonly deltaKey?: string;
  /** False for parts of another item (a row's price cell): a full frame sends the whole row instead. */
  readonly inFull?: boolean;
  readonly node: () => Child;
}

const item = (id: string, node: () => Child, key?: string, extra: Pick<Item, "deltaKey" | "inFull"> = {}): Item => ({ id, node, key, ...extra });

/**
 * A fragment addressed to the element with `id`, replacing it. htmx 4 parses `<hx-partial>`
 * content as a template, so table parts (tbody, tr, td) survive; as plain `hx-swap-oob` elements
 * they were dropped by the HTML parser outside a table and the page never updated.
 */
function partial(id: string, html: string): string {
  return `<hx-partial hx-target="#${id}" hx-swap="outerHTML">${html}</hx-partial>`;
}

/** A market row's data apart from its price and change (which have their own fragments). */
function rowKey(l: MarketLine): string {
  return JSON.stringify([l.name, l.warning, l.listed, l.state, l.stale, l.restarts, l.position?.volume, l.position?.unrealisedPnl]);
}

/**
 * Markets' rows and, as their own items, their price and change cells. A row is re-rendered
 * whenever anything in it changes (so a full frame is current), but a delta carries it only when
 * more than its price and change moved: those go as cells. Rows come before their cells.
 */
function marketRowItems(lines: readonly MarketLine[], ctx: ViewContext): Item[] {
  return [
    ...lines.map((row) => item(marketRowId(row.market), () => jsx(MarketRow, { ctx, row, oob: false }), `${rowKey(row)}|${row.price}|${row.changeRate}`, { deltaKey: rowKey(row) })),
    ...lines.map((row) => item(priceCellId(row.market), () => jsx(PriceCell, { market: row.market, price: row.price, oob: false }), String(row.price), { inFull: false })),
    ...lines.map((row) => item(changeCellId(row.market), () => jsx(ChangeCell, { market: row.market, changeRate: row.changeRate, oob: false }), String(row.changeRate), { inFull: false })),
  ];
}

/** A market page's fragments (the ids of views/pages/market.tsx); controls only in the operators' variant. */
function marketItems(market: Market, snap: Snapshot, ctx: ViewContext): Item[] {
  const data = snap.market(market, ctx.lang);
  const { actor, position, signals, fills } = data;
  return [
    ...marketRowItems([data.row], ctx),
    item("market-actions", () => jsx(MarketActions, { ctx, market, actor, oob: false }), actor?.state ?? ""),
    item("market-trader", () => jsx(TraderFacts, { ctx, actor, oob: false })),
    item("market-position", () => jsx(MarketPosition, { ctx, position, oob: false })),
    item("market-signals", () => jsx(SignalRows, { ctx, signals, oob: false }), JSON.stringify(signals)),
    item("market-fills", () => jsx(FillRows, { ctx, fills, id: "market-fills", oob: false }), fills.map((f) => f.id).join(",")),
  ];
}

/** What each topic shows: the same view components the pages use, with `oob`. */
async function topicItems(topic: Topic, snap: Snapshot, ctx: ViewContext): Promise<Item[]> {
  switch (topic) {
    case "header": {
      const state = snap.health().tradingState;
      return [item("trading-state", () => jsx(TradingBadge, { ctx, state, id: "trading-state", oob: false }), state)];
    }
    case "overview": {
      const data = await snap.overview(ctx.lang);
      return [
        item("ov-trading", () => jsx(TradingPanel, { ctx, health: data.health, oob: false })),
        item("ov-summary", () => jsx(OverviewSummary, { ctx, data, oob: false })),
        item("ov-positions", () => jsx(PositionsCompactBody, { ctx, positions: data.positions, oob: false })),
        item("ov-fills", () => jsx(FillRows, { ctx, fills: data.fills, id: "ov-fills", oob: false }), data.fills.map((f) => f.id).join(",")),
        item("ov-actors", () => jsx(ActorHealthPanel, { ctx, actors: data.actors, oob: false })),
        item("ov-alerts", () => jsx(AlertList, { ctx, alerts: data.alerts, oob: false }), JSON.stringify(data.alerts)),
      ];
    }
    case "markets":
      return marketRowItems(snap.marketLines(ctx.lang), ctx);
    case "positions": {
      const positions = positionLines(snap.positions(), snap.actors(), snap.listing, ctx.lang, snap.trailing());
      return [item("positions-body", () => jsx(PositionsTableBody, { ctx, positions, id: "positions-body", oob: false }))];
    }
    case "actors":
      return [
        item("actor-tree", () => jsx(ActorTree, { ctx, tree: snap.tree(), oob: false })),
        ...snap.actors().map((actor) => item(actorRowId(actor.market), () => jsx(ActorRow, { ctx, actor, oob: false }), JSON.stringify(actor))),
      ];
    default:
      return marketItems(topic.slice("market:".length) as Market, snap, ctx);
  }
}

const variantKey = (v: LiveVariant) => `${v.lang}:${v.operate ? "op" : "ro"}`;

function parseVariant(key: string): LiveVariant {
  const [lang, op] = key.split(":");
  return { lang: lang === "en" ? "en" : "ko", operate: op === "op" };
}

/** What a topic rendered for a variant: ids in order, with their key and HTML. */
type Rendered = Map<string, { readonly key?: string; readonly deltaKey?: string; readonly inFull: boolean; readonly html: string }>;

export class LiveBroadcaster {
  private readonly clients = new Set<Client>();
  /** The last rendering of each (variant, topic): what the next tick diffs against and reuses. */
  private readonly rendered = new Map<string, Rendered>();
  private timer: TimerId | null = null;
  private running = false;
  private stopped = false;
  private tickNo = 0;
  private readonly tickMs: number;
  private readonly heartbeatMs: number;
  private readonly monotonicMs: () => number;
  private readonly observers = new Set<LiveObserver>();
  /** Ticks that sampled the bot (tests read it; operators see `bot_dashboard_live_tick_duration_seconds`). */
  samples = 0;
  /** Fragments rendered (not reused) so far. */
  renders = 0;

  /** (variant, topic) renderings kept to diff the next tick against (tests read it). */
  get retainedRenderings(): number {
    return this.rendered.size;
  }

  constructor(private readonly options: LiveOptions) {
    this.tickMs = options.tickMs ?? 1_000;
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.monotonicMs = options.monotonicMs ?? (() => performance.now());
  }

  /** Adds an observer (it hears the current client count at once); returns its removal. */
  observe(observer: LiveObserver): () => void {
    this.observers.add(observer);
    this.notifyOne(observer, (o) => o.onClients?.(this.clients.size));
    return () => {
      this.observers.delete(observer);
    };
  }

  private notify(call: (o: LiveObserver) => void): void {
    for (const observer of this.observers) this.notifyOne(observer, call);
  }

  private notifyOne(observer: LiveObserver, call: (o: LiveObserver) => void): void {
    try {
      call(observer);
    } catch (err) {
      this.options.logger.warn({ err }, "live update: observer failed");
    }
  }

  private clientsChanged(): void {
    this.notify((o) => o.onClients?.(this.clients.size));
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Adds a client. It gets a `hello` event at once, every fragment of its topics at the next
   * tick, then what changes, and `ping` heartbeats.
   */
  subscribe(topics: readonly string[], variant: LiveVariant, write: FrameWriter): Subscription {
    let end!: () => void;
    const closed = new Promise<void>((resolve) => (end = resolve));
    const wanted = liveTopics(topics);
    const client: Client = { topics: wanted, variant: variantKey(variant), write, fresh: true, busy: false, lastSentAt: this.options.clock.now(), end };
    if (this.stopped) {
      end();
      return { close: () => undefined, closed };
    }
    this.clients.add(client);
    this.clientsChanged();
    this.deliver(client, sseFrame(wanted.join(","), { event: "hello", id: String(this.tickNo) }));
    this.schedule();
    const close = () => this.drop(client);
    return { close, closed };
  }

  /** Ends every subscription and the tick loop (at shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.options.clock.clearTimeout(this.timer);
    this.timer = null;
    for (const client of this.clients) client.end();
    this.clients.clear();
    this.clientsChanged();
  }

  private schedule(): void {
    if (this.timer !== null || this.stopped || this.clients.size === 0) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      void this.tick().finally(() => this.schedule());
    }, this.tickMs);
  }

  private deliver(client: Client, frame: Uint8Array): void {
    client.busy = true;
    client.lastSentAt = this.options.clock.now();
    const done = () => {
      client.busy = false;
    };
    try {
      const result = client.write(frame);
      if (result instanceof Promise) result.then(done, () => this.drop(client));
      else done();
    } catch {
      this.drop(client);
    }
  }

  private drop(client: Client): void {
    if (!this.clients.delete(client)) return;
    client.end();
    this.clientsChanged();
  }

  /** Renders a topic for a variant, reusing fragments whose key did not change; returns the full and changed HTML. */
  private async renderTopic(topic: Topic, variant: string, snap: Snapshot): Promise<{ full: string; delta: string }> {
    const cacheKey = `${variant}|${topic}`;
    const before = this.rendered.get(cacheKey);
    const now: Rendered = new Map();
    const changed: string[] = [];
    for (const it of await topicItems(topic, snap, this.context(parseVariant(variant)))) {
      const last = before?.get(it.id);
      let html: string;
      if (it.key !== undefined && last?.key === it.key) html = last.html;
      else {
        html = partial(it.id, await toHtml(it.node()));
        this.renders++;
      }
      now.set(it.id, { key: it.key, deltaKey: it.deltaKey, inFull: it.inFull !== false, html });
      const moved = it.deltaKey !== undefined ? last?.deltaKey !== it.deltaKey : last?.html !== html;
      if (moved) changed.push(html);
    }
    this.rendered.set(cacheKey, now);
    return {
      full: [...now.values()]
        .filter((r) => r.inFull)
        .map((r) => r.html)
        .join("\n"),
      delta: changed.join("\n"),
    };
  }

  /**
   * Drops the last rendering of every (variant, topic) no client follows any more, so market
   * topics that pages opened and left do not pile up (a new follower gets a full frame anyway).
   */
  private forgetUnfollowed(needed: ReadonlyMap<string, ReadonlySet<Topic>>): void {
    for (const key of this.rendered.keys()) {
      const [variant = "", topic = ""] = key.split("|");
      if (!needed.get(variant)?.has(topic as Topic)) this.rendered.delete(key);
    }
  }

  /** One sample, one render per needed (variant, topic), one frame per distinct message. Public for tests. */
  async tick(): Promise<void> {
    if (this.running || this.clients.size === 0) return;
    this.running = true;
    const started = this.monotonicMs();
    const served = this.clients.size;
    try {
      const needed = new Map<string, Set<Topic>>();
      for (const c of this.clients) {
        const set = needed.get(c.variant) ?? new Set<Topic>();
        for (const t of c.topics) set.add(t);
        needed.set(c.variant, set);
      }
      this.forgetUnfollowed(needed);
      const snap = new Snapshot(this.options.sources);
      this.samples++;
      const id = String(++this.tickNo);
      const parts = new Map<string, { full: string; delta: string }>();
      for (const [variant, topics] of needed) {
        for (const topic of topics) {
          try {
            parts.set(`${variant}|${topic}`, await this.renderTopic(topic, variant, snap));
          } catch (err) {
            this.options.logger.warn({ err, topic }, "live update: topic failed to render");
          }
        }
      }
      const frames = new Map<string, Uint8Array | null>();
      const frameFor = (client: Client): Uint8Array | null => {
        const key = `${client.variant}|${client.fresh ? "full" : "delta"}|${client.topics.join(",")}`;
        let frame = frames.get(key);
        if (frame === undefined) {
          const data = client.topics
            .map((t) => parts.get(`${client.variant}|${t}`)?.[client.fresh ? "full" : "delta"] ?? "")
            .filter((s) => s !== "")
            .join("\n");
          frame = data === "" ? null : sseFrame(data, { id });
          frames.set(key, frame);
        }
        return frame;
      };
      const ping = sseFrame("", { event: "ping", id });
      const now = this.options.clock.now();
      for (const client of this.clients) {
        if (client.busy) {
          client.fresh = true; // it misses this tick's changes: send it everything next time
          continue;
        }
        const frame = frameFor(client);
        if (frame) {
          client.fresh = false;
          this.deliver(client, frame);
        } else if (now - client.lastSentAt >= this.heartbeatMs) {
          this.deliver(client, ping);
        }
      }
    } finally {
      this.running = false;
      const seconds = Math.max(0, this.monotonicMs() - started) / 1000;
      this.notify((o) => o.onTick?.({ seconds, clients: served }));
    }
  }

  private context(variant: LiveVariant): ViewContext {
    return {
      lang: variant.lang,
      t: translator(variant.lang),
      nonce: "",
      csrf: "",
      user: null,
      can: { operate: variant.operate, admin: false },
      path: "/",
      here: "/",
      assets: this.options.assets,
    };
  }
}

/** `GET /live?topics=overview,markets`: the page's SSE stream (any logged-in user). */
export function liveRoutes(live: LiveBroadcaster): Hono<DashboardEnv> {
  return new Hono<DashboardEnv>().get("/live", requireUser(), (c) => {
    const topics = (c.req.query("topics") ?? "").split(",", LIVE_TOPICS.length + MAX_MARKET_TOPICS);
    const variant = { lang: readerLang(c), operate: hasRole(c.get("principal"), "operator") };
    const res = streamSSE(c, async (stream) => {
      const sub = live.subscribe(topics, variant, (frame) => stream.write(frame));
      stream.onAbort(() => sub.close());
      await sub.closed;
    });
    // The fragments show the account: not even a revalidated copy may be kept (streamSSE says no-cache).
    res.headers.set("Cache-Control", "no-store");
    // Proxies (nginx) must pass events through as they come.
    res.headers.set("X-Accel-Buffering", "no");
    return res;
  });
}
