import { createHmac, timingSafeEqual } from "node:crypto";
import type { AlertChannel, AlertMessage, DeliveryResult } from "../../ports/alerts.ts";
import type { WebhookConfig } from "../config.ts";
import { deliverHttp } from "../http.ts";
import { renderWebhookBody } from "../render.ts";
import type { HttpChannelDeps } from "./slack.ts";

/** Header names of the signed webhook (documented in docs/alerts.md). */
export const WEBHOOK_TIMESTAMP_HEADER = "x-alert-timestamp";
export const WEBHOOK_SIGNATURE_HEADER = "x-alert-signature";

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`: binding the time stops replays of old bodies. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * What a receiver does: recompute the signature over the raw body, compare in constant time, and
 * refuse timestamps further than `toleranceMs` from its own clock.
 */
export function verifyWebhookSignature(input: { secret: string; body: string; timestamp: string | null; signature: string | null; now: number; toleranceMs?: number }): boolean {
  const ts = Number(input.timestamp);
  if (!input.signature || !Number.isFinite(ts) || Math.abs(input.now - ts) > (input.toleranceMs ?? 300_000)) return false;
  const expected = Buffer.from(signWebhook(input.secret, ts, input.body));
  const given = Buffer.from(input.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A generic JSON webhook, signed when a secret is configured. */
export function createWebhookChannel(base: { id: string; name: string }, config: WebhookConfig, deps: HttpChannelDeps): AlertChannel {
  return {
    id: base.id,
    kind: "webhook",
    name: base.name,
    minSeverity: config.minSeverity,
    send(message: AlertMessage, signal?: AbortSignal): Promise<DeliveryResult> {
      const body = JSON.stringify(renderWebhookBody(message, deps.lang));
      const timestamp = deps.clock.now();
      const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "bithumb-krw-trader-alerts/1" };
      if (config.secret) {
        headers[WEBHOOK_TIMESTAMP_HEADER] = String(timestamp);
        headers[WEBHOOK_SIGNATURE_HEADER] = signWebhook(config.secret, timestamp, body);
      }
      return deliverHttp(deps.clock, { url: config.url, headers, body, timeoutMs: deps.timeoutMs ?? 10_000, signal }, [config.url, config.secret]);
    },
  };
}
