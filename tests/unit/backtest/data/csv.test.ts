import { describe, expect, it } from "vitest";
import { ParseError } from "../../../../src/core/errors.ts";
import {
  formatCandleCsv,
  hasRowDefects,
  parseCandleCsv,
  scanCandleCsv,
  type DataIssue,
} from "../../../../src/backtest/data/index.ts";

const H = 3_600_000;
const T = 1_704_067_200_000; // 2024-01-01T00:00Z

function csv(rows: string[], header = "ts,open,high,low,close,volume"): string {
  return [header, ...rows].join("\n") + "\n";
}

/** A sound hourly row at slot i. */
function row(i: number, close = 100 + i, volume = 1): string {
  return `${T + i * H},${close},${close + 1},${close - 1},${close},${volume}`;
}

function kinds(issues: readonly DataIssue[]): [string, number][] {
  return issues.map((i) => [i.kind, i.line]);
}

describe("scanCandleCsv", () => {
  it("reads integers, decimals, signs, exponents and long digit strings exactly as Number() does", () => {
    const fields = ["0", "7", "-3.5", "+2.25", "1e3", "2.5E-3", "495.71078621788956", "0.1", "123456789012345678", "0.30000000000000004", "1.7976931348623157e308", "  42 "];
    const text = fields.map((f) => `${T},${f},${f},${f},${f},${f}`).join("\n");
    const { columns, issues } = scanCandleCsv(new TextEncoder().encode(text));
    expect(issues).toEqual([]);
    fields.forEach((f, i) => {
      expect(Object.is(columns.open[i], Number(f))).toBe(true);
      expect(Object.is(columns.volume[i], Number(f))).toBe(true);
    });
  });

  it("reads a row the plain-decimal reader gives up on halfway exactly as a whole row of the general reader", () => {
    // Boundaries of the fast path: 15 digits (fast) and 16 (general), "1." and ".5", leading zeros,
    // and the odd field in every position of an otherwise plain row.
    const odd = ["123456789012345", "1234567890123456", "0.12345678901234", "1.", ".5", "007", "-2", "+2", " 3", "4 ", "1e2", "99999999999999.9"];
    const rows: string[] = [];
    for (const f of odd) for (let k = 0; k < 6; k++) rows.push(Array.from({ length: 6 }, (_, j) => (j === k ? f : String(100 + j))).join(","));
    const text = rows.join("\r\n") + "\r\n";
    const { columns, issues } = scanCandleCsv(new TextEncoder().encode(text));
    expect(issues).toEqual([]);
    const names = ["ts", "open", "high", "low", "close", "volume"] as const;
    rows.forEach((r, i) => r.split(",").forEach((f, j) => expect(Object.is(columns[names[j]!][i], Number(f))).toBe(true)));
  });

  it("agrees with Number() on 20,000 random rows of mixed forms", () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const field = () => {
      const r = rnd();
      const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(rnd() * 10))).join("");
      if (r < 0.6) return `${digits(1 + Math.floor(rnd() * 9))}.${digits(1 + Math.floor(rnd() * 8))}`;
      if (r < 0.8) return digits(1 + Math.floor(rnd() * 16));
      if (r < 0.9) return `${digits(1 + Math.floor(rnd() * 10))}.${digits(6 + Math.floor(rnd() * 14))}`;
      return `${rnd() < 0.5 ? "-" : ""}${digits(1 + Math.floor(rnd() * 3))}e${Math.floor(rnd() * 20) - 10}`;
    };
    const rows = Array.from({ length: 20_000 }, () => Array.from({ length: 6 }, field));
    const { columns, issues } = scanCandleCsv(new TextEncoder().encode(rows.map((r) => r.join(",")).join("\n")));
    expect(issues).toEqual([]);
    const names = ["ts", "open", "high", "low", "close", "volume"] as const;
    let mismatches = 0;
    rows.forEach((r, i) => r.forEach((f, j) => (Object.is(columns[names[j]!][i], Number(f)) ? 0 : mismatches++)));
    expect(mismatches).toBe(0);
  });

  it("accepts CRLF line ends, a BOM, blank lines and a last line without a line feed", () => {
    const text = "\uFEFFts,open,high,low,close,volume\r\n" + row(0) + "\r\n\r\n" + row(1) + "\r\n" + row(2);
    const { columns, lines, issues } = scanCandleCsv(new TextEncoder().encode(text));
    expect(issues).toEqual([]);
    expect(Array.from(columns.ts)).toEqual([T, T + H, T + 2 * H]);
    expect(Array.from(lines)).toEqual([2, 4, 5]);
  });

  it("reads a file without a header from line 1", () => {
    const { lines } = scanCandleCsv(new TextEncoder().encode(`${row(0)}\n${row(1)}\n`));
    expect(Array.from(lines)).toEqual([1, 2]);
  });

  it("refuses a header with other columns or another order (Bithumb's open,close,high,low)", () => {
    expect(() => scanCandleCsv(new TextEncoder().encode("ts,open,close,high,low,volume\n"))).toThrow(ParseError);
    expect(() => scanCandleCsv(new TextEncoder().encode("timestamp,open,high,low,close,volume\n"))).toThrow(/expected header/);
    // Case and spaces are ignored.
    expect(scanCandleCsv(new TextEncoder().encode(" TS, Open ,High,Low,Close,Volume\n" + row(0))).issues).toEqual([]);
  });

  it("reports unreadable rows with their file line and leaves them out", () => {
    const text = csv([row(0), `${T + H},1,2,,1,1`, `${T + 2 * H},1,2,0.5,x1,1`, `${T + 3 * H},1,2,0.5,1`, `${T + 4 * H},1,2,0.5,1,1,9`, "NaN,1,1,1,1,1", `${T + 6 * H},1,2,0.5,1,1e999`, row(7)]);
    const { columns, issues } = scanCandleCsv(new TextEncoder().encode(text));
    expect(Array.from(columns.ts)).toEqual([T, T + 7 * H]);
    expect(kinds(issues)).toEqual([
      ["invalid-field", 3],
      ["invalid-field", 4],
      ["invalid-field", 5],
      ["invalid-field", 6],
      ["invalid-field", 7],
      ["invalid-field", 8],
    ]);
    expect(issues[0]!.message).toContain('"low"');
    expect(issues[2]!.message).toContain("expected 6 fields, found 5");
    expect(issues[3]!.message).toContain("more than 6 fields");
    expect(issues[4]!.ts).toBeNull();
    expect(issues[5]!.message).toContain('"volume"');
  });

  it("grows its columns past the size estimate", () => {
    // Long first rows (the estimate samples them) make the row estimate too small for the many
    // short rows that follow.
    const long = Array.from({ length: 3000 }, (_, i) => `${i},1.000000001,1.000000001,1.000000001,1.000000001,1.000000001`);
    const short = Array.from({ length: 30_000 }, (_, i) => `${3000 + i},1,1,1,1,1`);
    const { columns, lines } = scanCandleCsv(new TextEncoder().encode([...long, ...short].join("\n")));
    expect(columns.ts.length).toBe(33_000);
    expect(columns.ts[32_999]).toBe(32_999);
    expect(columns.open[2999]).toBe(1.000000001);
    expect(lines[32_999]).toBe(33_000);
  });
});

describe("parseCandleCsv validation", () => {
  it("infers the interval from the usual spacing, despite gaps", () => {
    const r = parseCandleCsv(csv([row(0), row(1), row(4), row(5), row(6)]), { market: "KRW-BTC" });
    expect(r.series.interval).toBe("1h");
    expect(r.series.intervalMs).toBe(H);
    expect(r.series.market).toBe("KRW-BTC");
  });

  it("refuses to guess an interval that is not a Bithumb interval, unless given", () => {
    const odd = csv([`${T},1,1,1,1,1`, `${T + 7_000},1,1,1,1,1`, `${T + 14_000},1,1,1,1,1`]);
    expect(() => parseCandleCsv(odd, { market: "KRW-BTC" })).toThrow(/cannot infer the candle interval/);
    expect(() => parseCandleCsv(csv([row(0)]), { market: "KRW-BTC" })).toThrow(ParseError);
    expect(parseCandleCsv(csv([row(0)]), { market: "KRW-BTC", interval: "1h" }).series.length).toBe(1);
  });

  it("reports gaps on the line after them with the number of missing candles, and fills nothing by default", () => {
    const r = parseCandleCsv(csv([row(0), row(1), row(4), row(5), row(7)]), { market: "KRW-BTC" });
    const gaps = r.issues.filter((i) => i.kind === "gap");
    expect(gaps.map((g) => [g.line, g.missing, g.previousTs, g.ts])).toEqual([
      [4, 2, T + H, T + 4 * H],
      [6, 1, T + 5 * H, T + 7 * H],
    ]);
    expect(gaps[0]!.message).toBe("2 missing candles between 2024-01-01T01:00:00Z and 2024-01-01T04:00:00Z");
    expect(r.series.length).toBe(5);
    expect(hasRowDefects(r.issues)).toBe(false);
  });

  it("finds duplicates, out-of-order and misaligned rows, and keeps them in file order by default", () => {
    const r = parseCandleCsv(csv([row(0), row(1), row(1), row(3), row(2), row(2), row(4), `${T + 5 * H + 60_000},104,105,103,104,1`, row(5)]), { market: "KRW-BTC", interval: "1h" });
    expect(kinds(r.issues.filter((i) => i.kind !== "gap"))).toEqual([
      ["duplicate", 4],
      ["out-of-order", 6],
      ["duplicate", 7],
      ["misaligned", 9],
    ]);
    expect(Array.from(r.series.ts)).toEqual([0, 1, 1, 3, 2, 2, 4, 5 + 1 / 60, 5].map((k) => T + k * H));
    expect(r.dropped).toBe(0);
  });

  it("finds OHLC inconsistencies, non-positive prices and negative volume", () => {
    const r = parseCandleCsv(
      csv([
        `${T},10,9,8,9.5,1`, // high < open
        `${T + H},10,12,10.5,11,1`, // low > open
        `${T + 2 * H},10,12,8,13,1`, // high < close
        `${T + 3 * H},0,1,0,1,1`, // zero prices
        `${T + 4 * H},10,12,8,9,-1`, // negative volume
        `${T + 5 * H},10,12,8,9,0`, // zero volume is fine
      ]),
      { market: "KRW-BTC", interval: "1h" },
    );
    expect(kinds(r.issues)).toEqual([
      ["ohlc", 2],
      ["ohlc", 3],
      ["ohlc", 4],
      ["non-positive-price", 5],
      ["negative-volume", 6],
    ]);
  });

  it("judges alignment by the grid most rows are on, not by the first row", () => {
    const r = parseCandleCsv(csv([`${T - H + 60_000},99,100,98,99,1`, row(0), row(1), row(2)]), { market: "KRW-BTC", interval: "1h" });
    expect(kinds(r.issues)).toEqual([["misaligned", 2]]);
    // Days starting at 00:00 KST (15:00 UTC) are a grid of their own, not misaligned.
    const kstDays = [0, 1, 2].map((d) => `${T + 15 * H + d * 86_400_000},1,1,1,1,1`);
    expect(parseCandleCsv(csv(kstDays), { market: "KRW-BTC" }).issues).toEqual([]);
  });

  it("does not let one mistyped row make every later row look out of order", () => {
    // A far-future ts off the grid is only "misaligned"; the rows after it stay in order.
    const r = parseCandleCsv(csv([row(0), row(1), `${T * 10 + 1},101,102,100,101,1`, row(2), row(3)]), { market: "KRW-BTC", interval: "1h" });
    expect(kinds(r.issues)).toEqual([["misaligned", 4]]);
  });

  it("flags a close-to-close jump far outside the series' robust spread, and nothing on calm data", () => {
    const closes = Array.from({ length: 200 }, (_, i) => 1000 + (i % 2 === 0 ? 1 : -1) * (i % 7));
    closes[120] = 1500;
    const rows = closes.map((c, i) => `${T + i * H},${c},${c},${c},${c},1`);
    const r = parseCandleCsv(csv(rows), { market: "KRW-BTC" });
    const outliers = r.issues.filter((i) => i.kind === "outlier");
    // The jump up (line 122) and the jump back down (line 123).
    expect(outliers.map((o) => o.line)).toEqual([122, 123]);
    expect(outliers[0]!.message).toMatch(/close moved 50\.\d\d% from the previous close/);
    const calm = parseCandleCsv(csv(closes.map((_, i) => `${T + i * H},1000,1000,1000,1000,1`)), { market: "KRW-BTC" });
    expect(calm.issues).toEqual([]);
  });

  it("falls back to the mean absolute deviation when most returns are zero (MAD = 0)", () => {
    const closes: number[] = Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? 1001 : 1000));
    closes[50] = 2000;
    const rows = closes.map((c, i) => `${T + i * 60_000},${c},${c},${c},${c},1`);
    const r = parseCandleCsv(csv(rows), { market: "KRW-BTC", outlierK: 20 });
    expect(r.series.interval).toBe("1m");
    expect(r.issues.filter((i) => i.kind === "outlier").map((o) => o.line)).toEqual([52, 53]);
  });
});

describe("parseCandleCsv policies", () => {
  const messy = csv([row(0), row(1), row(1), `${T + 2 * H},10,9,8,9.5,1`, row(3), "oops", row(6)]);

  it("report: keeps every readable row, drops only unreadable ones", () => {
    const r = parseCandleCsv(messy, { market: "KRW-BTC", interval: "1h" });
    expect(r.series.length).toBe(6);
    expect(r.rows).toBe(7);
    expect(r.dropped).toBe(1);
    expect(kinds(r.issues)).toEqual([
      ["duplicate", 4],
      ["ohlc", 5],
      ["invalid-field", 7],
      ["gap", 8],
    ]);
  });

  it("fail: throws a ParseError naming the defective lines", () => {
    try {
      parseCandleCsv(messy, { market: "KRW-BTC", interval: "1h", policy: "fail", source: "x.csv" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      const message = (e as ParseError).message;
      expect(message).toContain("3 defective row(s) in x.csv");
      expect(message).toContain("line 4: duplicate");
      expect(message).toContain("line 5: ohlc");
      expect(message).toContain("line 7: invalid-field");
    }
  });

  it("fail: accepts real gaps (they are market data, not defects)", () => {
    expect(parseCandleCsv(csv([row(0), row(3)]), { market: "KRW-BTC", interval: "1h", policy: "fail" }).series.length).toBe(2);
  });

  it("skip: drops defective rows and keeps the rest in order", () => {
    const r = parseCandleCsv(messy, { market: "KRW-BTC", interval: "1h", policy: "skip" });
    expect(Array.from(r.series.ts)).toEqual([T, T + H, T + 3 * H, T + 6 * H]);
    expect(r.dropped).toBe(3);
    // The dropped OHLC row at slot 2 is now a gap too.
    expect(r.issues.filter((i) => i.kind === "gap").map((g) => g.missing)).toEqual([1, 2]);
  });

  it("forward-fill: fills every gap slot with a flat candle at the previous close and zero volume", () => {
    const r = parseCandleCsv(messy, { market: "KRW-BTC", interval: "1h", policy: "forward-fill" });
    expect(Array.from(r.series.ts)).toEqual([0, 1, 2, 3, 4, 5, 6].map((k) => T + k * H));
    expect(r.filled).toBe(3);
    const prevClose = 101;
    expect([r.series.open[2], r.series.high[2], r.series.low[2], r.series.close[2], r.series.volume[2]]).toEqual([prevClose, prevClose, prevClose, prevClose, 0]);
    expect(r.series.close[5]).toBe(103);
    expect(r.series.close[6]).toBe(106);
  });
});

describe("formatCandleCsv", () => {
  it("writes text that reads back to the same doubles", () => {
    const values = [0.1 + 0.2, 495.71078621788956, 1e-7, 123456789.123, 5e21];
    const text = csv(values.map((v, i) => `${T + i * H},${v},${v * 2},${v / 2},${v},${v}`));
    const once = parseCandleCsv(text, { market: "KRW-BTC", interval: "1h" }).series;
    const written = formatCandleCsv(once);
    expect(written.startsWith("ts,open,high,low,close,volume\n")).toBe(true);
    const twice = parseCandleCsv(written, { market: "KRW-BTC", interval: "1h" }).series;
    for (const key of ["ts", "open", "high", "low", "close", "volume"] as const) expect(Array.from(twice[key])).toEqual(Array.from(once[key]));
  });
});
