import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import { openDb, type DbHandle } from "../../../../src/db/index.ts";
import { Metrics } from "../../../../src/metrics/index.ts";
import { createAuth, type Auth, type AuthOptions } from "../../../../src/server/auth/index.ts";
import type { Role } from "../../../../src/server/env.ts";
import { API_TOKEN_NAME, createApp, SecretsBox, type AppDeps } from "../../../../src/server/index.ts";
import { captureLogger, CLIENT_IP, FakeControl } from "../support.ts";

export { CLIENT_IP };

/** The bootstrap token of these tests (scope admin). */
export const BOOT_TOKEN = "boot-token-7d1e0c5b9a2f4e83b6c1";
export const PASSWORD = "correct horse battery staple";
/** 32 bytes, base64 (the SECRETS_KEY form). */
export const SECRETS_KEY = new Uint8Array(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256));

/** argon2id with test-sized cost: the same algorithm and code path, ~0.2 ms instead of ~50 ms. */
export const CHEAP_HASHING = { memoryCost: 64, timeCost: 1 };

/**
 * Cookies as a browser keeps them: Set-Cookie answers update the jar (Max-Age=0 deletes), and
 * every request sends what the jar holds. Attributes are kept for the assertions.
 */
export class CookieJar {
  readonly values = new Map<string, string>();
  readonly attributes = new Map<string, string>();

  update(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";").map((s) => s.trim());
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const deleted = attrs.some((a) => /^max-age=0$/i.test(a)) || value === "";
      if (deleted) {
        this.values.delete(name);
        this.attributes.delete(name);
      } else {
        this.values.set(name, decodeURIComponent(value));
        this.attributes.set(name, attrs.join("; "));
      }
    }
  }

  header(): string {
    return [...this.values].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("; ");
  }

  clone(): CookieJar {
    const jar = new CookieJar();
    for (const [k, v] of this.values) jar.values.set(k, v);
    for (const [k, v] of this.attributes) jar.attributes.set(k, v);
    return jar;
  }
}

export interface Session {
  readonly jar: CookieJar;
  /** The CSRF token pages would carry (from GET /api/v1/me's context: read via a test page). */
  csrf: string;
}

export interface AuthHarness {
  readonly app: ReturnType<typeof createApp>;
  readonly auth: Auth;
  readonly secrets: SecretsBox;
  readonly control: FakeControl;
  readonly handle: DbHandle;
  readonly clock: SimulatedClock;
  readonly log: ReturnType<typeof captureLogger>;
  /** Every response body the app produced (for the leak checks). */
  readonly bodies: string[];
  /** A raw request: peer address bound; cookies from `jar`, the updated jar after it. */
  request(path: string, init?: RequestInit & { jar?: CookieJar; bearer?: string }): Promise<Response>;
  /** Creates a user with the test password and the given role. */
  user(name: string, role: Role): Promise<number>;
  /** Logs in through the form (GET /login, POST /login) and returns the session's cookies and CSRF token. */
  login(name: string, password?: string): Promise<Session>;
  close(): void;
}

/** A page that shows the request's auth context, mounted for the tests through `extraRoutes`. */
export const PROBE_PATH = "/test/probe";

export function authHarness(over: { app?: Partial<AppDeps>; auth?: Partial<AuthOptions>; secretsKey?: Uint8Array | null } = {}): AuthHarness {
  const dir = mkdtempSync(join(tmpdir(), "auth-"));
  const handle = openDb({ path: join(dir, "bot.db") });
  const control = new FakeControl();
  const clock = new SimulatedClock(1_700_000_000_000);
  const log = captureLogger();
  const auth = createAuth({
    db: handle.db,
    clock,
    logger: log.logger,
    sessionSecret: "test-session-secret-0123456789abcdef",
    bootstrapTokens: [{ name: API_TOKEN_NAME, token: BOOT_TOKEN }],
    passwordHashing: CHEAP_HASHING,
    ...over.auth,
  });
  const secrets = new SecretsBox({ db: handle.db, clock, key: over.secretsKey === null ? undefined : (over.secretsKey ?? SECRETS_KEY) });
  const app = createApp({
    control,
    db: handle.db,
    metrics: new Metrics({ defaultMetrics: false }),
    clock,
    logger: log.logger,
    auth,
    secrets,
    ...over.app,
    extraRoutes: (a, context) => {
      a.get(PROBE_PATH, (c) => c.json({ principal: c.get("principal") ?? null, csrfToken: c.get("csrfToken"), cspNonce: c.get("cspNonce"), authMethod: c.get("authMethod") ?? null }));
      over.app?.extraRoutes?.(a, context);
    },
  });
  const bodies: string[] = [];
  const env = { server: { requestIP: () => ({ address: CLIENT_IP }) } };
  const request: AuthHarness["request"] = async (path, init = {}) => {
    const { jar, bearer, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (jar && jar.values.size > 0) headers.set("Cookie", jar.header());
    if (bearer !== undefined) headers.set("Authorization", `Bearer ${bearer}`);
    const res = await app.request(path, { ...rest, headers }, env);
    jar?.update(res);
    bodies.push(await res.clone().text());
    return res;
  };
  const h: AuthHarness = {
    app,
    auth,
    secrets,
    control,
    handle,
    clock,
    log,
    bodies,
    request,
    user: async (name, role) => (await auth.users.createUser({ name, password: PASSWORD, role }, { by: "test" })).id,
    login: async (name, password = PASSWORD) => {
      const jar = new CookieJar();
      const form = await request("/login", { jar, headers: { Accept: "text/html" } });
      const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
      if (!token) throw new Error("login form without a CSRF token");
      const res = await request("/login", { method: "POST", jar, body: new URLSearchParams({ name, password, _csrf: token, next: "/" }) });
      if (res.status !== 303) throw new Error(`login failed: ${res.status}`);
      const probe = (await (await request(PROBE_PATH, { jar })).json()) as { csrfToken: string };
      if (!probe.csrfToken) throw new Error("no CSRF token after login");
      return { jar, csrf: probe.csrfToken };
    },
    close: () => {
      handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** Fills a login form: GET /login for its token and cookie, then POST the fields. */
export async function postLogin(h: AuthHarness, fields: { name: string; password: string; next?: string }, jar = new CookieJar(), headers: Record<string, string> = {}): Promise<Response> {
  const form = await h.request("/login", { jar, headers: { Accept: "text/html", ...headers } });
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
  return h.request("/login", { method: "POST", jar, headers, body: new URLSearchParams({ ...fields, next: fields.next ?? "/", _csrf: token }) });
}
