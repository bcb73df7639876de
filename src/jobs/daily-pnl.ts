import type { Db } from "../db/index.ts";
import { getDailyPnl, listClosedTrades, listOpenPositions, recordDailyPnl } from "../db/index.ts";
import type { ControlPort } from "../ports/control.ts";
import { kstDate } from "./schedule.ts";

/**
 * The daily PnL row, booked at KST midnight for the day that just ended (Bithumb's day): realised
 * PnL of trades closed that day, unrealised PnL of open positions at their last price, equity
 * (KRW + positions at last price) and the return against the previous day's equity.
 */
export interface DailySummary {
  readonly date: string;
  readonly realised: number;
  readonly unrealised: number;
  readonly equity: number;
  readonly return: number;
}

export function bookDailyPnl(db: Db, control: Pick<ControlPort, "balances" | "listActors">, at: number, now: number): DailySummary {
  const date = kstDate(at - 1);
  const dayStart = at - 86_400_000;
  const realised = listClosedTrades(db, 10_000)
    .filter((t) => t.exitTs >= dayStart && t.exitTs < at)
    .reduce((s, t) => s + t.pnl, 0);
  const prices = new Map(control.listActors().map((a) => [a.market as string, a.lastPrice]));
  let unrealised = 0;
  for (const p of listOpenPositions(db)) {
    const price = prices.get(p.market);
    if (price !== undefined) unrealised += p.volume * price - p.costBasis;
  }
  let equity = 0;
  for (const b of control.balances()) {
    const amount = b.balance + b.locked;
    equity += b.currency === "KRW" ? amount : amount * (prices.get(`KRW-${b.currency}`) ?? b.avgBuyPrice);
  }
  const previous = getDailyPnl(db, kstDate(at - 1 - 86_400_000));
  const ret = previous && previous.equity > 0 ? equity / previous.equity - 1 : 0;
  const summary = { date, realised, unrealised, equity, return: ret };
  recordDailyPnl(db, summary, now);
  return summary;
}
