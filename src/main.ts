import { ConfigError, loadConfig } from './config/config.js';
import { createGateway } from './gateway.js';
import { createLogger } from './observability/logger.js';
import { startTracing } from './observability/tracing.js';
import { registryToken } from './supergraph/registryToken.js';
import { urlSupergraphSource } from './supergraph/urlSource.js';

/** `npm run gateway`: the gateway alone, configured by environment variables. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) console.error(`gateway: ${problem}`);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  // Tracing is process-wide, so it starts here, before the gateway, only when configured.
  const tracing = await startTracing(config.tracing);
  // The registry (`SUPERGRAPH_URL`) instead of the file, when set: the first supergraph is fetched now.
  const supergraphSource = config.supergraphUrl
    ? await urlSupergraphSource({
        url: config.supergraphUrl,
        pollMs: config.supergraphPollMs,
        token: registryToken(config),
        log,
      })
    : undefined;
  const gateway = createGateway(config, { log, ...(supergraphSource ? { supergraphSource } : {}) });
  const { url, metricsUrl } = await gateway.start();
  log.info({ url, metricsUrl }, 'gateway ready');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down');
    // why: a last resort if closing hangs (it should not): never outlive the grace by much.
    setTimeout(
      () => process.exit(1),
      config.shutdownDelayMs + config.shutdownGraceMs + 5_000,
    ).unref();
    gateway
      .stop()
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: String(error) }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(
    `gateway: failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
