import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/**
 * The tracing adapter: a Node tracer provider (AsyncLocalStorage context, W3C trace-context
 * propagator) batching spans to an OTLP/HTTP collector. Only `startTracing` loads this file.
 */
export function registerTracingSdk(
  endpoint: string,
  serviceName: string,
): { shutdown(): Promise<void> } {
  // why: like the SDK's own reading of OTEL_EXPORTER_OTLP_ENDPOINT, the variable is a base URL and
  // the signal path is appended.
  const url = `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  provider.register();
  return { shutdown: () => provider.shutdown() };
}
