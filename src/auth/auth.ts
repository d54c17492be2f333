import type { AdmissionStep } from '../admission.js';
import type { GatewayConfig } from '../config/config.js';
import type { GatewayContext, Principal } from '../context.js';
import { ErrorCode, GatewayError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { createAuthorizeStep } from './authorizeStep.js';
import type { PreparedSupergraph } from '../supergraph/prepare.js';
import { createInternalTokenSigner, type InternalTokenRequest } from './internalToken.js';
import { keyPairFromPrivatePem, loadDevKeys, type DevKeys } from './keys.js';
import { loadPolicies, type PolicyRegistry } from './policies.js';
import { subgraphScopes } from './subgraphScopes.js';
import { createTokenVerifier, type VerifierOptions } from './verifier.js';

/** The gateway's authentication and authorization, bound to its configuration. */
export interface Auth {
  /**
   * Runs in the context factory of every request, before parsing: the caller, null when no token
   * was sent; throws a 401 `UNAUTHENTICATED` for a bad token, a 503 when the keys are unreachable.
   */
  authenticate(headers: Readonly<Record<string, string | undefined>>): Promise<Principal | null>;
  /** Admission step 4 (authorize). */
  readonly authorizeStep: AdmissionStep;
  /**
   * The `headers` option of subgraph `name`'s client: its internal token for the request's caller,
   * bound to the fetch (`request`), with only the scopes that subgraph uses.
   */
  subgraphHeaders(
    name: string,
  ): (
    context: GatewayContext | undefined,
    request?: InternalTokenRequest,
  ) => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>;
}

export interface AuthOptions {
  /** Extra policies defined in code, beside those of `AUTH_POLICIES_PATH` (the file wins). */
  readonly policies?: PolicyRegistry;
  readonly verifier?: VerifierOptions;
  /** The supergraph in service: which scopes each subgraph's internal token may carry. */
  readonly supergraph?: () => PreparedSupergraph | undefined;
}

/**
 * Builds authentication, authorization and the internal-token signer once at start-up. Without
 * key variables (never in production: config refuses to start) it uses the development keys.
 */
export function createAuth(config: GatewayConfig, log: Logger, options: AuthOptions = {}): Auth {
  let devKeys: DevKeys | undefined;
  const dev = () => {
    if (config.production) throw new Error('development keys are never used in production');
    return (devKeys ??= loadDevKeys(config.auth.devKeysDir));
  };
  const verifier = createTokenVerifier(config.auth, dev, {
    maxScopes: config.auth.maxScopes,
    ...options.verifier,
  });
  // Scopes by subgraph, computed once per supergraph (a reload gives a new object).
  const scopesBySupergraph = new WeakMap<
    PreparedSupergraph,
    ReadonlyMap<string, ReadonlySet<string>>
  >();
  const extra = config.auth.internalTokenExtraScopes;
  const scopesFor = (subgraph: string): ReadonlySet<string> => {
    const supergraph = options.supergraph?.();
    if (!supergraph) return new Set([...(extra.get(subgraph) ?? []), ...(extra.get('*') ?? [])]);
    let scopes = scopesBySupergraph.get(supergraph);
    if (!scopes) {
      scopes = subgraphScopes(supergraph.document, supergraph.index, extra);
      scopesBySupergraph.set(supergraph, scopes);
    }
    return scopes.get(subgraph) ?? new Set(extra.get('*'));
  };
  const signer = createInternalTokenSigner(
    config.auth.internalSigningKey
      ? keyPairFromPrivatePem(config.auth.internalSigningKey, 'gateway')
      : dev().internal,
    { ttlSec: config.auth.internalTokenTtlSec, scopesFor },
  );
  const policies = new Map([
    ...(options.policies ?? []),
    ...loadPolicies(config.auth.policiesPath),
  ]);
  if (devKeys) log.info({ dir: config.auth.devKeysDir }, 'using development keys');

  return {
    async authenticate(headers) {
      const outcome = await verifier.verify(headers.authorization);
      if (outcome.ok) return outcome.principal;
      if (outcome.reason === 'oversized')
        throw new GatewayError(
          ErrorCode.UNAUTHENTICATED,
          `The access token carries more than ${config.auth.maxScopes} scopes; request fewer.`,
          {
            status: 401,
            headers: {
              'www-authenticate':
                'Bearer error="invalid_token", error_description="too many scopes"',
            },
          },
        );
      if (outcome.reason === 'unavailable') {
        log.warn({ detail: outcome.detail }, 'token keys unavailable');
        throw new GatewayError(
          ErrorCode.SERVICE_UNAVAILABLE,
          'The keys to verify the access token are unavailable; try again shortly.',
          { status: 503, headers: { 'retry-after': '5' } },
        );
      }
      log.debug({ detail: outcome.detail }, 'token refused');
      throw new GatewayError(ErrorCode.UNAUTHENTICATED, 'The access token is invalid or expired.', {
        status: 401,
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      });
    },
    authorizeStep: createAuthorizeStep({
      policies,
      rejectUnauthorized: config.auth.rejectUnauthorized,
    }),
    subgraphHeaders: (name) => (context, request) =>
      signer.headers(name, context?.principal ?? null, request),
  };
}
