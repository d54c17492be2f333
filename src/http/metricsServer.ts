import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ErrorCode, errorBody } from '../errors.js';
import type { Logger } from '../observability/logger.js';

/** The metrics listener: `/metrics` only, on its own host and port (`METRICS_HOST`, `METRICS_PORT`). */
export interface MetricsServer {
  /** Listens; resolves with the URL of `/metrics`, or `undefined` if the port could not be bound. */
  start(): Promise<string | undefined>;
  /** The URL of `/metrics` once listening. */
  readonly url: string | undefined;
  stop(): Promise<void>;
}

export interface MetricsServerOptions {
  readonly registry: Registry;
  readonly log: Logger;
  /** @default '127.0.0.1' */
  readonly host: string;
  /** `0` picks a free port. @default 9464 (OpenTelemetry's Prometheus exporter) */
  readonly port: number;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

/**
 * Serves Prometheus text on a listener apart from the GraphQL port, so that what the metrics tell
 * (operation names, subgraph health) never reaches the public side, whatever proxy sits in front.
 * why a bind failure does not stop the gateway: serving traffic matters more than being scraped;
 * the failure is logged as an error (as OpenTelemetry's Prometheus exporter does).
 */
export function createMetricsServer(options: MetricsServerOptions): MetricsServer {
  const { registry, log } = options;
  let url: string | undefined;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== '/metrics') {
      res.writeHead(404, JSON_HEADERS);
      res.end(errorBody(ErrorCode.NOT_FOUND, `Nothing is served at ${path}.`));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...JSON_HEADERS, allow: 'GET, HEAD' });
      res.end(errorBody(ErrorCode.METHOD_NOT_ALLOWED, `${req.method} is not allowed on /metrics.`));
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(text);
      },
      (error: unknown) => {
        log.error({ err: error instanceof Error ? error.stack : String(error) }, 'metrics failed');
        res.writeHead(500, JSON_HEADERS);
        res.end(errorBody(ErrorCode.INTERNAL_SERVER_ERROR, 'Metrics are unavailable.'));
      },
    );
  });
  // why: a scraper is one well-behaved client; idle sockets must not keep shutdown waiting.
  server.keepAliveTimeout = 5_000;
  return {
    get url() {
      return url;
    },
    start: () =>
      new Promise((resolve) => {
        const failed = (error: Error) => {
          log.error(
            { err: error.message, host: options.host, port: options.port },
            'metrics listener could not start',
          );
          resolve(undefined);
        };
        server.once('error', failed);
        server.listen(options.port, options.host, () => {
          server.off('error', failed);
          const { port } = server.address() as AddressInfo;
          const host = options.host.includes(':') ? `[${options.host}]` : options.host;
          const shown = host === '0.0.0.0' || host === '[::]' ? 'localhost' : host;
          url = `http://${shown}:${port}/metrics`;
          resolve(url);
        });
      }),
    stop: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
