import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../../config/schema.ts";

/**
 * Password hashing with argon2id (Bun.password). The parameters default to OWASP's minimum for
 * argon2id (19 MiB, 2 passes, 1 lane: ~50 ms per verify here); tests pass cheaper ones.
 */

export interface PasswordHashing {
  /** Memory in KiB. */
  readonly memoryCost: number;
  /** Passes over the memory. */
  readonly timeCost: number;
}

export const DEFAULT_PASSWORD_HASHING: PasswordHashing = { memoryCost: 19_456, timeCost: 2 };

export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH };

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `at most ${PASSWORD_MAX_LENGTH} characters`;
  return undefined;
}

export class PasswordHasher {
  readonly #params: PasswordHashing;
  #dummy: Promise<string> | undefined;

  constructor(params: PasswordHashing = DEFAULT_PASSWORD_HASHING) {
    this.#params = params;
  }

  hash(password: string): Promise<string> {
    return Bun.password.hash(password, { algorithm: "argon2id", memoryCost: this.#params.memoryCost, timeCost: this.#params.timeCost });
  }

  /** False for a wrong password and for a hash that cannot be read (never throws). */
  async verify(password: string, hash: string): Promise<boolean> {
    try {
      return await Bun.password.verify(password.slice(0, PASSWORD_MAX_LENGTH + 1), hash);
    } catch {
      return false;
    }
  }

  /**
   * Spends the same work as checking a real password and answers false: used for unknown and
   * disabled users, so the time a login takes does not tell whether the name exists.
   */
  async verifyDummy(password: string): Promise<false> {
    this.#dummy ??= this.hash("dummy-password-for-timing-only");
    await this.verify(password, await this.#dummy);
    return false;
  }
}
