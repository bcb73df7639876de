/**
 * The bootstrap API token. When `API_TOKEN` is not configured, `main` makes a random one and prints
 * it once at start-up; it is never stored, so a restart issues a new one.
 */

/** Bytes of randomness in a generated token (256 bits). */
export const GENERATED_TOKEN_BYTES = 32;

export interface ResolvedApiToken {
  readonly token: string;
  /** True when the token was just generated (main prints it once). */
  readonly generated: boolean;
}

/**
 * The configured token, or a fresh random one: 32 random bytes as base64url (43 characters, all
 * of them valid in a `Bearer` header). `random(n)` returns n random bytes; main passes
 * `n => crypto.getRandomValues(new Uint8Array(n))`.
 */
export function resolveApiToken(configured: string | undefined, random: (byteLength: number) => Uint8Array): ResolvedApiToken {
  const trimmed = configured?.trim();
  if (trimmed) {
    // A bearer credential is one header token: inner whitespace could never be sent back intact.
    if (/\s/.test(trimmed)) throw new Error("API_TOKEN must not contain whitespace");
    return { token: trimmed, generated: false };
  }
  const bytes = random(GENERATED_TOKEN_BYTES);
  if (bytes.length < GENERATED_TOKEN_BYTES) throw new Error(`resolveApiToken: random() returned ${bytes.length} bytes, need ${GENERATED_TOKEN_BYTES}`);
  return { token: Buffer.from(bytes).toString("base64url"), generated: true };
}
