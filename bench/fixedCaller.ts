import path from 'node:path';
import type { GatewayContext } from '../src/context.js';
import { createInternalTokenSigner, type InternalTokenSigner } from '../src/auth/internalToken.js';
import { loadDevKeys } from '../src/auth/keys.js';

/**
 * The subgraph headers of the benchmark's baseline contenders (plain `@apollo/gateway`, Hive
 * Gateway): the subgraphs answer only the gateway's internal tokens, so these contenders send each
 * subgraph the development-key internal token of one fixed caller (`BENCH_CALLER_SUB`,
 * `BENCH_CALLER_SCOPES`), signed and cached like ours. They verify and filter nothing.
 */
export function fixedCallerHeaders(): (
  subgraph: string,
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
  return (subgraph) => signer.headers(subgraph, caller);
}
