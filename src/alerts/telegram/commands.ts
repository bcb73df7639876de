/**
 * Chat commands: `/status`, `/positions`, `/pause MARKET`, `/resume MARKET`, `/flatten MARKET`
 * (confirmed with `/confirm CODE` within a minute: selling a position from a phone deserves the
 * same second look as the dashboard's confirmation dialog), `/profit`, `/help`. Commands act
 * through the ControlPort and read the database through repo verbs; the bot (bot.ts) checks who
 * may speak, audits and answers.
 */
import type { Origin } from "../../core/messages.ts";
import { isMarket, type Market } from "../../core/model.ts";
import { type Db, listClosedTradeOutcomes, listClosedTrades, listDailyPnl } from "../../db/index.ts";
import type { ActorSummary, CommandResult, ControlPort, TradingState } from "../../ports/control.ts";
import { formatDuration, formatKrw, formatPercent, formatPriceKrw, formatVolume, kstDay, type Lang } from "../format.ts";

export const COMMANDS = ["status", "positions", "pause", "resume", "flatten", "confirm", "profit", "help"] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface ParsedCommand {
  readonly name: string;
  readonly args: readonly string[];
}

/**
 * `/pause@MyBot krw-btc` -> `{ name: "pause", args: ["krw-btc"] }`. Null for text that is not a
 * command, or a command addressed to another bot (`@OtherBot`) when our user name is known.
 */
export function parseCommand(text: string, botUsername?: string): ParsedCommand | null {
  const m = /^\/([A-Za-z_]+)(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!m) return null;
  if (m[2] && botUsername && m[2].toLowerCase() !== botUsername.toLowerCase()) return null;
  return { name: m[1]!.toLowerCase(), args: (m[3] ?? "").split(/\s+/).filter((a) => a.length > 0) };
}

/** `KRW-BTC`, `krw-btc` or just `btc` -> `KRW-BTC`; null when it cannot be a market code. */
export function parseMarketArg(arg: string | undefined): Market | null {
  if (!arg) return null;
  const upper = arg.trim().toUpperCase();
  const code = upper.startsWith("KRW-") ? upper : `KRW-${upper}`;
  return isMarket(code) ? code : null;
}

/** What a command did: the answer for the chat and the audit row's action, target and details. */
export interface CommandOutcome {
  readonly reply: string;
  readonly action: string;
  readonly target: string;
  readonly details?: Record<string, unknown>;
}

export interface CommandContext {
  readonly control: ControlPort;
  readonly db: Db;
  readonly lang: Lang;
  /** Runtime time (simulated in sim mode): trades and daily PnL are stamped with it. */
  readonly runtimeNow: () => number;
  /** Wall time, for confirmation deadlines. */
  readonly now: () => number;
  /** Uniform [0, 1) for confirmation codes. */
  readonly random: () => number;
  /** How long a /flatten waits for its /confirm (default 60 s). */
  readonly confirmWindowMs?: number;
}

const TRADING_STATE: Readonly<Record<Lang, Readonly<Record<TradingState, string>>>> = {
  ko: { starting: "시작 중", reconciling: "거래소와 대사 중", running: "운영 중", paused: "일시정지", halted: "중단됨", stopping: "종료 중" },
  en: { starting: "starting", reconciling: "reconciling", running: "running", paused: "paused", halted: "halted", stopping: "stopping" },
};

function helpText(lang: Lang): string {
  return lang === "ko"
    ? [
        "사용할 수 있는 명령:",
        "/status – 봇 상태",
        "/positions – 보유 포지션",
        "/profit – 손익 요약",
        "/pause KRW-BTC – 마켓 일시정지",
        "/resume KRW-BTC – 마켓 재개",
        "/flatten KRW-BTC – 마켓 청산 (확인 코드 필요)",
        "/help – 이 도움말",
      ].join("\n")
    : [
        "Commands:",
        "/status – bot status",
        "/positions – open positions",
        "/profit – profit summary",
        "/pause KRW-BTC – pause a market",
        "/resume KRW-BTC – resume a market",
        "/flatten KRW-BTC – sell a market's position (asks for a confirmation code)",
        "/help – this help",
      ].join("\n");
}

export function renderStatus(control: ControlPort, lang: Lang): string {
  const ko = lang === "ko";
  const h = control.health();
  const p = control.portfolio();
  const lines = [
    h.healthy ? `🟢 ${ko ? "정상" : "Healthy"} (${h.mode})` : `🔴 ${ko ? "문제 있음" : "Unhealthy"} (${h.mode})${h.reason ? `: ${h.reason}` : ""}`,
    `${ko ? "거래 상태" : "Trading"}: ${TRADING_STATE[lang][h.tradingState]}`,
    `${ko ? "시장 데이터" : "Market data"}: ${h.marketData.connected ? (ko ? "연결됨" : "connected") : ko ? "끊김" : "disconnected"}${h.marketData.lastMessageAgeMs !== null ? ` · ${ko ? "마지막 수신" : "last message"} ${formatDuration(h.marketData.lastMessageAgeMs, lang)}${ko ? " 전" : " ago"}` : ""}`,
    ko
      ? `트레이더 ${h.actors.total}개 (중단 ${h.actors.halted}, 일시정지 ${h.actors.paused})`
      : `Traders: ${h.actors.total} (${h.actors.halted} halted, ${h.actors.paused} paused)`,
  ];
  if (p.equity > 0) {
    const today = p.dayStartEquity > 0 ? ` (${ko ? "오늘" : "today"} ${formatPercent(p.equity / p.dayStartEquity - 1, { signed: true })})` : "";
    lines.push(`${ko ? "평가 금액" : "Equity"}: ${formatKrw(p.equity, lang)}${today}`);
    lines.push(`${ko ? "미실현 손익" : "Unrealised"}: ${formatKrw(p.unrealisedPnl, lang, { signed: true })} · ${ko ? "낙폭" : "drawdown"} ${formatPercent(p.drawdown)}`);
  }
  lines.push(`${ko ? "가동 시간" : "Uptime"}: ${formatDuration(h.now - h.startedAt, lang)}`);
  return lines.join("\n");
}

function positionLines(a: ActorSummary, lang: Lang): string[] {
  const ko = lang === "ko";
  const p = a.position!;
  const coin = a.market.slice(4);
  const lines = [`${a.market} ${formatVolume(p.volume, coin)}${p.status === "dust" ? (ko ? " (소액)" : " (dust)") : ""}`];
  lines.push(`  ${ko ? "평균" : "avg"} ${formatPriceKrw(p.avgPrice, lang)}${p.markPrice !== undefined ? ` → ${ko ? "현재" : "now"} ${formatPriceKrw(p.markPrice, lang)}` : ""}`);
  const extra: string[] = [];
  if (p.unrealisedPnl !== undefined) extra.push(`${ko ? "미실현" : "unrealised"} ${formatKrw(p.unrealisedPnl, lang, { signed: true })}`);
  if (p.stop !== undefined) extra.push(`${ko ? "손절" : "stop"} ${formatPriceKrw(p.stop, lang)}`);
  if (extra.length > 0) lines.push(`  ${extra.join(" · ")}`);
  return lines;
}

export function renderPositions(control: ControlPort, lang: Lang): string {
  const held = control.listActors().filter((a) => a.position !== null && a.position.volume > 0);
  if (held.length === 0) return lang === "ko" ? "보유 포지션이 없습니다." : "No open positions.";
  const head = lang === "ko" ? `📊 보유 포지션 ${held.length}개` : `📊 ${held.length} open position${held.length === 1 ? "" : "s"}`;
  return [head, ...held.flatMap((a) => positionLines(a, lang))].join("\n");
}

/** Most closed trades read for the all-time totals (a chat command, not a report). */
const PROFIT_TRADES_MAX = 100_000;

export function renderProfit(ctx: Pick<CommandContext, "control" | "db" | "lang" | "runtimeNow">): string {
  const { lang, db } = ctx;
  const ko = lang === "ko";
  const now = ctx.runtimeNow();
  const today = kstDay(now);
  const todays = listClosedTrades(db, 1_000).filter((t) => kstDay(t.exitTs) === today);
  const outcomes = listClosedTradeOutcomes(db, PROFIT_TRADES_MAX);
  const total = outcomes.reduce((s, t) => s + t.pnl, 0);
  const wins = outcomes.filter((t) => t.pnl > 0).length;
  const todayPnl = todays.reduce((s, t) => s + t.pnl, 0);
  const lines = [
    `💰 ${ko ? "손익" : "Profit"} (KST ${today})`,
    ko ? `오늘 실현: ${formatKrw(todayPnl, lang, { signed: true })} (거래 ${todays.length}건)` : `Today realised: ${formatKrw(todayPnl, lang, { signed: true })} (${todays.length} trades)`,
    ko
      ? `전체 실현: ${formatKrw(total, lang, { signed: true })} (거래 ${outcomes.length}건${outcomes.length > 0 ? `, 승률 ${formatPercent(wins / outcomes.length, { digits: 1 })}` : ""})`
      : `All realised: ${formatKrw(total, lang, { signed: true })} (${outcomes.length} trades${outcomes.length > 0 ? `, win rate ${formatPercent(wins / outcomes.length, { digits: 1 })}` : ""})`,
  ];
  const days = listDailyPnl(db, 7);
  if (days.length > 0) {
    lines.push(ko ? "최근 일별:" : "Recent days:");
    for (const d of days) lines.push(`${d.date}  ${formatKrw(d.realised, lang, { signed: true })}  (${formatPercent(d.return, { signed: true })})`);
  }
  const p = ctx.control.portfolio();
  if (p.equity > 0) lines.push(`${ko ? "평가 금액" : "Equity"} ${formatKrw(p.equity, lang)} · ${ko ? "미실현" : "unrealised"} ${formatKrw(p.unrealisedPnl, lang, { signed: true })}`);
  return lines.join("\n");
}

/** The runtime's answer to a command (its message names the new state). */
function commandReply(result: CommandResult): string {
  return `${result.ok ? "✅" : "❌"} ${result.message}`;
}

interface PendingFlatten {
  readonly market: Market;
  readonly code: string;
  readonly expiresAt: number;
}

/**
 * The command interpreter for one bot. Holds the pending /flatten confirmations per chat (in
 * memory: a restart forgets them, which is the safe direction).
 */
export class TelegramCommands {
  private readonly pending = new Map<string, PendingFlatten>();

  constructor(private readonly ctx: CommandContext) {}

  /** Run one command from an allowed chat. Never throws: a failing command answers with the error. */
  async run(chatId: string, command: ParsedCommand): Promise<CommandOutcome> {
    try {
      return await this.dispatch(chatId, command);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { reply: `❌ ${this.ctx.lang === "ko" ? "명령 실행 실패" : "Command failed"}: ${message}`, action: `telegram.${command.name}`, target: command.args[0] ?? "bot", details: { error: message } };
    }
  }

  /** The answer to a command that waited too long in Telegram's queue (sent while the bot was down). */
  staleReply(ageMs: number): string {
    const age = formatDuration(ageMs, this.ctx.lang);
    return this.ctx.lang === "ko"
      ? `⏱ ${age} 전에 보낸 명령이라 실행하지 않았습니다 (봇이 꺼져 있던 동안 보낸 명령). 필요하면 다시 보내세요.`
      : `⏱ Not run: this command was sent ${age} ago (while the bot was down). Send it again if you still mean it.`;
  }

  private origin(chatId: string): Origin {
    return { by: `telegram:${chatId}`, source: "telegram" };
  }

  private async dispatch(chatId: string, command: ParsedCommand): Promise<CommandOutcome> {
    const { control, lang } = this.ctx;
    const ko = lang === "ko";
    switch (command.name) {
      case "start":
      case "help":
        return { reply: helpText(lang), action: "telegram.help", target: "bot" };
      case "status":
        return { reply: renderStatus(control, lang), action: "telegram.status", target: "bot" };
      case "positions":
        return { reply: renderPositions(control, lang), action: "telegram.positions", target: "bot" };
      case "profit":
        return { reply: renderProfit(this.ctx), action: "telegram.profit", target: "bot" };
      case "pause":
      case "resume": {
        const market = this.tradedMarket(command);
        if (typeof market !== "string") return market;
        const result = command.name === "pause" ? await control.pauseMarket(market, this.origin(chatId)) : await control.resumeMarket(market, this.origin(chatId));
        return { reply: commandReply(result), action: `trader.${command.name}`, target: market, details: { ok: result.ok, message: result.message } };
      }
      case "flatten": {
        const market = this.tradedMarket(command);
        if (typeof market !== "string") return market;
        const code = String(Math.floor(this.ctx.random() * 9000) + 1000);
        const windowMs = this.ctx.confirmWindowMs ?? 60_000;
        this.pending.set(chatId, { market, code, expiresAt: this.ctx.now() + windowMs });
        const secs = Math.round(windowMs / 1000);
        return {
          reply: ko
            ? `⚠️ ${market}의 주문을 모두 취소하고 보유 수량을 시장가로 매도한 뒤 일시정지합니다.\n확인하려면 ${secs}초 안에 /confirm ${code} 를 보내세요.`
            : `⚠️ This cancels ${market}'s orders, sells its position at market and pauses it.\nTo confirm, send /confirm ${code} within ${secs} s.`,
          action: "trader.flatten_requested",
          target: market,
        };
      }
      case "confirm": {
        const pending = this.pending.get(chatId);
        const code = command.args[0];
        if (!pending || pending.expiresAt < this.ctx.now()) {
          this.pending.delete(chatId);
          return { reply: ko ? "확인할 청산 요청이 없습니다 (만료되었거나 요청이 없음). /flatten 부터 다시 보내세요." : "Nothing to confirm (no request, or it expired). Send /flatten again.", action: "trader.flatten_confirm", target: "bot", details: { ok: false, reason: "no pending request" } };
        }
        if (code !== pending.code) {
          return { reply: ko ? "확인 코드가 맞지 않습니다." : "Wrong confirmation code.", action: "trader.flatten_confirm", target: pending.market, details: { ok: false, reason: "wrong code" } };
        }
        this.pending.delete(chatId);
        const result = await control.flattenMarket(pending.market, this.origin(chatId));
        return { reply: commandReply(result), action: "trader.flatten", target: pending.market, details: { ok: result.ok, message: result.message } };
      }
      default:
        return { reply: ko ? `알 수 없는 명령입니다: /${command.name}\n${helpText(lang)}` : `Unknown command: /${command.name}\n${helpText(lang)}`, action: "telegram.unknown", target: "bot", details: { command: command.name } };
    }
  }

  /** The market argument of a command, when the bot runs a trader for it; otherwise the answer explaining why not. */
  private tradedMarket(command: ParsedCommand): Market | CommandOutcome {
    const ko = this.ctx.lang === "ko";
    const market = parseMarketArg(command.args[0]);
    if (!market) {
      return { reply: ko ? `마켓을 지정하세요: /${command.name} KRW-BTC` : `Name a market: /${command.name} KRW-BTC`, action: `trader.${command.name}`, target: "bot", details: { ok: false, reason: "no market" } };
    }
    if (!this.ctx.control.getActor(market)) {
      return { reply: ko ? `❌ ${market} 트레이더가 없습니다.` : `❌ No trader for ${market}.`, action: `trader.${command.name}`, target: market, details: { ok: false, reason: "no trader" } };
    }
    return market;
  }
}
