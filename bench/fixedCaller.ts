import path from 'node:path';
import type { GatewayContext } from '../src/context.js';
import {
  createInternalTokenSigner,
  type InternalTokenRequest,
  type InternalTokenSigner,
} from '../src/auth/internalToken.js';
import { loadDevKeys } from '../src/auth/keys.js';

/**
 * The subgraph headers of the benchmark's baseline contenders (plain `@apollo/gateway`, Hive
 * Gateway): the subgraphs answer only the gateway's internal tokens, so these contenders send each
 * subgraph the development-key internal token of one fixed caller (`BENCH_CALLER_SUB`,
 * `BENCH_CALLER_SCOPES`), signed and cached like ours, bound to the request's query text when the
 * contender passes it (subgraphs refuse a token bound to another query). They verify and filter nothing.
 */
export function fixedCallerHeaders(): (
  subgraph: string,
  request?: InternalTokenRequest,
) => ReturnType<InternalTokenSigner['headers']> {
  const signer = createInternalTokenSigner(
    loadDevKeys(path.resolve(process.env.DEV_KEYS_DIR || '.dev-keys')).internal,
  );
  const sub = process.env.BENCH_CALLER_SUB;
  const caller: GatewayContext['principal'] = sub
    ? {
        sub,
        issuer: undefined,
        scopes: new Set((process.env.BENCH_CALLER_SCOPES ?? '').split(' ').filter(Boolean)),
        claims: {},
      }
    : null;
  return (subgraph, request) => signer.headers(subgraph, caller, request);
}
