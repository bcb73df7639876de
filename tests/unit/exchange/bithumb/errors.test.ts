import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FatalError, RejectedError, RetryableError } from "../../../../src/core/errors.ts";
import {
  classifyHttpError,
  escalateClockSkew,
  isDuplicateClientOrderIdError,
  isOrderNotFound,
  networkError,
  parseRetryAfter,
  readErrorBody,
  timeoutError,
} from "../../../../src/exchange/bithumb/http/errors.ts";

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

function classify(status: number, name: string | number | undefined, retryAfter?: string) {
  const bodyText = name === undefined ? "" : JSON.stringify({ error: { name, message: `message for ${name}` } });
  return classifyHttpError({ status, bodyText, retryAfter, endpoint: "GET /v1/x", now: NOW });
}

/** Every name of API.md section 6 (plus the UNCONFIRMED Upbit-engine ones) and what it means. */
const TABLE: readonly [number, string, "retryable" | "rejected" | "fatal"][] = [
  [400, "invalid_parameter", "rejected"],
  [400, "invalid_price", "rejected"],
  [400, "invalid_price_ask", "rejected"],
  [400, "invalid_price_bid", "rejected"],
  [400, "under_price_limit_ask", "rejected"],
  [400, "under_price_limit_bid", "rejected"],
  [400, "bank_account_required", "rejected"],
  [400, "two_factor_auth_required", "rejected"],
  [400, "currency does not have a valid value", "rejected"],
  [400, "cross_trading", "rejected"],
  [400, "withdraw_insufficient_balance", "rejected"],
  [401, "invalid_query_payload", "fatal"],
  [401, "jwt_verification", "fatal"],
  [401, "expired_jwt", "retryable"],
  [401, "NotAllowIP", "fatal"],
  [401, "out_of_scope", "fatal"],
  [403, "blocked_member_id", "fatal"],
  [404, "order_not_found", "rejected"],
  [404, "deposit_not_found", "rejected"],
  [404, "withdraw_not_found", "rejected"],
  [422, "order_not_ready", "retryable"],
  [400, "insufficient_funds_bid", "rejected"],
  [400, "insufficient_funds_ask", "rejected"],
  [400, "under_min_total_bid", "rejected"],
  [400, "under_min_total_ask", "rejected"],
  [401, "nonce_used", "fatal"],
  [400, "validation_error", "rejected"],
  [404, "not_found", "rejected"],
  [403, "Forbidden", "fatal"],
];

const CLASS = { retryable: RetryableError, rejected: RejectedError, fatal: FatalError } as const;

describe("classifyHttpError: every documented error name", () => {
  it.each(TABLE)("%i %s -> %s, with the name as code", (status, name, kind) => {
    const error = classify(status, name);
    expect(error).toBeInstanceOf(CLASS[kind]);
    expect(error.kind).toBe(kind);
    expect(error.code).toBe(name);
    expect(error.status).toBe(status);
    expect(error.message).toContain(`message for ${name}`);
    expect(error.endpoint).toBe("GET /v1/x");
  });

  it("reads the recorded jwt_verification body", () => {
    const bodyText = readFileSync(join(import.meta.dirname, "../../../fixtures/bithumb/error-jwt_verification.json"), "utf8");
    const error = classifyHttpError({ status: 401, bodyText, endpoint: "GET /v1/orders/chance", now: NOW });
    expect(error).toBeInstanceOf(FatalError);
    expect(error.code).toBe("jwt_verification");
    expect(error.message).toContain("Jwt 토큰 검증에 실패했습니다.");
  });
});

describe("classifyHttpError: status fallbacks and odd bodies", () => {
  it("5xx is retryable whatever the name, with Retry-After honoured", () => {
    const error = classify(503, "invalid_parameter", "3");
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.retryAfterMs).toBe(3_000);
    expect(classify(500, undefined)).toBeInstanceOf(RetryableError);
    expect(classify(500, undefined).code).toBe("http_500");
  });

  it("429 is retryable as rate_limited with Retry-After in seconds or as an HTTP date", () => {
    const seconds = classify(429, undefined, "2");
    expect(seconds).toBeInstanceOf(RetryableError);
    expect(seconds.code).toBe("rate_limited");
    expect(seconds.retryAfterMs).toBe(2_000);
    const date = classify(429, undefined, new Date(NOW + 4_000).toUTCString());
    expect(date.retryAfterMs).toBe(4_000);
    expect(classify(429, undefined).retryAfterMs).toBeUndefined();
  });

  it("a numeric error.name is read as a string and classed by status", () => {
    const error = classifyHttpError({
      status: 400,
      bodyText: '{"error":{"name":400,"message":"Missing request parameter error. Check the required parameters!"}}',
      endpoint: "POST /v2/orders",
      now: NOW,
    });
    expect(error).toBeInstanceOf(RejectedError);
    expect(error.code).toBe("400");
  });

  it("non-JSON bodies still produce a classed error", () => {
    const html = classifyHttpError({ status: 502, bodyText: "<html><body>Bad Gateway</body></html>", endpoint: "GET /v1/ticker", now: NOW });
    expect(html).toBeInstanceOf(RetryableError);
    expect(html.code).toBe("http_502");
    expect(html.message).toContain("Bad Gateway");
    expect(classifyHttpError({ status: 401, bodyText: "nope", endpoint: "e", now: NOW })).toBeInstanceOf(FatalError);
    expect(classifyHttpError({ status: 403, bodyText: "", endpoint: "e", now: NOW })).toBeInstanceOf(FatalError);
    expect(classifyHttpError({ status: 418, bodyText: "[]", endpoint: "e", now: NOW })).toBeInstanceOf(RejectedError);
    expect(classifyHttpError({ status: 408, bodyText: "", endpoint: "e", now: NOW })).toBeInstanceOf(RetryableError);
    expect(classifyHttpError({ status: 302, bodyText: "", endpoint: "e", now: NOW })).toBeInstanceOf(RetryableError);
  });

  it("unknown names fall back on the status", () => {
    expect(classify(400, "something_new")).toBeInstanceOf(RejectedError);
    expect(classify(401, "something_new")).toBeInstanceOf(FatalError);
    expect(classify(422, "something_new")).toBeInstanceOf(RejectedError);
  });
});

describe("helpers", () => {
  it("readErrorBody never throws", () => {
    expect(readErrorBody("")).toEqual({});
    expect(readErrorBody("null")).toEqual({});
    expect(readErrorBody('{"error":"x"}')).toEqual({});
    expect(readErrorBody('{"error":{"name":{"x":1}}}')).toEqual({ name: undefined, message: undefined });
  });

  it("parseRetryAfter handles seconds, decimals, dates, past dates and junk", () => {
    expect(parseRetryAfter("0", NOW)).toBe(0);
    expect(parseRetryAfter(" 1.5 ", NOW)).toBe(1_500);
    expect(parseRetryAfter(new Date(NOW - 10_000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter("soon", NOW)).toBeUndefined();
    expect(parseRetryAfter("", NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
  });

  it("network and timeout failures are retryable", () => {
    expect(networkError("GET /x", new Error("ECONNRESET")).code).toBe("network");
    expect(timeoutError("GET /x", 100)).toBeInstanceOf(RetryableError);
  });

  it("a repeated expired_jwt escalates to a fatal clock problem", () => {
    const fatal = escalateClockSkew(classify(401, "expired_jwt"));
    expect(fatal).toBeInstanceOf(FatalError);
    expect(fatal.code).toBe("expired_jwt");
    expect(fatal.message).toMatch(/clock/);
  });

  it("recognises order_not_found", () => {
    expect(isOrderNotFound(classify(404, "order_not_found"))).toBe(true);
    expect(isOrderNotFound(classify(404, "not_found"))).toBe(false);
  });
});

describe("isDuplicateClientOrderIdError (error name UNCONFIRMED)", () => {
  function rejected(name: string, message: string, status = 400) {
    return classifyHttpError({ status, bodyText: JSON.stringify({ error: { name, message } }), endpoint: "POST /v2/orders", now: NOW });
  }

  it.each([
    ["duplicate_client_order_id", "duplicated"],
    ["invalid_parameter", "client_order_id already exists"],
    ["invalid_parameter", "client_order_id is already used"],
    ["invalid_parameter", "이미 사용된 client_order_id 입니다."],
    ["409", "중복된 주문 식별자"],
    ["conflict", "order with this client id exists"],
  ])("%s / %s counts as a duplicate", (name, message) => {
    expect(isDuplicateClientOrderIdError(rejected(name, message))).toBe(true);
  });

  it.each([
    ["insufficient_funds_bid", "주문가능한 금액(KRW)이 부족합니다."],
    ["invalid_parameter", "client_order_id must be 1-36 characters"],
    ["invalid_parameter", "market does not exist"],
    ["under_min_total_bid", "minimum order is 5000 KRW"],
  ])("%s / %s does not", (name, message) => {
    expect(isDuplicateClientOrderIdError(rejected(name, message))).toBe(false);
  });

  it("only 4xx refusals count", () => {
    expect(isDuplicateClientOrderIdError(rejected("duplicate", "duplicate", 500))).toBe(false);
    expect(isDuplicateClientOrderIdError(new Error("duplicate"))).toBe(false);
  });
});
