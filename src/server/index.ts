export { createApp, API_PREFIX, API_TOKEN_NAME, type AppDeps } from "./app.ts";
export { startServer, baseUrl, DEFAULT_HOST, DEFAULT_IDLE_TIMEOUT_SECONDS, type StartServerOptions, type RunningServer } from "./serve.ts";
export { resolveApiToken, GENERATED_TOKEN_BYTES, type ResolvedApiToken } from "./token.ts";
export { ApiError, errorBody, type ErrorBody, type FieldErrors } from "./errors.ts";
export { bearerAuth, tokenAuthenticator, constantTimeEqual, type Authenticator, type BearerAuthOptions, type NamedToken } from "./middleware/auth.ts";
export { clientIp, type ClientIpOptions } from "./middleware/client-ip.ts";
export { accessLog, type AccessLogOptions } from "./middleware/access-log.ts";
export type { AppEnv, AppVariables, Principal, ServerBindings } from "./env.ts";
