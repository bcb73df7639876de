import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * The few primitives sessions, tokens and CSRF need. Secrets are 32 random bytes as base64url (43
 * characters); only their SHA-256 is stored, and stored digests are compared in constant time.
 */

/** Bytes of randomness in every token, refresh token and session family id (256 bits). */
export const SECRET_BYTES = 32;

/** n random bytes; injected so tests can pin values (defaults to the platform CSPRNG). */
export type RandomBytes = (byteLength: number) => Uint8Array;

export const cryptoRandom: RandomBytes = (n) => crypto.getRandomValues(new Uint8Array(n));

/** A fresh secret: SECRET_BYTES random bytes, base64url without padding. */
export function newSecret(random: RandomBytes = cryptoRandom): string {
  const bytes = random(SECRET_BYTES);
  if (bytes.length < SECRET_BYTES) throw new Error(`random() returned ${bytes.length} bytes, need ${SECRET_BYTES}`);
  return Buffer.from(bytes).toString("base64url");
}

/** SHA-256 of a secret as hex: what the database keeps instead of the secret. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Constant-time equality of two hex digests of the same algorithm (false when lengths differ). */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** HMAC-SHA256 of `data` under `key`, base64url. */
export function hmacBase64url(key: string | Uint8Array, data: string): string {
  return createHmac("sha256", key).update(data, "utf8").digest("base64url");
}
