import type http from 'node:http';

/** Requests with more header lines than this get 431 (Router's `http1_max_request_headers`). */
export const MAX_HEADER_COUNT = 100;

/**
 * The gateway's `http.createServer` options, each chosen deliberately (Node's defaults in brackets):
 * - `headersTimeout` 10 s [60 s]: a client that has not sent its headers by then is cut off
 *   (slowloris, CVE-2018-12122); counted from the request's first byte.
 * - `requestTimeout` 15 s [300 s]: the whole request, body included, must arrive by then, else 408
 *   (slow-body R.U.D.Y.). Responses are bounded separately by `REQUEST_TIMEOUT_MS`.
 * - `connectionsCheckingInterval` 1 s [30 s]: how often those two are checked, so they bite on time.
 * - `keepAliveTimeout` 65 s [5 s]: longer than the balancer's idle timeout for upstream connections
 *   (deploy/nginx.conf keeps them 55 s; AWS ALB 60 s), so the balancer, never the gateway, closes an
 *   idle connection, and a request is never sent on a socket the gateway is closing (502/ECONNRESET).
 * - `maxHeaderSize` 16 KiB [16 KiB]: larger headers get 431; stated so an upgrade cannot change it.
 */
export function httpServerOptions(): http.ServerOptions {
  return {
    headersTimeout: 10_000,
    requestTimeout: 15_000,
    connectionsCheckingInterval: 1_000,
    keepAliveTimeout: 65_000,
    maxHeaderSize: 16 * 1024,
  };
}

/**
 * Settings that are properties, not options, of the server. Node parses at most `maxHeadersCount`
 * headers and silently drops the rest, so it is one above the limit: the listener sees the excess
 * and answers 431.
 */
export function hardenServer(server: http.Server): void {
  server.maxHeadersCount = MAX_HEADER_COUNT + 1;
}

/** Whether a request carries more header lines than allowed. */
export function tooManyHeaders(req: http.IncomingMessage): boolean {
  return req.rawHeaders.length > MAX_HEADER_COUNT * 2;
}
