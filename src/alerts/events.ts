/**
 * Alerts built from runtime facts. The runtime (order manager, supervisor, jobs) describes what
 * happened as an `AlertEvent`; `alertFor` writes it in the operator's language with the severity
 * and de-duplication key that condition deserves. Pure: no clock (the event carries `ts`).
 *
 * Keys: a key names "the same condition", so repeats inside the de-duplication window are held
 * back. One-off facts (a fill, a stop) get unique keys; standing conditions (trading halted, an
 * error spike) get stable ones.
 */
import { baseCurrency, type Market } from "../core/model.ts";
import type { Alert, AlertSeverity } from "../ports/alerts.ts";
import { formatDuration, formatKrw, formatPercent, formatPriceKrw, formatVolume, type Lang } from "./format.ts";

export type AlertEvent =
  | {
      readonly type: "fill";
      readonly ts: number;
      readonly market: Market;
      readonly side: "bid" | "ask";
      readonly price: number;
      readonly volume: number;
      readonly fee: number;
      /** Exchange trade id (or the order id with a sequence): makes the key unique. */
      readonly tradeId: string;
      /** Why the order was placed: `entry`, `stop`, `trailing`, `flatten`, … */
      readonly reason?: string;
      /** Realised PnL of the position this fill closed, when it closed one. */
      readonly realisedPnl?: number;
    }
  | {
      readonly type: "stop_hit";
      readonly ts: number;
      readonly market: Market;
      readonly stop: number;
      /** The price that crossed the stop (last trade or candle close). */
      readonly price: number;
      readonly volume: number;
      /** Unrealised PnL at the stop price, when known. */
      readonly pnl?: number;
      /** `stop` or `trailing`. */
      readonly kind?: "stop" | "trailing";
    }
  | {
      readonly type: "daily_pnl";
      readonly ts: number;
      /** KST day, YYYY-MM-DD. */
      readonly date: string;
      readonly realised: number;
      readonly unrealised: number;
      readonly equity: number;
      /** Against the previous day's equity (0.0123 = +1.23 %). */
      readonly return: number;
      readonly trades?: number;
    }
  | {
      readonly type: "restart_storm";
      readonly ts: number;
      /** Restarts counted in the window (all actors, or `actorId`'s). */
      readonly restarts: number;
      readonly windowMs: number;
      readonly actorId?: string;
      readonly lastError?: string;
    }
  | { readonly type: "market_halted"; readonly ts: number; readonly market: Market; readonly reason: string }
  | { readonly type: "trading_halted"; readonly ts: number; readonly reason: string }
  | {
      readonly type: "reconcile_mismatch";
      readonly ts: number;
      readonly mismatches: readonly { readonly market: string; readonly detail: string }[];
    }
  | {
      readonly type: "error_rate_spike";
      readonly ts: number;
      /** What errs: `exchange`, `exchange:/v1/orders`, `http`. */
      readonly source: string;
      readonly errors: number;
      readonly windowMs: number;
      readonly threshold: number;
      /** Errors in the window by kind (retryable, rejected, fatal, or an HTTP status). */
      readonly byKind?: Readonly<Record<string, number>>;
    }
  | { readonly type: "market_delisted"; readonly ts: number; readonly market: Market }
  | { readonly type: "order_unknown"; readonly ts: number; readonly market: Market; readonly clientOrderId: string; readonly detail: string }
  | { readonly type: "kill_switch"; readonly ts: number; readonly by: string };

type Text = { readonly severity: AlertSeverity; readonly key: string; readonly title: string; readonly text: string };

/** Most mismatch lines listed in one alert; the rest are counted. */
const MISMATCH_LINES = 15;

const SIDE = { ko: { bid: "매수", ask: "매도" }, en: { bid: "buy", ask: "sell" } } as const;

function fill(e: Extract<AlertEvent, { type: "fill" }>, lang: Lang): Text {
  const coin = baseCurrency(e.market);
  const amount = e.price * e.volume;
  const ko = lang === "ko";
  const lines = [
    ko
      ? `${formatPriceKrw(e.price, lang)} × ${formatVolume(e.volume, coin)} = ${formatKrw(amount, lang)}`
      : `${formatVolume(e.volume, coin)} at ${formatPriceKrw(e.price, lang)} = ${formatKrw(amount, lang)}`,
    `${ko ? "수수료" : "Fee"} ${formatKrw(e.fee, lang)}`,
  ];
  if (e.reason) lines.push(`${ko ? "사유" : "Reason"}: ${e.reason}`);
  if (e.realisedPnl !== undefined) lines.push(`${ko ? "실현 손익" : "Realised PnL"} ${formatKrw(e.realisedPnl, lang, { signed: true })}`);
  return {
    severity: "info",
    key: `fill:${e.market}:${e.tradeId}`,
    title: ko ? `체결: ${e.market} ${SIDE.ko[e.side]}` : `Fill: ${e.market} ${SIDE.en[e.side]}`,
    text: lines.join("\n"),
  };
}

function stopHit(e: Extract<AlertEvent, { type: "stop_hit" }>, lang: Lang): Text {
  const ko = lang === "ko";
  const trailing = e.kind === "trailing";
  const what = ko ? (trailing ? "추적 손절" : "손절") : trailing ? "Trailing stop" : "Stop";
  const lines = [
    ko
      ? `${what}가 ${formatPriceKrw(e.stop, lang)}, 현재가 ${formatPriceKrw(e.price, lang)}`
      : `${what} ${formatPriceKrw(e.stop, lang)}, price ${formatPriceKrw(e.price, lang)}`,
    ko ? `청산 수량 ${formatVolume(e.volume, baseCurrency(e.market))}` : `Selling ${formatVolume(e.volume, baseCurrency(e.market))}`,
  ];
  if (e.pnl !== undefined) lines.push(`${ko ? "예상 손익" : "Expected PnL"} ${formatKrw(e.pnl, lang, { signed: true })}`);
  return { severity: "warning", key: `stop_hit:${e.market}:${e.ts}`, title: ko ? `${what} 도달: ${e.market}` : `${what} hit: ${e.market}`, text: lines.join("\n") };
}

function dailyPnl(e: Extract<AlertEvent, { type: "daily_pnl" }>, lang: Lang): Text {
  const ko = lang === "ko";
  const lines = [
    `${ko ? "실현 손익" : "Realised"} ${formatKrw(e.realised, lang, { signed: true })}${e.trades !== undefined ? (ko ? ` (거래 ${e.trades}건)` : ` (${e.trades} trades)`) : ""}`,
    `${ko ? "미실현 손익" : "Unrealised"} ${formatKrw(e.unrealised, lang, { signed: true })}`,
    `${ko ? "평가 금액" : "Equity"} ${formatKrw(e.equity, lang)} (${formatPercent(e.return, { signed: true })})`,
  ];
  return { severity: "info", key: `daily_pnl:${e.date}`, title: ko ? `일일 손익 ${e.date}` : `Daily PnL ${e.date}`, text: lines.join("\n") };
}

function restartStorm(e: Extract<AlertEvent, { type: "restart_storm" }>, lang: Lang): Text {
  const ko = lang === "ko";
  const who = e.actorId ?? (ko ? "액터 전체" : "all actors");
  const lines = [ko ? `${who}: ${formatDuration(e.windowMs, lang)} 동안 재시작 ${e.restarts}회` : `${who}: ${e.restarts} restarts in ${formatDuration(e.windowMs, lang)}`];
  if (e.lastError) lines.push(`${ko ? "마지막 오류" : "Last error"}: ${e.lastError}`);
  return { severity: "critical", key: `restart_storm:${e.actorId ?? "all"}`, title: ko ? "재시작 폭주" : "Restart storm", text: lines.join("\n") };
}

function marketHalted(e: Extract<AlertEvent, { type: "market_halted" }>, lang: Lang): Text {
  const ko = lang === "ko";
  return {
    severity: "critical",
    key: `halted:trader:${e.market}`,
    title: ko ? `${e.market} 거래 중단` : `${e.market} halted`,
    text: `${ko ? "사유" : "Reason"}: ${e.reason}\n${ko ? "원인을 확인한 뒤 대시보드나 /resume 으로 재개하세요." : "Check the cause, then resume it from the dashboard or with /resume."}`,
  };
}

function tradingHalted(e: Extract<AlertEvent, { type: "trading_halted" }>, lang: Lang): Text {
  const ko = lang === "ko";
  return {
    severity: "critical",
    key: "trading_halted",
    title: ko ? "전체 거래 중단" : "Trading halted",
    text: `${ko ? "사유" : "Reason"}: ${e.reason}\n${ko ? "새 주문을 내지 않습니다. 사람의 확인이 필요합니다." : "No new orders are placed until a human acts."}`,
  };
}

function reconcileMismatch(e: Extract<AlertEvent, { type: "reconcile_mismatch" }>, lang: Lang): Text {
  const ko = lang === "ko";
  const shown = e.mismatches.slice(0, MISMATCH_LINES).map((m) => `${m.market}: ${m.detail}`);
  const more = e.mismatches.length - shown.length;
  if (more > 0) shown.push(ko ? `외 ${more}건` : `and ${more} more`);
  return {
    severity: "warning",
    key: "reconcile_mismatch",
    title: ko ? `거래소와 불일치 ${e.mismatches.length}건` : `Reconciliation: ${e.mismatches.length} mismatch${e.mismatches.length === 1 ? "" : "es"}`,
    text: shown.join("\n"),
  };
}

function errorRateSpike(e: Extract<AlertEvent, { type: "error_rate_spike" }>, lang: Lang): Text {
  const ko = lang === "ko";
  const window = formatDuration(e.windowMs, lang);
  const lines = [ko ? `최근 ${window} 동안 오류 ${e.errors}건 (기준 ${e.threshold}건)` : `${e.errors} errors in the last ${window} (threshold ${e.threshold})`];
  const kinds = Object.entries(e.byKind ?? {}).sort((a, b) => b[1] - a[1]);
  if (kinds.length > 0) lines.push(`${ko ? "종류" : "By kind"}: ${kinds.map(([k, n]) => `${k} ${n}`).join(", ")}`);
  return { severity: "warning", key: `error_rate_spike:${e.source}`, title: ko ? `오류 급증: ${e.source}` : `Error spike: ${e.source}`, text: lines.join("\n") };
}

function delisted(e: Extract<AlertEvent, { type: "market_delisted" }>, lang: Lang): Text {
  const ko = lang === "ko";
  return {
    severity: "warning",
    key: `delisted:${e.market}`,
    title: ko ? `${e.market} 거래 종료` : `${e.market} is no longer traded`,
    text: ko
      ? `${e.market}이(가) 거래소 마켓 목록(또는 설정한 마켓)에서 빠졌습니다. 보유 수량을 청산한 뒤 트레이더를 멈춥니다.`
      : `${e.market} left the exchange's market list (or the configured markets); flattening its position, then its trader stops.`,
  };
}

function orderUnknown(e: Extract<AlertEvent, { type: "order_unknown" }>, lang: Lang): Text {
  const ko = lang === "ko";
  return { severity: "warning", key: `order_unknown:${e.clientOrderId}`, title: ko ? `${e.market}: 주문 상태 불명` : `${e.market}: order state unknown`, text: `${e.clientOrderId}: ${e.detail}` };
}

function killSwitch(e: Extract<AlertEvent, { type: "kill_switch" }>, lang: Lang): Text {
  const ko = lang === "ko";
  return {
    severity: "warning",
    key: "flatten_all",
    title: ko ? "긴급 전체 청산" : "Kill switch",
    text: ko ? `${e.by}이(가) 전체 청산을 실행했습니다: 모든 주문 취소, 모든 포지션 매도, 거래 일시정지.` : `Flatten-all by ${e.by}: every order cancelled, every position sold, trading paused.`,
  };
}

/** The alert for a runtime fact, in `lang`. */
export function alertFor(event: AlertEvent, lang: Lang): Alert {
  const t = textFor(event, lang);
  return { ...t, ts: event.ts };
}

function textFor(event: AlertEvent, lang: Lang): Text {
  switch (event.type) {
    case "fill":
      return fill(event, lang);
    case "stop_hit":
      return stopHit(event, lang);
    case "daily_pnl":
      return dailyPnl(event, lang);
    case "restart_storm":
      return restartStorm(event, lang);
    case "market_halted":
      return marketHalted(event, lang);
    case "trading_halted":
      return tradingHalted(event, lang);
    case "reconcile_mismatch":
      return reconcileMismatch(event, lang);
    case "error_rate_spike":
      return errorRateSpike(event, lang);
    case "market_delisted":
      return delisted(event, lang);
    case "order_unknown":
      return orderUnknown(event, lang);
    case "kill_switch":
      return killSwitch(event, lang);
  }
}
