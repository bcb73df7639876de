import { assign, fromCallback, setup } from "xstate";
import type { Market } from "../src/core/model.ts";
import type { StreamEvent } from "../src/ports/market-stream.ts";
import type { RuntimeDeps } from "./deps.ts";

/**
 * The market-data actor (`md`): owns the public WebSocket stream, subscribes the traded markets'
 * trades and tickers, and routes each message to its market's trader (`trader:<market>`). After a
 * reconnect or a stale market it tells the traders to resynchronise over REST, so a gap in the
 * stream never goes unnoticed.
 */

export type MarketDataEvent =
  | { readonly type: "md.subscribe"; readonly markets: readonly Market[] }
  | { readonly type: "stream.event"; readonly event: StreamEvent; readonly receivedAt: number };

export interface MarketDataContext {
  markets: Market[];
  connected: boolean;
  lastMessageAt: number | null;
  reconnects: number;
}

export function createMarketDataActor(deps: RuntimeDeps) {
  const { marketStream, clock, metrics } = deps;
  const feed = fromCallback(({ sendBack }) => {
    const off = marketStream.onEvent((event) => sendBack({ type: "stream.event", event, receivedAt: performance.now() }));
    marketStream.start();
    return () => {
      off();
    };
  });

  return setup({
    types: { context: {} as MarketDataContext, events: {} as MarketDataEvent },
    actors: { feed },
  }).createMachine({
    id: "md",
    context: { markets: [], connected: marketStream.connected, lastMessageAt: null, reconnects: 0 },
    invoke: { src: "feed", id: "publicStream" },
    on: {
      "md.subscribe": {
        actions: assign(({ event }) => {
          const markets = [...event.markets];
          marketStream.subscribe({ trade: markets, ticker: markets });
          return { markets };
        }),
      },
      "stream.event": {
        actions: assign(({ context, event, system }) => {
          const e = event.event;
          const now = clock.now();
          switch (e.type) {
            case "trade":
              system.get(`trader:${e.trade.market}`)?.send({ type: "market.traded", ts: event.receivedAt, trade: e.trade });
              metrics.wsMessageLagSeconds.observe({ stream: "public" }, Math.max(0, now - e.trade.timestamp) / 1000);
              return { lastMessageAt: now };
            case "ticker":
              system.get(`trader:${e.ticker.market}`)?.send({ type: "market.ticked", ts: now, ticker: e.ticker });
              return { lastMessageAt: now };
            case "stale":
              system.get(`trader:${e.market}`)?.send({ type: "market.stale", ts: now, market: e.market, silentMs: e.silentMs });
              return {};
            case "resync": {
              const targets = e.markets.length > 0 ? e.markets : context.markets;
              for (const m of targets) system.get(`trader:${m}`)?.send({ type: "market.resyncNeeded", ts: now, reason: e.reason });
              if (e.markets.length === 0) metrics.wsReconnectsTotal.inc({ stream: "public" });
              return { reconnects: context.reconnects + (e.markets.length === 0 ? 1 : 0) };
            }
            case "connected":
              metrics.wsConnected.set({ stream: "public" }, 1);
              return { connected: true };
            case "disconnected":
              metrics.wsConnected.set({ stream: "public" }, 0);
              return { connected: false };
            default:
              return {};
          }
        }),
      },
    },
  });
}
