export { BithumbRestClient, formatUtcSeconds } from "./http/client.ts";
export type { BatchPlaceResult, BithumbRestClientOptions, V1OrderListQuery } from "./http/client.ts";
export type { V1OrderRequest } from "./http/order-request.ts";
export { buildV1OrderBody, buildV2OrderBody } from "./http/order-request.ts";
export {
  classifyHttpError,
  FATAL_ERROR_NAMES,
  isDuplicateClientOrderIdError,
  isOrderNotFound,
  parseRetryAfter,
  REJECTED_ERROR_NAMES,
  RETRYABLE_ERROR_NAMES,
} from "./http/errors.ts";
export { BithumbSigner, buildClaims, encodeParams, encodeRequest, sha512Hex, signJwt } from "./http/sign.ts";
export type { EncodedRequest, JwtClaims, Params, SignerOptions } from "./http/sign.ts";
export { DEFAULT_SUBMIT_POLICY } from "./http/submit.ts";
export type { SubmitPolicy } from "./http/submit.ts";
export { backoffDelay } from "./http/transport.ts";
export type { FetchLike, RetryPolicy } from "./http/transport.ts";
export { ClientOrderIdFactory, newClientOrderId } from "./client-order-id.ts";
export { MarketRulesCache } from "./market-rules.ts";
export type { MarketRulesCacheOptions } from "./market-rules.ts";
export { createRestRateLimiter, RateLimiter, REST_RATE_LIMITS, WS_CONNECT_LIMITS } from "./rate-limit.ts";
export type { EndpointGroup, GroupLimit, GroupStats, RateLimiterOptions } from "./rate-limit.ts";
export { BITHUMB_REST_BASE_URL, BITHUMB_WS_PRIVATE_URL, BITHUMB_WS_PUBLIC_URL, CANDLE_PATHS, PATHS } from "./urls.ts";
export { BithumbWsClient } from "./ws/client.ts";
export type { BithumbWsClientOptions, ReconnectPolicy, SocketFactory, WsCredentials, WsStats } from "./ws/client.ts";
export type { PrivateSubscription, WsFormat } from "./ws/subscriptions.ts";
export { outcomeOf } from "./observer.ts";
export type { RateLimitReport, RequestOutcome, RequestReport, RestObserver, WsFrameKind, WsObserver, WsProblemKind } from "./observer.ts";
