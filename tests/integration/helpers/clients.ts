/**
 * Plain-fetch clients for the two HTTP surfaces the end-to-end tests drive: the bot's API
 * (docs/api.md, bearer token) and the simulator's admin API (docs/simulator.md, `x-sim-secret`).
 * Only the fields the tests check are typed; exchange amounts arrive as decimal strings and are
 * turned into numbers here.
 */

/** `GET /api/v1/orders` item (the fields the tests use). */
export interface ApiOrder {
  readonly id: number;
  readonly clientOrderId: string;
  readonly exchangeOrderId: string | null;
  readonly market: string;
  readonly side: "bid" | "ask";
  readonly state: string;
  readonly reason: string;
  readonly intentKey: string | null;
  readonly executedVolume: number;
  readonly executedFunds: number;
  readonly paidFee: number;
  readonly external: boolean;
}

/** `GET /api/v1/fills` item. */
export interface ApiFill {
  readonly exchangeOrderId: string;
  readonly market: string;
  readonly volume: number;
  readonly funds: number;
  readonly fee: number;
}

/** `GET /api/v1/positions` item. */
export interface ApiPosition {
  readonly market: string;
  readonly volume: number;
  readonly status: "open" | "dust";
}

/** `GET /api/v1/actors` item. */
export interface ApiActor {
  readonly market: string;
  readonly id: string;
  readonly state: string;
  readonly position: { readonly volume: number; readonly status: string } | null;
  readonly restarts: number;
}

export interface HttpAnswer<T = unknown> {
  readonly status: number;
  readonly body: T;
}

export class BotApi {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private async call<T>(method: "GET" | "POST", path: string): Promise<HttpAnswer<T>> {
    const res = await fetch(this.baseUrl + path, { method, headers: { authorization: `Bearer ${this.token}` } });
    return { status: res.status, body: (await res.json()) as T };
  }

  private async read<T>(path: string): Promise<T> {
    const answer = await this.call<T>("GET", path);
    if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /** `GET /healthz` (no token): status and report. */
  async health(): Promise<HttpAnswer<{ healthy: boolean; tradingState: string; reason?: string }>> {
    const res = await fetch(`${this.baseUrl}/healthz`);
    return { status: res.status, body: (await res.json()) as { healthy: boolean; tradingState: string; reason?: string } };
  }

  /** A command (`/api/v1/actors/KRW-BTC/pause`, `/api/v1/trading/flatten-all`, ...). */
  command(path: string): Promise<HttpAnswer<{ ok?: boolean; message?: string }>> {
    return this.call("POST", path);
  }

  async actors(): Promise<ApiActor[]> {
    return (await this.read<{ items: ApiActor[] }>("/api/v1/actors")).items;
  }

  async actor(market: string): Promise<ApiActor> {
    return this.read<ApiActor>(`/api/v1/actors/${market}`);
  }

  /** Every order the bot recorded (all pages), oldest first. */
  async orders(query = ""): Promise<ApiOrder[]> {
    const out: ApiOrder[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = (await this.read<{ items: ApiOrder[] }>(`/api/v1/orders?sort=created_asc&limit=1000&offset=${offset}${query ? `&${query}` : ""}`)).items;
      out.push(...page);
      if (page.length < 1000) return out;
    }
  }

  /** Every fill the bot recorded (all pages). */
  async fills(): Promise<ApiFill[]> {
    const out: ApiFill[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = (await this.read<{ items: ApiFill[] }>(`/api/v1/fills?limit=1000&offset=${offset}`)).items;
      out.push(...page);
      if (page.length < 1000) return out;
    }
  }

  async positions(): Promise<ApiPosition[]> {
    return (await this.read<{ items: ApiPosition[] }>("/api/v1/positions")).items;
  }
}

/** An order as the simulator reports it (`GET /v1/order` shape), amounts parsed. */
export interface SimOrder {
  readonly uuid: string;
  readonly clientOrderId: string | undefined;
  readonly market: string;
  readonly side: "bid" | "ask";
  readonly type: string;
  readonly state: "wait" | "done" | "cancel";
  readonly executedVolume: number;
  readonly executedFunds: number;
  readonly paidFee: number;
  readonly tradesCount: number;
}

export interface SimBalance {
  readonly currency: string;
  readonly balance: number;
  readonly locked: number;
}

export interface SimSnapshot {
  readonly now: number;
  readonly orders: readonly SimOrder[];
  readonly balances: readonly SimBalance[];
}

export interface SimFaults {
  readonly fail5xxRate?: number;
  readonly fail429Rate?: number;
  readonly latencyMs?: number;
  readonly ackDelayMs?: number;
  readonly loseOrderResponses?: number;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

export class SimAdminClient {
  constructor(
    readonly restUrl: string,
    private readonly secret: string,
  ) {}

  /** Every order ever placed and the account's balances, right now. */
  async state(): Promise<SimSnapshot> {
    const res = await fetch(`${this.restUrl}/sim/admin/state`, { headers: { "x-sim-secret": this.secret } });
    if (res.status !== 200) throw new Error(`/sim/admin/state answered ${res.status}`);
    const body = (await res.json()) as { now: number; orders: Record<string, unknown>[]; balances: Record<string, unknown>[] };
    return {
      now: body.now,
      orders: body.orders.map((o) => ({
        uuid: String(o.uuid),
        clientOrderId: o.client_order_id === undefined ? undefined : String(o.client_order_id),
        market: String(o.market),
        side: o.side as "bid" | "ask",
        type: String(o.ord_type),
        state: o.state as SimOrder["state"],
        executedVolume: num(o.executed_volume),
        executedFunds: num(o.executed_funds),
        paidFee: num(o.paid_fee),
        tradesCount: num(o.trades_count),
      })),
      balances: body.balances.map((b) => ({ currency: String(b.currency), balance: num(b.balance), locked: num(b.locked) })),
    };
  }

  async setFaults(patch: SimFaults): Promise<void> {
    const res = await fetch(`${this.restUrl}/sim/admin/faults`, {
      method: "POST",
      headers: { "x-sim-secret": this.secret, "content-type": "application/json" },
      body: JSON.stringify(patch),
    });
    if (res.status !== 200) throw new Error(`/sim/admin/faults answered ${res.status}: ${await res.text()}`);
  }
}
