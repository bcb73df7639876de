import { errors, jwtVerify, SignJWT } from "jose";
import type { Clock } from "../../ports/clock.ts";

/**
 * The short-lived access token of a dashboard session: an HS256 JWT (jose) naming the user and
 * the session row. It is checked against the database on every request (so logout and disabling
 * a user take effect at once); its short life bounds what a leaked cookie is worth.
 */

export const JWT_ISSUER = "bithumb-krw-trader";
export const JWT_AUDIENCE = "dashboard";

export interface AccessClaims {
  readonly userId: number;
  readonly sessionId: number;
}

export type AccessCheck = { readonly ok: true; readonly claims: AccessClaims } | { readonly ok: false; readonly reason: "expired" | "invalid" };

export class AccessTokens {
  /** Imported once: jose would otherwise import the raw key into WebCrypto on every sign and verify. */
  readonly #key: Promise<CryptoKey>;

  constructor(
    key: Uint8Array,
    private readonly clock: Clock,
    readonly ttlMs: number,
  ) {
    if (key.length < 32) throw new Error("AccessTokens: the key must have at least 32 bytes");
    this.#key = crypto.subtle.importKey("raw", new Uint8Array(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  }

  async sign(claims: AccessClaims): Promise<{ token: string; expiresAt: number }> {
    const nowSec = Math.floor(this.clock.now() / 1000);
    const expSec = nowSec + Math.ceil(this.ttlMs / 1000);
    const token = await new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(String(claims.userId))
      .setIssuer(JWT_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .setIssuedAt(nowSec)
      .setExpirationTime(expSec)
      .sign(await this.#key);
    return { token, expiresAt: expSec * 1000 };
  }

  /** Verifies signature (HS256 only), issuer, audience and expiry against the injected clock. */
  async verify(token: string): Promise<AccessCheck> {
    try {
      const { payload } = await jwtVerify(token, await this.#key, {
        algorithms: ["HS256"],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        currentDate: new Date(this.clock.now()),
      });
      const userId = Number(payload.sub);
      const sessionId = payload.sid;
      if (!Number.isSafeInteger(userId) || typeof sessionId !== "number" || !Number.isSafeInteger(sessionId)) return { ok: false, reason: "invalid" };
      return { ok: true, claims: { userId, sessionId } };
    } catch (e) {
      return { ok: false, reason: e instanceof errors.JWTExpired ? "expired" : "invalid" };
    }
  }
}
