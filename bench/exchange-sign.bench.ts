/**
 * Bithumb adapter hot paths, each against a baseline measured in the same run:
 *
 * - Request signing (`encodeRequest` + `BithumbSigner.token`, jose HS256 + SHA-512 query hash)
 *   against a hand-rolled JWT with node:crypto HMAC (the least work the same token can cost).
 * - WebSocket ticker parsing (`parseWsMessage`: JSON + zod validation into a core Ticker) against a
 *   bare `JSON.parse` of the same frame (what skipping validation would cost).
 *
 * Protocol: one untimed warm-up pass per workload, then RUNS timed passes; the median is printed.
 * Run: `bun run bench exchange-sign` (or `bun run bench/exchange-sign.bench.ts`).
 */
import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SimulatedClock } from "../src/clock/simulated.ts";
import { BithumbSigner, encodeRequest } from "../src/exchange/bithumb/http/sign.ts";
import { parseWsMessage } from "../src/exchange/bithumb/ws/parse.ts";

const RUNS = 5;
const SIGNS = 5_000;
const FRAMES = 100_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function measure(label: string, n: number, fn: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(n, 1_000); i++) await fn();
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    times.push(performance.now() - t0);
  }
  const perSecond = n / (median(times) / 1_000);
  console.log(`${label.padEnd(52)} ${Math.round(perSecond).toLocaleString("en-US").padStart(12)} /s`);
  return perSecond;
}

const b64url = (s: string | Buffer) => Buffer.from(s).toString("base64url");

/** The minimum: the same claims, HMAC-SHA256 by node:crypto, no library. */
function handRolledToken(secret: string, accessKey: string, nonce: string, timestamp: number, hashInput: string): string {
  const header = b64url('{"alg":"HS256","typ":"JWT"}');
  const queryHash = createHash("sha512").update(hashInput).digest("hex");
  const payload = b64url(JSON.stringify({ access_key: accessKey, nonce, timestamp, query_hash: queryHash, query_hash_alg: "SHA512" }));
  return `${header}.${payload}.${b64url(createHmac("sha256", secret).update(`${header}.${payload}`).digest())}`;
}

const clock = new SimulatedClock(1_750_000_000_000);
const signer = new BithumbSigner({ accessKey: "access-key-0123456789", secretKey: "secret-key-0123456789", clock, nonce: () => "6f5570df-d8bc-4daf-85b4-976733feb624" });
const order = { market: "KRW-BTC", side: "bid", order_type: "limit", price: "95000000", volume: "0.001", client_order_id: "bot-0mbq1x2y3-abcdefghijkl" };

console.log(`signing one POST /v2/orders request (median of ${RUNS} x ${SIGNS.toLocaleString("en-US")})`);
const base = await measure("baseline: hand-rolled HMAC JWT (node:crypto)", SIGNS, () =>
  handRolledToken("secret-key-0123456789", "access-key-0123456789", "6f5570df-d8bc-4daf-85b4-976733feb624", clock.now(), encodeRequest("POST", order).hashInput),
);
const ours = await measure("ours: encodeRequest + BithumbSigner.token (jose)", SIGNS, () => signer.token(encodeRequest("POST", order).hashInput));
console.log(`ratio ours/baseline: ${(ours / base).toFixed(2)} (the API allows 140 order requests/s per category)\n`);

const frame = readFileSync(join(import.meta.dir, "../tests/fixtures/bithumb/ws-ticker.json"), "utf8");
console.log(`parsing one ticker frame (median of ${RUNS} x ${FRAMES.toLocaleString("en-US")})`);
const rawParse = await measure("baseline: JSON.parse only", FRAMES, () => JSON.parse(frame));
const validated = await measure("ours: parseWsMessage (JSON + validation)", FRAMES, () => parseWsMessage(frame));
console.log(`ratio ours/baseline: ${(validated / rawParse).toFixed(2)}`);
