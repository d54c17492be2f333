import type http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** Graceful stop of the HTTP server, installed when the server is created. */
export interface Drainer {
  /** Requests being answered right now. */
  inFlight(): number;
  /** True from the moment `drain` is called (`/ready` answers 503 from then on). */
  readonly draining: boolean;
  /**
   * Announces the drain (readiness fails, responses carry `Connection: close`) and keeps serving
   * for `delayMs`, so balancers that probe `/ready` stop sending new work; then stops accepting
   * connections, closes idle keep-alive ones, lets in-flight requests finish for up to `graceMs`,
   * and cuts whatever is left. Resolves once every connection is closed; `forced` says whether the
   * grace ran out.
   */
  drain(graceMs: number, delayMs?: number): Promise<{ forced: boolean }>;
}

/**
 * Tracks in-flight requests of `server` so that shutdown waits for exactly those, never for idle
 * keep-alive sockets (which would hold `server.close()` open until their timeout).
 */
export function createDrainer(server: http.Server): Drainer {
  const inFlight = new Set<http.ServerResponse>();
  let draining = false;
  let onIdle: (() => void) | undefined;

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    inFlight.add(res);
    // why: a request that arrived on a kept-alive socket during the drain is still served, but
    // the client is told not to reuse the connection.
    if (draining) closeAfter(res);
    const done = () => {
      if (!inFlight.delete(res)) return;
      req.socket.off('close', done);
      if (!draining) return;
      server.closeIdleConnections();
      if (inFlight.size === 0) onIdle?.();
    };
    res.once('close', done);
    // why: a pipelined request queued behind a `Connection: close` response never gets its own
    // 'close'; its socket's close ends it too.
    req.socket.once('close', done);
  });

  return {
    inFlight: () => inFlight.size,
    get draining() {
      return draining;
    },
    async drain(graceMs, delayMs = 0) {
      draining = true;
      // Responses still being prepared tell their clients the connection ends with them.
      for (const res of inFlight) closeAfter(res);
      if (delayMs > 0) await sleep(delayMs);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        inFlight.size === 0
          ? Promise.resolve(true)
          : new Promise<boolean>((resolve) => (onIdle = () => resolve(true))),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
      ]);
      clearTimeout(timer);
      // why: after the last response, sockets may linger half-open or idle; nothing is in flight.
      server.closeAllConnections();
      await closed;
      return { forced: !finished };
    },
  };
}

function closeAfter(res: http.ServerResponse): void {
  if (!res.headersSent) res.setHeader('connection', 'close');
}
