import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ParseError } from "../../../../src/core/errors.ts";
import { RISK_PRESETS } from "../../../../src/core/risk/index.ts";
import { STRATEGY_PRESETS } from "../../../../src/core/strategy/index.ts";
import { ENGINE_PRESETS, resolveBacktestConfig, resultExitReason } from "../../../../src/backtest/engine/index.ts";

const ROOT = join(import.meta.dirname, "../../../..");

function parseErrorOf(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error("expected a ParseError");
}

describe("backtest configuration", () => {
  it("resolves the classic preset to the classic strategy, all-in risk, exact fills and no minimum order", () => {
    const c = resolveBacktestConfig({}, "classic");
    expect(c.strategy).toEqual(STRATEGY_PRESETS.classic);
    expect(c.risk).toEqual(RISK_PRESETS.classic);
    expect(c.engine).toEqual({ initialCapital: 10_000_000, feeRate: 0.0025, slippage: 0.001, fillPrecision: "exact", minOrderKrw: 0 });
  });

  it("reads the app's config files as params files: their section presets apply, markets and runtime are ignored", () => {
    const read = (name: string) => JSON.parse(readFileSync(join(ROOT, "configs", name), "utf8"));
    const c = resolveBacktestConfig(read("default.json"));
    expect(c.preset).toBe("default");
    expect(c.strategy).toEqual(STRATEGY_PRESETS.default);
    expect(c.risk).toEqual(RISK_PRESETS.default);
    expect(c.engine).toEqual(ENGINE_PRESETS.default);
    const mixed = resolveBacktestConfig({ strategy: { preset: "classic" }, risk: { preset: "default", maxPositions: 2 }, markets: ["KRW-BTC"], interval: "1h", runtime: {} });
    expect(mixed.preset).toBe("classic");
    expect(mixed.strategy).toEqual(STRATEGY_PRESETS.classic);
    expect(mixed.risk).toEqual({ ...RISK_PRESETS.default, maxPositions: 2 });
    expect(mixed.engine).toEqual(ENGINE_PRESETS.classic);
  });

  it("lets --preset replace every preset the file names", () => {
    const c = resolveBacktestConfig({ preset: "default", strategy: { preset: "default" }, risk: { preset: "default" } }, "classic");
    expect(c.preset).toBe("classic");
    expect(c.strategy).toEqual(STRATEGY_PRESETS.classic);
    expect(c.risk).toEqual(RISK_PRESETS.classic);
  });

  it("overrides one value of a preset and keeps the rest (objects merge key by key)", () => {
    const c = resolveBacktestConfig({ preset: "classic", strategy: { emaFast: 10, stopLoss: { atrMultiple: 3 } }, engine: { slippage: 0 } });
    expect(c.strategy.emaFast).toBe(10);
    expect(c.strategy.emaSlow).toBe(60);
    expect(c.strategy.stopLoss).toEqual({ mode: "atr", atrMultiple: 3, percent: 0.03 });
    expect(c.strategy.trailingStop.enabled).toBe(false);
    expect(c.engine).toMatchObject({ slippage: 0, fillPrecision: "exact" });
  });

  it("names every bad field as section.field in one ParseError", () => {
    const e = parseErrorOf(() => resolveBacktestConfig({ strategy: { emaFast: 0 }, risk: { maxRiskPerTrade: 0.5 }, engine: { slippage: -1 } }, undefined, "p.json"));
    expect(e.message).toMatch(/^p\.json: invalid parameters/);
    expect(e.message).toMatch(/strategy\.emaFast: /);
    expect(e.message).toMatch(/risk\.maxRiskPerTrade: at most 5 %/);
    expect(e.message).toMatch(/engine\.slippage: /);
  });

  it("refuses unknown keys and unknown presets", () => {
    expect(parseErrorOf(() => resolveBacktestConfig({ strategy: { emaFats: 10 } })).message).toMatch(/strategy: Unrecognized key/);
    expect(parseErrorOf(() => resolveBacktestConfig({ strategyy: {} })).message).toMatch(/Unrecognized key/);
    expect(parseErrorOf(() => resolveBacktestConfig({}, "aggressive")).message).toMatch(/unknown preset "aggressive"/);
    expect(parseErrorOf(() => resolveBacktestConfig({ preset: "aggressive" })).message).toMatch(/preset: preset must be one of default, classic/);
    expect(parseErrorOf(() => resolveBacktestConfig({ risk: { preset: "wild" } })).message).toMatch(/risk\.preset: one of default, classic/);
  });
});

describe("exit reasons in results", () => {
  it("maps the strategy's reasons to the result vocabulary the reference also writes", () => {
    expect(["dead_cross", "stop", "trailing_stop", "target", "time_stop", "take_profit_2", "end"].map((r) => resultExitReason(r as never))).toEqual([
      "signal",
      "stop",
      "trailing",
      "target",
      "time",
      "take_profit_2",
      "end",
    ]);
  });
});
