import type { Logger } from "pino";
import { isMarket, type Market } from "../../../core/model.ts";
import type { Clock } from "../../../ports/clock.ts";
import type { MatchingEngine } from "../engine/engine.ts";
import { invalidParameter, marketNotFound } from "../errors.ts";
import type { MarketReplay, Replay } from "../market/replay.ts";
import type { RequestAuthenticator } from "./auth.ts";
import type { FaultInjector } from "./faults.ts";

/** Everything the HTTP and WebSocket handlers share. */
export interface SimServices {
  readonly replay: Replay;
  readonly engine: MatchingEngine;
  /** Replay time. */
  readonly clock: Clock;
  /** Real time: auth windows, latency, keep-alive. */
  readonly wallClock: Clock;
  /** Simulated seconds per real second (reported by `/sim/clock`). */
  readonly speed: number;
  readonly auth: RequestAuthenticator;
  readonly faults: FaultInjector;
  /** The sim secret: also the admin API's password. */
  readonly secretKey: string;
  readonly logger: Logger;
  /** Reveal every trade up to the clock's now; returns that time. Called before every request. */
  sync(): number;
  /** Close every WebSocket abruptly; returns how many were open. */
  dropWebSockets(): number;
}

/** The market a public request names: 400 when missing, 404 `Code not found` when unknown. */
export function publicMarket(services: SimServices, code: string | undefined | null): MarketReplay {
  if (code === undefined || code === null || code === "") throw invalidParameter("market is required");
  const mr = isMarket(code) ? services.replay.market(code) : undefined;
  if (!mr) throw marketNotFound(code);
  return mr;
}

/** A comma-separated market list (`markets=KRW-BTC,KRW-ETH`). */
export function publicMarkets(services: SimServices, list: string | undefined | null): MarketReplay[] {
  if (!list) throw invalidParameter("markets is required");
  return list.split(",").map((code) => publicMarket(services, code.trim()));
}

/** True when the simulator serves `market`. */
export function servesMarket(services: SimServices, market: Market): boolean {
  return services.replay.market(market) !== undefined;
}

/** An integer query parameter in [min, max], or the default when absent. */
export function intParam(value: string | null | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === null || value === undefined || value === "") return fallback;
  if (!/^-?\d+$/.test(value)) throw invalidParameter(`${name} must be an integer`);
  const v = Number(value);
  if (v < min || v > max) throw invalidParameter(`${name} must be between ${min} and ${max}`);
  return v;
}
