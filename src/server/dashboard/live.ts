import { Hono } from "hono";
import { jsx, type Child } from "hono/jsx";
import { streamSSE } from "hono/streaming";
import { TradingBadge } from "../../../views/components.tsx";
import type { AssetUrls, LiveTopic, ViewContext } from "../../../views/context.ts";
import { translator } from "../../../views/i18n.ts";
import { ActorRow, ActorTree, actorRowId } from "../../../views/pages/actors.tsx";
import { MarketRow, marketRowId } from "../../../views/pages/markets.tsx";
import { ActorHealthPanel, FillRows, OverviewSummary, PositionsCompactBody, TradingPanel } from "../../../views/pages/overview.tsx";
import { PositionsTableBody } from "../../../views/pages/positions.tsx";
import { listMarkets, type Db } from "../../db/index.ts";
import type { Logger } from "../../log.ts";
import type { Clock, TimerId } from "../../ports/clock.ts";
import type { ControlPort } from "../../ports/control.ts";
import { hasRole, requireUser, type DashboardEnv, type Lang } from "./contract.ts";
import type { AlertAdmin } from "./deps.ts";
import { directReads, marketLines, overviewData, positionLines, type OverviewReads } from "./read-models.ts";
import { readerLang, toHtml } from "./request.ts";

/**
 * Live updates over SSE: ONE broadcaster samples the bot once per tick (the control port and a few
 * repo reads) and renders each topic's fragments once per variant (language x whether operator
 * controls show), then fans the same strings out to every subscribed client. Fifty clients on the
 * overview cost one sample and one render per tick, not fifty.
 *
 * Each fragment is an element with an id and `hx-swap-oob="true"`; the page's one
 * `hx-sse:connect` element receives them as unnamed SSE messages and htmx swaps each by id (ids
 * the page does not have are skipped, so one message serves every page showing a topic). Only
 * fragments whose HTML changed since the previous tick are sent; a client that just connected,
 * or whose previous write had not finished, gets the full set. A client that has been sent
 * nothing for `heartbeatMs` gets a `ping` event (Bun closes streams idle for 10 s). Disconnected
 * clients are unsubscribed by the stream's abort.
 */

export const LIVE_TOPICS = ["header", "overview", "markets", "positions", "actors"] as const satisfies readonly (LiveTopic | "header")[];
type Topic = (typeof LIVE_TOPICS)[number];

export interface LiveVariant {
  readonly lang: Lang;
  readonly operate: boolean;
}

/** One SSE message: `event` for named events (the initial `hello`, heartbeats), none for fragments. */
export interface LiveMessage {
  readonly data: string;
  readonly event?: string;
  readonly id?: string;
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
}

export interface Subscription {
  close(): void;
  /** Resolves when the subscription ends (client gone or broadcaster stopped). */
  readonly closed: Promise<void>;
}

interface Client {
  readonly topics: readonly Topic[];
  readonly variant: string;
  readonly send: (message: LiveMessage) => Promise<unknown> | unknown;
  /** Needs every fragment (new, or missed a message). */
  fresh: boolean;
  busy: boolean;
  lastSentAt: number;
  end: () => void;
}

/** The reads of one tick, each done at most once and only if some topic needs it. */
class Snapshot implements OverviewReads {
  private readonly memo = new Map<string, unknown>();
  private readonly direct: OverviewReads;
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
  marketIndex = () => this.once("marketIndex", this.direct.marketIndex);
  trailing = () => this.once("trailing", this.direct.trailing);
  fills = () => this.once("fills", this.direct.fills);
  alerts = () => this.once("alerts", this.direct.alerts);
  markets = () => this.once("markets", () => listMarkets(this.sources.db));
  tree = () => this.once("tree", () => this.sources.control.actorTree());
  overview = (lang: Lang) => this.once(`overview:${lang}`, () => overviewData(this, lang));
}

/** Fragments of one topic for one variant: element id -> HTML (with `hx-swap-oob`). */
type Fragments = Map<string, string>;

async function fragments(entries: readonly (readonly [string, Child])[]): Promise<Fragments> {
  const out: Fragments = new Map();
  for (const [id, node] of entries) out.set(id, await toHtml(node));
  return out;
}

/** What each topic renders (the same view components the pages use, with `oob`). */
async function renderTopic(topic: Topic, snap: Snapshot, ctx: ViewContext): Promise<Fragments> {
  switch (topic) {
    case "header":
      return fragments([["trading-state", jsx(TradingBadge, { ctx, state: snap.health().tradingState, id: "trading-state", oob: true })]]);
    case "overview": {
      const data = await snap.overview(ctx.lang);
      return fragments([
        ["ov-trading", jsx(TradingPanel, { ctx, health: data.health, oob: true })],
        ["ov-summary", jsx(OverviewSummary, { ctx, data, oob: true })],
        ["ov-positions", jsx(PositionsCompactBody, { ctx, positions: data.positions, oob: true })],
        ["ov-fills", jsx(FillRows, { ctx, fills: data.fills, id: "ov-fills", oob: true })],
        ["ov-actors", jsx(ActorHealthPanel, { ctx, actors: data.actors, oob: true })],
      ]);
    }
    case "markets":
      return fragments(marketLines(snap.markets(), snap.actors(), ctx.lang).map((row) => [marketRowId(row.market), jsx(MarketRow, { ctx, row, oob: true })] as const));
    case "positions": {
      const positions = positionLines(snap.positions(), snap.actors(), snap.marketIndex(), ctx.lang, snap.trailing());
      return fragments([["positions-body", jsx(PositionsTableBody, { ctx, positions, id: "positions-body", oob: true })]]);
    }
    case "actors":
      return fragments([
        ["actor-tree", jsx(ActorTree, { ctx, tree: snap.tree(), oob: true })],
        ...snap.actors().map((actor) => [actorRowId(actor.market), jsx(ActorRow, { ctx, actor, oob: true })] as const),
      ]);
  }
}

const variantKey = (v: LiveVariant) => `${v.lang}:${v.operate ? "op" : "ro"}`;

function parseVariant(key: string): LiveVariant {
  const [lang, op] = key.split(":");
  return { lang: lang === "en" ? "en" : "ko", operate: op === "op" };
}

export class LiveBroadcaster {
  private readonly clients = new Set<Client>();
  /** Last fragments sent, per `variant|topic`, to find what changed. */
  private readonly previous = new Map<string, Fragments>();
  private timer: TimerId | null = null;
  private running = false;
  private stopped = false;
  private seq = 0;
  private readonly tickMs: number;
  private readonly heartbeatMs: number;
  /** Ticks that sampled the bot (tests and the benchmark read it). */
  samples = 0;

  constructor(private readonly options: LiveOptions) {
    this.tickMs = options.tickMs ?? 1_000;
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Adds a client. It gets a `hello` event at once, every fragment of its topics at the next
   * tick, then what changes, and `ping` heartbeats.
   */
  subscribe(topics: readonly string[], variant: LiveVariant, send: Client["send"]): Subscription {
    let end!: () => void;
    const closed = new Promise<void>((resolve) => (end = resolve));
    const wanted = LIVE_TOPICS.filter((t) => t === "header" || topics.includes(t));
    const client: Client = { topics: wanted, variant: variantKey(variant), send, fresh: true, busy: false, lastSentAt: this.options.clock.now(), end };
    if (this.stopped) {
      end();
      return { close: () => undefined, closed };
    }
    this.clients.add(client);
    this.deliver(client, { event: "hello", data: wanted.join(",") });
    this.schedule();
    const close = () => {
      if (this.clients.delete(client)) client.end();
    };
    return { close, closed };
  }

  /** Ends every subscription and the tick loop (at shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.options.clock.clearTimeout(this.timer);
    this.timer = null;
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private schedule(): void {
    if (this.timer !== null || this.stopped || this.clients.size === 0) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      void this.tick().finally(() => this.schedule());
    }, this.tickMs);
  }

  private deliver(client: Client, message: LiveMessage): void {
    client.busy = true;
    client.lastSentAt = this.options.clock.now();
    const done = () => {
      client.busy = false;
    };
    try {
      const result = client.send({ ...message, id: String(++this.seq) });
      if (result instanceof Promise) result.then(done, () => this.drop(client));
      else done();
    } catch {
      this.drop(client);
    }
  }

  private drop(client: Client): void {
    if (this.clients.delete(client)) client.end();
  }

  /** One sample, one render per needed (variant, topic), then each client's message. Public for tests. */
  async tick(): Promise<void> {
    if (this.running || this.clients.size === 0) return;
    this.running = true;
    try {
      const needed = new Map<string, Set<Topic>>();
      for (const c of this.clients) {
        const set = needed.get(c.variant) ?? new Set<Topic>();
        for (const t of c.topics) set.add(t);
        needed.set(c.variant, set);
      }
      const snap = new Snapshot(this.options.sources);
      this.samples++;
      const full = new Map<string, string>();
      const delta = new Map<string, string>();
      for (const [variant, topics] of needed) {
        const ctx = this.context(parseVariant(variant));
        for (const topic of topics) {
          const key = `${variant}|${topic}`;
          let now: Fragments;
          try {
            now = await renderTopic(topic, snap, ctx);
          } catch (err) {
            this.options.logger.warn({ err, topic }, "live update: topic failed to render");
            continue;
          }
          const before = this.previous.get(key);
          full.set(key, [...now.values()].join("\n"));
          delta.set(key, [...now].filter(([id, html]) => before?.get(id) !== html).map(([, html]) => html).join("\n"));
          this.previous.set(key, now);
        }
      }
      const now = this.options.clock.now();
      for (const client of this.clients) {
        const source = client.fresh ? full : delta;
        const data = client.topics.map((t) => source.get(`${client.variant}|${t}`) ?? "").filter((s) => s !== "").join("\n");
        if (client.busy) {
          client.fresh = true; // it missed this tick's changes: send it everything next time
          continue;
        }
        if (data !== "") {
          client.fresh = false;
          this.deliver(client, { data });
        } else if (now - client.lastSentAt >= this.heartbeatMs) {
          this.deliver(client, { event: "ping", data: "" });
        }
      }
    } finally {
      this.running = false;
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
    const topics = (c.req.query("topics") ?? "").split(",").slice(0, LIVE_TOPICS.length);
    const variant = { lang: readerLang(c), operate: hasRole(c.get("principal"), "operator") };
    const res = streamSSE(c, async (stream) => {
      const sub = live.subscribe(topics, variant, (m) => stream.writeSSE({ data: m.data, event: m.event, id: m.id }));
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
