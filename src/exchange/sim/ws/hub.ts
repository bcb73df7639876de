import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import type { Market } from "../../../core/model.ts";
import type { TimerId } from "../../../ports/clock.ts";
import type { EngineEvent } from "../engine/types.ts";
import { errorBody, SimApiError } from "../errors.ts";
import type { MarketReplay, RevealedTrade } from "../market/replay.ts";
import { orderbookData, tickerData } from "../market/views.ts";
import type { SimServices } from "../http/services.ts";
import { myAssetMessage, myOrderMessage, Outgoing, orderbookMessage, STATUS_UP, tickerMessage, tradeMessage } from "./messages.ts";
import { type PublicType, parseSubscription, type StreamType, type SubscriptionRequest, WsRequestError, type WsFormat } from "./protocol.ts";

export const PUBLIC_WS_PATH = "/websocket/v1";
export const PRIVATE_WS_PATH = "/websocket/v2/private";
const WS_ORDERBOOK_DEPTH = 15;

export interface HubOptions {
  /** `{"status":"UP"}` interval (real ms; Bithumb: 10 s). */
  readonly heartbeatMs: number;
  /** Close a connection after this long without any client message or ping (real ms; Bithumb: ~120 s). */
  readonly idleTimeoutMs: number;
  /** Connection attempts accepted per second (Bithumb: 10 per IP); 0 = unlimited. */
  readonly connectsPerSecond: number;
}

/** Per-connection state, kept on the socket. */
export interface Conn {
  readonly id: number;
  readonly endpoint: "public" | "private";
  format: WsFormat;
  lastSeen: number;
  /** Realtime public subscriptions: type -> codes (and the orderbook level). */
  readonly publicSubs: Map<PublicType, { codes: readonly Market[]; level: number }>;
  /** myOrder codes filter: undefined = not subscribed, null = every market. */
  myOrder: ReadonlySet<Market> | null | undefined;
  myAsset: boolean;
}

type Socket = ServerWebSocket<Conn>;

/**
 * The WebSocket side of the simulator: the subscription protocol, snapshots, realtime fan-out,
 * keep-alive and idle closing. Subscribers are indexed by type and market so a replayed trade
 * costs work only for the connections that asked for that market.
 */
export class WsHub {
  private readonly s: SimServices;
  private readonly options: HubOptions;
  private readonly sockets = new Set<Socket>();
  private readonly index: Record<PublicType, Map<Market, Set<Socket>>> = { ticker: new Map(), trade: new Map(), orderbook: new Map() };
  private readonly orderSubs = new Set<Socket>();
  private readonly assetSubs = new Set<Socket>();
  private readonly recentConnects: number[] = [];
  private nextId = 1;
  private timer: TimerId | undefined;

  constructor(services: SimServices, options: HubOptions) {
    this.s = services;
    this.options = options;
    this.scheduleHeartbeat();
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** Upgrade a request to `/websocket/v1` or `/websocket/v2/private`; a Response when refused. */
  async upgrade(req: Request, server: Server<Conn>, endpoint: "public" | "private"): Promise<Response | undefined> {
    const now = this.s.wallClock.now();
    if (this.options.connectsPerSecond > 0) {
      while (this.recentConnects.length > 0 && now - this.recentConnects[0]! >= 1_000) this.recentConnects.shift();
      if (this.recentConnects.length >= this.options.connectsPerSecond) {
        return Response.json(errorBody("too_many_requests", "WebSocket connection attempts are limited to 10 per second"), { status: 429 });
      }
      this.recentConnects.push(now);
    }
    if (endpoint === "private") {
      try {
        await this.s.auth.verifyToken(req.headers.get("authorization"));
      } catch (e) {
        if (e instanceof SimApiError) return Response.json(e.body(), { status: e.status });
        throw e;
      }
    }
    const data: Conn = { id: this.nextId++, endpoint, format: "DEFAULT", lastSeen: now, publicSubs: new Map(), myOrder: undefined, myAsset: false };
    if (server.upgrade(req, { data })) return undefined;
    return Response.json(errorBody("invalid_parameter", "expected a WebSocket upgrade request"), { status: 400 });
  }

  /** Handlers for `Bun.serve({ websocket })`. Bun's own idle timeout is off: keep-alive is ours. */
  handler(): WebSocketHandler<Conn> {
    return {
      idleTimeout: 0,
      sendPings: false,
      open: (ws) => {
        this.sockets.add(ws);
      },
      message: (ws, message) => this.onMessage(ws, typeof message === "string" ? message : new TextDecoder().decode(message)),
      ping: (ws) => {
        ws.data.lastSeen = this.s.wallClock.now();
      },
      close: (ws) => this.forget(ws),
    };
  }

  /** Close every connection abruptly (fault injection). */
  dropAll(): number {
    const n = this.sockets.size;
    for (const ws of [...this.sockets]) {
      this.forget(ws);
      ws.terminate();
    }
    return n;
  }

  stop(): void {
    if (this.timer !== undefined) this.s.wallClock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const ws of [...this.sockets]) {
      this.forget(ws);
      ws.close(1001, "server stopping");
    }
  }

  // ------------------------------------------------------------------ events

  /** A replayed trade: ticker and trade messages to that market's subscribers. */
  onTrade(mr: MarketReplay, trade: RevealedTrade): void {
    const tickers = this.index.ticker.get(mr.market);
    if (tickers && tickers.size > 0) {
      const msg = new Outgoing("ticker", () => tickerMessage(tickerData(mr, trade.ts), "REALTIME", trade.ts));
      for (const ws of tickers) ws.send(msg.text(ws.data.format));
    }
    const trades = this.index.trade.get(mr.market);
    if (trades && trades.size > 0) {
      const msg = new Outgoing("trade", () => tradeMessage(trade, mr.dayStats().prevClose, "REALTIME", trade.ts));
      for (const ws of trades) ws.send(msg.text(ws.data.format));
    }
  }

  /** After a replay step: one orderbook message per moved market (coalesced). */
  onSettled(markets: ReadonlySet<MarketReplay>): void {
    for (const mr of markets) {
      const subs = this.index.orderbook.get(mr.market);
      if (subs && subs.size > 0) this.sendOrderbook(mr, subs, "REALTIME");
    }
  }

  /** Engine events: myOrder to subscribers of that market, myAsset to asset subscribers. */
  onEngineEvent(event: EngineEvent): void {
    if (event.type === "order") {
      if (this.orderSubs.size === 0) return;
      const msg = new Outgoing("myOrder", () => myOrderMessage(event));
      for (const ws of this.orderSubs) {
        const codes = ws.data.myOrder;
        if (codes === null || codes?.has(event.order.market)) ws.send(msg.text(ws.data.format));
      }
    } else if (this.assetSubs.size > 0) {
      const msg = new Outgoing("myAsset", () => myAssetMessage(event.assets, event.ts));
      for (const ws of this.assetSubs) ws.send(msg.text(ws.data.format));
    }
  }

  // ------------------------------------------------------------------ protocol

  private onMessage(ws: Socket, text: string): void {
    ws.data.lastSeen = this.s.wallClock.now();
    if (text.trim().toUpperCase() === "PING") {
      ws.send(STATUS_UP);
      return;
    }
    let request: SubscriptionRequest;
    try {
      request = parseSubscription(text, ws.data.endpoint, (m) => this.s.replay.market(m) !== undefined);
    } catch (e) {
      if (e instanceof WsRequestError) {
        ws.send(e.frame());
        return;
      }
      throw e;
    }
    this.s.sync();
    this.unsubscribe(ws);
    ws.data.format = request.format;
    for (const t of request.types) {
      if (t.type === "myOrder" || t.type === "myAsset") {
        // Private streams are event-only (stream_type is always REALTIME): nothing to snapshot.
        if (t.isOnlySnapshot) continue;
        if (t.type === "myOrder") {
          ws.data.myOrder = t.codes === null ? null : new Set(t.codes);
          this.orderSubs.add(ws);
        } else {
          ws.data.myAsset = true;
          this.assetSubs.add(ws);
        }
        continue;
      }
      if (!t.isOnlyRealtime) this.sendSnapshot(ws, t.type, t.codes!, t.level);
      if (t.isOnlySnapshot) continue;
      ws.data.publicSubs.set(t.type, { codes: t.codes!, level: t.level });
      for (const code of t.codes!) {
        let set = this.index[t.type].get(code);
        if (!set) {
          set = new Set();
          this.index[t.type].set(code, set);
        }
        set.add(ws);
      }
    }
  }

  private sendSnapshot(ws: Socket, type: StreamType, codes: readonly Market[], level: number): void {
    const now = this.s.clock.now();
    for (const code of codes) {
      const mr = this.s.replay.market(code)!;
      if (type === "ticker") ws.send(new Outgoing("ticker", () => tickerMessage(tickerData(mr, now), "SNAPSHOT", now)).text(ws.data.format));
      else if (type === "trade") ws.send(new Outgoing("trade", () => tradeMessage(mr.lastTrade, mr.dayStats().prevClose, "SNAPSHOT", now)).text(ws.data.format));
      else if (type === "orderbook") this.sendOrderbook(mr, [ws], "SNAPSHOT", level);
    }
  }

  private sendOrderbook(mr: MarketReplay, subs: Iterable<Socket>, stream: "SNAPSHOT" | "REALTIME", onlyLevel?: number): void {
    const ts = stream === "SNAPSHOT" ? this.s.clock.now() : mr.lastTrade.ts;
    const data = orderbookData(mr, this.s.engine, WS_ORDERBOOK_DEPTH);
    const byLevel = new Map<number, Outgoing>();
    for (const ws of subs) {
      const level = onlyLevel ?? ws.data.publicSubs.get("orderbook")?.level ?? 1;
      let msg = byLevel.get(level);
      if (!msg) {
        msg = new Outgoing("orderbook", () => orderbookMessage(data, level, stream, ts));
        byLevel.set(level, msg);
      }
      ws.send(msg.text(ws.data.format));
    }
  }

  private unsubscribe(ws: Socket): void {
    for (const [type, sub] of ws.data.publicSubs) {
      for (const code of sub.codes) {
        const set = this.index[type].get(code);
        set?.delete(ws);
        if (set?.size === 0) this.index[type].delete(code);
      }
    }
    ws.data.publicSubs.clear();
    ws.data.myOrder = undefined;
    ws.data.myAsset = false;
    this.orderSubs.delete(ws);
    this.assetSubs.delete(ws);
  }

  private forget(ws: Socket): void {
    if (!this.sockets.delete(ws)) return;
    this.unsubscribe(ws);
  }

  // ------------------------------------------------------------------ keep-alive

  private scheduleHeartbeat(): void {
    this.timer = this.s.wallClock.setTimeout(() => {
      this.heartbeat();
      this.scheduleHeartbeat();
    }, this.options.heartbeatMs);
  }

  /** `{"status":"UP"}` to live connections; close the ones idle for too long. */
  private heartbeat(): void {
    const now = this.s.wallClock.now();
    for (const ws of [...this.sockets]) {
      if (now - ws.data.lastSeen >= this.options.idleTimeoutMs) {
        this.forget(ws);
        ws.close(1001, "idle timeout");
      } else {
        ws.send(STATUS_UP);
      }
    }
  }
}
