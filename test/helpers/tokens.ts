import path from 'node:path';
import {
  SignJWT,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
} from 'jose';
import {
  createInternalTokenSigner,
  type InternalTokenRequest,
} from '../../src/auth/internalToken.js';
import type { GatewayConfig } from '../../src/config/config.js';
import type { Principal } from '../../src/context.js';
import {
  DEV_AUDIENCE,
  DEV_ISSUER,
  keyPairFromPrivatePem,
  loadDevKeys,
} from '../../src/auth/keys.js';
import {
  internalAuthenticate,
  type InternalPublicKey,
} from '../../subgraphs/shared/internalAuth.js';
import type { Authenticate } from '../../subgraphs/shared/server.js';

const root = path.resolve(import.meta.dirname, '../..');
/** The development key folder `startStack()` and `npm start` use. */
export const DEV_KEYS_DIR = path.join(root, '.dev-keys');

export interface MintOptions {
  /** Lifetime in seconds; negative = already expired. @default 300 */
  readonly ttlSec?: number;
  /** Replaces or adds protected-header parameters (`kid`, `typ`, `crit`…). */
  readonly header?: Partial<JWTHeaderParameters>;
  /** Leave `exp` out. */
  readonly noExp?: boolean;
}

/** An identity provider for tests: a real key pair made with `jose.generateKeyPair`. */
export interface TestIssuer {
  readonly kid: string;
  readonly alg: string;
  readonly issuer: string;
  readonly audience: string;
  readonly publicKeyPem: string;
  readonly publicJwk: JWK;
  /** Signs `claims` (defaults: this issuer and audience, `sub` u1) with the private key. */
  mint(claims?: JWTPayload, options?: MintOptions): Promise<string>;
  /** RS256-signs any header and payload JSON, bypassing jose's checks (crit, b64…). */
  signRaw(header: unknown, payload: unknown): Promise<string>;
}

export async function createTestIssuer(
  options: { kid?: string; alg?: string; issuer?: string; audience?: string } = {},
): Promise<TestIssuer> {
  const alg = options.alg ?? 'RS256';
  const kid = options.kid ?? `test-${Math.random().toString(36).slice(2, 10)}`;
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const issuer = options.issuer ?? 'https://idp.test';
  const audience = options.audience ?? 'federation-gateway-test';
  return {
    kid,
    alg,
    issuer,
    audience,
    publicKeyPem: await exportSPKI(publicKey),
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
    async signRaw(header, payload) {
      const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const input = `${part(header)}.${part(payload)}`;
      const signature = await crypto.subtle.sign(
        'RSASSA-PKCS1-v1_5',
        privateKey,
        new TextEncoder().encode(input),
      );
      return `${input}.${Buffer.from(signature).toString('base64url')}`;
    },
    mint: (claims = {}, mintOptions = {}) =>
      sign(
        privateKey,
        { alg, kid, typ: 'JWT' },
        { iss: issuer, aud: audience, sub: 'u1', ...claims },
        mintOptions,
      ),
  };
}

/** A client token signed with the development key, exactly as `npm run token` makes one. */
export function devToken(sub: string, scopes = '', options: MintOptions = {}): Promise<string> {
  const client = loadDevKeys(DEV_KEYS_DIR).client;
  const claims: JWTPayload = { iss: DEV_ISSUER, aud: DEV_AUDIENCE, sub };
  if (scopes) claims.scope = scopes;
  return sign(client.privateKey, { alg: client.alg, kid: client.kid, typ: 'JWT' }, claims, options);
}

async function sign(
  key: CryptoKey | Parameters<SignJWT['sign']>[0],
  header: JWTHeaderParameters,
  claims: JWTPayload,
  options: MintOptions,
): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ ...header, ...options.header })
    .setIssuedAt();
  if (!options.noExp)
    jwt.setExpirationTime(Math.floor(Date.now() / 1000) + (options.ttlSec ?? 300));
  return jwt.sign(key);
}

/**
 * The `Authorization` value the gateway would send `subgraph` (development internal key) for
 * `request`, the query (and a mutation's variables) the token is bound to; a subgraph refuses it
 * for any other request.
 */
export async function internalAuthorization(
  subgraph: string,
  principal: Principal | null = null,
  request: InternalTokenRequest | string = { query: '', mutation: false },
): Promise<string> {
  const bound = typeof request === 'string' ? { query: request, mutation: false } : request;
  const { authorization } = await createInternalTokenSigner(
    loadDevKeys(DEV_KEYS_DIR).internal,
  ).headers(subgraph, principal, bound);
  return authorization!;
}

/** A JWT-shaped string with any header and payload and the given signature (attacks). */
export function forgedToken(header: unknown, payload: unknown, signature = ''): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.${signature}`;
}

/**
 * The subgraphs' `authenticate` for a test stack, bound to the gateway's internal key once the
 * gateway's configuration is known (subgraphs start first, and get no request before).
 */
export function lazyInternalAuth(): {
  authenticate(subgraph: string): Authenticate;
  use(config: GatewayConfig): void;
} {
  let key: InternalPublicKey | undefined;
  const bound = new Map<string, Authenticate>();
  return {
    authenticate: (subgraph) => (headers, request) => {
      if (!key) throw new Error('lazyInternalAuth: use(config) was not called');
      let authenticate = bound.get(subgraph);
      if (!authenticate)
        bound.set(subgraph, (authenticate = internalAuthenticate(subgraph, [key])));
      return authenticate(headers, request);
    },
    use(config) {
      const pair = config.auth.internalSigningKey
        ? keyPairFromPrivatePem(config.auth.internalSigningKey)
        : loadDevKeys(config.auth.devKeysDir).internal;
      key = { key: pair.publicKey, alg: pair.alg };
    },
  };
}
