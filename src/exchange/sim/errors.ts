/**
 * A refusal the simulator answers the way Bithumb does: an HTTP status and a body
 * `{"error":{"name","message"}}` (API.md 6). Thrown anywhere below the HTTP layer, which turns it
 * into the response.
 */
export class SimApiError extends Error {
  readonly status: number;
  readonly errorName: string;
  readonly headers?: Readonly<Record<string, string>>;

  constructor(status: number, errorName: string, message: string, headers?: Record<string, string>) {
    super(message);
    this.name = "SimApiError";
    this.status = status;
    this.errorName = errorName;
    this.headers = headers;
  }

  body(): { error: { name: string; message: string } } {
    return errorBody(this.errorName, this.message);
  }
}

export function errorBody(name: string, message: string): { error: { name: string; message: string } } {
  return { error: { name, message } };
}

/** 400 `invalid_parameter`: the most common refusal. */
export function invalidParameter(message: string): SimApiError {
  return new SimApiError(400, "invalid_parameter", message);
}

/** 404 `order_not_found`. */
export function orderNotFound(message = "주문을 찾지 못했습니다. (order not found)"): SimApiError {
  return new SimApiError(404, "order_not_found", message);
}

/** 404 for an unknown market code on public endpoints. */
export function marketNotFound(code: string): SimApiError {
  return new SimApiError(404, "not_found", `Code not found: ${code}`);
}
