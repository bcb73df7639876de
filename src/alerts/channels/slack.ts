import type { AlertChannel, AlertMessage, DeliveryResult } from "../../ports/alerts.ts";
import type { Clock } from "../../ports/clock.ts";
import type { SlackConfig } from "../config.ts";
import type { Lang } from "../format.ts";
import { deliverHttp } from "../http.ts";
import { renderSlack } from "../render.ts";

export interface HttpChannelDeps {
  readonly clock: Clock;
  readonly lang: Lang;
  /** Per-request deadline (default 10 s). */
  readonly timeoutMs?: number;
}

/**
 * A Slack incoming webhook: Block Kit payload, 2xx (`ok`) delivered; 429 and 5xx retried; 4xx
 * answers such as `invalid_payload`, `no_service` (404) or `channel_is_archived` (410) are final.
 * The webhook URL is the credential, so it is scrubbed from every error text.
 */
export function createSlackChannel(base: { id: string; name: string }, config: SlackConfig, deps: HttpChannelDeps): AlertChannel {
  return {
    id: base.id,
    kind: "slack",
    name: base.name,
    minSeverity: config.minSeverity,
    send(message: AlertMessage, signal?: AbortSignal): Promise<DeliveryResult> {
      return deliverHttp(
        deps.clock,
        { url: config.webhookUrl, headers: { "content-type": "application/json" }, body: JSON.stringify(renderSlack(message, deps.lang)), timeoutMs: deps.timeoutMs ?? 10_000, signal },
        [config.webhookUrl, new URL(config.webhookUrl).pathname],
      );
    },
  };
}
