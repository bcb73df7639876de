import { describe, expect, it } from "vitest";
import { downloadCandles, formatDownloadSummary, formatElapsed } from "../../../../src/backtest/download/index.ts";
import { DAY, FakeCandleSource, HOUR, hourlyCandles, InstantClock, MemoryStore } from "./support.ts";

const T0 = Date.UTC(2024, 0, 1);

describe("formatDownloadSummary", () => {
  it("states rows stored, the range, gaps with their sizes, requests and time", async () => {
    const hole = (ts: number) => ts >= T0 + DAY && ts < T0 + DAY + 3 * HOUR;
    const source = new FakeCandleSource({ hourly: hourlyCandles(T0, T0 + 3 * DAY, hole), now: T0 + 3 * DAY, reading: "count" });
    const result = await downloadCandles({ source, store: new MemoryStore([]), clock: new InstantClock(T0 + 3 * DAY), market: "KRW-BTC", interval: "1h", from: T0 });
    const text = formatDownloadSummary(result, "out.csv (CSV)");
    expect(text.split("\n")).toEqual([
      "download complete: KRW-BTC 1h -> out.csv (CSV)",
      "  69 candles stored, 2024-01-01T00:00:00Z .. 2024-01-03T23:00:00Z; 0 were already stored",
      "  range: 2024-01-01T00:00:00Z .. 2024-01-04T00:00:00Z (end exclusive, the exchange's current time)",
      "  gaps: 1 (3 missing candles); defects: 0; duplicates dropped: 0",
      "  gaps (periods without candles; not filled):",
      "    3 missing candles between 2024-01-01T23:00:00Z and 2024-01-02T03:00:00Z",
      "  requests: 2; time: 0.0 s",
    ]);
    expect(formatDownloadSummary({ ...result, completed: false, stored: 0 }, "db")).toMatch(/^download INTERRUPTED \(run the same command again to continue\)[^]*no new candles stored/);
  });

  it("writes elapsed time in s, min or h", () => {
    expect(formatElapsed(1_234)).toBe("1.2 s");
    expect(formatElapsed(42_000)).toBe("42 s");
    expect(formatElapsed(185_000)).toBe("3 min 05 s");
    expect(formatElapsed(3_725_000)).toBe("1 h 02 min");
  });
});
