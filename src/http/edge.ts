import type http from 'node:http';
import type { Compressor } from './compression.js';
import type { CorsHandler } from './cors.js';
import { ErrorCode, errorBody } from '../errors.js';
import { isBrowserVisit, type ExplorerHandler } from './explorer.js';
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
 * then the explorer's page and files (with the explorer off, a browser visit to `/graphql` gets
 * 404 `NOT_FOUND`), then the gateway's own listener.
 */
export function withEdge(
  listener: GatewayRequestListener,
  options: EdgeOptions,
): GatewayRequestListener {
  const edge: http.RequestListener = (req, res) => {
    if (options.cors(req, res) === 'answered') return;
    options.compress(req, res);
    if (options.explorer) {
      if (options.explorer(req, res)) return;
    } else if (isBrowserVisit(req)) {
      // why not the GraphQL listener: a person opening the URL is no malformed (or CSRF) GraphQL
      // request; they get a plain 404 and the log and refusal metrics stay about real clients.
      return notServed(res);
    }
    listener(req, res);
  };
  return Object.assign(edge, { overloaded: () => listener.overloaded() });
}

function notServed(res: http.ServerResponse): void {
  const body = errorBody(
    ErrorCode.NOT_FOUND,
    'No page is served at /graphql: send GraphQL requests as POST, or GET with a query.',
  );
  res.writeHead(404, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    vary: 'Accept',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
