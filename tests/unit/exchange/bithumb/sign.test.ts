import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import { BithumbSigner, buildClaims, encodeParams, encodeRequest, sha512Hex, signJwt } from "../../../../src/exchange/bithumb/http/sign.ts";

interface VectorCase {
  name: string;
  method: "GET" | "POST" | "DELETE";
  path: string;
  query_string: string | null;
  json_body?: Record<string, string>;
  payload: { access_key: string; nonce: string; timestamp: number; query_hash?: string; query_hash_alg?: string };
  payload_json_exact: string;
  expected_query_hash: string | null;
  expected_token: string;
  authorization_header: string;
}

const vectors = JSON.parse(readFileSync(join(import.meta.dirname, "../../../fixtures/bithumb/jwt-test-vector.json"), "utf8")) as {
  secret_key: string;
  cases: VectorCase[];
};

function payloadOf(token: string): string {
  return Buffer.from(token.split(".")[1]!, "base64url").toString("utf8");
}

describe("JWT signing against the recorded vectors", () => {
  it.each(vectors.cases.map((c) => [c.name, c] as const))("%s: token bytes match exactly", async (_name, c) => {
    const hashInput = c.query_string ?? "";
    const claims = buildClaims(c.payload.access_key, c.payload.nonce, c.payload.timestamp, hashInput);
    if (c.expected_query_hash) expect(claims.query_hash).toBe(c.expected_query_hash);
    else expect(claims).not.toHaveProperty("query_hash");
    const token = await signJwt(claims, vectors.secret_key);
    expect(payloadOf(token)).toBe(c.payload_json_exact);
    expect(token).toBe(c.expected_token);
  });

  it.each(vectors.cases.map((c) => [c.name, c] as const))("%s: BithumbSigner builds the same Authorization header", async (_name, c) => {
    const signer = new BithumbSigner({
      accessKey: c.payload.access_key,
      secretKey: vectors.secret_key,
      clock: new SimulatedClock(c.payload.timestamp),
      nonce: () => c.payload.nonce,
    });
    expect(await signer.authorization(c.query_string ?? "")).toBe(c.authorization_header);
  });

  it("encodes the vectors' parameters to exactly their query strings (the literal-bracket form, never %5B%5D)", () => {
    const byName = new Map(vectors.cases.map((c) => [c.name, c]));
    const chance = vectors.cases.find((c) => c.path === "/v1/orders/chance")!;
    expect(encodeRequest("GET", { market: "KRW-BTC" }).query).toBe(chance.query_string);
    const del = vectors.cases.find((c) => c.method === "DELETE")!;
    expect(encodeRequest("DELETE", { uuid: "cdd92199-2897-4e14-9448-f923320408ad" }).hashInput).toBe(del.query_string);
    const arrays = encodeRequest("GET", { market: "KRW-BTC", uuids: ["cdd92199-2897-4e14-9448-f923320408ad", "9ca023a5-851b-4fec-9f0a-48cd83c2eaae"] });
    const literal = [...byName.values()].find((c) => c.name.startsWith("GET /v1/orders with array params"))!;
    const encoded = [...byName.values()].find((c) => c.name.startsWith("same array params"))!;
    expect(arrays.query).toBe(literal.query_string);
    expect(arrays.query).not.toBe(encoded.query_string);
    const post = vectors.cases.find((c) => c.method === "POST")!;
    const body = encodeRequest("POST", post.json_body!);
    expect(body.hashInput).toBe(post.query_string);
    expect(body.query).toBe("");
    expect(JSON.parse(body.body!)).toEqual(post.json_body);
  });
});

describe("encodeParams", () => {
  it("keeps insertion order, skips undefined and repeats array keys with literal brackets", () => {
    expect(encodeParams({ b: "2", a: undefined, c: ["x", "y"], d: 5, e: true })).toBe("b=2&c[]=x&c[]=y&d=5&e=true");
  });

  it("leaves query-safe characters literal so the sent and the decoded string are the same", () => {
    const q = encodeParams({ markets: "KRW-BTC,KRW-ETH", to: "2024-01-02T03:04:05Z", id: "a_b-c.d~" });
    expect(q).toBe("markets=KRW-BTC,KRW-ETH&to=2024-01-02T03:04:05Z&id=a_b-c.d~");
    expect(decodeURIComponent(q)).toBe(q);
  });

  it("percent-encodes characters that would change the meaning of the query", () => {
    expect(encodeParams({ q: "a&b=c+d e#%" })).toBe("q=a%26b%3Dc%2Bd%20e%23%25");
  });

  it("writes batch_orders items as percent-encoded JSON text (ccxt's form, API.md 4.7.8)", () => {
    const item = { market: "KRW-BTC", side: "bid", order_type: "limit", price: "100", volume: "1", client_order_id: "x-1" };
    const q = encodeParams({ batch_orders: [item, { ...item, client_order_id: "x-2" }] });
    expect(q.startsWith("batch_orders[]=%7B%22market%22%3A%22KRW-BTC%22%2C%22side%22")).toBe(true);
    expect(q.split("&")).toHaveLength(2);
    expect(JSON.parse(decodeURIComponent(q.split("&")[1]!.slice("batch_orders[]=".length)))).toEqual({ ...item, client_order_id: "x-2" });
  });

  it("refuses non-finite numbers", () => {
    expect(() => encodeParams({ count: Number.NaN })).toThrow(RangeError);
  });

  it("POST bodies list exactly the keys that are hashed", () => {
    const r = encodeRequest("POST", { market: "KRW-BTC", price: undefined, volume: "0.1", ids: ["a", "b"] });
    expect(r.body).toBe('{"market":"KRW-BTC","volume":"0.1","ids":["a","b"]}');
    expect(r.hashInput).toBe("market=KRW-BTC&volume=0.1&ids[]=a&ids[]=b");
  });
});

describe("claims", () => {
  it("carry no query_hash without parameters and a 128-hex SHA-512 with them", () => {
    expect(buildClaims("k", "n", 1, "")).toEqual({ access_key: "k", nonce: "n", timestamp: 1 });
    const c = buildClaims("k", "n", 1, "market=KRW-BTC");
    expect(c.query_hash).toMatch(/^[0-9a-f]{128}$/);
    expect(c.query_hash).toBe(sha512Hex("market=KRW-BTC"));
    expect(c.query_hash_alg).toBe("SHA512");
  });

  it("use the clock for timestamp and a fresh nonce per token", async () => {
    const clock = new SimulatedClock(1_700_000_000_000);
    let n = 0;
    const signer = new BithumbSigner({ accessKey: "k", secretKey: "s", clock, nonce: () => `nonce-${++n}` });
    const a = JSON.parse(payloadOf(await signer.token()));
    clock.advance(5);
    const b = JSON.parse(payloadOf(await signer.token()));
    expect([a.nonce, a.timestamp]).toEqual(["nonce-1", 1_700_000_000_000]);
    expect([b.nonce, b.timestamp]).toEqual(["nonce-2", 1_700_000_000_005]);
  });

  it("defaults the nonce to a UUID v4", async () => {
    const signer = new BithumbSigner({ accessKey: "k", secretKey: "s", clock: new SimulatedClock(0) });
    expect(JSON.parse(payloadOf(await signer.token())).nonce).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("refuses to sign without both keys", () => {
    expect(() => new BithumbSigner({ accessKey: "", secretKey: "s", clock: new SimulatedClock(0) })).toThrow(RangeError);
  });
});
