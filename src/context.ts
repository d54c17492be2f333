import type { Logger } from './observability/logger.js';
import type { RequestState } from './requestState.js';

/** A verified caller. Anonymous callers have no principal. */
export interface Principal {
  readonly sub: string;
  readonly issuer: string | undefined;
  readonly scopes: ReadonlySet<string>;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** A caller known by an issued API key (`API_KEYS_PATH`): the key's name and budget tier. */
export interface ApiKeyIdentity {
  readonly name: string;
  readonly tier: string | undefined;
}

/**
 * The per-request context Apollo Server hands to plugins, the executor and every subgraph fetch.
 * Created once per HTTP request by the gateway's context factory. Its fields are facts about the
 * request fixed at its start (the caller, the headers); what features record while serving it
 * lives in `state`, one object shared by every (shallow) copy Apollo Server makes of the context.
 */
export interface GatewayContext {
  readonly requestId: string;
  readonly log: Logger;
  readonly principal: Principal | null;
  /** The verified API key of a request that sent one (`API_KEYS_PATH`), else null or absent. */
  readonly apiKey?: ApiKeyIdentity | null;
  /** Client address: the right-most untrusted hop of X-Forwarded-For (TRUST_PROXY), else the socket's. */
  readonly clientIp: string;
  /** Lower-cased request headers. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly exposeQueryPlan: boolean;
  /**
   * A warm-up run of a persisted operation at load: parsed, validated and planned like a request,
   * but neither admitted, executed against a subgraph, nor counted as a request.
   */
  readonly warmup?: boolean;
  /** What features record while serving the request (deadline, admission, cost, cache policy…). */
  readonly state: RequestState;
}
