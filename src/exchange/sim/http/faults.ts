import { SimApiError } from "../errors.ts";
import { hashSeed, mulberry32, type Random } from "../../../core/random.ts";

/** What can go wrong on purpose. Rates are probabilities per REST request (0..1). */
export interface FaultSettings {
  /** Share of Bithumb REST requests answered 500 before they are handled (no side effect). */
  readonly fail5xxRate: number;
  /** Share answered 429 with `Retry-After` before they are handled. */
  readonly fail429Rate: number;
  /** `Retry-After` value (seconds) sent with injected 429s. */
  readonly retryAfterSeconds: number;
  /** Extra delay (real ms) before every Bithumb REST request is handled. */
  readonly latencyMs: number;
  /** Extra delay (real ms) between creating an order and answering its POST. */
  readonly ackDelayMs: number;
  /** The next N order POSTs create their orders, then lose the response (connection reset). */
  readonly loseOrderResponses: number;
}

export const NO_FAULTS: FaultSettings = { fail5xxRate: 0, fail429Rate: 0, retryAfterSeconds: 1, latencyMs: 0, ackDelayMs: 0, loseOrderResponses: 0 };

function checkRate(name: string, v: number): number {
  if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${v}`);
  return v;
}

function checkNonNegative(name: string, v: number): number {
  if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be a non-negative number, got ${v}`);
  return v;
}

/** Validate a partial update (admin API, CLI flags); throws RangeError naming the bad field. */
export function mergeFaults(current: FaultSettings, patch: Partial<Record<keyof FaultSettings, unknown>>): FaultSettings {
  const next: Record<keyof FaultSettings, number> = { ...current };
  for (const [key, raw] of Object.entries(patch) as [keyof FaultSettings, unknown][]) {
    if (!(key in NO_FAULTS)) throw new RangeError(`unknown fault setting ${key}`);
    const v = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
    if (typeof v !== "number") throw new RangeError(`${key} must be a number`);
    next[key] = key === "fail5xxRate" || key === "fail429Rate" ? checkRate(key, v) : key === "loseOrderResponses" ? Math.floor(checkNonNegative(key, v)) : checkNonNegative(key, v);
  }
  return next;
}

/**
 * Fault decisions, deterministic under the seed: the k-th request gets the same verdict in every
 * run with the same seed and settings.
 */
export class FaultInjector {
  private current: FaultSettings;
  private readonly random: Random;

  constructor(seed: number, initial: Partial<FaultSettings> = {}) {
    this.random = mulberry32(hashSeed(seed, "faults"));
    this.current = mergeFaults(NO_FAULTS, initial);
  }

  get settings(): FaultSettings {
    return this.current;
  }

  update(patch: Partial<Record<keyof FaultSettings, unknown>>): FaultSettings {
    this.current = mergeFaults(this.current, patch);
    return this.current;
  }

  /** The injected refusal for this request, if any (one draw per request). */
  drawFailure(): SimApiError | undefined {
    const { fail429Rate, fail5xxRate, retryAfterSeconds } = this.current;
    if (fail429Rate === 0 && fail5xxRate === 0) return undefined;
    const r = this.random();
    if (r < fail429Rate) {
      return new SimApiError(429, "too_many_requests", "요청 수 제한을 초과했습니다. (simulated rate limit)", { "Retry-After": String(retryAfterSeconds) });
    }
    if (r < fail429Rate + fail5xxRate) return new SimApiError(500, "server_error", "simulated server error");
    return undefined;
  }

  /** True (and counts down) when this order POST must lose its response. */
  takeLostResponse(): boolean {
    if (this.current.loseOrderResponses <= 0) return false;
    this.current = { ...this.current, loseOrderResponses: this.current.loseOrderResponses - 1 };
    return true;
  }
}

/**
 * A response the client never receives: the status line goes out, then the body stream fails and
 * the server resets the connection, so `fetch` rejects (ECONNRESET) after the order was created.
 * Bun prints the deliberate stream error to stderr.
 */
export function lostResponse(): Response {
  const body = new ReadableStream({
    async pull(controller) {
      await Promise.resolve();
      controller.error("sim fault: order response deliberately lost");
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "application/json; charset=utf-8" } });
}
