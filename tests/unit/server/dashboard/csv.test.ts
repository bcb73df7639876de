import { afterEach, describe, expect, it } from "vitest";
import { recordOrderIntent } from "../../../../src/db/index.ts";
import { csvField, csvRow, exportFilename } from "../../../../src/server/dashboard/csv.ts";
import { harness, T0, type Harness } from "./support.ts";

let h: Harness;
afterEach(() => h?.close());

describe("CSV fields", () => {
  it("quotes commas, quotes and line breaks (RFC 4180)", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\rhere")).toBe('"cr\rhere"');
    expect(csvField("비트코인")).toBe("비트코인");
  });

  it("keeps spreadsheet formulas from running (CSV injection)", () => {
    expect(csvField("=HYPERLINK(\"http://evil\")")).toBe("\"'=HYPERLINK(\"\"http://evil\"\")\"");
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("-2+3")).toBe("'-2+3");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("\tx")).toBe("'\tx");
  });

  it("writes numbers as plain decimals and leaves missing values empty", () => {
    expect(csvField(0.1 + 0.2)).toBe("0.3");
    expect(csvField(1e-7)).toBe("0.0000001");
    expect(csvField(95_000_000)).toBe("95000000");
    expect(csvField(-5)).toBe("-5");
    expect(csvField(Number.NaN)).toBe("");
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
    expect(csvField(true)).toBe("true");
    expect(csvRow(["a", 1, null])).toBe("a,1,\r\n");
  });

  it("names the file after what, which market and when (KST)", () => {
    expect(exportFilename("orders", "KRW-BTC", T0)).toBe("orders-KRW-BTC-20261126-1200.csv");
    expect(exportFilename("fills", undefined, T0)).toBe("fills-20261126-1200.csv");
    expect(exportFilename("fills", '"; evil', T0)).toBe("fills-20261126-1200.csv");
  });
});

describe("GET /orders.csv and /fills.csv", () => {
  it("exports the orders of the filter as an attachment, BOM first, header, one row per order", async () => {
    h = harness();
    recordOrderIntent(h.handle.db, { clientOrderId: "q1", market: "KRW-BTC", side: "bid", type: "limit", price: 90_000_000, volume: 0.001, priority: 2, reason: '=cmd|"/c calc"!A1, "quoted"' }, T0);
    const res = await h.request("/orders.csv?market=KRW-BTC&sort=created_asc");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="orders-KRW-BTC-20261126-1200.csv"');
    expect(res.headers.get("cache-control")).toBe("no-store");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 BOM: spreadsheets read the Korean text right
    const text = new TextDecoder().decode(bytes); // (the decoder drops the BOM)
    const lines = text.split("\r\n");
    expect(lines[0]).toBe("id,created_at_ms,created_kst,market,side,type,state,price,volume,executed_volume,executed_funds,paid_fee,reason,client_order_id,exchange_order_id,last_error");
    expect(lines.slice(1, -1)).toHaveLength(3);
    expect(lines[1]).toMatch(/^1,\d+,2026-11-18 04:00:00,KRW-BTC,bid,limit,filled,91000000,0.01,0.01,910000,364,entry,b1,C1,$/);
    expect(lines[3]).toContain(`,"'=cmd|""/c calc""!A1, ""quoted""",q1,,`);
    expect(lines.at(-1)).toBe("");
  });

  it("exports the fills", async () => {
    h = harness();
    const text = await (await h.request("/fills.csv?side=ask")).text();
    const lines = text.trim().split("\r\n");
    expect(lines[0]).toBe("id,ts_ms,time_kst,market,side,price,volume,funds,fee,exchange_order_id");
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^2,\d+,2026-11-22 08:00:05,KRW-BTC,ask,94000000,0.01,940000,376,C2$/)]);
  });

  it("streams large exports a page at a time", async () => {
    h = harness();
    for (let i = 0; i < 1_050; i++) recordOrderIntent(h.handle.db, { clientOrderId: `bulk${i}`, market: "KRW-ETH", side: "bid", type: "limit", price: 5_000_000, volume: 0.01, priority: 2, reason: "bulk" }, T0 + i);
    const text = await (await h.request("/orders.csv?market=KRW-ETH")).text();
    expect(text.trim().split("\r\n")).toHaveLength(1 + 1_051); // more than one page (1,000) of the repo
  });

  it("is for logged-in users only", async () => {
    h = harness();
    expect((await h.request("/orders.csv", { as: null, headers: { accept: "text/csv" } })).status).toBe(401);
  });
});
