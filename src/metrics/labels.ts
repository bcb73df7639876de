/**
 * A label value guard: the first `max` distinct values pass through, later new ones become
 * `other`. A safety net under labels that are bounded by construction (REST path templates,
 * route patterns), so one future path with an id in it cannot grow the series count without
 * bound and take Prometheus down with it.
 */
export class BoundedLabel {
  static readonly OVERFLOW = "other";
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {
    if (!(max >= 1)) throw new RangeError(`max must be >= 1, got ${max}`);
  }

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return BoundedLabel.OVERFLOW;
    this.seen.add(value);
    return value;
  }
}
