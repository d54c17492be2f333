import fs from 'node:fs';
import type { ApiKeyIdentity } from '../context.js';
import { ErrorCode, GatewayError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { watchFile } from '../supergraph/watchFile.js';
import { parseApiKeys, type ApiKeySet } from './apiKeys.js';

/** The live set of issued API keys. */
export interface ApiKeySource {
  /**
   * Runs when a request's context is created: the identity of a presented key, null without one;
   * throws a 401 `UNAUTHENTICATED` for a malformed, unknown or revoked key, so nothing runs.
   */
  identify(key: string | undefined): ApiKeyIdentity | null;
  close(): void;
}

/**
 * Loads `API_KEYS_PATH` (a missing or invalid file stops start-up) and reloads it on change
 * without a restart: an invalid new file is logged and the last good one keeps serving.
 */
export function fileApiKeySource(
  filePath: string,
  tiers: ReadonlySet<string>,
  log: Logger,
): ApiKeySource {
  const read = (): ApiKeySet => {
    const parsed = parseApiKeys(fs.readFileSync(filePath, 'utf8'), tiers);
    if (!parsed.ok) throw new Error(parsed.reason);
    for (const warning of parsed.warnings)
      log.warn({ path: filePath, warning }, 'API key tier unknown; the standard budget applies');
    return parsed.keys;
  };
  let keys: ApiKeySet;
  try {
    keys = read();
  } catch (error) {
    throw new Error(`API_KEYS_PATH ${filePath}: ${(error as Error).message}`);
  }
  log.info({ path: filePath, keys: keys.size }, 'API keys loaded');
  const stop = watchFile(filePath, log, () => {
    try {
      keys = read();
      log.info({ path: filePath, keys: keys.size }, 'API keys reloaded');
    } catch (error) {
      log.error(
        { path: filePath, err: (error as Error).message },
        'API keys reload failed; the last good keys keep serving',
      );
    }
  });
  return {
    identify(key) {
      if (key === undefined) return null;
      const outcome = keys.check(key);
      if (outcome.ok) return outcome.identity;
      log.debug({ reason: outcome.reason }, 'API key refused');
      throw new GatewayError(ErrorCode.UNAUTHENTICATED, 'The API key is invalid or revoked.', {
        status: 401,
      });
    },
    close: stop,
  };
}
