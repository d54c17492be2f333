import type { IncomingMessage } from 'node:http';
import type { GatewayContext, Principal } from '../context.js';
import type { Logger } from '../observability/logger.js';
import { createRequestState } from '../requestState.js';
import type { ApiKeySource } from './apiKeySource.js';

export interface RequestContextOptions {
  readonly log: Logger;
  /** The caller of a request's bearer token; throws 401 for a bad one (503 if the keys are unreachable). */
  readonly authenticate: (headers: GatewayContext['headers']) => Promise<Principal | null>;
  /** Issued API keys (`API_KEYS_PATH`); without them the API key header is no identity. */
  readonly apiKeys: ApiKeySource | undefined;
  /** The header an API key comes in (`API_KEY_HEADER`, lower-cased). */
  readonly apiKeyHeader: string;
  /** The client address, behind trusted proxies only (http/clientAddress.ts). */
  readonly clientIp: (req: IncomingMessage) => string;
  /** `EXPOSE_QUERY_PLAN`: whether `Apollo-Expose-Query-Plan: true` is honoured. */
  readonly exposeQueryPlan: boolean;
}

/**
 * Authenticate (docs/architecture.md, request flow 2): the context of each request, created before
 * anything is parsed (no token = anonymous), with its one request state.
 */
export function createRequestContext(options: RequestContextOptions) {
  return async (
    req: IncomingMessage,
    requestId: string,
    deadline: AbortSignal,
  ): Promise<GatewayContext> => {
    const headers = req.headers as Record<string, string | undefined>;
    // Throws 401 for a bad token (503 if the keys are unreachable): nothing is parsed or executed.
    const principal = await options.authenticate(headers);
    return Promise.resolve({
      requestId,
      log: options.log.child({ requestId }),
      principal,
      // Throws 401 for a malformed, unknown or revoked key; without API_KEYS_PATH the header is no identity.
      apiKey: options.apiKeys?.identify(headers[options.apiKeyHeader]) ?? null,
      clientIp: options.clientIp(req),
      headers,
      exposeQueryPlan: options.exposeQueryPlan && headers['apollo-expose-query-plan'] === 'true',
      state: createRequestState(deadline),
    });
  };
}
