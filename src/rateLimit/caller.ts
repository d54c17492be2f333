import { createHash } from 'node:crypto';
import type { GatewayContext } from '../context.js';

/**
 * Whose budget a request spends: the verified JWT's issuer and `sub`, else the API key header,
 * else the client address (`X-Forwarded-For` only with TRUST_PROXY, so a client cannot rotate it).
 * Identities are hashed: keys stay short, and a raw API key is never stored.
 */
export function callerKey(context: GatewayContext, apiKeyHeader: string): string {
  if (context.principal)
    return `sub:${digest(`${context.principal.issuer ?? ''}\n${context.principal.sub}`)}`;
  const apiKey = context.headers[apiKeyHeader];
  if (apiKey) return `key:${digest(apiKey)}`;
  return `ip:${context.clientIp}`;
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}
