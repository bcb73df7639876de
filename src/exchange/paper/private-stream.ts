import type { Logger } from "../../log.ts";
import type { Clock } from "../../ports/clock.ts";
import type { MarketStream, StreamEvent, StreamSubscription } from "../../ports/market-stream.ts";

/**
 * The paper account's private event stream, the local twin of Bithumb's private WebSocket
 * (`myOrder` / `myAsset`, API.md 8.6): the runtime consumes paper fills exactly like live ones.
 *
 * Like the real socket it delivers only while started (there is no snapshot: a consumer that was
 * not listening reconciles over REST), and asynchronously: events are queued and handed out on a
 * microtask, in order, so a listener never runs inside a matching-engine operation and may call
 * the exchange back. A throwing listener is logged and does not stop delivery to the others.
 */
export class PaperPrivateStream implements MarketStream {
  private readonly listeners = new Set<(event: StreamEvent) => void>();
  private readonly clock: Clock;
  private readonly logger?: Logger;
  private queue: StreamEvent[] = [];
  private scheduled = false;
  private started = false;

  constructor(clock: Clock, logger?: Logger) {
    this.clock = clock;
    this.logger = logger;
  }

  get connected(): boolean {
    return this.started;
  }

  /** Public market data is not served here (the private socket carries none either). */
  subscribe(_subscription: StreamSubscription): void {}

  onEvent(listener: (event: StreamEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.publish({ type: "connected", ts: this.clock.now() });
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.publish({ type: "disconnected", ts: this.clock.now(), reason: "stopped" });
    this.started = false;
  }

  /** Queue an event for the listeners (dropped while stopped, as a closed socket would). */
  publish(event: StreamEvent): void {
    if (!this.started) return;
    this.queue.push(event);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    const events = this.queue;
    this.queue = [];
    for (const event of events) {
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (error) {
          this.logger?.error({ err: error, event: event.type }, "paper private stream listener threw");
        }
      }
    }
  }
}
