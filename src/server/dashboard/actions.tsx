import { Hono } from "hono";
import type { AssetUrls } from "../../../views/context.ts";
import { formatKrw, formatPrice, formatVolume } from "../../../views/format.ts";
import type { MessageKey } from "../../../views/i18n.ts";
import { ConfirmDialog, ConfirmPage, type Confirmation } from "../../../views/pages/confirm.tsx";
import { ErrorPage } from "../../../views/pages/login.tsx";
import { isMarket, type Market } from "../../core/model.ts";
import type { Origin } from "../../core/messages.ts";
import type { CommandResult } from "../../ports/control.ts";
import { csrfProtect, originOf, requireRole, requireUser, type DashboardEnv } from "./contract.ts";
import type { DashboardDeps } from "./deps.ts";
import { positionLines } from "./read-models.ts";
import { type Ctx, finish, isHtmx, readForm, renderFragment, renderPage, safeBack, viewContext } from "./request.ts";
import { listOpenPositions } from "../../db/index.ts";
import { runAudited } from "../commands.ts";

/**
 * The operator's commands from the dashboard: pause and resume a market or all trading, flatten a
 * market, and the kill switch (flatten everything). Each route requires the operator role and a
 * valid CSRF token (the platform's middleware), writes an audit row whatever the outcome, and
 * answers htmx with a flash fragment or a plain form with a redirect back.
 *
 * Flattening is confirmed on the server: a POST without `confirm=yes` does nothing but show the
 * confirmation (the dialog for htmx, the page otherwise), so a forged or accidental request cannot
 * sell a position on its own.
 */

type MarketCommand = "pauseMarket" | "resumeMarket" | "flattenMarket";
type TradingCommand = "pauseTrading" | "resumeTrading" | "flattenAll";

interface Command {
  /** Audit action, as the API writes it. */
  readonly action: "trader.pause" | "trader.resume" | "trader.flatten" | "trading.pause" | "trading.resume" | "trading.flattenAll";
  readonly target: string;
  readonly run: (origin: Origin) => Promise<CommandResult>;
}

const COMMAND_LABEL: Readonly<Record<Command["action"], MessageKey>> = {
  "trader.pause": "cmd.trader.pause",
  "trader.resume": "cmd.trader.resume",
  "trader.flatten": "cmd.trader.flatten",
  "trading.pause": "cmd.trading.pause",
  "trading.resume": "cmd.trading.resume",
  "trading.flattenAll": "cmd.trading.flattenAll",
};

export function actionRoutes(deps: DashboardDeps, assets: AssetUrls): Hono<DashboardEnv> {
  const operator = [requireUser(), requireRole("operator")] as const;
  const mutating = [...operator, csrfProtect()] as const;

  /** Runs a command as the caller, audits it, and answers with its outcome. */
  async function perform(c: Ctx, command: Command, back: string): Promise<Response> {
    const t = viewContext(c, deps, assets).t;
    const origin: Origin = originOf(c);
    const what = t(COMMAND_LABEL[command.action], { target: command.target });
    const run = await runAudited(deps, command, origin, { requestId: c.get("requestId"), via: "dashboard" });
    if (run.result === undefined) {
      deps.logger.error({ err: run.failure, action: command.action, target: command.target }, "operator command failed");
      return finish(c, { kind: "error", text: t("cmd.failed", { what }) }, back, 500);
    }
    const result = run.result;
    if (!result.ok) return finish(c, { kind: "error", text: t("cmd.refused", { what, message: result.message }) }, back, 409);
    return finish(c, { kind: "ok", text: t("cmd.ok", { what, message: result.message }) }, back);
  }

  function marketOf(c: Ctx): Market | undefined {
    const market = c.req.param("market");
    return isMarket(market) && deps.control.getActor(market) ? market : undefined;
  }

  async function noTrader(c: Ctx): Promise<Response> {
    const ctx = viewContext(c, deps, assets);
    const text = ctx.t("error.noTrader", { market: c.req.param("market") ?? "" });
    if (isHtmx(c)) return finish(c, { kind: "error", text }, "/", 404);
    return renderPage(c, <ErrorPage ctx={ctx} status={404} message={text} />, 404);
  }

  function flattenConfirmation(c: Ctx, market: Market | null): Confirmation {
    const ctx = viewContext(c, deps, assets);
    const { t, lang } = ctx;
    const back = safeBack(c.req.query("back"), market ? `/markets/${market}` : "/");
    const positions = positionLines(listOpenPositions(deps.db), deps.control.listActors(), () => undefined, lang, false).filter((p) => market === null || p.market === market);
    const details = positions.map((p) => [p.market, `${formatVolume(p.volume)} @ ${formatPrice(p.avgPrice)} · ${formatKrw(p.value, lang)}`] as const);
    return market
      ? { title: t("confirm.flatten.title", { market }), message: t("confirm.flatten.message", { market }), details, action: `/markets/${market}/flatten`, confirmLabel: t("confirm.flatten.button", { market }), back }
      : { title: t("confirm.flattenAll.title"), message: t("confirm.flattenAll.message"), details, action: "/trading/flatten-all", confirmLabel: t("confirm.flattenAll.button"), back };
  }

  /** The confirmation step: the dialog for htmx, a page otherwise. */
  async function confirmStep(c: Ctx, market: Market | null): Promise<Response> {
    const ctx = viewContext(c, deps, assets);
    const confirmation = flattenConfirmation(c, market);
    if (isHtmx(c)) return renderFragment(c, <ConfirmDialog ctx={ctx} confirmation={confirmation} />);
    return renderPage(c, <ConfirmPage ctx={ctx} confirmation={confirmation} />);
  }

  const marketCommand = (method: MarketCommand, action: Command["action"]) => async (c: Ctx) => {
    const market = marketOf(c);
    if (!market) return noTrader(c);
    const form = (await readForm(c)).values;
    const back = safeBack(form["back"], `/markets/${market}`);
    if (method === "flattenMarket" && form["confirm"] !== "yes") {
      if (isHtmx(c)) return confirmStep(c, market);
      return c.redirect(`/confirm/flatten/${market}?back=${encodeURIComponent(back)}`, 303);
    }
    return perform(c, { action, target: market, run: (origin) => deps.control[method](market, origin) }, back);
  };

  const tradingCommand = (method: TradingCommand, action: Command["action"]) => async (c: Ctx) => {
    const form = (await readForm(c)).values;
    const back = safeBack(form["back"], "/");
    if (method === "flattenAll" && form["confirm"] !== "yes") {
      if (isHtmx(c)) return confirmStep(c, null);
      return c.redirect(`/confirm/flatten-all?back=${encodeURIComponent(back)}`, 303);
    }
    return perform(c, { action, target: "trading", run: (origin) => deps.control[method](origin) }, back);
  };

  return new Hono<DashboardEnv>()
    .get("/confirm/flatten-all", ...operator, (c) => confirmStep(c, null))
    .get("/confirm/flatten/:market", ...operator, (c) => {
      const market = marketOf(c);
      return market ? confirmStep(c, market) : noTrader(c);
    })
    .post("/markets/:market/pause", ...mutating, marketCommand("pauseMarket", "trader.pause"))
    .post("/markets/:market/resume", ...mutating, marketCommand("resumeMarket", "trader.resume"))
    .post("/markets/:market/flatten", ...mutating, marketCommand("flattenMarket", "trader.flatten"))
    .post("/trading/pause", ...mutating, tradingCommand("pauseTrading", "trading.pause"))
    .post("/trading/resume", ...mutating, tradingCommand("resumeTrading", "trading.resume"))
    .post("/trading/flatten-all", ...mutating, tradingCommand("flattenAll", "trading.flattenAll"));
}
