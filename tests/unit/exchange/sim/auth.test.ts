import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import { SimApiError } from "../../../../src/exchange/sim/errors.ts";
import { bodyParamString, queryParamString, RequestAuthenticator, sha512Hex } from "../../../../src/exchange/sim/http/auth.ts";
import vectors from "../../../fixtures/bithumb/jwt-test-vector.json";

const ACCESS = vectors.cases[0]!.payload.access_key;
const SECRET = vectors.secret_key;
const T = vectors.cases[0]!.payload.timestamp;

function authenticator(options: { wallNow?: number; simNow?: number; speed?: number; capacity?: number; secret?: string } = {}) {
  const wall = new SimulatedClock(options.wallNow ?? T);
  const sim = new SimulatedClock(options.simNow ?? 1_757_462_400_000);
  const auth = new RequestAuthenticator({ accessKey: ACCESS, secretKey: options.secret ?? SECRET, windowMs: 60_000, wallClock: wall, simClock: sim, speed: options.speed ?? 60, nonceCapacity: options.capacity });
  return { auth, wall, sim };
}

async function token(claims: Record<string, unknown>, secret = SECRET, alg = "HS256"): Promise<string> {
  const jwt = await new SignJWT(claims).setProtectedHeader({ alg, typ: "JWT" }).sign(new TextEncoder().encode(secret));
  return `Bearer ${jwt}`;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SimApiError) return `${e.status} ${e.errorName}`;
    throw e;
  }
  return "accepted";
}

const claims = (extra: Record<string, unknown> = {}) => ({ access_key: ACCESS, nonce: crypto.randomUUID(), timestamp: T, ...extra });

describe("RequestAuthenticator against the recorded JWT vectors", () => {
  for (const c of vectors.cases) {
    const encodedBrackets = c.query_string?.includes("%5B") ?? false;
    it(`${encodedBrackets ? "refuses" : "accepts"} ${c.name}`, async () => {
      const { auth } = authenticator();
      const params = c.method === "POST" ? [bodyParamString(c.json_body as Record<string, unknown>, false)] : c.query_string ? [queryParamString(c.query_string)] : [];
      const verdict = await refusal(auth.verify(c.authorization_header, params));
      expect(verdict).toBe(encodedBrackets ? "401 invalid_query_payload" : "accepted");
    });
  }

  it("hashes a JSON body as key=value pairs in body order", () => {
    const post = vectors.cases.find((c) => c.method === "POST")!;
    expect(bodyParamString(post.json_body as Record<string, unknown>, false)).toBe(post.query_string);
    expect(sha512Hex(post.query_string!)).toBe(post.expected_query_hash);
  });

  it("accepts a URL with percent-encoded brackets when the literal form was hashed (what a client sends is decoded)", async () => {
    const literal = vectors.cases.find((c) => c.query_string?.includes("uuids[]"))!;
    const { auth } = authenticator();
    const sent = literal.query_string!.replaceAll("[]", "%5B%5D");
    expect(await refusal(auth.verify(literal.authorization_header, [queryParamString(sent)]))).toBe("accepted");
  });
});

describe("body hashing forms", () => {
  it("writes arrays as key[]=v and batch items as their percent-encoded JSON", () => {
    expect(bodyParamString({ order_ids: ["C1", "C2"], market: "KRW-BTC" }, false)).toBe("order_ids[]=C1&order_ids[]=C2&market=KRW-BTC");
    const item = { market: "KRW-BTC", side: "bid", order_type: "limit", price: "1000", volume: "10" };
    expect(bodyParamString({ batch_orders: [item] }, false)).toBe(`batch_orders[]=${encodeURIComponent(JSON.stringify(item))}`);
    expect(bodyParamString({ start_time: "2025-09-01T00:00:00+09:00" }, true)).toBe("start_time=2025-09-01T00%3A00%3A00%2B09%3A00");
  });
});

describe("RequestAuthenticator refusals", () => {
  it("refuses a missing or malformed Authorization header", async () => {
    const { auth } = authenticator();
    expect(await refusal(auth.verify(undefined, []))).toBe("401 jwt_verification");
    expect(await refusal(auth.verify("", []))).toBe("401 jwt_verification");
    expect(await refusal(auth.verify("Basic abc", []))).toBe("401 jwt_verification");
    expect(await refusal(auth.verify("Bearer not.a.jwt", []))).toBe("401 jwt_verification");
  });

  it("refuses a token signed with another secret, another key, or another algorithm", async () => {
    const { auth } = authenticator();
    expect(await refusal(auth.verify(await token(claims(), "wrong-secret"), []))).toBe("401 jwt_verification");
    expect(await refusal(auth.verify(await token(claims({ access_key: "someone-else" })), []))).toBe("401 jwt_verification");
    expect(await refusal(auth.verify(await token(claims(), SECRET, "HS512"), []))).toBe("401 jwt_verification");
  });

  it("requires nonce and timestamp claims", async () => {
    const { auth } = authenticator();
    expect(await refusal(auth.verify(await token({ access_key: ACCESS, timestamp: T }), []))).toBe("401 jwt_verification");
    expect(await refusal(auth.verify(await token({ access_key: ACCESS, nonce: "n1" }), []))).toBe("401 jwt_verification");
    expect(await refusal(auth.verify(await token(claims({ timestamp: String(T) })), []))).toBe("401 jwt_verification");
  });

  it("refuses a query_hash that does not match, and parameters without a query_hash", async () => {
    const { auth } = authenticator();
    const q = "market=KRW-BTC";
    expect(await refusal(auth.verify(await token(claims({ query_hash: sha512Hex("market=KRW-ETH"), query_hash_alg: "SHA512" })), [q]))).toBe("401 invalid_query_payload");
    expect(await refusal(auth.verify(await token(claims()), [q]))).toBe("401 invalid_query_payload");
    expect(await refusal(auth.verify(await token(claims({ query_hash: sha512Hex(q), query_hash_alg: "SHA256" })), [q]))).toBe("401 invalid_query_payload");
    expect(await refusal(auth.verify(await token(claims({ query_hash: sha512Hex(q), query_hash_alg: "SHA512" })), [q]))).toBe("accepted");
  });

  it("refuses a replayed nonce", async () => {
    const { auth } = authenticator();
    const t = await token(claims({ nonce: "once" }));
    expect(await refusal(auth.verify(t, []))).toBe("accepted");
    expect(await refusal(auth.verify(t, []))).toBe("401 nonce_used");
    expect(await refusal(auth.verify(await token(claims({ nonce: "once", timestamp: T + 1 })), []))).toBe("401 nonce_used");
  });

  it("refuses a timestamp outside the window of both the wall clock and the replay clock", async () => {
    const { auth, wall } = authenticator();
    wall.advance(61_000);
    expect(await refusal(auth.verify(await token(claims()), []))).toBe("401 expired_jwt");
    expect(await refusal(auth.verify(await token(claims({ timestamp: wall.now() + 61_000 })), []))).toBe("401 expired_jwt");
    expect(await refusal(auth.verify(await token(claims({ timestamp: wall.now() - 5_000 })), []))).toBe("accepted");
    expect(await refusal(auth.verify(await token(claims({ exp: Math.floor(T / 1000) - 10 })), []))).toBe("401 expired_jwt");
  });

  it("accepts tokens stamped with the simulated clock (sim mode), within window x speed", async () => {
    const { auth, sim } = authenticator({ speed: 60 });
    expect(await refusal(auth.verify(await token(claims({ timestamp: sim.now() - 30 * 60_000 })), []))).toBe("accepted");
    expect(await refusal(auth.verify(await token(claims({ timestamp: sim.now() - 61 * 60_000 })), []))).toBe("401 expired_jwt");
  });

  it("remembers a bounded number of nonces", async () => {
    const { auth } = authenticator({ capacity: 3 });
    for (const nonce of ["a", "b", "c", "d", "e"]) expect(await refusal(auth.verify(await token(claims({ nonce })), []))).toBe("accepted");
    expect(auth.rememberedNonces).toBe(3);
    expect(await refusal(auth.verify(await token(claims({ nonce: "e" })), []))).toBe("401 nonce_used");
  });
});
