import { ConfigError, loadRegistryConfig } from '../config/config.js';
import { createLogger } from '../observability/logger.js';
import { createRegistry } from './registry.js';

/** `npm run registry`: the schema registry, configured by environment variables. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadRegistryConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) console.error(`registry: ${problem}`);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config.logLevel, { service: 'registry' });
  const registry = await createRegistry(config, log);
  const url = await registry.start();
  log.info({ url, store: config.databaseUrl ? 'postgresql' : config.dir }, 'registry ready');
  const shutdown = () => {
    registry.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(
    `registry: failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
