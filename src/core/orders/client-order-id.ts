/**
 * Bithumb's rule for a caller-chosen order id (`client_order_id`, API.md 4.7.1): 1 to 36 characters
 * from `A-Z a-z 0-9 - _`. The exchange answers anything else with `invalid_parameter`, so the
 * client checks it before sending: a malformed id must never reach the submit path, where it would
 * turn an idempotent order into one that cannot be looked up.
 */

export const CLIENT_ORDER_ID_MIN_LENGTH = 1;
export const CLIENT_ORDER_ID_MAX_LENGTH = 36;
/** The characters Bithumb accepts, as a character class. */
export const CLIENT_ORDER_ID_CHARSET = "A-Za-z0-9_-";

const CLIENT_ORDER_ID_RE = new RegExp(
  `^[${CLIENT_ORDER_ID_CHARSET}]{${CLIENT_ORDER_ID_MIN_LENGTH},${CLIENT_ORDER_ID_MAX_LENGTH}}$`,
);

/** True when `id` is a `client_order_id` Bithumb accepts. */
export function isValidClientOrderId(id: unknown): id is string {
  return typeof id === "string" && CLIENT_ORDER_ID_RE.test(id);
}
