import { createTokenVerifier } from '../auth/verifier.js';
import { loadDevKeys } from '../auth/keys.js';
import type { RegistryConfig } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { createDirectoryStore } from './directoryStore.js';
import type { RegistryStore } from './model.js';
import { createPostgresStore } from './postgresStore.js';
import { createRegistryServer, type RegistryServer } from './server.js';
import { createRegistryService } from './service.js';

export interface Registry {
  readonly server: RegistryServer;
  readonly store: RegistryStore;
  /** Listens on the configured port; resolves with the base URL. */
  start(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Builds the registry from its configuration: the PostgreSQL store (migrated at start) when
 * `databaseUrl` is set, else the directory store; `store` overrides both (tests).
 */
export async function createRegistry(
  config: RegistryConfig,
  log: Logger,
  options: { store?: RegistryStore; pgSchema?: string } = {},
): Promise<Registry> {
  const store =
    options.store ??
    (config.databaseUrl
      ? await createPostgresStore({
          url: config.databaseUrl,
          ...(options.pgSchema ? { schema: options.pgSchema } : {}),
        })
      : await createDirectoryStore(config.dir));
  const verifier = createTokenVerifier(config.auth, () => loadDevKeys(config.auth.devKeysDir), {
    maxScopes: config.auth.maxScopes,
  });
  const service = createRegistryService(store, config.cost);
  const server = createRegistryServer({ store, service, verifier, log });
  return {
    server,
    store,
    start: () => server.listen(config.port, config.host),
    async stop() {
      await server.close();
      await store.close();
    },
  };
}
