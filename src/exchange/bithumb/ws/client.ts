import { ParseError } from "../../../core/errors.ts";
import type { Market } from "../../../core/model.ts";
import type { Clock, TimerId } from "../../../ports/clock.ts";
import type { MarketStream, StreamEvent, StreamSubscription } from "../../../ports/market-stream.ts";
import type { Logger } from "../../../log.ts";
import { BithumbSigner } from "../http/sign.ts";
import { notify, type WsObserver, type WsProblemKind } from "../observer.ts";
import { RateLimiter, WS_CONNECT_LIMITS } from "../rate-limit.ts";
import { decodeFrame, parseWsMessage, type WsMessage } from "./parse.ts";
import { buildRequestFrame, type PrivateSubscription, watchedMarkets, type WsFormat } from "./subscriptions.ts";

/**
 * Bithumb WebSocket client (API.md 8) on Bun's native `WebSocket`, behind the `MarketStream`
 * port. One instance is one connection: public (ticker/trade/orderbook on `/websocket/v1`) or,
 * given credentials, private (`myOrder`/`myAsset` on `/websocket/v2/private`, JWT in the
 * handshake's `authorization` header).
 *
 * Gaps never go unnoticed: after every reconnect the subscription is re-sent and a `resync`
 * event tells consumers to re-read state over REST; a market silent for `staleAfterMs` gets a
 * `stale` event, and a `resync` for that market when data flows again.
 *
 * Liveness: a keep-alive (`PING` text, or a protocol ping) every `intervalMs` (Bithumb drops a
 * connection idle for ~120 s; it answers with `{"status":"UP"}` every 10 s while alive). If
 * nothing at all arrives for 2 x `intervalMs` the connection is presumed dead and replaced.
 *
 * Reconnects back off exponentially with jitter (reset after `stableAfterMs` connected) and pass
 * a connection-attempt limiter (10 per second per IP, API.md 7), so the client never hot-loops.
 * Every timer runs on the injected clock.
 */

export interface WsCredentials {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly nonce?: () => string;
}

export interface ReconnectPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Connected this long = stable: the backoff starts over at the next drop. */
  readonly stableAfterMs: number;
}

/** The headers a socket is opened with (`authorization` for the private stream). */
export type SocketFactory = (url: string, headers: Readonly<Record<string, string>>) => WebSocket;

export interface BithumbWsClientOptions {
  readonly url: string;
  readonly clock: Clock;
  /** Uniform [0, 1) for jitter (default Math.random). */
  readonly random?: () => number;
  readonly logger?: Logger;
  /** Makes this a private-stream client: the handshake carries a JWT signed with these keys. */
  readonly credentials?: WsCredentials;
  /** Field names the server should use (default `DEFAULT`; SIMPLE frames are parsed either way). */
  readonly format?: WsFormat;
  /** Keep-alive period and kind (default 30 s, `text` = send `PING`; `frame` = protocol ping). */
  readonly keepAlive?: { readonly intervalMs?: number; readonly mode?: "text" | "frame" };
  /** Per-market silence that counts as stale (default 60 s; 0 disables the watchdog). */
  readonly staleAfterMs?: number;
  readonly reconnect?: Partial<ReconnectPolicy>;
  /** Share one limiter between every socket on the same IP (default: a private one). */
  readonly connectLimiter?: RateLimiter<"ws:connect">;
  /** Ticket for each request frame (default crypto.randomUUID). */
  readonly ticket?: () => string;
  /** Opens the socket (default Bun's native WebSocket); tests and proxies may replace it. */
  readonly createSocket?: SocketFactory;
  /**
   * Told about connects, disconnects, every parsed frame (kind and lag), problems and
   * connection-attempt rate-limit waits; `bindStreamMetrics(metrics, ...)` from src/metrics makes
   * one. Optional.
   */
  readonly observer?: WsObserver;
}

export interface WsStats {
  connects: number;
  reconnects: number;
  messages: number;
  statusFrames: number;
  parseErrors: number;
  keepAliveTimeouts: number;
}

const DEFAULT_RECONNECT: ReconnectPolicy = { baseDelayMs: 1_000, maxDelayMs: 30_000, stableAfterMs: 60_000 };

/** Bun's WebSocket takes a `headers` option (TOOLCHAIN.md 10); the DOM typing does not know it. */
const nativeSocket: SocketFactory = (url, headers) => new WebSocket(url, { headers } as unknown as string[]);

type Listener = (event: StreamEvent) => void;

export class BithumbWsClient implements MarketStream {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly logger?: Logger;
  private readonly signer?: BithumbSigner;
  private readonly format: WsFormat;
  private readonly keepAliveMs: number;
  private readonly keepAliveMode: "text" | "frame";
  private readonly staleAfterMs: number;
  private readonly reconnectPolicy: ReconnectPolicy;
  private readonly connectLimiter: RateLimiter<"ws:connect">;
  private readonly ticket: () => string;
  private readonly createSocket: SocketFactory;
  private readonly url: string;
  private readonly observer?: WsObserver;

  private readonly listeners = new Set<Listener>();
  private publicSub: StreamSubscription = {};
  private privateSub: PrivateSubscription = {};
  private socket: WebSocket | undefined;
  /** Bumped per connection so events of a replaced socket are ignored. */
  private generation = 0;
  private started = false;
  private stopped = false;
  private isOpen = false;
  private everConnected = false;
  private attempts = 0;
  private lastReceived = 0;
  private readonly lastSeen = new Map<Market, number>();
  private readonly staleMarkets = new Set<Market>();
  private readonly timers: Record<"reconnect" | "keepAlive" | "stable" | "watchdog", TimerId | undefined> = {
    reconnect: undefined,
    keepAlive: undefined,
    stable: undefined,
    watchdog: undefined,
  };
  private closed: (() => void) | undefined;
  private readonly counters: WsStats = { connects: 0, reconnects: 0, messages: 0, statusFrames: 0, parseErrors: 0, keepAliveTimeouts: 0 };

  constructor(options: BithumbWsClientOptions) {
    this.url = options.url;
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
    this.logger = options.logger;
    this.signer = options.credentials
      ? new BithumbSigner({ ...options.credentials, clock: options.clock, nonce: options.credentials.nonce })
      : undefined;
    this.format = options.format ?? "DEFAULT";
    this.keepAliveMs = options.keepAlive?.intervalMs ?? 30_000;
    this.keepAliveMode = options.keepAlive?.mode ?? "text";
    this.staleAfterMs = options.staleAfterMs ?? 60_000;
    this.reconnectPolicy = { ...DEFAULT_RECONNECT, ...options.reconnect };
    this.connectLimiter = options.connectLimiter ?? new RateLimiter({ clock: options.clock, limits: WS_CONNECT_LIMITS, maxWaitMs: 10_000 });
    this.ticket = options.ticket ?? (() => crypto.randomUUID());
    this.createSocket = options.createSocket ?? nativeSocket;
    this.observer = options.observer;
    if (!(this.keepAliveMs > 0)) throw new RangeError(`keepAlive.intervalMs must be > 0, got ${this.keepAliveMs}`);
  }

  get connected(): boolean {
    return this.isOpen;
  }

  /** True for a private-stream client (credentials given). */
  get isPrivate(): boolean {
    return this.signer !== undefined;
  }

  /** Replace the public subscription (sent now if connected, and on every reconnect). */
  subscribe(subscription: StreamSubscription): void {
    this.publicSub = subscription;
    const now = this.clock.now();
    for (const market of watchedMarkets(subscription)) if (!this.lastSeen.has(market)) this.lastSeen.set(market, now);
    for (const market of [...this.lastSeen.keys()]) {
      if (!watchedMarkets(subscription).includes(market)) {
        this.lastSeen.delete(market);
        this.staleMarkets.delete(market);
      }
    }
    this.sendSubscription();
  }

  /** Replace the private subscription (`myOrder` / `myAsset`). */
  subscribePrivate(subscription: PrivateSubscription): void {
    this.privateSub = subscription;
    this.sendSubscription();
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopped = false;
    void this.connect();
  }

  /** Close for good; resolves once the socket is closed (or after 1 s on the clock). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.started = false;
    for (const key of Object.keys(this.timers) as (keyof typeof this.timers)[]) this.clearTimer(key);
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.readyState === WebSocket.CLOSED) {
      this.markClosed("stopped");
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = this.clock.setTimeout(() => resolve(), 1_000);
      this.closed = () => {
        this.clock.clearTimeout(timer);
        resolve();
      };
      socket.close(1000, "client stop");
    });
    this.markClosed("stopped");
  }

  /** Counters for metrics. */
  stats(): WsStats {
    return { ...this.counters };
  }

  // -------------------------------------------------------------------------------------------
  // Connection lifecycle

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let opened = false;
    try {
      await this.acquireConnectSlot();
      const headers: Record<string, string> = this.signer ? { authorization: await this.signer.authorization() } : {};
      if (this.stopped) return;
      const generation = ++this.generation;
      const socket = this.createSocket(this.url, headers);
      socket.binaryType = "arraybuffer";
      this.socket = socket;
      this.counters.connects++;
      socket.addEventListener("open", () => {
        opened = true;
        if (generation === this.generation) this.onOpen();
      });
      socket.addEventListener("message", (event) => generation === this.generation && this.onMessage(event.data));
      // A protocol pong proves liveness like any frame (Bun's WebSocket emits "pong"; the DOM typing does not know it).
      (socket as EventTarget).addEventListener("pong", () => {
        if (generation === this.generation) this.lastReceived = this.clock.now();
      });
      socket.addEventListener("error", () => generation === this.generation && this.logger?.warn({ url: this.url }, "websocket error"));
      socket.addEventListener("close", (event) => {
        if (this.closed && this.stopped) this.closed();
        if (generation !== this.generation) return;
        // A socket that never opened is a failed attempt (refused upgrade, unreachable host).
        if (!opened && !this.stopped) this.problem("connect");
        this.onClose(`close ${event.code}${event.reason ? ` ${event.reason}` : ""}`);
      });
    } catch (error) {
      this.problem("connect");
      this.emit({ type: "error", ts: this.clock.now(), message: `connect failed: ${error instanceof Error ? error.message : String(error)}` });
      this.scheduleReconnect();
    }
  }

  /** The connection-attempt slot; waits and refusals go to the observer. */
  private async acquireConnectSlot(): Promise<void> {
    const observer = this.observer;
    if (observer === undefined) {
      await this.connectLimiter.acquire("ws:connect");
      return;
    }
    const startedAt = this.clock.now();
    try {
      const waitedMs = await this.connectLimiter.acquire("ws:connect");
      if (waitedMs > 0) notify(observer, this.logger, (o) => o.onRateLimit?.({ group: "ws:connect", waitedMs, refused: false }));
    } catch (error) {
      notify(observer, this.logger, (o) => o.onRateLimit?.({ group: "ws:connect", waitedMs: this.clock.now() - startedAt, refused: true }));
      throw error;
    }
  }

  private problem(kind: WsProblemKind): void {
    if (this.observer !== undefined) notify(this.observer, this.logger, (o) => o.onProblem?.(kind));
  }

  private onOpen(): void {
    this.isOpen = true;
    const now = this.clock.now();
    this.lastReceived = now;
    for (const market of this.lastSeen.keys()) this.lastSeen.set(market, now);
    this.staleMarkets.clear();
    this.sendSubscription();
    this.emit({ type: "connected", ts: now });
    const reconnect = this.everConnected;
    if (this.observer !== undefined) notify(this.observer, this.logger, (o) => o.onConnected?.(reconnect));
    if (this.everConnected) {
      this.counters.reconnects++;
      this.emit({ type: "resync", ts: now, reason: "reconnected", markets: [] });
    }
    this.everConnected = true;
    this.clearTimer("stable");
    this.timers.stable = this.clock.setTimeout(() => {
      this.timers.stable = undefined;
      this.attempts = 0;
    }, this.reconnectPolicy.stableAfterMs);
    this.scheduleKeepAlive();
    this.scheduleWatchdog();
  }

  private onClose(reason: string): void {
    const wasOpen = this.isOpen;
    this.isOpen = false;
    this.socket = undefined;
    this.clearTimer("keepAlive");
    this.clearTimer("stable");
    this.clearTimer("watchdog");
    if (wasOpen || !this.stopped) this.emit({ type: "disconnected", ts: this.clock.now(), reason });
    if (wasOpen && this.observer !== undefined) notify(this.observer, this.logger, (o) => o.onDisconnected?.(reason));
    if (!this.stopped) this.scheduleReconnect();
  }

  private markClosed(reason: string): void {
    if (this.isOpen) {
      this.isOpen = false;
      this.emit({ type: "disconnected", ts: this.clock.now(), reason });
      if (this.observer !== undefined) notify(this.observer, this.logger, (o) => o.onDisconnected?.(reason));
    }
    this.generation++;
    this.closed = undefined;
  }

  /** Exponential backoff with equal jitter: never sooner than half the step. */
  private scheduleReconnect(): void {
    if (this.stopped || this.timers.reconnect !== undefined) return;
    const { baseDelayMs, maxDelayMs } = this.reconnectPolicy;
    const step = Math.min(maxDelayMs, baseDelayMs * 2 ** this.attempts);
    const delay = step / 2 + this.random() * (step / 2);
    this.attempts++;
    this.logger?.info({ url: this.url, delayMs: Math.round(delay), attempt: this.attempts }, "websocket reconnect scheduled");
    this.timers.reconnect = this.clock.setTimeout(() => {
      this.timers.reconnect = undefined;
      void this.connect();
    }, delay);
  }

  /** Replace a connection that went silent: detach it, close it, reconnect. */
  private abandonConnection(reason: string): void {
    const socket = this.socket;
    this.generation++; // its late events no longer count
    try {
      socket?.close(4000, reason);
    } catch {
      // closing a broken socket may throw; it is being replaced anyway
    }
    this.onClose(reason);
  }

  // -------------------------------------------------------------------------------------------
  // Keep-alive and staleness

  private scheduleKeepAlive(): void {
    this.clearTimer("keepAlive");
    this.timers.keepAlive = this.clock.setTimeout(() => {
      this.timers.keepAlive = undefined;
      if (!this.isOpen) return;
      if (this.clock.now() - this.lastReceived > 2 * this.keepAliveMs) {
        this.counters.keepAliveTimeouts++;
        this.problem("keepalive_timeout");
        this.logger?.warn({ url: this.url, silentMs: this.clock.now() - this.lastReceived }, "websocket silent; reconnecting");
        this.abandonConnection("keep-alive timeout");
        return;
      }
      this.sendPing();
      this.scheduleKeepAlive();
    }, this.keepAliveMs);
  }

  private sendPing(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (this.keepAliveMode === "frame") (socket as unknown as { ping(): void }).ping();
    else socket.send("PING");
  }

  private scheduleWatchdog(): void {
    if (this.staleAfterMs <= 0) return;
    this.clearTimer("watchdog");
    const period = Math.max(250, Math.min(5_000, this.staleAfterMs / 4));
    this.timers.watchdog = this.clock.setTimeout(() => {
      this.timers.watchdog = undefined;
      if (!this.isOpen) return;
      this.checkStaleness();
      this.scheduleWatchdog();
    }, period);
  }

  private checkStaleness(): void {
    const now = this.clock.now();
    for (const [market, seen] of this.lastSeen) {
      const silentMs = now - seen;
      if (silentMs >= this.staleAfterMs && !this.staleMarkets.has(market)) {
        this.staleMarkets.add(market);
        this.emit({ type: "stale", ts: now, market, silentMs });
      }
    }
  }

  private noteMarketData(market: Market): void {
    if (!this.lastSeen.has(market)) return;
    const now = this.clock.now();
    this.lastSeen.set(market, now);
    if (this.staleMarkets.delete(market)) this.emit({ type: "resync", ts: now, reason: "stale market recovered", markets: [market] });
  }

  // -------------------------------------------------------------------------------------------
  // Messages

  private sendSubscription(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const frame = buildRequestFrame(this.ticket(), this.publicSub, this.privateSub, this.format);
    if (frame) socket.send(frame);
  }

  private onMessage(data: unknown): void {
    this.lastReceived = this.clock.now();
    this.counters.messages++;
    let message: WsMessage;
    try {
      message = parseWsMessage(decodeFrame(data));
    } catch (error) {
      this.counters.parseErrors++;
      this.problem("parse");
      const detail = error instanceof ParseError ? error.message : error instanceof Error ? error.message : String(error);
      this.emit({ type: "error", ts: this.clock.now(), message: `bad frame: ${detail}` });
      return;
    }
    if (this.observer !== undefined) this.observeMessage(this.observer, message);
    this.dispatch(message);
  }

  /** Per frame, so without the closure `notify` takes; same containment of a throwing observer. */
  private observeMessage(observer: WsObserver, message: WsMessage): void {
    if (message.kind === "error") this.problem("server");
    if (observer.onMessage === undefined) return;
    const stamp = messageTimestamp(message);
    try {
      observer.onMessage(message.kind, stamp === undefined ? undefined : this.lastReceived - stamp);
    } catch (error) {
      this.logger?.warn({ err: error instanceof Error ? error.message : String(error) }, "exchange observer threw; ignored");
    }
  }

  private dispatch(message: WsMessage): void {
    switch (message.kind) {
      case "status":
        this.counters.statusFrames++;
        return;
      case "ignored":
        this.logger?.debug({ reason: message.reason }, "websocket frame ignored");
        return;
      case "error":
        this.emit({ type: "error", ts: this.clock.now(), message: `server error ${message.name}: ${message.message}` });
        return;
      case "ticker":
        this.noteMarketData(message.ticker.market);
        this.emit({ type: "ticker", ticker: message.ticker });
        return;
      case "trade":
        this.noteMarketData(message.trade.market);
        this.emit({ type: "trade", trade: message.trade });
        return;
      case "orderbook":
        this.noteMarketData(message.orderbook.market);
        this.emit({ type: "orderbook", orderbook: message.orderbook });
        return;
      case "myOrder":
        this.emit({ type: "myOrder", order: message.order });
        return;
      case "myAsset":
        this.emit({ type: "myAsset", asset: message.asset });
        return;
    }
  }

  /** Deliver to every listener; one failing consumer must not break the stream or the others. */
  private emit(event: StreamEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger?.error({ err: error instanceof Error ? error.message : String(error), event: event.type }, "stream listener threw");
      }
    }
  }

  private clearTimer(key: keyof typeof this.timers): void {
    const id = this.timers[key];
    if (id !== undefined) this.clock.clearTimeout(id);
    this.timers[key] = undefined;
  }
}

/** The exchange's own timestamp of a message, when it carries one. */
function messageTimestamp(message: WsMessage): number | undefined {
  switch (message.kind) {
    case "ticker":
      return message.ticker.timestamp;
    case "trade":
      return message.trade.timestamp;
    case "orderbook":
      return message.orderbook.timestamp;
    case "myOrder":
      return message.order.timestamp;
    case "myAsset":
      return message.asset.timestamp;
    default:
      return undefined;
  }
}
