import { afterEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import { createStaticAssets } from "../../../../src/server/dashboard/assets.ts";
import { recordSignal } from "../../../../src/db/index.ts";
import { LiveBroadcaster, MAX_MARKET_TOPICS } from "../../../../src/server/dashboard/live.ts";
import { captureLogger } from "../support.ts";
import { harness, T0, type Harness } from "./support.ts";

let h: Harness;
afterEach(() => h?.close());

const assets = createStaticAssets().urls;

/** A broadcaster whose ticks the test runs by hand (the timer is far away), over the harness's data. */
function manual(h: Harness, heartbeatMs = 5_000) {
  const clock = new SimulatedClock(T0);
  let reads = 0;
  const counted = h.control;
  const listActors = counted.listActors.bind(counted);
  counted.listActors = () => {
    reads++;
    return listActors();
  };
  const live = new LiveBroadcaster({ sources: { control: counted, db: h.handle.db, alerts: h.alerts }, clock, logger: captureLogger().logger, assets, tickMs: 1e12, heartbeatMs });
  return { live, clock, reads: () => reads };
}

interface Message {
  readonly event?: string;
  readonly data: string;
  readonly id?: string;
}

/** An SSE frame read back: its event name, data (the `data:` lines joined) and id. */
function parseFrame(frame: Uint8Array): Message {
  const text = new TextDecoder().decode(frame);
  expect(text.endsWith("\n\n")).toBe(true);
  const lines = text.slice(0, -2).split("\n");
  const event = lines.find((l) => l.startsWith("event: "))?.slice(7);
  const id = lines.find((l) => l.startsWith("id: "))?.slice(4);
  const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
  return { event, data, id };
}

function client() {
  const got: Message[] = [];
  const frames: Uint8Array[] = [];
  return {
    got,
    frames,
    send: (frame: Uint8Array) => {
      frames.push(frame);
      got.push(parseFrame(frame));
    },
    data: () => got.filter((m) => m.event === undefined).map((m) => m.data),
  };
}

describe("the shared broadcaster", () => {
  it("reads the bot once per tick however many clients listen, and sends each the same fragments", async () => {
    h = harness();
    const { live, reads } = manual(h);
    const clients = Array.from({ length: 50 }, () => client());
    for (const c of clients) live.subscribe(["overview"], { lang: "ko", operate: false }, c.send);
    expect(clients.every((c) => c.got[0]?.event === "hello")).toBe(true);
    const before = reads();
    await live.tick();
    expect(reads() - before).toBe(1);
    expect(live.samples).toBe(1);
    const first = clients[0]!.data();
    expect(first).toHaveLength(1);
    for (const id of ["ov-summary", "ov-trading", "ov-positions", "ov-fills", "ov-actors", "trading-state"]) expect(first[0]).toContain(`id="${id}"`);
    // Each fragment is a partial addressed to its element (table parts survive htmx's parser that way).
    expect(first[0]).toContain('<hx-partial hx-target="#ov-positions" hx-swap="outerHTML"><tbody id="ov-positions">');
    expect(first[0]).not.toContain("hx-swap-oob");
    // The very same bytes, framed once, with the tick as the id.
    expect(clients.every((c) => c.frames[1] === clients[0]!.frames[1])).toBe(true);
    expect(clients[0]!.got[1]!.id).toBe("1");
    live.stop();
  });

  it("sends only what changed, and a heartbeat when there was nothing to send", async () => {
    h = harness();
    const { live, clock } = manual(h);
    const c = client();
    live.subscribe(["markets"], { lang: "ko", operate: true }, c.send);
    await live.tick();
    const full = c.data()[0]!;
    expect(full).toContain('<hx-partial hx-target="#m-KRW-BTC" hx-swap="outerHTML"><tr id="m-KRW-BTC">');
    expect(full).toContain('<hx-partial hx-target="#m-KRW-ETH" hx-swap="outerHTML"><tr id="m-KRW-ETH">');
    const renders = live.renders;
    clock.advance(1_000);
    await live.tick();
    expect(c.got).toHaveLength(2); // nothing changed, no heartbeat due yet
    expect(live.renders).toBe(renders); // and nothing was rendered again
    h.control.actors[0] = { ...h.control.actors[0]!, lastPrice: 96_100_000 };
    clock.advance(1_000);
    await live.tick();
    // A price tick replaces the price and change cells, not the row.
    const delta = c.data()[1]!;
    expect(delta).toBe('<hx-partial hx-target="#mp-KRW-BTC" hx-swap="outerHTML"><td id="mp-KRW-BTC" class="num">96,100,000</td></hx-partial>');
    // A state change replaces the row.
    h.control.actors[0] = { ...h.control.actors[0]!, state: "paused" };
    clock.advance(1_000);
    await live.tick();
    const row = c.data()[2]!;
    expect(row).toMatch(/^<hx-partial hx-target="#m-KRW-BTC" hx-swap="outerHTML"><tr id="m-KRW-BTC">[\s\S]*일시 정지[\s\S]*hx-post="\/markets\/KRW-BTC\/resume"[\s\S]*<\/tr><\/hx-partial>$/);
    expect(row).not.toContain('id="m-KRW-ETH"');
    clock.advance(4_999);
    await live.tick();
    expect(c.got.at(-1)?.event).toBeUndefined();
    clock.advance(1);
    await live.tick();
    expect(c.got.at(-1)).toMatchObject({ event: "ping", data: "" });
    live.stop();
  });

  it("renders viewers no controls and operators theirs, in each reader's language", async () => {
    h = harness();
    const { live } = manual(h);
    const viewer = client();
    const operator = client();
    const english = client();
    live.subscribe(["markets", "overview"], { lang: "ko", operate: false }, viewer.send);
    live.subscribe(["markets", "overview"], { lang: "ko", operate: true }, operator.send);
    live.subscribe(["markets"], { lang: "en", operate: false }, english.send);
    await live.tick();
    expect(viewer.data()[0]).not.toContain('method="post"');
    expect(viewer.data()[0]).not.toContain("/confirm/");
    expect(operator.data()[0]).toContain('hx-post="/markets/KRW-BTC/pause"');
    expect(operator.data()[0]).toContain('href="/confirm/flatten-all"');
    // Shared fragments carry no session's CSRF token: htmx sends it from the page's hx-headers.
    expect(operator.data()[0]).not.toContain('name="_csrf"');
    expect(viewer.data()[0]).toContain("일시 정지");
    expect(english.data()[0]).toContain("paused");
    expect(english.data()[0]).not.toContain("ov-summary");
    live.stop();
  });

  it("pushes the overview's recent alerts when a new one is raised", async () => {
    h = harness();
    const { live, clock } = manual(h);
    const c = client();
    live.subscribe(["overview"], { lang: "en", operate: false }, c.send);
    await live.tick();
    expect(c.data()[0]).toContain('<hx-partial hx-target="#ov-alerts" hx-swap="outerHTML"><div id="ov-alerts"><ul class="alerts">');
    expect(c.data()[0]).toContain("Trading halted");
    clock.advance(1_000);
    await live.tick();
    expect(c.data()).toHaveLength(1); // unchanged: nothing sent
    h.alerts.alerts.unshift({ id: 2, ts: T0, severity: "info", title: "Fill: KRW-BTC sell", text: "0.01 BTC", suppressed: false });
    clock.advance(1_000);
    await live.tick();
    const delta = c.data()[1]!;
    expect(delta).toMatch(/^<hx-partial hx-target="#ov-alerts" hx-swap="outerHTML"><div id="ov-alerts">[\s\S]*Fill: KRW-BTC sell[\s\S]*Trading halted[\s\S]*<\/div><\/hx-partial>$/);
    live.stop();
  });

  it("gives a market's page its row, trader, position, signals and fills; controls only to operators", async () => {
    h = harness();
    const { live, clock } = manual(h);
    const operator = client();
    const viewer = client();
    live.subscribe(["market:KRW-BTC"], { lang: "ko", operate: true }, operator.send);
    live.subscribe(["market:KRW-BTC"], { lang: "ko", operate: false }, viewer.send);
    expect(operator.got[0]).toMatchObject({ event: "hello", data: "header,market:KRW-BTC" });
    await live.tick();
    for (const c of [operator, viewer]) {
      const full = c.data()[0]!;
      for (const id of ["trading-state", "m-KRW-BTC", "market-actions", "market-trader", "market-position", "market-signals", "market-fills"]) expect(full).toContain(`<hx-partial hx-target="#${id}" hx-swap="outerHTML">`);
      expect(full).not.toContain("m-KRW-ETH"); // one market, not the whole list
      expect(full).toContain("ema_cross, rsi_ok"); // a signal
    }
    expect(operator.data()[0]).toContain('hx-post="/markets/KRW-BTC/pause"');
    expect(operator.data()[0]).toContain('href="/confirm/flatten/KRW-BTC"');
    expect(viewer.data()[0]).not.toMatch(/hx-post=|method="post"|href="\/confirm/);

    // The trader is paused elsewhere: the state and the buttons change on the page.
    h.control.actors[0] = { ...h.control.actors[0]!, state: "paused" };
    clock.advance(1_000);
    await live.tick();
    const [opDelta, viewDelta] = [operator.data()[1]!, viewer.data()[1]!];
    expect(opDelta).toMatch(/<hx-partial hx-target="#market-actions" hx-swap="outerHTML"><div id="market-actions" class="page-actions">[\s\S]*hx-post="\/markets\/KRW-BTC\/resume"/);
    expect(opDelta).toMatch(/<hx-partial hx-target="#market-trader" hx-swap="outerHTML"><div id="market-trader">[\s\S]*일시 정지/);
    expect(opDelta).not.toContain("market-signals"); // unchanged
    expect(viewDelta).toMatch(/<hx-partial hx-target="#market-trader" hx-swap="outerHTML"><div id="market-trader">[\s\S]*일시 정지/);
    expect(viewDelta).not.toMatch(/hx-post=|method="post"|href="\/confirm/);

    // A new signal is recorded: the signals table follows.
    recordSignal(h.handle.db, { market: "KRW-BTC", kind: "exit", reasons: ["dead_cross"], candleTs: T0, outcome: "approved" }, T0);
    clock.advance(1_000);
    await live.tick();
    expect(viewer.data()[2]).toMatch(/^<hx-partial hx-target="#market-signals" hx-swap="outerHTML"><tbody id="market-signals">[\s\S]*dead_cross/);
    live.stop();
  });

  it("follows only well-formed market topics, a few per stream", async () => {
    h = harness();
    const { live } = manual(h);
    const c = client();
    const many = ["KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-EVIL", "KRW-DOGE", "KRW-SOL"].map((m) => `market:${m}`);
    live.subscribe(["market:<script>", "market:", "market:KRW-BTC", "market:KRW-BTC", "markets:KRW-BTC", ...many], { lang: "ko", operate: false }, c.send);
    expect(c.got[0]!.data.split(",")).toEqual(["header", ...many.slice(0, MAX_MARKET_TOPICS)]);
    live.stop();
  });

  it("forgets the renderings of market topics nobody follows any more", async () => {
    h = harness();
    const { live } = manual(h);
    const pages = ["KRW-BTC", "KRW-ETH", "KRW-XRP"].map((m) => live.subscribe([`market:${m}`], { lang: "ko", operate: false }, () => undefined));
    await live.tick();
    expect(live.retainedRenderings).toBe(4); // the header and three markets, one variant
    for (const p of pages) p.close();
    live.subscribe(["overview"], { lang: "en", operate: true }, () => undefined);
    await live.tick();
    expect(live.retainedRenderings).toBe(2); // the header and the overview, for the one client left
    live.stop();
  });

  it("gives a client whose last write was still pending everything at its next free tick", async () => {
    h = harness();
    const { live, clock } = manual(h);
    const got: Message[] = [];
    let release: () => void = () => undefined;
    live.subscribe(["positions"], { lang: "ko", operate: false }, (frame) => {
      got.push(parseFrame(frame));
      return new Promise<void>((r) => (release = r));
    });
    release(); // the hello went out
    await Promise.resolve();
    await live.tick(); // full positions body; its write hangs
    expect(got).toHaveLength(2);
    h.control.actors[1] = { ...h.control.actors[1]!, lastPrice: 5_200_000, position: { ...h.control.actors[1]!.position!, markPrice: 5_200_000, unrealisedPnl: 39_600 } };
    clock.advance(1_000);
    await live.tick(); // busy: skipped
    expect(got).toHaveLength(2);
    release();
    await Promise.resolve();
    clock.advance(1_000);
    await live.tick();
    expect(got).toHaveLength(3);
    expect(got[2]!.data).toContain('id="positions-body"');
    expect(got[2]!.data).toContain("+39,600원");
    live.stop();
  });

  it("forgets clients that leave and ends every stream when stopped", async () => {
    h = harness();
    const { live } = manual(h);
    const a = live.subscribe(["overview"], { lang: "ko", operate: false }, () => undefined);
    const b = live.subscribe(["actors"], { lang: "ko", operate: false }, () => undefined);
    expect(live.clientCount).toBe(2);
    a.close();
    await a.closed;
    expect(live.clientCount).toBe(1);
    live.stop();
    await b.closed;
    expect(live.clientCount).toBe(0);
    const samples = live.samples;
    await live.tick();
    expect(live.samples).toBe(samples); // nobody listens: nothing is read
  });

  it("drops a client whose write fails", async () => {
    h = harness();
    const { live } = manual(h);
    let calls = 0;
    const sub = live.subscribe(["overview"], { lang: "ko", operate: false }, () => {
      if (++calls > 1) throw new Error("socket gone");
    });
    await live.tick();
    await sub.closed;
    expect(live.clientCount).toBe(0);
  });
});

describe("GET /live", () => {
  async function nextEvent(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
    const { value, done } = await reader.read();
    if (done) throw new Error("stream ended");
    return new TextDecoder().decode(value);
  }

  it("streams a hello, the page's fragments at the next tick, then heartbeats, until the client leaves", async () => {
    h = harness();
    const res = await h.request("/live?topics=actors", { as: "operator", headers: { accept: "text/event-stream" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const reader = res.body!.getReader();
    const hello = await nextEvent(reader);
    expect(hello).toMatch(/^event: hello\ndata: header,actors\nid: \d+\n\n$/);
    h.clock.advance(1_000);
    const fragments = await nextEvent(reader);
    expect(fragments).toContain('data: <hx-partial hx-target="#trading-state" hx-swap="outerHTML"><span id="trading-state" class="badge ok">');
    expect(fragments).toContain('<hx-partial hx-target="#actor-tree" hx-swap="outerHTML"><ul id="actor-tree" class="tree">');
    expect(fragments).toContain('<hx-partial hx-target="#a-KRW-XRP" hx-swap="outerHTML"><tr id="a-KRW-XRP">');
    for (let i = 0; i < 5; i++) h.clock.advance(1_000);
    expect(await nextEvent(reader)).toMatch(/^event: ping\ndata: \nid: \d+\n\n$/);
    expect(h.dashboard.live.clientCount).toBe(1);
    await reader.cancel();
    for (let i = 0; i < 50 && h.dashboard.live.clientCount > 0; i++) await new Promise((r) => setTimeout(r, 1));
    expect(h.dashboard.live.clientCount).toBe(0);
  });

  it("needs a login", async () => {
    h = harness();
    const res = await h.request("/live?topics=overview", { as: null, headers: { accept: "text/event-stream" } });
    expect(res.status).toBe(401);
  });
});

describe("live topics on the pages", () => {
  it("ask each page's stream for what it shows", async () => {
    h = harness();
    const topics: Record<string, string> = { "/": "overview", "/markets": "markets", "/markets/KRW-BTC": "market:KRW-BTC", "/positions": "positions", "/actors": "actors" };
    for (const [path, topic] of Object.entries(topics)) {
      const html = await (await h.request(path)).text();
      expect(html, path).toContain(`<div id="live" hidden="" hx-sse:connect="/live?topics=${topic}"></div>`);
    }
    expect(await (await h.request("/orders")).text()).not.toContain("hx-sse:connect");
  });

  it("uses the same ids in pages and fragments", async () => {
    h = harness();
    const page = await (await h.request("/positions", { as: "operator" })).text();
    const { live } = manual(h);
    const c = client();
    live.subscribe(["positions"], { lang: "ko", operate: true }, c.send);
    await live.tick();
    const fragment = c.data()[0]!;
    const body = (html: string) => html.slice(html.indexOf('<tbody id="positions-body"'), html.indexOf("</tbody>", html.indexOf('<tbody id="positions-body"')));
    expect(body(fragment)).toBe(body(page));
    live.stop();
  });

  it("renders the overview's and a market page's fragments exactly as the pages do", async () => {
    h = harness();
    const pages = { "/": await (await h.request("/")).text(), "/markets/KRW-ETH": await (await h.request("/markets/KRW-ETH")).text() };
    const { live } = manual(h);
    const c = client();
    live.subscribe(["overview", "market:KRW-ETH"], { lang: "ko", operate: false }, c.send);
    await live.tick();
    const fragments = new Map([...c.data()[0]!.matchAll(/<hx-partial hx-target="#([^"]+)" hx-swap="outerHTML">([\s\S]*?)<\/hx-partial>/g)].map((m) => [m[1]!, m[2]!]));
    const onPage: Record<string, keyof typeof pages> = { "ov-alerts": "/", "ov-fills": "/", "ov-positions": "/", "market-actions": "/markets/KRW-ETH", "market-trader": "/markets/KRW-ETH", "market-position": "/markets/KRW-ETH", "market-signals": "/markets/KRW-ETH", "market-fills": "/markets/KRW-ETH", "m-KRW-ETH": "/markets/KRW-ETH" };
    for (const [id, path] of Object.entries(onPage)) {
      const html = fragments.get(id);
      expect(html, id).toBeDefined();
      expect(pages[path], id).toContain(html);
    }
    expect(fragments.get("market-position")).toContain("5,100,000"); // the ETH position's mark
    live.stop();
  });
});


