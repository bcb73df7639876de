import { afterEach, describe, expect, it } from "vitest";
import { authHarness, PROBE_PATH, type AuthHarness } from "./support.ts";

let h: AuthHarness;
afterEach(() => h?.close());

const nonceOf = (csp: string | null) => /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp ?? "")?.[1];

describe("security headers", () => {
  it("send a CSP whose nonce is fresh per request and is the one pages get to use", async () => {
    h = authHarness();
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const res = await h.request(PROBE_PATH);
      const csp = res.headers.get("content-security-policy");
      const nonce = nonceOf(csp);
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/); // 16 random bytes
      expect((await res.json()).cspNonce).toBe(nonce);
      expect(csp).toBe(
        `default-src 'self'; script-src 'self' 'nonce-${nonce}'; style-src 'self' 'nonce-${nonce}'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'`,
      );
      seen.add(nonce!);
    }
    expect(seen.size).toBe(5);
  });

  it("allow no inline script without the nonce: no 'unsafe-inline', no 'unsafe-eval'", async () => {
    h = authHarness();
    for (const path of ["/login", "/healthz", "/api/v1/actors", "/no-such-page"]) {
      const csp = (await h.request(path, { headers: { Accept: "text/html" } })).headers.get("content-security-policy")!;
      expect(csp, path).toMatch(/script-src 'self' 'nonce-/);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    }
  });

  it("set nosniff, no-referrer, a Permissions-Policy, DENY framing; HSTS only over HTTPS", async () => {
    h = authHarness({ app: { trustProxy: true } });
    const res = await h.request("/healthz");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("permissions-policy")).toMatch(/camera=\(\).*geolocation=\(\).*microphone=\(\)/);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("cross-origin-opener-policy")).toBe("same-origin");
    expect(res.headers.get("strict-transport-security")).toBeNull();
    const https = await h.request("/healthz", { headers: { "X-Forwarded-Proto": "https" } });
    expect(https.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
  });

  it("ignore X-Forwarded-Proto from an untrusted client; COOKIE_SECURE=true sends HSTS always", async () => {
    h = authHarness();
    expect((await h.request("/healthz", { headers: { "X-Forwarded-Proto": "https" } })).headers.get("strict-transport-security")).toBeNull();
    h.close();
    h = authHarness({ app: { cookieSecure: "true" } });
    expect((await h.request("/healthz")).headers.get("strict-transport-security")).toMatch(/^max-age=/);
  });

  it("leave a route's own CSP alone (the sandboxed backtest report) and survive immutable redirect headers", async () => {
    h = authHarness({
      app: {
        extraRoutes: (app) => {
          app.get("/report", (c) => c.html("<p>r</p>", 200, { "Content-Security-Policy": "sandbox; default-src 'none'" }));
          app.get("/away", () => Response.redirect("http://127.0.0.1/elsewhere", 302));
        },
      },
    });
    const report = await h.request("/report");
    expect(report.headers.get("content-security-policy")).toBe("sandbox; default-src 'none'");
    expect(report.headers.get("x-content-type-options")).toBe("nosniff");
    const away = await h.request("/away");
    expect(away.status).toBe(302);
    expect(away.headers.get("content-security-policy")).toMatch(/nonce-/);
  });
});
