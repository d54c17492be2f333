import { ConfigError, loadConfig } from './config/config.js';
import { createGateway } from './gateway.js';
import { createLogger } from './observability/logger.js';

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
  const gateway = createGateway(config, { log });
  const { url } = await gateway.start();
  log.info({ url }, 'gateway ready');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    gateway.stop().then(
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
