import { describe, expect, it } from "vitest";
import { divFixed, fixedFromNumber, fixedFromVolumeUnits, fixedToNumber, fitsDecimals, formatFixed, mulFixed, parseFixed, quantize } from "../../../../src/exchange/sim/fixed.ts";
import { hashSeed, mulberry32 } from "../../../../src/core/random.ts";

describe("fixed-point decimals", () => {
  it("parses and formats plain decimals without float noise", () => {
    for (const text of ["0", "1", "0.1", "23.75", "67000000", "0.00000001", "123456789.123456789012", "-0.5"]) {
      expect(formatFixed(parseFixed(text)!)).toBe(text);
    }
    expect(formatFixed(parseFixed("0.0100")!)).toBe("0.01");
    for (const bad of ["", "1e8", " 1", "1.", ".5", "0x10", "1.0000000000001", "NaN"]) expect(parseFixed(bad)).toBeUndefined();
  });

  it("multiplies price x volume exactly and rounds fees as asked", () => {
    const funds = mulFixed(parseFixed("0.1234")!, parseFixed("0.12345678")!);
    expect(formatFixed(funds)).toBe("0.015234566652");
    expect(formatFixed(quantize(mulFixed(parseFixed("9500")!, parseFixed("0.0025")!), 8))).toBe("23.75");
    expect(formatFixed(quantize(parseFixed("1.000000005")!, 8, "floor"))).toBe("1");
    expect(formatFixed(quantize(parseFixed("1.000000005")!, 8, "ceil"))).toBe("1.00000001");
    expect(formatFixed(quantize(parseFixed("1.000000005")!, 8, "half-up"))).toBe("1.00000001");
    expect(formatFixed(quantize(parseFixed("-1.000000005")!, 8, "floor"))).toBe("-1.00000001");
  });

  it("divides with the requested rounding", () => {
    expect(formatFixed(quantize(divFixed(parseFixed("10000")!, parseFixed("3")!), 8))).toBe("3333.33333333");
    expect(formatFixed(divFixed(parseFixed("1")!, parseFixed("3")!, "ceil"))).toBe("0.333333333334");
  });

  it("converts from numbers and volume units", () => {
    expect(formatFixed(fixedFromNumber(0.1 + 0.2, 8))).toBe("0.3");
    expect(formatFixed(fixedFromVolumeUnits(151931528))).toBe("1.51931528");
    expect(fixedToNumber(parseFixed("150803000")!)).toBe(150803000);
    expect(fitsDecimals(parseFixed("0.12345678")!, 8)).toBe(true);
    expect(fitsDecimals(parseFixed("0.123456789")!, 8)).toBe(false);
  });
});

describe("seeded randomness", () => {
  it("repeats for a seed and differs across seeds and keys", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(hashSeed(42, "trades", "KRW-BTC", 7)).toBe(hashSeed(42, "trades", "KRW-BTC", 7));
    expect(hashSeed(42, "trades", "KRW-BTC", 7)).not.toBe(hashSeed(43, "trades", "KRW-BTC", 7));
    expect(hashSeed("ab", "c")).not.toBe(hashSeed("a", "bc"));
    expect(hashSeed(2 ** 40)).not.toBe(hashSeed(0));
  });
});
