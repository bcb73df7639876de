import type { EngineIds } from "../sim/engine/types.ts";

/**
 * Order and fill ids of a paper account, shaped like Bithumb's (`C` + 19 digits, API.md 4.7.1):
 * `C` + a 6-digit account prefix + `1` (order) or `2` (fill) + the 12-digit sequence number.
 *
 * Why a random prefix: the bot's database keys orders and fills by exchange id. A paper account
 * recreated from scratch (its file deleted) restarts its sequences at 1; the prefix, drawn once per
 * account from the injected randomness, keeps the new ids from colliding with ids the bot recorded
 * for the old account. Within one account the sequence makes every id unique by construction.
 */

const PREFIX_RE = /^[1-9]\d{5}$/;
const MAX_SEQ = 1e12;

/** A fresh account prefix: six digits, the first non-zero. */
export function newIdPrefix(random: () => number): string {
  const r = random();
  if (!(r >= 0 && r < 1)) throw new RangeError(`random() must return a number in [0, 1), got ${r}`);
  return String(100_000 + Math.floor(r * 900_000));
}

/** The id writer the matching engine uses for this account. */
export function paperIds(prefix: string): EngineIds {
  if (!PREFIX_RE.test(prefix)) throw new RangeError(`paper id prefix must be 6 digits, got ${JSON.stringify(prefix)}`);
  const id = (kind: 1 | 2, seq: number) => {
    if (!Number.isSafeInteger(seq) || seq < 1 || seq >= MAX_SEQ) throw new RangeError(`paper id sequence out of range: ${seq}`);
    return `C${prefix}${kind}${String(seq).padStart(12, "0")}`;
  };
  return { order: (seq) => id(1, seq), trade: (seq) => id(2, seq) };
}
