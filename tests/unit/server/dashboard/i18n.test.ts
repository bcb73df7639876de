import { afterEach, describe, expect, it } from "vitest";
import { listAudit } from "../../../../src/db/index.ts";
import { formatDuration, formatKrw, formatKst, formatPercent, formatPrice, formatPriceKrw, formatVolume, kstDay } from "../../../../views/format.ts";
import { messageKeys, translator } from "../../../../views/i18n.ts";
import { harness, T0, textOf, type Harness } from "./support.ts";

let h: Harness;
afterEach(() => h?.close());

describe("messages", () => {
  it("has every message in Korean and English, with the same placeholders", () => {
    const ko = translator("ko");
    const en = translator("en");
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of messageKeys()) {
      expect(ko(key).length, key).toBeGreaterThan(0);
      expect(en(key).length, key).toBeGreaterThan(0);
      expect(placeholders(ko(key)), key).toEqual(placeholders(en(key)));
    }
  });

  it("fills placeholders", () => {
    expect(translator("ko")("markets.count", { shown: 3, total: 10 })).toBe("10개 중 3개");
    expect(translator("en")("markets.count", { shown: 3, total: 10 })).toBe("3 of 10");
  });
});

describe("numbers the Korean way", () => {
  it("writes KRW in whole won with separators: 원 in Korean, ₩ in English", () => {
    expect(formatKrw(1_234_567.4, "ko")).toBe("1,234,567원");
    expect(formatKrw(1_234_567.5, "en")).toBe("₩1,234,568");
    expect(formatKrw(-5_000, "en")).toBe("-₩5,000");
    expect(formatKrw(5_000, "ko", { signed: true })).toBe("+5,000원");
    expect(formatKrw(-0.4, "ko", { signed: true })).toBe("0원");
    expect(formatKrw(Number.NaN, "ko")).toBe("–");
  });

  it("writes prices with their tick band's decimals and no float noise", () => {
    expect(formatPrice(95_000_000)).toBe("95,000,000");
    expect(formatPrice(0.1 + 0.2)).toBe("0.3");
    expect(formatPrice(0.12345)).toBe("0.12345"); // sub-won band: 4 decimals, +1 for averages of fills
    expect(formatPrice(0.1234)).toBe("0.1234");
    expect(formatPrice(812.5)).toBe("812.5");
    expect(formatPriceKrw(1_250, "ko")).toBe("1,250원");
    expect(formatPrice(undefined)).toBe("–");
  });

  it("writes volumes with up to 8 decimals and percentages signed", () => {
    expect(formatVolume(0.1 + 0.2)).toBe("0.3");
    expect(formatVolume(12_345.123456789)).toBe("12,345.12345679");
    expect(formatVolume(0.00000001)).toBe("0.00000001");
    expect(formatPercent(0.012345, { signed: true })).toBe("+1.23%");
    expect(formatPercent(-0.0045, { signed: true })).toBe("-0.45%");
    expect(formatPercent(-0.00001, { signed: true })).toBe("0.00%");
  });

  it("shows times in KST", () => {
    expect(formatKst(T0)).toBe("2026-11-26 12:00:00");
    expect(kstDay(Date.UTC(2026, 10, 26, 15, 30))).toBe("2026-11-27");
    expect(formatDuration(3 * 3_600_000 + 12 * 60_000, "ko")).toBe("3시간 12분");
    expect(formatDuration(45_000, "en")).toBe("45s");
  });
});

describe("language per user", () => {
  it("is Korean by default and the user's saved language otherwise", async () => {
    h = harness();
    const ko = await (await h.request("/")).text();
    expect(ko).toContain('<html lang="ko">');
    expect(textOf(ko)).toContain("총 자산");
    const en = await (await h.request("/", { lang: "en" })).text();
    expect(en).toContain('<html lang="en">');
    expect(textOf(en)).toContain("Equity");
    expect(textOf(en)).toContain("₩1,905,000");
  });

  it("switches with the language buttons: saved for the user (audited) and applied at once", async () => {
    h = harness();
    const res = await h.request("/lang", { as: "operator", form: { lang: "en", back: "/markets" } });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/markets");
    expect(h.auth.users.getUser(2)?.lang).toBe("en");
    expect(listAudit(h.handle.db, { action: "user.lang_changed" })[0]).toMatchObject({ actor: "operator", target: "operator" });
    const cookies = res.headers.getSetCookie().map((c) => c.split(";")[0]!).join("; ");
    expect(cookies).toContain("dash_lang=2%3Aen");
    // The stand-in session still says "ko" (as a session minted before the switch would): the cookie wins.
    const page = await (await h.request("/markets", { as: "operator", headers: { cookie: cookies } })).text();
    expect(page).toContain('<html lang="en">');
    expect(textOf(page)).toContain("Language set to English.");
  });

  it("does not carry one user's choice over to another account on the same browser", async () => {
    h = harness();
    const page = await (await h.request("/", { as: "viewer", headers: { cookie: "dash_lang=2:en" } })).text();
    expect(page).toContain('<html lang="ko">');
  });

  it("refuses an unknown language and needs the CSRF token", async () => {
    h = harness();
    expect((await h.request("/lang", { as: "viewer", form: { lang: "de" } })).status).toBe(303);
    expect(h.auth.users.getUser(1)?.lang).toBe("ko");
    expect((await h.request("/lang", { as: "viewer", form: { lang: "en" }, csrf: false })).status).toBe(403);
    expect(h.auth.users.getUser(1)?.lang).toBe("ko");
  });
});
