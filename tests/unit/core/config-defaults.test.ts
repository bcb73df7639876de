import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileSchema } from "../../../src/config/schema.ts";
import { RISK_PRESETS, resolveRiskParams } from "../../../src/core/risk/index.ts";
import { resolveStrategyParams, STRATEGY_PRESETS } from "../../../src/core/strategy/index.ts";

const file = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "..", "configs", "default.json"), "utf8")) as Record<string, unknown>;

describe("configs/default.json", () => {
  it("is accepted by the config file schema", () => {
    expect(fileSchema.safeParse(file).success).toBe(true);
  });

  it("selects the default presets (so a later layer can switch preset without fighting spelled-out values)", () => {
    expect(resolveStrategyParams(file.strategy)).toEqual(STRATEGY_PRESETS.default);
    expect(resolveRiskParams(file.risk)).toEqual(RISK_PRESETS.default);
    expect(resolveStrategyParams({ ...(file.strategy as object), preset: "classic" })).toEqual(STRATEGY_PRESETS.classic);
    expect(resolveRiskParams({ ...(file.risk as object), preset: "classic" })).toEqual(RISK_PRESETS.classic);
  });
});

describe("parameter resolution", () => {
  it("a preset is a base that other keys override, objects merging key by key", () => {
    const p = resolveStrategyParams({ preset: "classic", trailingStop: { enabled: true } });
    expect(p.trailingStop).toEqual({ enabled: true, atrMultiple: 3 });
    expect(p.takeProfits.enabled).toBe(false);
    expect(resolveStrategyParams({ preset: "classic" })).toEqual(STRATEGY_PRESETS.classic);
  });

  it("the classic preset is the documented rule set", () => {
    expect(STRATEGY_PRESETS.classic).toMatchObject({
      emaFast: 20,
      emaSlow: 60,
      rsiPeriod: 14,
      rsiMin: 50,
      rsiMax: 70,
      volumePeriod: 20,
      volumeRatioMin: 1,
      atrPeriod: 14,
      minStrength: 0,
      stopLoss: { mode: "atr", atrMultiple: 2 },
      exitOnDeadCross: true,
      target: { enabled: false },
      takeProfits: { enabled: false },
      trailingStop: { enabled: false },
      timeStop: { enabled: false },
    });
  });

  it("rejects unknown keys, bad presets and impossible values with the field named", () => {
    expect(() => resolveStrategyParams({ emaFsat: 10 })).toThrow(/emaFsat/);
    expect(() => resolveStrategyParams({ preset: "turbo" })).toThrow(/preset/);
    expect(() => resolveStrategyParams({ emaFast: 60, emaSlow: 20 })).toThrow(/emaFast/);
    expect(() => resolveStrategyParams({ takeProfits: { levels: [{ r: 2, fraction: 0.5 }, { r: 1, fraction: 0.5 }] } })).toThrow(/increasing/);
    expect(() => resolveRiskParams({ maxRiskPerTrade: 0.06 })).toThrow(/maxRiskPerTrade/);
    expect(() => resolveRiskParams({ maxRiskPerTrade: 0.004 })).toThrow(/maxRiskPerTrade/);
    expect(resolveRiskParams({ maxRiskPerTrade: 0.005 }).maxRiskPerTrade).toBe(0.005);
    expect(() => resolveRiskParams({ preset: "yolo" })).toThrow(/preset/);
    expect(resolveRiskParams({ preset: "classic", maxPositions: 3 })).toEqual({ ...RISK_PRESETS.classic, maxPositions: 3 });
  });
});
