import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import { ErrorCode } from '../errors.js';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';
import { createOperationLabels } from './operationLabels.js';

/**
 * Codes become metric labels only when the gateway defines them: a subgraph's errors pass through
 * with whatever code it chose, and an unbounded label set would grow the registry without end.
 */
const KNOWN_CODES: ReadonlySet<string> = new Set<string>([...Object.values(ErrorCode), 'OK']);

/**
 * Whether `requestLogPlugin` logged and counted the request of this context; the HTTP layer
 * records the others.
 */
export function wasLogged(context: GatewayContext | undefined): boolean {
  return context?.state.logged ?? false;
}

/** A request refused before Apollo Server's request pipeline (HTTP layer, envelope, CSRF). */
export interface Refusal {
  readonly requestId: string;
  readonly status: number;
  readonly code: string;
  readonly reason: string;
}

/**
 * Logs one structured line and counts `gateway_requests_total{operation="none",code}` for a
 * request refused before any plugin ran: 413, 431, 405, invalid or too-deep JSON, a batch, CSRF.
 */
export function recordRefusal(metrics: GatewayMetrics, log: Logger, refusal: Refusal): void {
  const code = KNOWN_CODES.has(refusal.code) ? refusal.code : 'OTHER';
  metrics.requests.inc({ operation: 'none', code });
  log.info(
    { requestId: refusal.requestId, status: refusal.status, code, reason: refusal.reason },
    'request refused',
  );
}

/**
 * One structured log line and the request metrics per GraphQL request, written when the response
 * is sent. Never logs variables or tokens.
 */
export function requestLogPlugin(
  metrics: GatewayMetrics,
  /** Operation names labelled from their first request (the persisted manifest's). */
  known?: (name: string) => boolean,
): ApolloServerPlugin<GatewayContext> {
  // Bounded labels: junk names cannot take the slots of real operations (see operationLabels.ts).
  const label = createOperationLabels({ known });
  return {
    requestDidStart() {
      const started = process.hrtime.bigint();
      return Promise.resolve({
        willSendResponse({ contextValue, response, operationName, errors }) {
          if (contextValue.warmup) return Promise.resolve();
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const firstError = errors?.[0] ?? body?.errors?.[0];
          // why: after a 504 the execution still winds down here; count what the client saw.
          const timedOut = contextValue.state.deadline?.aborted ?? false;
          const code = timedOut
            ? 'GATEWAY_TIMEOUT'
            : ((firstError?.extensions?.code as string | undefined) ?? 'OK');
          const operation = label(operationName);
          contextValue.state.logged = true;
          metrics.requests.inc({ operation, code: KNOWN_CODES.has(code) ? code : 'OTHER' });
          metrics.requestDuration.observe({ operation }, seconds);
          contextValue.log.info(
            {
              operation: operationName ?? undefined,
              status: timedOut ? 504 : (response.http.status ?? 200),
              code,
              durationMs: Math.round(seconds * 1e4) / 10,
              errors: body?.errors?.length ?? 0,
            },
            'graphql request',
          );
          return Promise.resolve();
        },
      });
    },
  };
}
