import type { AlertChannel, AlertMessage, DeliveryResult } from "../../ports/alerts.ts";
import type { Clock } from "../../ports/clock.ts";
import type { EmailConfig } from "../config.ts";
import { scrubSecrets } from "../http.ts";
import type { Lang } from "../format.ts";
import { composeMail, mailDomain } from "../mail.ts";
import { renderEmailSubject, renderPlainText } from "../render.ts";
import { sendMail, SmtpError, type SmtpOptions } from "../smtp.ts";

export interface EmailChannelDeps {
  readonly clock: Clock;
  readonly lang: Lang;
  /** Uniform [0, 1) for Message-IDs. */
  readonly random: () => number;
  /** Extra TLS trust for the SMTP server (tests: the fixture CA). */
  readonly tls?: SmtpOptions["tls"];
  readonly timeoutMs?: number;
}

/** E-mail over SMTP: one message per alert to every configured recipient. */
export function createEmailChannel(base: { id: string; name: string }, config: EmailConfig, deps: EmailChannelDeps): AlertChannel {
  const smtp: SmtpOptions = {
    host: config.host,
    port: config.port,
    secure: config.secure,
    starttls: config.starttls,
    user: config.user || undefined,
    password: config.password,
    clientName: mailDomain(config.from),
    clock: deps.clock,
    ...(deps.tls ? { tls: deps.tls } : {}),
    ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
  };
  return {
    id: base.id,
    kind: "email",
    name: base.name,
    minSeverity: config.minSeverity,
    async send(message: AlertMessage, signal?: AbortSignal): Promise<DeliveryResult> {
      const ts = deps.clock.now();
      const unique = `${ts.toString(36)}.${Math.floor(deps.random() * 2 ** 48).toString(36)}`;
      const data = composeMail({
        from: config.from,
        to: config.to,
        subject: renderEmailSubject(message, deps.lang, config.subjectPrefix),
        text: renderPlainText(message, deps.lang),
        ts,
        messageId: `alert.${message.id ?? "x"}.${unique}@${mailDomain(config.from)}`,
        headers: { "X-Alert-Key": message.key, "X-Alert-Severity": message.severity, ...(message.severity === "critical" ? { "X-Priority": "1" } : {}) },
      });
      try {
        await sendMail(smtp, { from: config.from, to: config.to, data }, signal);
        return { ok: true, retryable: false };
      } catch (e) {
        const retryable = e instanceof SmtpError ? e.retryable : true;
        return { ok: false, retryable, error: scrubSecrets(e instanceof Error ? e.message : String(e), [config.password]) };
      }
    },
  };
}
