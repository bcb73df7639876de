import { z } from "zod";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USER_NAME_HINT, USER_NAME_RE } from "../../config/schema.ts";
import { originOf } from "../auth/middleware.ts";
import { effectiveRole } from "../auth/roles.ts";
import type { Auth } from "../auth/service.ts";
import { LANGS, ROLES, SCOPES } from "../env.ts";
import { ApiError } from "../errors.ts";
import type { ApiRoutes } from "../openapi.ts";
import { SECRET_KEY_RE, SECRET_MAX_LENGTH, type SecretsBox } from "../secrets.ts";
import { idParam, idPathParams, parseBody } from "../validation.ts";

export interface AccessRouteDeps {
  readonly auth: Auth;
  readonly secrets: SecretsBox;
}

const role = z.enum(ROLES, { error: `one of ${ROLES.join(", ")}` });
const lang = z.enum(LANGS, { error: `one of ${LANGS.join(", ")}` });
const password = z.string().min(PASSWORD_MIN_LENGTH, `at least ${PASSWORD_MIN_LENGTH} characters`).max(PASSWORD_MAX_LENGTH, `at most ${PASSWORD_MAX_LENGTH} characters`);

export const newUserBody = z.object({ name: z.string().regex(USER_NAME_RE, USER_NAME_HINT), password, role, lang: lang.optional() }).strict();
export const userPatchBody = z
  .object({ role: role.optional(), lang: lang.optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((b) => b.role !== undefined || b.lang !== undefined || b.disabled !== undefined, "give role, lang or disabled");
export const passwordBody = z.object({ password }).strict();
export const mePatchBody = z.object({ lang }).strict();
export const newTokenBody = z
  .object({
    name: z.string().min(1).max(64),
    scopes: z.array(z.enum(SCOPES, { error: `one of ${SCOPES.join(", ")}` })).min(1, "at least one scope"),
    expiresAt: z.number().int().positive().optional().meta({ description: "end of validity, epoch ms" }),
  })
  .strict();
export const secretBody = z.object({ value: z.string().min(1).max(SECRET_MAX_LENGTH) }).strict();
const secretKeyParams = z.object({ key: z.string().regex(SECRET_KEY_RE).meta({ description: "secret name, e.g. bithumb.access_key" }) });

const userSchema = z.object({
  id: z.number(),
  name: z.string(),
  role,
  lang,
  disabled: z.boolean(),
  failedLogins: z.number(),
  lockedUntil: z.number().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
const tokenInfoSchema = z.object({
  id: z.number(),
  name: z.string(),
  scopes: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.number(),
  lastUsedAt: z.number().nullable(),
  expiresAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
});
const meSchema = z.object({ kind: z.enum(["user", "token"]), name: z.string(), role: role.optional(), lang: lang.optional(), scopes: z.array(z.string()).optional() });

function secretKeyParam(key: string | undefined): string {
  if (!key || !SECRET_KEY_RE.test(key)) throw new ApiError(400, "invalid_request", "invalid secret name", { fields: { key: ["lower-case letters, digits, '.', '_', ':' or '-', at most 64"] } });
  return key;
}

/**
 * Who am I (`/me`, anyone), and the admin's API over users, sessions, API tokens and stored
 * secrets (admin only). Every change is audited by the services, in the same transaction.
 * Secret values go in and never come out.
 */
export function accessRoutes(api: ApiRoutes, deps: AccessRouteDeps): void {
  const { auth, secrets } = deps;

  api.add({ method: "get", path: "/me", summary: "Who the credential belongs to, with its role or scopes", tags: ["access"], role: "viewer", response: meSchema }, (c) => {
    const p = c.get("principal")!;
    return c.json(p.kind === "user" ? { kind: p.kind, name: p.name, role: p.role, lang: p.lang } : { kind: p.kind, name: p.name, role: effectiveRole(p), scopes: p.scopes });
  });
  api.add({ method: "patch", path: "/me", summary: "Change your own page language", tags: ["access"], role: "viewer", body: mePatchBody, response: userSchema, audit: "user.lang_changed" }, async (c) => {
    const p = c.get("principal")!;
    if (p.kind !== "user") throw new ApiError(403, "forbidden", "only dashboard users have a language");
    const body = await parseBody(c, mePatchBody);
    return c.json(auth.users.setLang(p.userId, body.lang, originOf(c)));
  });

  api.add({ method: "get", path: "/users", summary: "Dashboard users and their roles", tags: ["access"], role: "admin", response: z.object({ items: z.array(userSchema) }) }, (c) =>
    c.json({ items: auth.users.listUsers() }),
  );
  api.add(
    { method: "post", path: "/users", summary: "Create a user", tags: ["access"], role: "admin", body: newUserBody, status: 201, response: userSchema, errors: [409], audit: "user.created" },
    async (c) => {
      const body = await parseBody(c, newUserBody);
      return c.json(await auth.users.createUser(body, originOf(c)), 201);
    },
  );
  api.add(
    {
      method: "patch",
      path: "/users/:id",
      summary: "Change a user's role, language, or disable/enable them (disabling ends their sessions)",
      tags: ["access"],
      role: "admin",
      params: idPathParams,
      body: userPatchBody,
      response: userSchema,
      errors: [404, 409],
      audit: "user.role_changed | user.lang_changed | user.disabled | user.enabled",
    },
    async (c) => {
      const id = idParam(c);
      const body = await parseBody(c, userPatchBody);
      return c.json(auth.users.updateUser(id, body, originOf(c)));
    },
  );
  api.add(
    { method: "post", path: "/users/:id/password", summary: "Set a new password (ends the user's sessions, clears a login lock)", tags: ["access"], role: "admin", params: idPathParams, body: passwordBody, response: userSchema, errors: [404], audit: "user.password_reset" },
    async (c) => {
      const id = idParam(c);
      const body = await parseBody(c, passwordBody);
      return c.json(await auth.users.resetPassword(id, body.password, originOf(c)));
    },
  );
  api.add(
    { method: "post", path: "/users/:id/unlock", summary: "Clear a user's login lock early", tags: ["access"], role: "admin", params: idPathParams, response: userSchema, errors: [404], audit: "user.unlocked" },
    (c) => c.json(auth.users.unlockUser(idParam(c), originOf(c))),
  );

  api.add(
    { method: "get", path: "/sessions", summary: "Active dashboard sessions", tags: ["access"], role: "admin", response: z.object({ items: z.array(z.record(z.string(), z.unknown())) }) },
    (c) => c.json({ items: auth.sessions.listSessions() }),
  );
  api.add(
    { method: "delete", path: "/sessions/:id", summary: "End a session (its whole refresh family)", tags: ["access"], role: "admin", params: idPathParams, status: 204, errors: [404], audit: "session.revoked" },
    (c) => {
      auth.sessions.revokeSession(idParam(c), originOf(c));
      return c.body(null, 204);
    },
  );

  api.add({ method: "get", path: "/tokens", summary: "API tokens (never their values)", tags: ["access"], role: "admin", response: z.object({ items: z.array(tokenInfoSchema) }) }, (c) =>
    c.json({ items: auth.tokens.listTokens() }),
  );
  api.add(
    {
      method: "post",
      path: "/tokens",
      summary: "Create a scoped API token; the answer holds its value, shown this once",
      tags: ["access"],
      role: "admin",
      body: newTokenBody,
      status: 201,
      response: tokenInfoSchema.extend({ token: z.string() }),
      errors: [409],
      audit: "token.created",
    },
    async (c) => {
      const body = await parseBody(c, newTokenBody);
      const created = auth.tokens.createToken(body, originOf(c));
      c.header("Cache-Control", "no-store");
      return c.json({ ...created.info, token: created.token }, 201);
    },
  );
  api.add(
    { method: "delete", path: "/tokens/:id", summary: "Revoke an API token (refused from the next request on)", tags: ["access"], role: "admin", params: idPathParams, status: 204, errors: [404], audit: "token.revoked" },
    (c) => {
      auth.tokens.revokeToken(idParam(c), originOf(c));
      return c.body(null, 204);
    },
  );

  api.add(
    {
      method: "get",
      path: "/secrets",
      summary: "Which secrets are stored (names, who, when: never values) and whether storing is possible",
      tags: ["access"],
      role: "admin",
      response: z.object({ available: z.boolean(), items: z.array(z.object({ key: z.string(), updatedBy: z.string(), updatedAt: z.number() })) }),
    },
    (c) => c.json({ available: secrets.available, items: secrets.listSecrets() }),
  );
  api.add(
    { method: "put", path: "/secrets/:key", summary: "Store a secret, encrypted at rest (AES-256-GCM)", tags: ["access"], role: "admin", params: secretKeyParams, body: secretBody, status: 204, errors: [503], audit: "secret.saved" },
    async (c) => {
      const key = secretKeyParam(c.req.param("key"));
      const body = await parseBody(c, secretBody);
      secrets.saveSecret(key, body.value, originOf(c));
      return c.body(null, 204);
    },
  );
  api.add(
    { method: "delete", path: "/secrets/:key", summary: "Delete a stored secret", tags: ["access"], role: "admin", params: secretKeyParams, status: 204, errors: [404], audit: "secret.deleted" },
    (c) => {
      const key = secretKeyParam(c.req.param("key"));
      if (!secrets.deleteSecret(key, originOf(c))) throw new ApiError(404, "not_found", "no such secret");
      return c.body(null, 204);
    },
  );
}
