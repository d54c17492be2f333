import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

/**
 * The gateway's tracer. Until `startTracing` registers an SDK it is OpenTelemetry's no-op proxy,
 * so features may create spans unconditionally at (almost) no cost.
 */
export const tracer = trace.getTracer('federation-gateway');

/**
 * Runs `fn` inside a new active span named `name` (child of the current one), records a thrown
 * error on it and ends it. Auth, cost, rate limit and cache wrap their step with this, e.g.
 * `await withSpan('gateway.cost', () => estimate(...), { 'graphql.operation.name': name })`.
 */
export function withSpan<T>(
  name: string,
  fn: (span: Span) => Promise<T> | T,
  attributes?: Attributes,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * The server span of one HTTP request, continuing the caller's trace when it sent `traceparent`.
 * Everything the request does (Apollo's `gateway.*` spans, ours, the subgraph fetches) nests in it.
 */
export function withServerSpan<T>(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent: Context = propagation.extract(ROOT_CONTEXT, headers);
  return context.with(parent, () =>
    tracer.startActiveSpan(name, { kind: SpanKind.SERVER }, async (span) => {
      try {
        return await fn(span);
      } finally {
        span.end();
      }
    }),
  );
}

/**
 * A `traceparent` a subgraph may be given (https://www.w3.org/TR/trace-context/#traceparent-header):
 * lower-case hex; version `ff` is invalid; trace id and parent id must not be all zeros; version
 * `00` has exactly four fields, a later version may append more after a `-`.
 */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-.*)?$/;

export function validTraceparent(value: string): boolean {
  const match = TRACEPARENT.exec(value);
  if (!match) return false;
  const [, version, traceId, parentId, rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return false;
  return !/^0+$/.test(traceId!) && !/^0+$/.test(parentId!);
}

/**
 * W3C trace-context headers for a subgraph request. With the SDK running, they name the active
 * span; without it, the client's own valid `traceparent`/`tracestate` are passed through, so a
 * caller's trace still reaches the subgraphs' logs with tracing off at the gateway.
 */
export function traceHeaders(
  incoming: Readonly<Record<string, string | undefined>> | undefined,
): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  if (carrier.traceparent) return carrier;
  const traceparent = incoming?.traceparent;
  if (!traceparent || traceparent.length > 512 || !validTraceparent(traceparent)) return carrier;
  const tracestate = incoming.tracestate;
  return tracestate && tracestate.length <= 512 ? { traceparent, tracestate } : { traceparent };
}

export interface TracingOptions {
  /** OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); absent = tracing off (no-op API only). */
  readonly otlpEndpoint: string | undefined;
  /** `service.name` of the spans. @default 'federation-gateway' */
  readonly serviceName: string;
}

/** A running tracing SDK; `shutdown` flushes buffered spans (called on process exit). */
export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Registers the OpenTelemetry SDK with an OTLP/HTTP exporter when an endpoint is configured, once
 * per process, before the gateway is built. The SDK is imported only then, so a gateway without
 * tracing never loads it.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing | undefined> {
  if (!options.otlpEndpoint) return undefined;
  const { registerTracingSdk } = await import('./tracingSdk.js');
  return registerTracingSdk(options.otlpEndpoint, options.serviceName);
}
