import { describe, expect, it } from "vitest";
import {
  atr,
  atrInit,
  atrStep,
  atrValue,
  ema,
  emaInit,
  emaStep,
  emaValue,
  indicatorSet,
  rsi,
  rsiInit,
  rsiStep,
  rsiValue,
  sma,
  smaInit,
  smaStep,
  smaValue,
  volumeRatio,
  volumeRatioInit,
  volumeRatioStep,
  volumeRatioValue,
} from "../../../../src/core/indicators/index.ts";
import { prng } from "../support/data.ts";

/**
 * Property: for random series and periods, the step functions (state in an object, one input at a
 * time, including a JSON round trip of the state at a random point) and the batch forms (state in
 * locals) produce BIT-identical outputs, NaN at exactly the same places. Seeded, so reproducible.
 */

interface Series {
  readonly high: number[];
  readonly low: number[];
  readonly close: number[];
  readonly volume: number[];
}

/** Random-walk candles at a random price level, with flat runs, gaps, ticks and zero-volume stretches. */
function randomSeries(rnd: () => number): Series {
  const n = 1 + Math.floor(rnd() * 900);
  const level = 10 ** (-3 + rnd() * 11); // 0.001 .. 1e8 KRW
  const tick = rnd() < 0.5 ? 0 : level * 1e-4;
  const s: Series = { high: [], low: [], close: [], volume: [] };
  let price = level;
  for (let i = 0; i < n; i++) {
    const regime = rnd();
    if (regime < 0.1) {
      // flat: unchanged close
    } else if (regime < 0.13) {
      price *= rnd() < 0.5 ? 0.8 : 1.25; // gap
    } else {
      price *= 1 + (rnd() - 0.5) * 0.02;
    }
    const close = tick > 0 ? Math.max(tick, Math.round(price / tick) * tick) : price;
    s.close.push(close);
    s.high.push(close * (1 + rnd() * 0.01));
    s.low.push(close * (1 - rnd() * 0.01));
    s.volume.push(rnd() < 0.1 ? 0 : rnd() * 1_000);
  }
  return s;
}

function expectBitIdentical(a: ArrayLike<number>, b: ArrayLike<number>, label: string): void {
  expect(a.length, label).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) expect.fail(`${label}: index ${i} differs: ${a[i]} vs ${b[i]}`);
  }
}

/** Run a step function over `n` inputs, JSON round-tripping the state before input `cut`. */
function stepped<S>(n: number, cut: number, init: () => S, step: (s: S, i: number) => S, value: (s: S) => number): number[] {
  let state = init();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i === cut) state = JSON.parse(JSON.stringify(state)) as S;
    state = step(state, i);
    out.push(value(state));
  }
  return out;
}

const CASES = 150;

describe("incremental == batch, bit for bit (seeded property test)", () => {
  for (let seed = 1; seed <= CASES; seed++) {
    it(`random series #${seed}`, () => {
      const rnd = prng(seed);
      const s = randomSeries(rnd);
      const n = s.close.length;
      const p = () => 1 + Math.floor(rnd() * 70);
      const cut = Math.floor(rnd() * (n + 1));
      const [pe, pr, pa, ps, pf] = [p(), p(), p(), p(), p()];
      const slow = pf + 1 + Math.floor(rnd() * 40);

      expectBitIdentical(stepped(n, cut, () => emaInit(pe), (st, i) => emaStep(st, s.close[i]!), emaValue), ema(s.close, pe), `EMA(${pe})`);
      expectBitIdentical(
        stepped(n, cut, () => emaInit(pe, { seed: "first" }), (st, i) => emaStep(st, s.close[i]!), emaValue),
        ema(s.close, pe, { seed: "first" }),
        `EMA(${pe}, first)`,
      );
      expectBitIdentical(stepped(n, cut, () => rsiInit(pr), (st, i) => rsiStep(st, s.close[i]!), rsiValue), rsi(s.close, pr), `RSI(${pr})`);
      expectBitIdentical(
        stepped(n, cut, () => atrInit(pa), (st, i) => atrStep(st, s.high[i]!, s.low[i]!, s.close[i]!), atrValue),
        atr(s.high, s.low, s.close, pa),
        `ATR(${pa})`,
      );
      expectBitIdentical(
        stepped(n, cut, () => atrInit(pa, { firstBar: "include" }), (st, i) => atrStep(st, s.high[i]!, s.low[i]!, s.close[i]!), atrValue),
        atr(s.high, s.low, s.close, pa, { firstBar: "include" }),
        `ATR(${pa}, include)`,
      );
      expectBitIdentical(stepped(n, cut, () => smaInit(ps), (st, i) => smaStep(st, s.volume[i]!), smaValue), sma(s.volume, ps), `SMA(${ps})`);
      expectBitIdentical(
        stepped(n, cut, () => volumeRatioInit(ps), (st, i) => volumeRatioStep(st, s.volume[i]!), volumeRatioValue),
        volumeRatio(s.volume, ps),
        `volume ratio(${ps})`,
      );

      // The fused pass equals the single-indicator batch forms (and so the steps).
      const set = indicatorSet(s, { emaFast: pf, emaSlow: slow, rsi: pr, atr: pa, volume: ps });
      expectBitIdentical(set.emaFast, ema(s.close, pf), "set.emaFast");
      expectBitIdentical(set.emaSlow, ema(s.close, slow), "set.emaSlow");
      expectBitIdentical(set.rsi, rsi(s.close, pr), "set.rsi");
      expectBitIdentical(set.atr, atr(s.high, s.low, s.close, pa), "set.atr");
      expectBitIdentical(set.volumeRatio!, volumeRatio(s.volume, ps), "set.volumeRatio");

      // Typed-array inputs and reused output buffers change nothing.
      const typed = Float64Array.from(s.close);
      const buffer = new Float64Array(n).fill(123);
      expectBitIdentical(rsi(typed, pr, buffer), rsi(s.close, pr), "RSI into a reused buffer");
    });
  }
});
