import type { Market, MarketWarning } from "../../core/model.ts";
import type { AccountBalance } from "./engine/types.ts";
import { type Fixed, fixedFromNumber, parseFixed } from "./fixed.ts";
import type { FaultSettings } from "./http/faults.ts";
import type { SimServices } from "./http/services.ts";
import { restAccount, restOrder } from "./http/wire.ts";

/** Everything the admin API reports: enough to assert on in tests and to debug a run. */
export interface SimState {
  readonly now: number;
  readonly speed: number;
  readonly markets: readonly {
    readonly market: Market;
    readonly warning: MarketWarning;
    readonly lastPrice: number;
    readonly lastTradeTs: number;
    readonly source: string;
  }[];
  /** `GET /v1/accounts` shape. */
  readonly balances: readonly Record<string, unknown>[];
  /** Every order ever placed, oldest first, in the `GET /v1/order` shape. */
  readonly orders: readonly Record<string, unknown>[];
  readonly faults: FaultSettings;
  readonly rememberedNonces: number;
}

/** Programmatic control of a running simulator (the same operations as `/sim/admin/*`). */
export interface SimAdmin {
  faults(): FaultSettings;
  /** Change some fault settings; throws RangeError for a bad value. */
  setFaults(patch: Partial<FaultSettings>): FaultSettings;
  /** The next `count` order POSTs create their orders, then lose their responses. */
  loseNextOrderResponses(count: number): FaultSettings;
  /** Close every WebSocket connection now (clients see an abnormal close). */
  dropWebSockets(): number;
  /** Set a currency's available balance (KRW or a coin). */
  setBalance(currency: string, amount: string | number): AccountBalance;
  setMarketWarning(market: Market, warning: MarketWarning): void;
  /** Reveal the replay up to the clock's current time (useful after advancing a SimulatedClock). */
  sync(): number;
  state(): SimState;
}

function amountOf(value: string | number): Fixed {
  const parsed = typeof value === "number" ? fixedFromNumber(value, 8) : parseFixed(value.trim());
  if (parsed === undefined || parsed < 0n) throw new RangeError(`balance must be a non-negative decimal, got ${JSON.stringify(value)}`);
  return parsed;
}

export function createAdmin(s: SimServices): SimAdmin {
  return {
    faults: () => s.faults.settings,
    setFaults: (patch) => {
      const next = s.faults.update(patch);
      s.logger.info({ faults: next }, "sim faults changed");
      return next;
    },
    loseNextOrderResponses: (count) => s.faults.update({ loseOrderResponses: count }),
    dropWebSockets: () => s.dropWebSockets(),
    setBalance: (currency, amount) => {
      const code = currency.toUpperCase();
      if (!/^[A-Z0-9]{1,15}$/.test(code)) throw new RangeError(`bad currency code ${JSON.stringify(currency)}`);
      s.engine.setBalance(code, amountOf(amount), s.sync());
      return s.engine.balance(code);
    },
    setMarketWarning: (market, warning) => {
      const mr = s.replay.market(market);
      if (!mr) throw new RangeError(`unknown market ${market}`);
      if (warning !== "NONE" && warning !== "CAUTION") throw new RangeError("warning must be NONE or CAUTION");
      mr.warning = warning;
    },
    sync: () => s.sync(),
    state: () => {
      const now = s.sync();
      return {
        now,
        speed: s.speed,
        markets: [...s.replay.markets.values()].map((mr) => ({
          market: mr.market,
          warning: mr.warning,
          lastPrice: mr.lastTrade.price,
          lastTradeTs: mr.lastTrade.ts,
          source: mr.timeline.source,
        })),
        balances: s.engine.balances().map(restAccount),
        orders: s.engine.orders().map((o) => restOrder(o, true)),
        faults: s.faults.settings,
        rememberedNonces: s.auth.rememberedNonces,
      };
    },
  };
}
