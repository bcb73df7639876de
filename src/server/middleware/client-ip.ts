import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.ts";

export interface ClientIpOptions {
  /**
   * Behind a reverse proxy every request comes from the proxy; with this set the right-most
   * `X-Forwarded-For` entry (the one our proxy appended) is used instead. Leave it off when the
   * server is reachable directly: the header is then whatever the client chose to send.
   */
  readonly trustProxy?: boolean;
}

const UNKNOWN = "unknown";

/** Sets `clientIp` from the socket's peer (the Bun server binding), or the proxy's header. */
export function clientIp(options: ClientIpOptions = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("clientIp", (options.trustProxy ? forwardedFor(c.req.header("x-forwarded-for")) : undefined) ?? peerAddress(c.env, c.req.raw) ?? UNKNOWN);
    await next();
  };
}

function peerAddress(env: AppEnv["Bindings"] | undefined, request: Request): string | undefined {
  try {
    return env?.server?.requestIP(request)?.address || undefined;
  } catch {
    return undefined;
  }
}

function forwardedFor(header: string | undefined): string | undefined {
  const last = header?.split(",").at(-1)?.trim();
  return last && /^[0-9A-Fa-f:.]{2,45}$/.test(last) ? last : undefined;
}
