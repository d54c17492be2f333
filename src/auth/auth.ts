import type { AdmissionStep } from '../admission.js';
import type { GatewayConfig } from '../config/config.js';
import type { GatewayContext, Principal } from '../context.js';
import { ErrorCode, GatewayError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { createAuthorizeStep } from './authorizeStep.js';
import { createInternalTokenSigner } from './internalToken.js';
import { keyPairFromPrivatePem, loadDevKeys, type DevKeys } from './keys.js';
import { loadPolicies, type PolicyRegistry } from './policies.js';
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
  /** The `headers` option of subgraph `name`'s client: its internal token for the request's caller. */
  subgraphHeaders(
    name: string,
  ): (
    context: GatewayContext | undefined,
  ) => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>;
}

export interface AuthOptions {
  /** Extra policies defined in code, beside those of `AUTH_POLICIES_PATH` (the file wins). */
  readonly policies?: PolicyRegistry;
  readonly verifier?: VerifierOptions;
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
  const verifier = createTokenVerifier(config.auth, dev, options.verifier);
  const signer = createInternalTokenSigner(
    config.auth.internalSigningKey
      ? keyPairFromPrivatePem(config.auth.internalSigningKey, 'gateway')
      : dev().internal,
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
    subgraphHeaders: (name) => (context) => signer.headers(name, context?.principal ?? null),
  };
}
