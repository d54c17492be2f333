import type http from 'node:http';
import type { Compressor } from './compression.js';
import type { CorsHandler } from './cors.js';
import type { ExplorerHandler } from './explorer.js';
import type { GatewayRequestListener } from './server.js';

export interface EdgeOptions {
  readonly cors: CorsHandler;
  readonly compress: Compressor;
  /** Absent = no explorer (production unless `EXPLORER=on`). */
  readonly explorer?: ExplorerHandler;
}

/**
 * What a browser meets before GraphQL: CORS first (a preflight is answered here; every other
 * response, errors included, carries the CORS headers), then compression of whatever is sent,
 * then the explorer's page and files, then the gateway's own listener.
 */
export function withEdge(
  listener: GatewayRequestListener,
  options: EdgeOptions,
): GatewayRequestListener {
  const edge: http.RequestListener = (req, res) => {
    if (options.cors(req, res) === 'answered') return;
    options.compress(req, res);
    if (options.explorer?.(req, res)) return;
    listener(req, res);
  };
  return Object.assign(edge, { overloaded: () => listener.overloaded() });
}
