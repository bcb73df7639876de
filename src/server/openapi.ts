import type { Handler, Hono } from "hono";
import { z } from "zod";
import { requireRole } from "./auth/middleware.ts";
import { ROLE_SCOPE } from "./auth/roles.ts";
import { COOKIE_NAMES } from "./auth/cookies.ts";
import type { AppEnv, Role } from "./env.ts";

/**
 * The JSON API's route registry and its OpenAPI 3.1 document. Every `/api/v1` route is added
 * through `ApiRoutes.add`, which mounts the handler behind `requireRole(spec.role)` and records
 * the spec, so a route cannot exist without its role check or its documentation. The document is
 * built from the same zod schemas the handlers validate with (`z.toJSONSchema`).
 */

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

export interface ApiRouteSpec {
  readonly method: HttpMethod;
  /** Hono-style path below the API prefix: `/actors/:market/pause`. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /** The weakest role (or the token scope of the same rank) allowed to call it. */
  readonly role: Role;
  /** Path parameters (an object schema, one key per `:name`). */
  readonly params?: z.ZodObject;
  /** Query parameters (an object schema). */
  readonly query?: z.ZodObject;
  /** JSON request body. */
  readonly body?: z.ZodType;
  /** The success answer's body (omit for 204). */
  readonly response?: z.ZodType;
  /** Success status (200 by default). */
  readonly status?: 200 | 201 | 204;
  readonly responseDescription?: string;
  /** Error statuses beyond the ones every route has (400 for input, 401, 403). */
  readonly errors?: readonly number[];
  /** The audit action the route records, when it changes something. */
  readonly audit?: string;
}

export class ApiRoutes {
  readonly #specs: ApiRouteSpec[] = [];

  constructor(
    private readonly app: Hono<AppEnv>,
    /** `/api/v1` */
    readonly prefix: string,
  ) {}

  /** Mounts `handler` at `prefix + spec.path` behind `requireRole(spec.role)` and records the spec. */
  add(spec: ApiRouteSpec, handler: Handler<AppEnv>): this {
    if (this.#specs.some((s) => s.method === spec.method && s.path === spec.path)) throw new Error(`ApiRoutes: ${spec.method.toUpperCase()} ${spec.path} added twice`);
    this.app.on(spec.method.toUpperCase(), this.prefix + spec.path, requireRole(spec.role), handler);
    this.#specs.push(spec);
    return this;
  }

  specs(): readonly ApiRouteSpec[] {
    return this.#specs;
  }
}

/** The one error shape of the API (src/server/errors.ts). */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.record(z.string(), z.array(z.string())).optional(),
  }),
});

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const out = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  delete out.$schema;
  return out;
}

/** `/actors/:market` -> `/actors/{market}` */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
}

function operationId(spec: ApiRouteSpec): string {
  const words = spec.path
    .split("/")
    .filter(Boolean)
    .map((w) => (w.startsWith(":") ? `by-${w.slice(1)}` : w))
    .join("-")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return spec.method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
}

function parameters(schema: z.ZodObject | undefined, where: "path" | "query"): JsonSchema[] {
  if (!schema) return [];
  const s = jsonSchema(schema, "input");
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => {
    const { description, ...rest } = p;
    return { name, in: where, required: where === "path" || required.has(name), schema: rest, ...(description ? { description } : {}) };
  });
}

const MUTATING = new Set<HttpMethod>(["post", "put", "patch", "delete"]);

const ERROR_TEXT: Readonly<Record<number, string>> = {
  400: "Invalid input; `error.fields` names each bad field",
  401: "Not authenticated (missing, wrong, revoked or expired credential)",
  403: "Authenticated but not allowed (role or scope too low), or a cookie request without a valid CSRF token",
  404: "No such resource",
  409: "Refused in the current state (`error.message` says why)",
  413: "Request body too large",
  503: "Not available in this configuration",
};

function operation(spec: ApiRouteSpec): JsonSchema {
  const scope = ROLE_SCOPE[spec.role];
  const mutating = MUTATING.has(spec.method);
  const params = [...parameters(spec.params, "path"), ...parameters(spec.query, "query")];
  if (mutating) {
    params.push({
      name: "X-CSRF-Token",
      in: "header",
      required: false,
      description: "Required when authenticating with the session cookie (the page's CSRF token); not used with a bearer token.",
      schema: { type: "string" },
    });
  }
  const status = spec.status ?? 200;
  const errorResponse = (code: number) => [String(code), { description: ERROR_TEXT[code] ?? "Error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } }];
  const errorCodes = new Set<number>([401, 403, ...(spec.params || spec.query || spec.body ? [400] : []), ...(spec.body ? [413] : []), ...(spec.errors ?? [])]);
  return {
    operationId: operationId(spec),
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [...spec.tags],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(spec.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(spec.body, "input") } } } } : {}),
    responses: {
      [String(status)]: {
        description: spec.responseDescription ?? (status === 204 ? "Done" : "OK"),
        ...(spec.response && status !== 204 ? { content: { "application/json": { schema: jsonSchema(spec.response, "output") } } } : {}),
      },
      ...Object.fromEntries([...errorCodes].sort().map(errorResponse)),
    },
    security: [{ bearerAuth: [scope] }, { cookieAuth: [spec.role] }],
    "x-required-role": spec.role,
    "x-required-scope": scope,
    ...(spec.audit ? { "x-audit-action": spec.audit } : {}),
  };
}

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description?: string;
}

/** The OpenAPI 3.1 document for the given routes (paths are absolute: `/api/v1/...`). */
export function openApiDocument(prefix: string, specs: readonly ApiRouteSpec[], info: OpenApiInfo): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const spec of specs) (paths[openApiPath(prefix + spec.path)] ??= {})[spec.method] = operation(spec);
  const tags = [...new Set(specs.flatMap((s) => s.tags))].sort().map((name) => ({ name }));
  return {
    openapi: "3.1.0",
    info: { title: info.title, version: info.version, ...(info.description ? { description: info.description } : {}) },
    servers: [{ url: "/" }],
    tags,
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description:
            "An API token (`bkt_…`, scopes read | trade | admin, created by an admin) or the bootstrap API_TOKEN (scope admin). Scopes rank read < trade < admin; a higher scope includes the lower ones.",
        },
        cookieAuth: {
          type: "apiKey",
          in: "cookie",
          name: COOKIE_NAMES.access,
          description:
            "The dashboard session (log in at /login; `__Host-` prefixed over HTTPS). Roles rank viewer < operator < admin. Requests that change something must send the X-CSRF-Token header.",
        },
      },
      schemas: { Error: jsonSchema(errorBodySchema, "output") },
    },
  };
}
