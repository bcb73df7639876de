import { isValidClientOrderId } from "../../core/orders/client-order-id.ts";
import type { Clock } from "../../ports/clock.ts";

/**
 * Client order ids for Bithumb (`client_order_id`, 1-36 of `A-Z a-z 0-9 - _`). Shape:
 * `<prefix>-<time>-<random>`: `time` is the epoch ms in base 36, zero-padded to 9 characters, so
 * ids sort by creation time as plain strings; `random` is 12 base-36 characters (~62 bits), so two
 * processes (or a restart within the same millisecond) practically never collide. The hyphens
 * also keep our ids distinguishable from Bithumb's `C…` order ids (API.md 4.7.1).
 */

const TIME_WIDTH = 9; // 36^9 ms reaches the year 5188
const RANDOM_WIDTH = 12;
const PREFIX_RE = /^[A-Za-z0-9]{0,12}$/;

function base36Digit(random: () => number): string {
  const r = random();
  if (!(r >= 0 && r < 1)) throw new RangeError(`random() must return [0, 1), got ${r}`);
  return Math.floor(r * 36).toString(36);
}

/**
 * A fresh id. `prefix` (0-12 letters or digits) names the source, e.g. a strategy or the bot;
 * `random` is a uniform [0, 1) source; `nowMs` the current time from the injected clock.
 */
export function newClientOrderId(prefix: string, random: () => number, nowMs: number): string {
  if (!PREFIX_RE.test(prefix)) throw new RangeError(`client order id prefix must be 0-12 letters or digits, got ${JSON.stringify(prefix)}`);
  if (!(Number.isInteger(nowMs) && nowMs >= 0)) throw new RangeError(`nowMs must be a non-negative integer, got ${nowMs}`);
  const time = nowMs.toString(36).padStart(TIME_WIDTH, "0");
  let tail = "";
  for (let i = 0; i < RANDOM_WIDTH; i++) tail += base36Digit(random);
  const id = prefix ? `${prefix}-${time}-${tail}` : `${time}-${tail}`;
  // Cannot fail with the checks above; kept so a future format change cannot emit a bad id.
  if (!isValidClientOrderId(id)) throw new RangeError(`generated an invalid client order id ${id}`);
  return id;
}

/**
 * Ids from one process, strictly increasing: the time part never repeats or goes back, even when
 * several ids are made within one millisecond or the clock steps backwards (like ULID's
 * monotonic mode).
 */
export class ClientOrderIdFactory {
  private last = -1;

  constructor(
    private readonly prefix: string,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {
    newClientOrderId(prefix, () => 0, 0); // validate the prefix now, not at the first order
  }

  next(): string {
    this.last = Math.max(this.clock.now(), this.last + 1);
    return newClientOrderId(this.prefix, this.random, this.last);
  }
}
