import type { ServerWebSocket } from "bun";

/**
 * A local Bun.serve WebSocket server on 127.0.0.1 (ephemeral port) for WebSocket client tests:
 * records handshakes and frames, can refuse upgrades, and lets the test answer frames.
 */

export interface WsServer {
  readonly url: string;
  readonly sockets: ServerWebSocket<{ id: number }>[];
  /** Text frames received, with the connection they came on. */
  readonly frames: { conn: number; data: string }[];
  readonly handshakes: Headers[];
  /** Protocol-level ping frames received. */
  pings: number;
  refuseUpgrades: boolean;
  /** Optional reply to each frame. */
  onFrame?: (ws: ServerWebSocket<{ id: number }>, data: string) => void;
  latest(): ServerWebSocket<{ id: number }>;
  stop(): Promise<void>;
}

export async function startWsServer(): Promise<WsServer> {
  const sockets: ServerWebSocket<{ id: number }>[] = [];
  const frames: { conn: number; data: string }[] = [];
  const handshakes: Headers[] = [];
  const state: WsServer = {
    url: "",
    sockets,
    frames,
    handshakes,
    pings: 0,
    refuseUpgrades: false,
    latest: () => sockets[sockets.length - 1]!,
    stop: async () => {},
  };
  const server = Bun.serve<{ id: number }>({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req, srv) {
      handshakes.push(req.headers);
      if (state.refuseUpgrades) return new Response("refused", { status: 429 });
      return srv.upgrade(req, { data: { id: handshakes.length } }) ? undefined : new Response("upgrade failed", { status: 400 });
    },
    websocket: {
      open(ws) {
        sockets.push(ws);
      },
      message(ws, message) {
        const data = typeof message === "string" ? message : new TextDecoder().decode(message);
        frames.push({ conn: ws.data.id, data });
        state.onFrame?.(ws, data);
      },
      ping() {
        state.pings++;
      },
    },
  });
  return Object.assign(state, {
    url: `ws://127.0.0.1:${server.port}/websocket/v1`,
    stop: async () => {
      await server.stop(true);
    },
  });
}

/** Poll `condition` every few ms (socket I/O is real even when the client's timers are simulated). */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(3);
  }
}
