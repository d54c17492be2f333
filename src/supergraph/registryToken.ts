import { signDevToken } from '../auth/devToken.js';
import { loadDevKeys } from '../auth/keys.js';
import type { GatewayConfig } from '../config/config.js';

/**
 * The bearer token for the registry's `GET /supergraph`: `REGISTRY_TOKEN`, or outside production
 * a short-lived one signed with the development key (which the registry's development defaults
 * accept), minted anew when half its life is gone.
 */
export function registryToken(config: GatewayConfig): () => Promise<string | undefined> {
  if (config.registryToken || config.production) {
    const token = config.registryToken;
    return () => Promise.resolve(token);
  }
  let minted: { token: string; renewAt: number } | undefined;
  return async () => {
    if (minted && minted.renewAt > Date.now()) return minted.token;
    const { client } = loadDevKeys(config.auth.devKeysDir);
    const ttlSec = 3600;
    const token = await signDevToken(client, { sub: 'gateway', scopes: ['schema:read'], ttlSec });
    minted = { token, renewAt: Date.now() + (ttlSec * 1000) / 2 };
    return token;
  };
}
