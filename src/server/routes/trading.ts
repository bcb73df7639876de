import type { Context } from "hono";
import type { ControlPort } from "../../ports/control.ts";
import { commandAnswerSchema, runCommand, type CommandDeps } from "../commands.ts";
import type { AppEnv } from "../env.ts";
import type { ApiRoutes } from "../openapi.ts";

export interface TradingRouteDeps extends CommandDeps {
  readonly control: ControlPort;
}

type TradingCommand = "pauseTrading" | "resumeTrading" | "flattenAll";

const TRADING_COMMANDS: readonly { path: string; method: TradingCommand; action: string; summary: string }[] = [
  { path: "/trading/pause", method: "pauseTrading", action: "trading.pause", summary: "Stop all new entries" },
  { path: "/trading/resume", method: "resumeTrading", action: "trading.resume", summary: "Allow entries again" },
  { path: "/trading/flatten-all", method: "flattenAll", action: "trading.flattenAll", summary: "Kill switch: pause everything, cancel every order, sell every position" },
];

/** Bot-wide commands (operator): `POST /trading/pause`, `/trading/resume`, `/trading/flatten-all` (the kill switch). */
export function tradingRoutes(api: ApiRoutes, deps: TradingRouteDeps): void {
  const command = (method: TradingCommand, action: string) => (c: Context<AppEnv>) =>
    runCommand(c, deps, { action, target: "trading", run: (origin) => deps.control[method](origin) });
  for (const cmd of TRADING_COMMANDS) {
    api.add(
      { method: "post", path: cmd.path, summary: cmd.summary, tags: ["trading", "commands"], role: "operator", response: commandAnswerSchema, errors: [409], audit: cmd.action },
      command(cmd.method, cmd.action),
    );
  }
}
