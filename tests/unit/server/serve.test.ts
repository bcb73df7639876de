import { afterEach, describe, expect, it } from "vitest";
import { listAudit } from "../../../src/db/index.ts";
import { baseUrl, resolveApiToken, startServer, type RunningServer } from "../../../src/server/index.ts";
import { silentLogger } from "../../../src/log.ts";
import { CLIENT_IP, ENV, harness, TOKEN, type Harness } from "./support.ts";

let h: Harness | undefined;
let servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
  h?.close();
  h = undefined;
});

describe("startServer", () => {
  it("binds loopback on a free port and serves the app over a real socket, peer address included", async () => {
    h = harness();
    const server = startServer({ app: h.app, logger: h.log.logger, port: 0 });
    servers.push(server);
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const res = await fetch(`${server.url}/api/v1/actors/KRW-BTC/pause`, { method: "POST", headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(listAudit(h.handle.db)[0]).toMatchObject({ action: "trader.pause", source: "127.0.0.1" });
    expect(h.control.calls[0]?.origin).toEqual({ by: "api-token", source: "127.0.0.1" });
    expect(h.log.lines().some((l) => l.msg === "http server listening" && l.url === server.url)).toBe(true);
  });

  it("stops listening on stop() (idempotently)", async () => {
    h = harness();
    const server = startServer({ app: h.app, logger: silentLogger() });
    await server.stop();
    await server.stop();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it("says which address it could not bind", async () => {
    h = harness();
    const first = startServer({ app: h.app, logger: silentLogger() });
    servers.push(first);
    expect(() => startServer({ app: h!.app, logger: silentLogger(), port: first.port })).toThrow(`cannot listen on http://127.0.0.1:${first.port}`);
  });

  it("refuses an idle timeout Bun cannot take", () => {
    h = harness();
    expect(() => startServer({ app: h!.app, logger: silentLogger(), idleTimeoutSeconds: 256 })).toThrow(RangeError);
    expect(() => startServer({ app: h!.app, logger: silentLogger(), idleTimeoutSeconds: -1 })).toThrow(RangeError);
  });

  it("brackets IPv6 hosts in the URL", () => {
    expect(baseUrl("::1", 8080)).toBe("http://[::1]:8080");
    expect(baseUrl("127.0.0.1", 8080)).toBe("http://127.0.0.1:8080");
  });
});

describe("client address", () => {
  const who = async (hh: Harness, headers: Record<string, string>) => {
    await hh.app.request("/api/v1/trading/pause", { method: "POST", headers: { Authorization: `Bearer ${TOKEN}`, ...headers } }, ENV);
    return listAudit(hh.handle.db, { limit: 1 })[0]?.source;
  };

  it("ignores X-Forwarded-For unless told the server is behind a proxy", async () => {
    h = harness();
    expect(await who(h, { "X-Forwarded-For": "203.0.113.9" })).toBe(CLIENT_IP);
  });

  it("behind a proxy, takes the right-most X-Forwarded-For entry (the one the proxy added)", async () => {
    h = harness({ trustProxy: true });
    expect(await who(h, { "X-Forwarded-For": "10.9.9.9, 203.0.113.9" })).toBe("203.0.113.9");
    expect(await who(h, { "X-Forwarded-For": "not an address" })).toBe(CLIENT_IP);
    expect(await who(h, {})).toBe(CLIENT_IP);
  });

  it("is `unknown` when nothing tells it", async () => {
    h = harness();
    await h.app.request("/api/v1/trading/pause", { method: "POST", headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(listAudit(h.handle.db)[0]?.source).toBe("unknown");
  });
});

describe("resolveApiToken", () => {
  const counting = () => {
    let calls = 0;
    const random = (n: number) => {
      calls++;
      return Uint8Array.from({ length: n }, (_, i) => (i * 37 + calls) & 0xff);
    };
    return { random, calls: () => calls };
  };

  it("uses the configured token and draws no randomness", () => {
    const r = counting();
    expect(resolveApiToken("configured-token-123", r.random)).toEqual({ token: "configured-token-123", generated: false });
    expect(resolveApiToken("  padded-token  ", r.random)).toEqual({ token: "padded-token", generated: false });
    expect(r.calls()).toBe(0);
  });

  it("generates a 256-bit base64url token when unset or blank", () => {
    const r = counting();
    const a = resolveApiToken(undefined, r.random);
    const b = resolveApiToken("   ", r.random);
    expect(a.generated).toBe(true);
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.token, "base64url")).toHaveLength(32);
    expect(b.generated).toBe(true);
    expect(b.token).not.toBe(a.token);
  });

  it("refuses a token with inner whitespace and a short random source", () => {
    expect(() => resolveApiToken("two words", () => new Uint8Array(32))).toThrow(/whitespace/);
    expect(() => resolveApiToken(undefined, () => new Uint8Array(8))).toThrow(/8 bytes/);
  });
});
