import { errors as joseErrors, jwtVerify } from "jose";
import type { Clock } from "../../../ports/clock.ts";
import { SimApiError } from "../errors.ts";

/**
 * Bithumb API 2.0 request authentication (API.md 2), verified the way the exchange does:
 *
 * - `Authorization: Bearer <jwt>`, HS256 signed with the secret key's raw UTF-8 bytes;
 * - claims `access_key` (must be ours), `nonce` (never seen before), `timestamp` (ms, recent);
 * - `query_hash` = hex SHA-512 of the request's parameter string, required whenever the request
 *   has parameters, with `query_hash_alg` `SHA512` when given.
 *
 * Failures are 401 with Bithumb's names: `jwt_verification` (no/garbled token, bad signature,
 * wrong key, missing claims), `expired_jwt` (timestamp outside the window), `nonce_used`,
 * `invalid_query_payload` (hash missing or not matching).
 */

export interface AuthOptions {
  readonly accessKey: string;
  readonly secretKey: string;
  /** Tokens are accepted while their `timestamp` is within this many ms of now. */
  readonly windowMs: number;
  /** Real time, for clients that sign with their wall clock. */
  readonly wallClock: Clock;
  /** Replay time, for clients that sign with the same simulated clock (sim mode). */
  readonly simClock: Clock;
  /** Simulated ms per real ms: the window on the simulated clock is `windowMs * speed`. */
  readonly speed: number;
  /** How many recent nonces are remembered (oldest forgotten first). */
  readonly nonceCapacity?: number;
}

export interface VerifiedClaims {
  readonly accessKey: string;
  readonly nonce: string;
  readonly timestamp: number;
  readonly queryHash?: string;
}

const JWT_MESSAGE = "Jwt 토큰 검증에 실패했습니다.";
const DEFAULT_NONCE_CAPACITY = 100_000;
/** Nonces are also forgotten after this long (a replay that old fails the timestamp check anyway). */
const NONCE_TTL_MS = 10 * 60_000;

function unauthorized(name: string, message: string): SimApiError {
  return new SimApiError(401, name, message);
}

/** Lowercase hex SHA-512. */
export function sha512Hex(text: string): string {
  return new Bun.CryptoHasher("sha512").update(text).digest("hex");
}

/**
 * The string a GET/DELETE query is hashed over: the query exactly as sent, percent-decoded (the
 * Upbit-style rule Bithumb copies: `uuids[]=a` hashed with literal brackets). A client that sends
 * `%5B%5D` and hashes the encoded text does not verify, as on the real exchange.
 */
export function queryParamString(rawQuery: string): string {
  try {
    return decodeURIComponent(rawQuery);
  } catch {
    return rawQuery;
  }
}

function scalarText(value: unknown): string {
  return value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
}

/**
 * The string a JSON body is hashed over: `key=value` pairs joined by `&` in body key order;
 * arrays as repeated `key[]=value`; objects inside arrays (`batch_orders`) as their percent-encoded
 * JSON text (API.md 4.7.8). `encodeValues` percent-encodes scalar values as ccxt does; for the ids
 * and decimal strings Bithumb takes both forms are the same text.
 */
export function bodyParamString(body: Record<string, unknown>, encodeValues: boolean): string {
  const enc = (s: string) => (encodeValues ? encodeURIComponent(s) : s);
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (Array.isArray(value)) {
      for (const item of value) {
        pairs.push(`${key}[]=${typeof item === "object" && item !== null ? encodeURIComponent(JSON.stringify(item)) : enc(scalarText(item))}`);
      }
    } else if (typeof value === "object" && value !== null) {
      pairs.push(`${key}=${encodeURIComponent(JSON.stringify(value))}`);
    } else {
      pairs.push(`${key}=${enc(scalarText(value))}`);
    }
  }
  return pairs.join("&");
}

/** Verifies tokens and remembers nonces (bounded memory). */
export class RequestAuthenticator {
  private readonly options: AuthOptions;
  private readonly key: Uint8Array;
  private readonly nonces = new Map<string, number>();

  constructor(options: AuthOptions) {
    this.options = options;
    this.key = new TextEncoder().encode(options.secretKey);
  }

  /** Number of nonces currently remembered. */
  get rememberedNonces(): number {
    return this.nonces.size;
  }

  /**
   * Verify the token of a request. `paramStrings` are the accepted hash inputs for its
   * parameters (empty = the request has none).
   */
  async verify(authorization: string | null | undefined, paramStrings: readonly string[]): Promise<VerifiedClaims> {
    const claims = await this.verifyToken(authorization);
    this.checkQueryHash(claims, paramStrings);
    return claims;
  }

  /** Signature, claims, timestamp window and nonce (the WebSocket handshake stops here). */
  async verifyToken(authorization: string | null | undefined): Promise<VerifiedClaims> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? "");
    if (!match) throw unauthorized("jwt_verification", JWT_MESSAGE);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(match[1]!, this.key, { algorithms: ["HS256"] }));
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw unauthorized("expired_jwt", "만료된 JWT 토큰입니다. (token expired)");
      throw unauthorized("jwt_verification", JWT_MESSAGE);
    }
    const { access_key: accessKey, nonce, timestamp, query_hash: queryHash, query_hash_alg: alg } = payload;
    if (typeof accessKey !== "string" || accessKey !== this.options.accessKey) throw unauthorized("jwt_verification", JWT_MESSAGE);
    if (typeof nonce !== "string" || nonce.length === 0) throw unauthorized("jwt_verification", JWT_MESSAGE);
    if (typeof timestamp !== "number" || !Number.isFinite(timestamp)) throw unauthorized("jwt_verification", JWT_MESSAGE);
    if (queryHash !== undefined && typeof queryHash !== "string") throw unauthorized("invalid_query_payload", "query_hash must be a string");
    if (alg !== undefined && alg !== "SHA512") throw unauthorized("invalid_query_payload", "query_hash_alg must be SHA512");
    if (!this.fresh(timestamp)) throw unauthorized("expired_jwt", "만료된 JWT 토큰입니다. (timestamp outside the accepted window)");
    this.rememberNonce(nonce);
    return { accessKey, nonce, timestamp, ...(queryHash !== undefined ? { queryHash } : {}) };
  }

  /** `query_hash` must match one accepted form of the parameters; required when there are any. */
  checkQueryHash(claims: VerifiedClaims, paramStrings: readonly string[]): void {
    if (claims.queryHash === undefined) {
      if (paramStrings.some((s) => s.length > 0)) throw unauthorized("invalid_query_payload", "query_hash is required for a request with parameters");
      return;
    }
    const candidates = paramStrings.length > 0 ? paramStrings : [""];
    if (!candidates.some((s) => sha512Hex(s) === claims.queryHash)) throw unauthorized("invalid_query_payload", "query_hash does not match the parameters sent");
  }

  private fresh(timestamp: number): boolean {
    const { windowMs, wallClock, simClock, speed } = this.options;
    return Math.abs(timestamp - wallClock.now()) <= windowMs || Math.abs(timestamp - simClock.now()) <= windowMs * speed;
  }

  private rememberNonce(nonce: string): void {
    const now = this.options.wallClock.now();
    if (this.nonces.has(nonce)) throw unauthorized("nonce_used", "이미 사용된 nonce 입니다. (nonce already used)");
    this.nonces.set(nonce, now);
    const capacity = this.options.nonceCapacity ?? DEFAULT_NONCE_CAPACITY;
    for (const [n, seen] of this.nonces) {
      if (this.nonces.size <= capacity && now - seen < NONCE_TTL_MS) break;
      this.nonces.delete(n);
    }
  }
}
