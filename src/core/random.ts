/**
 * Seeded randomness, pure and shared (simulator, backtest bootstrap, runtime, tests, benches). In
 * the simulator every random choice is drawn from a generator seeded by a hash of (seed, purpose,
 * market, slot...), so the same `--seed` replays the same trades, books and fault decisions no
 * matter in which order requests arrive. No `Math.random` anywhere.
 */

/** A function returning uniform floats in [0, 1). */
export type Random = () => number;

/** mulberry32: small, fast, 32-bit state, good enough for synthetic market data. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * FNV-1a over the parts, then a murmur3 finaliser: a well-mixed 32-bit seed from any key. Numbers
 * are mixed as two 32-bit words (exact for safe integers), strings by UTF-16 code unit.
 */
export function hashSeed(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  const mix = (x: number) => {
    h ^= x;
    h = Math.imul(h, 0x01000193);
  };
  for (const part of parts) {
    if (typeof part === "number") {
      mix(part >>> 0);
      mix(Math.floor(part / 4294967296) >>> 0);
    } else {
      for (let i = 0; i < part.length; i++) mix(part.charCodeAt(i));
    }
    mix(0x1f); // separator, so ("ab","c") and ("a","bc") differ
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Integer in [min, max] inclusive. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
