import { emaCross } from "../../core/strategy/index.ts";
import type { CandleSeries } from "../data/index.ts";
import type { BacktestConfig } from "./config.ts";
import { runEngine } from "./engine.ts";
import type { EngineInput, EngineRun } from "./types.ts";

export type BacktestRunOptions = Pick<EngineInput<unknown, unknown>, "startTs" | "onProgress" | "recordDecisions">;

/** Run the EMA-cross strategy (the live system's) under `config` over `series`. */
export function runBacktest(series: readonly CandleSeries[], config: BacktestConfig, options: BacktestRunOptions = {}): EngineRun {
  return runEngine({ ...options, series, strategy: emaCross, params: config.strategy, risk: config.risk, settings: config.engine });
}
