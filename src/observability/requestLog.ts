import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import type { GatewayMetrics } from './metrics.js';

/** Operation names become metric labels only up to this many distinct names; the rest are `other`. */
const MAX_OPERATION_LABELS = 200;

/**
 * One structured log line and the request metrics per GraphQL request, written when the response
 * is sent. Never logs variables or tokens.
 */
export function requestLogPlugin(metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  const seen = new Set<string>();
  const label = (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    if (seen.has(name)) return name;
    if (seen.size >= MAX_OPERATION_LABELS || !/^[A-Za-z_]\w{0,63}$/.test(name)) return 'other';
    seen.add(name);
    return name;
  };
  return {
    requestDidStart() {
      const started = process.hrtime.bigint();
      return Promise.resolve({
        willSendResponse({ contextValue, response, operationName, errors }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const firstError = errors?.[0] ?? body?.errors?.[0];
          const code = (firstError?.extensions?.code as string | undefined) ?? 'OK';
          const operation = label(operationName);
          metrics.requests.inc({ operation, code });
          metrics.requestDuration.observe({ operation }, seconds);
          contextValue.log.info(
            {
              operation: operationName ?? undefined,
              status: response.http.status ?? 200,
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
