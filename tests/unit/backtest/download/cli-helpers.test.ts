/** The shared CLI helpers (download, backtest, optimize): the progress bar and argument parsing. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ParseError } from "../../../../src/core/errors.ts";
import { parseChoiceArg, parseIntervalArg, parseMarketArg, parsePositiveIntArg, parseTimeArg, parseCliArgs, readJsonFile, required, UsageError } from "../../../../src/cli/args.ts";
import { createProgressBar, estimateRemainingMs, formatEta, formatRate, renderProgressLine } from "../../../../src/cli/progress.ts";

function capture(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { write: (s: string) => chunks.push(s), isTTY } };
}

describe("progress bar", () => {
  it("formats the ETA as m:ss or h:mm:ss, and -- when unknown", () => {
    expect(formatEta(42_000)).toBe("0:42");
    expect(formatEta(725_000)).toBe("12:05");
    expect(formatEta(3_723_000)).toBe("1:02:03");
    expect(formatEta(undefined)).toBe("--:--");
    expect(estimateRemainingMs(0, 10, 5_000)).toBeUndefined();
    expect(estimateRemainingMs(25, 100, 10_000)).toBe(30_000);
  });

  it("renders label, bar, percentage, counts, ETA and detail", () => {
    expect(renderProgressLine({ label: "KRW-BTC 1h", done: 25, total: 100, elapsedMs: 10_000, width: 8, detail: "5000 candles" })).toBe(
      "KRW-BTC 1h  [##......]   25%  25/100  ETA 0:30  5000 candles",
    );
    expect(renderProgressLine({ done: 3, total: 3, elapsedMs: 65_000, width: 4, finished: true })).toBe("[####]  100%  3/3  took 1:05");
    expect(renderProgressLine({ done: 0, total: 0, elapsedMs: 0, width: 4, finished: true })).toBe("[####]  100%  0/0  took 0:00");
  });

  it("shows the average rate when given a unit", () => {
    expect(renderProgressLine({ label: "backtest", done: 250_000, total: 500_000, elapsedMs: 100, width: 10, rateUnit: "candles/s" })).toBe(
      "backtest  [#####.....]   50%  250000/500000  2.5 M candles/s  ETA 0:00",
    );
    expect(renderProgressLine({ label: "optimize", done: 3, total: 12, elapsedMs: 6_000, width: 4, rateUnit: "candidates/s" })).toBe(
      "optimize  [#...]   25%  3/12  0.5 candidates/s  ETA 0:18",
    );
    expect(formatRate(120_000, "candles/s")).toBe("120 k candles/s");
    expect(formatRate(42, "/s")).toBe("42 /s");
    expect(formatRate(0, "candles/s")).toBe("- candles/s");
  });

  it("redraws in place on a terminal, throttled, and ends the line on finish", () => {
    let now = 0;
    const out = capture(true);
    const bar = createProgressBar({ total: 10, label: "x", stream: out.stream, now: () => now, width: 10 });
    bar.update(1);
    now = 50;
    bar.update(2); // within 100 ms: not drawn
    now = 200;
    bar.setTotal(20);
    bar.update(5, "n");
    bar.finish();
    bar.update(9);
    expect(out.chunks.length).toBe(3);
    expect(out.chunks.every((c) => c.startsWith("\r") && c.includes("\x1b[K"))).toBe(true);
    expect(out.chunks[1]).toContain("5/20");
    expect(out.chunks[1]).toContain("ETA 0:01"); // 200 ms for 5 of 20: 600 ms left
    expect(out.chunks[2]).toMatch(/5\/20  took 0:00  n\x1b\[K\n$/);
  });

  it("writes whole lines every few seconds when not on a terminal", () => {
    let now = 0;
    const out = capture(false);
    const bar = createProgressBar({ total: 4, stream: out.stream, now: () => now });
    for (let i = 1; i <= 4; i++) {
      now += 2_000;
      bar.update(i);
    }
    bar.finish();
    expect(out.chunks).toEqual([expect.stringContaining("1/4"), expect.stringContaining("4/4  ETA"), expect.stringContaining("4/4  took")]);
    expect(out.chunks.every((c) => c.endsWith("\n") && !c.includes("\r"))).toBe(true);
  });
});

describe("argument parsing", () => {
  it("reads positive integers and choices, naming the flag when refusing one", () => {
    expect(parsePositiveIntArg("seed", undefined, 7)).toBe(7);
    expect(parsePositiveIntArg("seed", " 12 ", 7)).toBe(12);
    for (const bad of ["0", "-1", "1.5", "x", "99999999999999999999"]) expect(() => parsePositiveIntArg("seed", bad, 1)).toThrow(/--seed must be a positive integer/);
    expect(parseChoiceArg("search", undefined, ["grid", "random"] as const, "grid")).toBe("grid");
    expect(parseChoiceArg("search", undefined, ["grid", "random"] as const)).toBeUndefined();
    expect(parseChoiceArg("search", "random", ["grid", "random"] as const)).toBe("random");
    expect(() => parseChoiceArg("search", "best", ["grid", "random"] as const)).toThrow('--search must be one of grid, random, got "best"');
  });

  it("reads JSON files, answering a missing or broken one with a ParseError naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "args-"));
    await Bun.write(`${dir}/ok.json`, '{"a":[1]}');
    await Bun.write(`${dir}/bad.json`, "{ nope");
    expect(readJsonFile(`${dir}/ok.json`)).toEqual({ a: [1] });
    expect(() => readJsonFile(`${dir}/bad.json`)).toThrow(ParseError);
    expect(() => readJsonFile(`${dir}/bad.json`)).toThrow(/bad\.json: not valid JSON/);
    expect(() => readJsonFile(`${dir}/none.json`)).toThrow(/none\.json: cannot read: no such file/);
  });

  it("reads dates as UTC, zoned date-times with their zone, and epoch ms", () => {
    expect(parseTimeArg("from", "2024-01-01")).toBe(Date.UTC(2024, 0, 1));
    expect(parseTimeArg("from", "2024-01-01T09:30")).toBe(Date.UTC(2024, 0, 1, 9, 30));
    expect(parseTimeArg("from", "2024-01-01 09:30:15.5")).toBe(Date.UTC(2024, 0, 1, 9, 30, 15, 500));
    expect(parseTimeArg("from", "2024-01-01T09:30+09:00")).toBe(Date.UTC(2024, 0, 1, 0, 30));
    expect(parseTimeArg("from", "2024-01-01T09:30:00-0330")).toBe(Date.UTC(2024, 0, 1, 13));
    expect(parseTimeArg("from", "1704067200000")).toBe(Date.UTC(2024, 0, 1));
  });

  it("refuses impossible and malformed times with a message naming the flag", () => {
    for (const bad of ["2024-02-30", "2024-13-01", "yesterday", "2024-1-1", "2024-01-01T25:00", ""]) {
      expect(() => parseTimeArg("to", bad)).toThrow(UsageError);
    }
    expect(() => parseTimeArg("to", "soon")).toThrow(/--to must be a date/);
  });

  it("reads markets (any case) and intervals, refusing the rest", () => {
    expect(parseMarketArg("market", "krw-btc")).toBe("KRW-BTC");
    expect(() => parseMarketArg("market", "BTC-KRW")).toThrow(/--market must be a KRW market code/);
    expect(parseIntervalArg("interval", "1M")).toBe("1M");
    expect(() => parseIntervalArg("interval", "2h")).toThrow(/--interval must be one of 1m, 3m/);
    expect(() => required("from", undefined)).toThrow("--from is required");
  });

  it("turns unknown flags and missing values into usage errors", () => {
    const options = { market: { type: "string" }, progress: { type: "boolean" } } as const;
    expect(parseCliArgs(["--market", "KRW-BTC", "--progress"], options).values).toEqual({ market: "KRW-BTC", progress: true });
    expect(() => parseCliArgs(["--bogus"], options)).toThrow(UsageError);
    expect(() => parseCliArgs(["--market"], options)).toThrow(UsageError);
    expect(() => parseCliArgs(["stray"], options)).toThrow(UsageError);
  });
});
