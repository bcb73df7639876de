import { afterEach, describe, expect, it } from "vitest";
import { recordOrderIntent } from "../../../../src/db/index.ts";
import { harness, T0, textOf, type Harness } from "./support.ts";

let h: Harness;
afterEach(() => h?.close());

const PAGES = ["/", "/markets", "/markets/KRW-BTC", "/positions", "/orders", "/orders?view=fills", "/actors", "/backtests", "/settings"];
const ROLES = ["viewer", "operator", "admin"] as const;

/** The nonce the response's CSP allows. */
function cspNonce(res: Response): string {
  const csp = res.headers.get("content-security-policy") ?? "";
  const m = /'nonce-([^']+)'/.exec(csp);
  if (!m) throw new Error(`no nonce in CSP: ${csp}`);
  return m[1]!;
}

/** The `action` of every POST form on a page. */
function postActions(html: string): string[] {
  return [...html.matchAll(/<form method="post" action="([^"]+)"/g)].map((m) => m[1]!);
}

describe("every page, every role", () => {
  it.each(ROLES)("renders for a %s: doctype, CSP nonce on every script, no inline code", async (role) => {
    h = harness();
    for (const path of PAGES) {
      const res = await h.request(path, { as: role });
      expect(res.status, path).toBe(200);
      expect(res.headers.get("cache-control"), path).toBe("no-store");
      const html = await res.text();
      expect(html.startsWith("<!DOCTYPE html><html lang=\"ko\">"), path).toBe(true);
      const nonce = cspNonce(res);
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(scripts.length, path).toBeGreaterThanOrEqual(3);
      for (const tag of scripts) expect(tag, path).toContain(`nonce="${nonce}"`);
      // No inline handlers, hx-on, javascript: URLs or style attributes (the CSP would block them).
      // (Inside tags only: escaped text may well read "onerror=".)
      expect(html, path).not.toMatch(/<[^>]*\s(on[a-z]+|hx-on[:\w-]*)=/i);
      expect(html, path).not.toMatch(/<[^>]*javascript:/i);
      expect(html, path).not.toMatch(/<[^>]*\sstyle="/);
      expect(html, path).toContain('name="htmx-config"');
      expect(html, path).toContain("includeIndicatorCSS&quot;:false");
    }
  });

  it("shows a viewer no control that changes anything (only the language switch and logout)", async () => {
    h = harness();
    for (const path of PAGES) {
      const html = await (await h.request(path, { as: "viewer" })).text();
      expect(postActions(html).filter((a) => a !== "/lang" && a !== "/logout"), path).toEqual([]);
      expect(html, path).not.toContain("/confirm/");
      expect(html, path).not.toMatch(/hx-post="\/(markets|trading|settings|backtests)/);
    }
  });

  it("shows an operator the trading controls but no settings forms", async () => {
    h = harness();
    const overview = await (await h.request("/", { as: "operator" })).text();
    expect(postActions(overview)).toContain("/trading/pause");
    expect(overview).toContain('href="/confirm/flatten-all"');
    const markets = await (await h.request("/markets", { as: "operator" })).text();
    expect(postActions(markets)).toEqual(expect.arrayContaining(["/markets/KRW-BTC/pause", "/markets/KRW-XRP/resume"]));
    const positions = await (await h.request("/positions", { as: "operator" })).text();
    expect(positions).toContain('href="/confirm/flatten/KRW-ETH"');
    const backtests = await (await h.request("/backtests", { as: "operator" })).text();
    expect(postActions(backtests)).toContain("/backtests");
    const settings = await (await h.request("/settings", { as: "operator" })).text();
    expect(postActions(settings).filter((a) => a.startsWith("/settings"))).toEqual([]);
    expect(settings).toContain("readonly");
  });

  it("gives an admin every settings form", async () => {
    h = harness();
    const html = await (await h.request("/settings", { as: "admin" })).text();
    expect(postActions(html)).toEqual(expect.arrayContaining(["/settings/strategy", "/settings/risk", "/settings/keys", "/settings/users", "/settings/tokens", "/settings/alerts"]));
  });

  it("sends a visitor without a session to the login page, and back afterwards", async () => {
    h = harness();
    const res = await h.request("/markets?q=BTC", { as: null });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/login?next=${encodeURIComponent("/markets?q=BTC")}`);
  });

  it("answers an unknown market with a 404 page", async () => {
    h = harness();
    const res = await h.request("/markets/KRW-NOPE");
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("KRW-NOPE");
    expect((await h.request("/markets/not-a-market")).status).toBe(404);
  });
});

describe("overview", () => {
  it("shows equity, today's PnL, positions, fills, actor health and alerts", async () => {
    h = harness();
    const text = textOf(await (await h.request("/")).text());
    expect(text).toContain("1,905,000원"); // equity
    expect(text).toContain("+5,000원"); // today: equity - start of day
    expect(text).toContain("+0.26%");
    expect(text).toContain("KRW-ETH");
    expect(text).toContain("+19,600원"); // unrealised PnL of the ETH position
    expect(text).toContain("94,000,000"); // the BTC sell fill
    expect(text).toContain("Trading halted"); // the alert
    expect(text).toMatch(/KRW-XRP .*일시 정지 .*2/); // a paused, restarted trader needs attention
  });

  it("connects one SSE stream for its live parts", async () => {
    h = harness();
    const html = await (await h.request("/")).text();
    expect(html).toContain('hx-sse:connect="/live?topics=overview"');
    for (const id of ["ov-summary", "ov-trading", "ov-positions", "ov-fills", "ov-actors", "trading-state"]) expect(html).toContain(`id="${id}"`);
  });
});

describe("markets", () => {
  const rows = (html: string) => [...html.matchAll(/<tr id="m-(KRW-[A-Z0-9]+)"/g)].map((m) => m[1]);

  it("lists every listed market with its trader, price, change and warning", async () => {
    h = harness();
    const html = await (await h.request("/markets")).text();
    expect(rows(html)).toEqual(["KRW-BTC", "KRW-ETH", "KRW-EVIL", "KRW-XRP"]);
    const text = textOf(html);
    expect(text).toContain("95,600,000");
    expect(text).toContain("+1.23%");
    expect(text).toContain("-0.45%");
    expect(text).toMatch(/리플 .*812\.5 .*\+20\.00% .*일시 정지 .*유의/);
  });

  it("searches by code or by the name in either language, and filters", async () => {
    h = harness();
    expect(rows(await (await h.request("/markets?q=btc")).text())).toEqual(["KRW-BTC"]);
    expect(rows(await (await h.request(`/markets?q=${encodeURIComponent("이더")}`)).text())).toEqual(["KRW-ETH"]);
    expect(rows(await (await h.request("/markets?q=bitcoin")).text())).toEqual(["KRW-BTC"]);
    expect(rows(await (await h.request("/markets?filter=caution")).text())).toEqual(["KRW-XRP"]);
    expect(rows(await (await h.request("/markets?filter=holding")).text())).toEqual(["KRW-ETH"]);
    expect(rows(await (await h.request("/markets?filter=traded")).text())).toEqual(["KRW-BTC", "KRW-ETH", "KRW-XRP"]);
    expect(rows(await (await h.request("/markets?filter=attention")).text())).toEqual(["KRW-XRP"]);
  });

  it("sorts by change or price (unknown values last) and ignores values it does not know", async () => {
    h = harness();
    expect(rows(await (await h.request("/markets?sort=change_desc")).text())).toEqual(["KRW-XRP", "KRW-BTC", "KRW-ETH", "KRW-EVIL"]);
    expect(rows(await (await h.request("/markets?sort=price_asc")).text())).toEqual(["KRW-XRP", "KRW-ETH", "KRW-BTC", "KRW-EVIL"]);
    const sneaky = await h.request(`/markets?sort=${encodeURIComponent("market_asc; DROP TABLE markets")}&filter=${encodeURIComponent("' OR 1=1 --")}`);
    expect(sneaky.status).toBe(200);
    expect(rows(await sneaky.text())).toEqual(["KRW-BTC", "KRW-ETH", "KRW-EVIL", "KRW-XRP"]);
  });

  it("filters instantly with htmx: the form asks for the page and swaps the table in", async () => {
    h = harness();
    const html = await (await h.request("/markets")).text();
    expect(html).toMatch(/<form method="get" action="\/markets"[^>]*hx-get="\/markets"[^>]*hx-trigger="input changed delay:250ms, change, submit"[^>]*hx-target="#markets-table"[^>]*hx-select="#markets-table"/);
    const partial = await (await h.request("/markets?q=XRP", { htmx: true })).text();
    expect(partial).toContain('id="markets-table"');
    expect(rows(partial)).toEqual(["KRW-XRP"]);
  });
});

describe("market detail", () => {
  it("carries the chart data: candles, EMA 20/60, RSI, ATR and the fills as markers", async () => {
    h = harness();
    const html = await (await h.request("/markets/KRW-BTC")).text();
    const attr = /data-chart="([^"]*)"/.exec(html)?.[1];
    expect(attr).toBeDefined();
    const chart = JSON.parse(attr!.replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&"));
    expect(chart.ts).toHaveLength(300);
    expect(chart.periods).toEqual({ emaFast: 20, emaSlow: 60, rsi: 14, atr: 14 });
    expect(chart.emaFast.slice(0, 19).every((v: unknown) => v === null)).toBe(true);
    expect(typeof chart.emaFast[19]).toBe("number");
    expect(chart.emaSlow[58]).toBeNull();
    expect(typeof chart.emaSlow[59]).toBe("number");
    expect(chart.rsi[14]).toBeGreaterThan(0);
    expect(chart.atr[14]).toBeGreaterThan(0);
    const hour = 3_600_000;
    expect(chart.markers).toEqual([
      { ts: T0 - 200 * hour, side: "bid", price: 91_000_000, text: "B" },
      { ts: T0 - 100 * hour, side: "ask", price: 94_000_000, text: "S" },
    ]);
    expect(html).toContain('src="/static/lightweight-charts.standalone.production.');
  });

  it("shows the trader, its controls for operators, recent signals and fills", async () => {
    h = harness();
    const text = textOf(await (await h.request("/markets/KRW-BTC", { as: "operator" })).text());
    expect(text).toContain("trader:KRW-BTC");
    expect(text).toMatch(/ema_cross, rsi_ok/);
    expect(text).toMatch(/denied .*max_positions/);
    const html = await (await h.request("/markets/KRW-BTC", { as: "operator" })).text();
    expect(html).toContain('action="/markets/KRW-BTC/pause"');
    expect(html).toContain('href="/confirm/flatten/KRW-BTC"');
  });

  it("shows a market without a trader (listed, not traded)", async () => {
    h = harness();
    const res = await h.request("/markets/KRW-EVIL");
    expect(res.status).toBe(200);
    expect(textOf(await res.text())).toContain("트레이더 없음");
  });
});

describe("positions", () => {
  it("shows volume, average price, mark, unrealised PnL, the stop and the trailing anchor", async () => {
    h = harness();
    const text = textOf(await (await h.request("/positions")).text());
    expect(text).toMatch(/KRW-ETH .*0\.2 .*5,000,000 .*5,100,000 .*1,020,000원 .*\+19,600원 .*4,800,000 .*5,150,000/);
  });
});

describe("orders and fills", () => {
  function manyOrders(h: Harness, n: number) {
    for (let i = 0; i < n; i++) recordOrderIntent(h.handle.db, { clientOrderId: `m${i}`, market: "KRW-BTC", side: i % 2 ? "ask" : "bid", type: "limit", price: 90_000_000 + i * 1000, volume: 0.001, priority: 2, reason: "test" }, T0 + i);
  }
  const ids = (html: string) => [...html.matchAll(/<td class="num">(9[0-9],[0-9]{3},[0-9]{3})<\/td>/g)].map((m) => m[1]);

  it("pages through the orders with the sort and filters kept in the links", async () => {
    h = harness();
    manyOrders(h, 25);
    const first = await (await h.request("/orders?market=KRW-BTC&limit=20")).text();
    expect((first.match(/<tr title=|<tr>/g) ?? []).length).toBeGreaterThanOrEqual(20);
    expect(first).toContain('href="/orders?market=KRW-BTC&amp;limit=20&amp;sort=created_desc&amp;offset=20"');
    const second = await (await h.request("/orders?market=KRW-BTC&limit=20&offset=20")).text();
    expect(textOf(second)).toContain("21–27번째"); // 25 new + 2 seeded BTC orders
    expect(second).not.toContain('rel="next"');
  });

  it("filters by side and state and sorts by price", async () => {
    h = harness();
    manyOrders(h, 6);
    const asks = await (await h.request("/orders?side=ask&sort=price_asc&market=KRW-BTC")).text();
    const prices = ids(asks);
    expect(prices.length).toBeGreaterThan(0);
    expect([...prices].sort()).toEqual(prices);
    expect(textOf(asks)).not.toContain("매수 limit");
    const filled = await (await h.request("/orders?state=filled")).text();
    const table = filled.slice(filled.indexOf('id="records"'));
    expect(table).toContain("체결");
    expect(textOf(table)).not.toContain("전송 대기");
  });

  it("treats SQL in a filter as a value that matches nothing", async () => {
    h = harness();
    const res = await h.request(`/orders?market=${encodeURIComponent("KRW-BTC' OR '1'='1")}&state=${encodeURIComponent("filled' --")}&sort=${encodeURIComponent("id; DELETE FROM orders")}`);
    expect(res.status).toBe(200);
    // The bad market and state are ignored (not valid values), so every order is listed, and none was lost.
    expect(textOf(await res.text())).toContain("KRW-XRP");
    expect((await (await h.request("/orders.csv")).text()).trim().split("\r\n")).toHaveLength(5);
  });

  it("shows the fills view", async () => {
    h = harness();
    const text = textOf(await (await h.request("/orders?view=fills&sort=funds_desc")).text());
    expect(text).toMatch(/1,000,000원 .*940,000원 .*910,000원/);
  });
});

describe("actors", () => {
  it("shows the supervisor tree and each trader's state, restarts and last error", async () => {
    h = harness();
    const html = await (await h.request("/actors", { as: "operator" })).text();
    expect(html).toContain('id="actor-tree"');
    expect(textOf(html)).toMatch(/trader:KRW-XRP .*paused .*재시작 2회/);
    expect(html).toContain('id="a-KRW-XRP"');
    expect(html).toContain('action="/markets/KRW-XRP/resume"');
    expect(html).toContain('href="/confirm/flatten/KRW-ETH"'); // only a trader holding something can be flattened
    expect(html).not.toContain('href="/confirm/flatten/KRW-BTC"');
  });
});
