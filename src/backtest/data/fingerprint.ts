import type { CandleSeries } from "./series.ts";

/** A streaming hash (the shape of `Bun.CryptoHasher` and `node:crypto` Hash). */
export interface IncrementalHasher {
  update(data: Uint8Array | string): unknown;
  digest(encoding: "hex"): string;
}

/** SHA-256 through Bun's native hasher. */
export function sha256Hasher(): IncrementalHasher {
  return new Bun.CryptoHasher("sha256");
}

const FINGERPRINT_VERSION = "candles-v1";

/**
 * Identity of the candle data a run used: `sha256:<hex>` over the candle CONTENT, so the same
 * candles give the same fingerprint whether they came from CSV, gzip or a database, and any changed
 * value (even in the last bit) gives another. Hashed, per series in market order: a header line
 * `market interval length`, then the ts, open, high, low, close and volume columns as raw IEEE-754
 * doubles in little-endian byte order (Float64Array memory on every platform Bun runs on).
 */
export function candleFingerprint(series: readonly CandleSeries[], createHasher: () => IncrementalHasher = sha256Hasher): string {
  const hasher = createHasher();
  hasher.update(`${FINGERPRINT_VERSION}\n`);
  const sorted = [...series].sort((a, b) => (a.market < b.market ? -1 : a.market > b.market ? 1 : 0));
  for (const s of sorted) {
    hasher.update(`${s.market} ${s.interval} ${s.length}\n`);
    for (const column of [s.ts, s.open, s.high, s.low, s.close, s.volume]) {
      hasher.update(new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
    }
  }
  return `sha256:${hasher.digest("hex")}`;
}
