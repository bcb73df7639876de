import { createHash } from "node:crypto";
import { SignJWT } from "jose";
import type { Clock } from "../../../ports/clock.ts";

/**
 * Bithumb API 2.0 request signing (API.md 2 and 4.7.8): an HS256 JWT per request carrying
 * `access_key`, a fresh `nonce`, `timestamp` (ms) and, when the request has parameters, the SHA-512
 * of the exact parameter string (`query_hash`, `query_hash_alg: "SHA512"`).
 *
 * The parameter string is built by ONE function (`encodeRequest`) for both what goes on the wire
 * and what is hashed, so the two can never drift apart (`invalid_query_payload` is the price).
 */

export type ScalarParam = string | number | boolean;
export type ParamValue = ScalarParam | readonly ScalarParam[] | readonly Readonly<Record<string, unknown>>[];
/** Request parameters in the order they are sent; `undefined` values are left out. */
export type Params = Readonly<Record<string, ParamValue | undefined>>;

export type HttpMethod = "GET" | "POST" | "DELETE";

function scalarText(value: ScalarParam, key: string): string {
  if (typeof value === "number" && !Number.isFinite(value)) throw new RangeError(`parameter ${key} is not a finite number`);
  return String(value);
}

/** Characters legal unencoded in a query component that carry no meaning there (RFC 3986 pchar minus `&=+;$`). */
const KEEP_LITERAL: Readonly<Record<string, string>> = { "%3A": ":", "%2C": ",", "%40": "@", "%2F": "/", "%3F": "?" };

/**
 * Percent-encode a scalar value, leaving literal every character that is legal and meaningless in
 * a query string (`A-Z a-z 0-9 - . _ ~ ! ' ( ) * : , @ / ?`). For such values the raw query and
 * its decoded form are the same string, so the hash matches whether the server hashes what was
 * sent or what it decoded (API.md 2.3 vs 4.7.8 disagree on encoded values; UNCONFIRMED). Ids,
 * market codes, decimals and `...Z` times all stay literal; `markets=KRW-BTC,KRW-ETH` keeps its
 * documented commas.
 */
function encodeScalar(value: ScalarParam, key: string): string {
  return encodeURIComponent(scalarText(value, key)).replace(/%(3A|2C|40|2F|3F)/g, (m) => KEEP_LITERAL[m]!);
}

function isObjectItem(item: unknown): item is Readonly<Record<string, unknown>> {
  return typeof item === "object" && item !== null;
}

/**
 * `key=value&...` in insertion order. Arrays repeat the key with literal brackets
 * (`uuids[]=a&uuids[]=b`, API.md 2.3); an array of objects (`batch_orders`) writes each item as
 * its percent-encoded JSON text, the only published implementation (ccxt, API.md 4.7.8).
 */
export function encodeParams(params: Params): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value as readonly unknown[]) {
        const text = isObjectItem(item) ? encodeURIComponent(JSON.stringify(item)) : encodeScalar(item as ScalarParam, key);
        parts.push(`${key}[]=${text}`);
      }
    } else {
      parts.push(`${key}=${encodeScalar(value as ScalarParam, key)}`);
    }
  }
  return parts.join("&");
}

/** What one request sends and what its token hashes, built together. */
export interface EncodedRequest {
  /** Query string for the URL, without `?` (empty for POST). */
  readonly query: string;
  /** JSON body for POST, else undefined. */
  readonly body?: string;
  /** The string whose SHA-512 goes in `query_hash`; empty when the request has no parameters. */
  readonly hashInput: string;
}

/** Drop `undefined` entries so the JSON body and the hashed form list exactly the same keys. */
function definedOnly(params: Params): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * GET/DELETE put the parameters in the query string and hash that string; POST sends them as a
 * JSON body and hashes the body's `key=value&...` form in body key order (API.md 2.3).
 */
export function encodeRequest(method: HttpMethod, params: Params = {}): EncodedRequest {
  const encoded = encodeParams(params);
  if (method === "POST") return { query: "", body: JSON.stringify(definedOnly(params)), hashInput: encoded };
  return { query: encoded, hashInput: encoded };
}

/** Lower-case hex SHA-512, the `query_hash` format. */
export function sha512Hex(text: string): string {
  return createHash("sha512").update(text, "utf8").digest("hex");
}

/** The JWT payload, in the claim order Bithumb documents. */
export interface JwtClaims {
  readonly access_key: string;
  readonly nonce: string;
  readonly timestamp: number;
  readonly query_hash?: string;
  readonly query_hash_alg?: "SHA512";
}

/** Claims for one request; `query_hash` only when there are parameters (API.md 2.2). */
export function buildClaims(accessKey: string, nonce: string, timestamp: number, hashInput = ""): JwtClaims {
  const base = { access_key: accessKey, nonce, timestamp };
  if (hashInput === "") return base;
  return { ...base, query_hash: sha512Hex(hashInput), query_hash_alg: "SHA512" };
}

/** The HMAC key: the secret's raw UTF-8 bytes (not base64-decoded, API.md 2.1). */
export function importSecret(secretKey: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", new TextEncoder().encode(secretKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

/** An HS256 JWT over `claims`, header `{"alg":"HS256","typ":"JWT"}`. */
export async function signJwt(claims: JwtClaims, secretKey: string | CryptoKey): Promise<string> {
  const key = typeof secretKey === "string" ? await importSecret(secretKey) : secretKey;
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(key);
}

export interface SignerOptions {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly clock: Clock;
  /** Unique per request; defaults to a random UUID v4 (API.md 2.2). */
  readonly nonce?: () => string;
}

/** Signs requests with one key pair. A fresh token per request: nonce and timestamp never repeat. */
export class BithumbSigner {
  private readonly accessKey: string;
  /** Imported once: re-importing the secret per request was most of the signing cost. */
  private readonly key: Promise<CryptoKey>;
  private readonly clock: Clock;
  private readonly nonce: () => string;

  constructor(options: SignerOptions) {
    if (!options.accessKey || !options.secretKey) throw new RangeError("Bithumb signing needs both an access key and a secret key");
    this.accessKey = options.accessKey;
    this.key = importSecret(options.secretKey);
    this.clock = options.clock;
    this.nonce = options.nonce ?? (() => crypto.randomUUID());
  }

  /** A JWT for a request whose parameter string is `hashInput` (empty: no parameters). */
  async token(hashInput = ""): Promise<string> {
    const claims = buildClaims(this.accessKey, this.nonce(), this.clock.now(), hashInput);
    return signJwt(claims, await this.key);
  }

  /** The `Authorization` header value. */
  async authorization(hashInput = ""): Promise<string> {
    return `Bearer ${await this.token(hashInput)}`;
  }
}
