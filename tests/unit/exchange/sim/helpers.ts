import { SignJWT } from "jose";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import type { Clock } from "../../../../src/ports/clock.ts";
import { type SimulatorHandle, type SimulatorOptions, startSimulator } from "../../../../src/exchange/sim/index.ts";

export const ACCESS = "test-access";
export const SECRET = "test-secret-0123456789";

export interface TestSim {
  readonly sim: SimulatorHandle;
  /** The replay clock (advance it to move the market). */
  readonly clock: SimulatedClock;
  /** The clock tokens are stamped with. */
  readonly signClock: Clock;
}

/** A simulator on an ephemeral port with a SimulatedClock replay (time moves only when told). */
export async function startTestSim(options: SimulatorOptions = {}): Promise<TestSim> {
  let clock!: SimulatedClock;
  const sim = await startSimulator({
    markets: ["KRW-BTC", "KRW-XRP"],
    accessKey: ACCESS,
    secretKey: SECRET,
    clock: (start) => (clock = new SimulatedClock(start)),
    ...options,
  });
  return { sim, clock, signClock: options.wallClock ?? { now: () => Date.now(), setTimeout: () => 0, clearTimeout: () => {} } };
}

export async function jwt(signClock: Clock, paramString?: string, secret = SECRET, extra: Record<string, unknown> = {}): Promise<string> {
  const payload: Record<string, unknown> = { access_key: ACCESS, nonce: crypto.randomUUID(), timestamp: signClock.now(), ...extra };
  if (paramString) {
    payload.query_hash = new Bun.CryptoHasher("sha512").update(paramString).digest("hex");
    payload.query_hash_alg = "SHA512";
  }
  return new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(secret));
}

/** `key=value&…` with literal brackets for arrays, as Bithumb clients hash and send it. */
export function queryString(params: Record<string, string | number | readonly string[]>): string {
  return Object.entries(params)
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}[]=${x}`) : [`${k}=${v}`]))
    .join("&");
}

/** A signed private request; the body is hashed as key=value pairs in key order. */
export async function privateCall(t: TestSim, method: string, path: string, params?: Record<string, string | number | readonly string[]>, body?: Record<string, unknown>): Promise<Response> {
  const q = params ? queryString(params) : "";
  let hashInput = q;
  if (body) {
    hashInput = Object.entries(body)
      .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}[]=${typeof x === "object" ? encodeURIComponent(JSON.stringify(x)) : x}`) : [`${k}=${v}`]))
      .join("&");
  }
  const token = await jwt(t.signClock, hashInput || undefined);
  return fetch(`${t.sim.restUrl}${path}${q ? `?${q}` : ""}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json; charset=utf-8" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
}

export async function json<T = any>(res: Response | Promise<Response>): Promise<{ status: number; body: T }> {
  const r = await res;
  return { status: r.status, body: (await r.json()) as T };
}

/** Move the replay forward in steps (the simulator's timers fire on the way). */
export function advance(t: TestSim, ms: number): void {
  t.clock.advance(ms);
  t.sim.admin.sync();
}
