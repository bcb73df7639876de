import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { getSecretRow, listAudit, upsertSecret } from "../../../../src/db/index.ts";
import { createLogger, SecretList } from "../../../../src/log.ts";
import { EXCHANGE_SECRET_KEYS, isSealed, SecretsBox, SecretsUnavailableError } from "../../../../src/server/index.ts";
import { authHarness, BOOT_TOKEN, SECRETS_KEY, type AuthHarness } from "./support.ts";

let h: AuthHarness;
afterEach(() => h?.close());

const ACCESS = "bithumb-access-key-8f1c2e7a9b3d";

describe("secrets box (AES-256-GCM at rest)", () => {
  it("stores ciphertext only, with a fresh IV each time, and reads the plaintext back server-side", () => {
    h = authHarness();
    h.secrets.saveSecret(EXCHANGE_SECRET_KEYS.accessKey, ACCESS, { by: "root", source: "192.0.2.7" });
    const first = getSecretRow(h.handle.db, "bithumb.access_key")!;
    expect(JSON.stringify(first)).not.toContain(ACCESS);
    expect(Buffer.from(first.iv, "base64")).toHaveLength(12);
    expect(Buffer.from(first.ciphertext, "base64")).toHaveLength(ACCESS.length + 16);
    h.secrets.saveSecret(EXCHANGE_SECRET_KEYS.accessKey, ACCESS, "root");
    const second = getSecretRow(h.handle.db, "bithumb.access_key")!;
    expect(second.iv).not.toBe(first.iv);
    expect(second.ciphertext).not.toBe(first.ciphertext);
    expect(h.secrets.hasSecret("bithumb.access_key")).toBe(true);
    expect(h.secrets.readSecret("bithumb.access_key")).toBe(ACCESS);
    expect(h.secrets.readSecret("bithumb.secret_key")).toBeUndefined();
    expect(h.secrets.secretInfo("bithumb.access_key")).toEqual({ key: "bithumb.access_key", updatedBy: "root", updatedAt: h.clock.now() });
    expect(h.secrets.secretInfo("bithumb.secret_key")).toBeUndefined();
    const audit = listAudit(h.handle.db, { action: "secret.saved" });
    expect(audit.map((r) => r.target)).toEqual(["bithumb.access_key", "bithumb.access_key"]);
    expect(JSON.stringify(audit)).not.toContain(ACCESS);
    expect(h.secrets.deleteSecret("bithumb.access_key", { by: "root" })).toBe(true);
    expect(h.secrets.hasSecret("bithumb.access_key")).toBe(false);
    expect(h.secrets.deleteSecret("bithumb.access_key", { by: "root" })).toBe(false);
  });

  it("refuses a ciphertext moved to another name, a tampered one, and another key", () => {
    h = authHarness();
    h.secrets.saveSecret("bithumb.secret_key", "the-secret-key-value", "root");
    const row = getSecretRow(h.handle.db, "bithumb.secret_key")!;
    upsertSecret(h.handle.db, { key: "bithumb.access_key", ciphertext: row.ciphertext, iv: row.iv, updatedBy: "attacker" }, 1);
    expect(() => h.secrets.readSecret("bithumb.access_key")).toThrow();
    const bytes = Buffer.from(row.ciphertext, "base64");
    bytes[0] = bytes[0]! ^ 1;
    upsertSecret(h.handle.db, { key: "bithumb.secret_key", ciphertext: bytes.toString("base64"), iv: row.iv, updatedBy: "attacker" }, 1);
    expect(() => h.secrets.readSecret("bithumb.secret_key")).toThrow();
    h.secrets.saveSecret("bithumb.secret_key", "the-secret-key-value", "root");
    const otherKey = new SecretsBox({ db: h.handle.db, clock: h.clock, key: new Uint8Array(32).fill(7) });
    expect(() => otherKey.readSecret("bithumb.secret_key")).toThrow();
  });

  it("without SECRETS_KEY refuses to save with a clear 503, over the API too", async () => {
    h = authHarness({ secretsKey: null });
    expect(h.secrets.available).toBe(false);
    expect(() => h.secrets.saveSecret("bithumb.access_key", ACCESS, "root")).toThrow(SecretsUnavailableError);
    const res = await h.request("/api/v1/secrets/bithumb.access_key", { method: "PUT", bearer: BOOT_TOKEN, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ value: ACCESS }) });
    expect(res.status).toBe(503);
    expect((await res.json()).error).toEqual({ code: "secrets_unavailable", message: expect.stringContaining("SECRETS_KEY is not set") });
    expect(await (await h.request("/api/v1/secrets", { bearer: BOOT_TOKEN })).json()).toEqual({ available: false, items: [] });
  });

  it("over the API: values go in, never come out", async () => {
    h = authHarness();
    const put = await h.request("/api/v1/secrets/bithumb.access_key", { method: "PUT", bearer: BOOT_TOKEN, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ value: ACCESS }) });
    expect(put.status).toBe(204);
    const list = await (await h.request("/api/v1/secrets", { bearer: BOOT_TOKEN })).json();
    expect(list).toEqual({ available: true, items: [{ key: "bithumb.access_key", updatedBy: "api-token", updatedAt: h.clock.now() }] });
    expect((await h.request("/api/v1/secrets/BAD%20KEY", { method: "PUT", bearer: BOOT_TOKEN, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ value: "x" }) })).status).toBe(400);
    expect((await h.request("/api/v1/secrets/bithumb.access_key", { method: "DELETE", bearer: BOOT_TOKEN })).status).toBe(204);
    expect((await h.request("/api/v1/secrets/bithumb.access_key", { method: "DELETE", bearer: BOOT_TOKEN })).status).toBe(404);
    expect(h.bodies.join("\n")).not.toContain(ACCESS);
  });

  it("seals values for other records (alert channel configs), bound to their context", () => {
    h = authHarness();
    const sealed = h.secrets.seal("123456:telegram-bot-token", "alert_channels.3.botToken");
    expect(isSealed(sealed)).toBe(true);
    expect(isSealed("plain")).toBe(false);
    expect(sealed).not.toContain("telegram-bot-token");
    expect(h.secrets.open(sealed, "alert_channels.3.botToken")).toBe("123456:telegram-bot-token");
    expect(() => h.secrets.open(sealed, "alert_channels.4.botToken")).toThrow();
  });

  it("hands every revealed value to the log scrubber, so it never reaches a log line", () => {
    h = authHarness();
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) });
    const scrub = new SecretList(["configured-secret-123"]);
    const logger = createLogger({ secrets: scrub, destination: destination as never, format: "json" });
    const box = new SecretsBox({ db: h.handle.db, clock: h.clock, key: SECRETS_KEY, onReveal: (v) => scrub.add(v) });
    box.saveSecret("bithumb.secret_key", "saved-from-the-dashboard-42", "root");
    logger.info({ note: "saved-from-the-dashboard-42 and configured-secret-123" }, "oops");
    expect(lines.join("")).toContain("[REDACTED] and [REDACTED]");
    expect(lines.join("")).not.toContain("saved-from-the-dashboard-42");
  });
});
