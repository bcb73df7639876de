import type { Hono } from "hono";
import type { Logger } from "../log.ts";
import type { AppEnv } from "./env.ts";

/** Loopback unless configured: the API can pause and flatten the bot. */
export const DEFAULT_HOST = "127.0.0.1";

/**
 * Seconds a connection may stay silent before Bun closes it. Bun's default (10 s) would cut a
 * Server-Sent Events stream between heartbeats (TOOLCHAIN.md 2); a minute leaves room for a
 * heartbeat every 15-30 s while still reclaiming abandoned keep-alive sockets. Bun's maximum is 255.
 */
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 60;

export interface StartServerOptions {
  readonly app: Hono<AppEnv>;
  readonly logger: Logger;
  /** Address to bind (default 127.0.0.1). */
  readonly host?: string;
  /** Port to bind; 0 (the default) picks a free one. */
  readonly port?: number;
  /** 0 disables it; at most 255 (Bun's limit). */
  readonly idleTimeoutSeconds?: number;
}

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8080` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Stop listening and close open connections (long-lived streams included). */
  stop(): Promise<void>;
}

/** `http://host:port`, with IPv6 literals bracketed. */
export function baseUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/**
 * Serves the app with `Bun.serve`. The Bun server is handed to the app as its `server` binding so
 * middleware can read the peer address. Throws when the address cannot be bound.
 */
export function startServer(options: StartServerOptions): RunningServer {
  const host = options.host ?? DEFAULT_HOST;
  const idleTimeout = options.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS;
  if (!Number.isInteger(idleTimeout) || idleTimeout < 0 || idleTimeout > 255) throw new RangeError(`idleTimeoutSeconds must be an integer from 0 to 255, got ${idleTimeout}`);
  const { app } = options;
  let server: Bun.Server<undefined>;
  try {
    server = Bun.serve({
      hostname: host,
      port: options.port ?? 0,
      idleTimeout,
      fetch: (request, srv) => app.fetch(request, { server: srv }),
    });
  } catch (e) {
    throw new Error(`cannot listen on ${baseUrl(host, options.port ?? 0)}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const port = server.port ?? options.port ?? 0;
  const url = baseUrl(host, port);
  options.logger.info({ url }, "http server listening");
  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    stop: () => {
      stopped ??= server.stop(true).then(() => options.logger.info({ url }, "http server stopped"));
      return stopped;
    },
  };
}
