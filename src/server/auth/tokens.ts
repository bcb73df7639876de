import type { Origin } from "../../core/messages.ts";
import {
  findApiTokenByName,
  getApiToken,
  insertApiToken,
  listApiTokens,
  parseScopes,
  recordAudit,
  revokeApiToken,
  toApiTokenInfo,
  touchApiToken,
  type ApiTokenInfo,
  type Db,
} from "../../db/index.ts";
import type { Clock } from "../../ports/clock.ts";
import { SCOPES, type Principal, type Scope } from "../env.ts";
import { ApiError } from "../errors.ts";
import { tokenAuthenticator, type NamedToken } from "../middleware/auth.ts";
import { cryptoRandom, digestsEqual, newSecret, sha256Hex, type RandomBytes } from "./crypto.ts";
import { isScope } from "./roles.ts";

/**
 * Scoped, revocable API tokens for machines. A token reads `bkt_<id>_<secret>`: the id finds the
 * row, the secret's SHA-256 is compared with the stored one in constant time. The plaintext is
 * returned once, by `createToken`, and never stored or shown again. The bootstrap tokens
 * (`API_TOKEN`, named `api-token`) still work next to them, with scope admin.
 */

const TOKEN_RE = /^bkt_(\d{1,15})_([A-Za-z0-9_-]{43})$/;

/** Token names: what the audit log shows as "who". */
export const TOKEN_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TOKEN_NAME_HINT = "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit";

export interface NewTokenInput {
  readonly name: string;
  readonly scopes: readonly Scope[];
  /** Optional end of validity (epoch ms). */
  readonly expiresAt?: number;
}

export interface CreatedToken {
  /** The plaintext: shown to the admin once, never again. */
  readonly token: string;
  readonly info: ApiTokenInfo;
}

export type { ApiTokenInfo };

export class TokenService {
  readonly #bootstrap: (presented: string) => Principal | undefined;
  readonly #bootstrapNames: ReadonlySet<string>;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    bootstrapTokens: readonly NamedToken[] = [],
    private readonly random: RandomBytes = cryptoRandom,
  ) {
    this.#bootstrap = tokenAuthenticator(bootstrapTokens);
    this.#bootstrapNames = new Set(bootstrapTokens.map((t) => t.name));
  }

  /** Creates a token and returns its plaintext once. Names are unique (revoked ones included). */
  createToken(input: NewTokenInput, origin: Origin): CreatedToken {
    const fields: Record<string, string[]> = {};
    if (!TOKEN_NAME_RE.test(input.name)) fields.name = [TOKEN_NAME_HINT];
    else if (this.#bootstrapNames.has(input.name)) fields.name = ["reserved for a bootstrap token"];
    const scopes = [...new Set(input.scopes)];
    if (scopes.length === 0 || !scopes.every(isScope)) fields.scopes = [`one or more of ${SCOPES.join(", ")}`];
    const now = this.clock.now();
    if (input.expiresAt !== undefined && (!Number.isSafeInteger(input.expiresAt) || input.expiresAt <= now)) fields.expiresAt = ["a time in the future (epoch ms)"];
    if (Object.keys(fields).length > 0) throw new ApiError(400, "invalid_request", "invalid token data", { fields });
    const secret = newSecret(this.random);
    return this.db.transaction((tx) => {
      if (findApiTokenByName(tx, input.name)) throw new ApiError(409, "conflict", "a token with this name exists", { fields: { name: ["already taken"] } });
      const row = insertApiToken(tx, { name: input.name, tokenHash: sha256Hex(secret), scopes, createdBy: origin.by, expiresAt: input.expiresAt }, now);
      recordAudit(tx, { actor: origin.by, action: "token.created", target: row.name, details: { id: row.id, scopes }, source: origin.source }, now);
      return { token: `bkt_${row.id}_${secret}`, info: toApiTokenInfo(row) };
    });
  }

  listTokens(): ApiTokenInfo[] {
    return listApiTokens(this.db);
  }

  /** Revokes a token at once (the next request with it is refused). 404 when unknown, false when already revoked. */
  revokeToken(id: number, origin: Origin): boolean {
    const now = this.clock.now();
    return this.db.transaction((tx) => {
      const row = getApiToken(tx, id);
      if (!row) throw new ApiError(404, "not_found", "no such token");
      const revoked = revokeApiToken(tx, id, now);
      if (revoked) recordAudit(tx, { actor: origin.by, action: "token.revoked", target: row.name, details: { id }, source: origin.source }, now);
      return revoked;
    });
  }

  /** The principal a presented bearer credential stands for, or undefined when it is not valid now. */
  authenticate(presented: string): Principal | undefined {
    const m = TOKEN_RE.exec(presented);
    if (!m) return this.#bootstrap(presented);
    const row = getApiToken(this.db, Number(m[1]));
    // The digest is computed and compared whether or not the row exists, to keep the timing flat.
    const matches = digestsEqual(sha256Hex(m[2]!), row?.tokenHash ?? "00".repeat(32));
    const now = this.clock.now();
    if (!row || !matches || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) return undefined;
    touchApiToken(this.db, row.id, now);
    return { kind: "token", name: row.name, scopes: parseScopes(row.scopes).filter(isScope) };
  }
}
