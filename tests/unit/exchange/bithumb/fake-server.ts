import { createHash } from "node:crypto";
import { jwtVerify } from "jose";

/**
 * A tiny scripted HTTP server on 127.0.0.1 (ephemeral port) for client tests: every request is
 * recorded, the test's handler decides the answer. `HANG` keeps a request unanswered (a timeout
 * from the client's point of view) until the server stops.
 */

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** The raw query string exactly as received (no leading `?`). */
  readonly query: string;
  readonly params: URLSearchParams;
  readonly headers: Headers;
  readonly body: string;
}

export const HANG = Symbol("hang");
export type Handler = (req: RecordedRequest, index: number) => Response | typeof HANG | Promise<Response | typeof HANG>;

export interface FakeServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Requests matching method and path. */
  count(method: string, path: string): number;
  stop(): Promise<void>;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

export function bithumbError(status: number, name: string | number, message = "error"): Response {
  return json({ error: { name, message } }, status);
}

export async function startFakeServer(handler: Handler): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const hanging: (() => void)[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 30,
    async fetch(request) {
      const url = new URL(request.url);
      const raw = request.url.includes("?") ? request.url.slice(request.url.indexOf("?") + 1) : "";
      const recorded: RecordedRequest = {
        method: request.method,
        path: url.pathname,
        query: raw,
        params: url.searchParams,
        headers: request.headers,
        body: await request.text(),
      };
      requests.push(recorded);
      const answer = await handler(recorded, requests.length - 1);
      if (answer === HANG) {
        await new Promise<void>((resolve) => hanging.push(resolve));
        return new Response("stopped", { status: 503 });
      }
      return answer;
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    count: (method, path) => requests.filter((r) => r.method === method && r.path === path).length,
    async stop() {
      for (const resolve of hanging) resolve();
      await server.stop(true);
    },
  };
}

/**
 * Verify a request's JWT the way the exchange would: HS256 with the secret, the access key, and a
 * `query_hash` over `expectedHashInput` (none when it is empty). Returns the claims.
 */
export async function verifyAuth(req: RecordedRequest, accessKey: string, secretKey: string, expectedHashInput: string): Promise<Record<string, unknown>> {
  const header = req.headers.get("authorization") ?? "";
  if (!header.startsWith("Bearer ")) throw new Error(`no bearer token on ${req.method} ${req.path}`);
  const { payload, protectedHeader } = await jwtVerify(header.slice(7), new TextEncoder().encode(secretKey), { algorithms: ["HS256"] });
  if (protectedHeader.typ !== "JWT") throw new Error("typ must be JWT");
  if (payload.access_key !== accessKey) throw new Error("wrong access_key");
  if (typeof payload.nonce !== "string" || typeof payload.timestamp !== "number") throw new Error("nonce/timestamp missing");
  if (expectedHashInput === "") {
    if ("query_hash" in payload) throw new Error("unexpected query_hash");
  } else {
    const expected = createHash("sha512").update(expectedHashInput).digest("hex");
    if (payload.query_hash !== expected || payload.query_hash_alg !== "SHA512") throw new Error(`query_hash mismatch for ${expectedHashInput}`);
  }
  return payload as Record<string, unknown>;
}

/** An order object as `GET /v1/order` returns it (API.md 4.6 fields). */
export function orderObject(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uuid: "C0101000000000000001",
    side: "bid",
    ord_type: "limit",
    price: "50000000",
    state: "wait",
    market: "KRW-BTC",
    created_at: "2026-07-04T15:05:46+09:00",
    volume: "0.001",
    remaining_volume: "0.001",
    reserved_fee: "125",
    remaining_fee: "125",
    paid_fee: "0",
    locked: "50125",
    executed_volume: "0",
    executed_funds: "0",
    trades_count: 0,
    ...overrides,
  };
}
