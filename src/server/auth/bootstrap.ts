import { cryptoRandom, type RandomBytes } from "./crypto.ts";
import type { Auth } from "./service.ts";

/** Bytes of randomness in a generated admin password (24 base64url characters, 144 bits). */
const GENERATED_PASSWORD_BYTES = 18;

export type FirstAdmin =
  | { readonly created: false }
  | {
      readonly created: true;
      readonly name: string;
      /** Set only when the password was generated: main prints it once; it is stored nowhere else. */
      readonly generatedPassword?: string;
    };

/**
 * On the first start (no user at all) creates the admin `name` with `password`, or with a random
 * password that the caller must show once. Later starts change nothing: ADMIN_PASSWORD only seeds
 * the first admin; passwords are changed from the dashboard afterwards.
 */
export async function ensureFirstAdmin(auth: Auth, options: { name: string; password?: string; random?: RandomBytes }): Promise<FirstAdmin> {
  if (auth.users.count() > 0) return { created: false };
  const generated = options.password ? undefined : Buffer.from((options.random ?? cryptoRandom)(GENERATED_PASSWORD_BYTES)).toString("base64url");
  await auth.users.createUser({ name: options.name, password: options.password ?? generated!, role: "admin", lang: "ko" }, { by: "system", source: "startup" });
  return generated ? { created: true, name: options.name, generatedPassword: generated } : { created: true, name: options.name };
}
