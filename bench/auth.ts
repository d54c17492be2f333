/**
 * `npx tsx bench/auth.ts [--iterations N]`: the per-request cost of authentication and
 * authorization, in microseconds per operation, measured in-process on the real code paths:
 * client-token verification, the authorize step on the CheckoutScreen of docs/architecture.md (cache hit and miss),
 * the response step, the internal token (gateway) and its check (subgraph).
 */
import os from 'node:os';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { getOperationAST, parse, type GraphQLSchema } from 'graphql';
import { SignJWT, jwtVerify } from 'jose';
import type { AdmissionRequest } from '../src/admission.js';
import { applyRemovals, buildRemovalTree } from '../src/auth/applyRemovals.js';
import { createAuthorizeStep } from '../src/auth/authorizeStep.js';
import { filterOperation } from '../src/auth/filterDocument.js';
import { createInternalTokenSigner } from '../src/auth/internalToken.js';
import { DEV_AUDIENCE, DEV_ISSUER, INTERNAL_ISSUER, loadDevKeys } from '../src/auth/keys.js';
import { AccessRules } from '../src/auth/requirements.js';
import { createTokenVerifier } from '../src/auth/verifier.js';
import { loadConfig } from '../src/config/config.js';
import type { GatewayContext, Principal } from '../src/context.js';
import { prepareSupergraph } from '../src/supergraph/prepare.js';
import { internalAuthenticate } from '../subgraphs/shared/internalAuth.js';
import { composeFor } from '../test/helpers/stack.js';

const argv = process.argv.slice(2);
const iterations = Number(argv[argv.indexOf('--iterations') + 1] || 20_000);
const root = path.resolve(import.meta.dirname, '..');
const keysDir = path.join(root, '.dev-keys');
const keys = loadDevKeys(keysDir);

const CHECKOUT_SCREEN = `query CheckoutScreen {
  me { name email payments(first: 5) { amount status product { name price } } }
  products(first: 10) { name price seller { name } }
}`;
const url = 'http://127.0.0.1:1/graphql';
const prepared = prepareSupergraph(composeFor({ product: url, user: url, payment: url }));
const schema: GraphQLSchema = Supergraph.build(prepared.gatewaySdl).apiSchema().toGraphQLJSSchema();
const document = parse(CHECKOUT_SCREEN);
const operation = getOperationAST(document)!;
const principal = (scopes: string): Principal => ({
  sub: 'u42',
  issuer: DEV_ISSUER,
  scopes: new Set(scopes.split(' ').filter(Boolean)),
  claims: {},
});
const full = principal('read:email read:payments');
const partial = principal('read:profile');

/** CPU time (all threads: WebCrypto runs off the main thread) and wall time per operation. */
async function measure(name: string, op: () => unknown): Promise<void> {
  for (let i = 0; i < Math.min(2000, iterations); i++) await op(); // warm-up
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await op();
  const wall = Number(process.hrtime.bigint() - start) / 1000 / iterations;
  const used = process.cpuUsage(cpu);
  const cpuMicros = (used.user + used.system) / iterations;
  console.log(
    `| ${name.padEnd(62)} | ${cpuMicros.toFixed(2).padStart(9)} | ${wall.toFixed(2).padStart(9)} |`,
  );
}

const token = await new SignJWT({ scope: 'read:email read:payments' })
  .setProtectedHeader({ alg: keys.client.alg, kid: keys.client.kid, typ: 'JWT' })
  .setIssuer(DEV_ISSUER)
  .setAudience(DEV_AUDIENCE)
  .setSubject('u42')
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(keys.client.privateKey);
const authConfig = loadConfig({ NODE_ENV: 'development', DEV_KEYS_DIR: keysDir }).auth;
const verifier = createTokenVerifier(authConfig, () => keys);
const uncachedVerifier = createTokenVerifier(authConfig, () => keys, { verifiedCacheMs: 0 });
const step = createAuthorizeStep({ policies: new Map(), rejectUnauthorized: false });
const request = (caller: Principal | null): AdmissionRequest => ({
  context: { principal: caller } as GatewayContext,
  schema,
  supergraph: prepared,
  operation,
  operationName: 'CheckoutScreen',
  variables: {},
  document,
  documentHash: 'h',
  errors: [],
  cost: undefined,
});
const rules = new AccessRules(schema, prepared.index.access);
const filteredPartial = filterOperation(
  document,
  operation,
  rules,
  rules.grantsFor(partial, new Map()),
);
const tree = buildRemovalTree(filteredPartial);
const signer = createInternalTokenSigner(keys.internal);
const internal = (await signer.headers('user', full)).authorization!;
const subgraphCheck = internalAuthenticate('user', [
  { key: keys.internal.publicKey, alg: keys.internal.alg },
]);

console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? '?'}, ${iterations} iterations`);
console.log(
  `| ${'operation (CheckoutScreen)'.padEnd(62)} | ${'CPU µs/op'.padStart(9)} | ${'wall µs/op'.padStart(9)} |`,
);
console.log(`|${'-'.repeat(64)}|${'-'.repeat(11)}|${'-'.repeat(12)}|`);
await measure('verify the client token (RS256 via jose, first sight)', () =>
  uncachedVerifier.verify(`Bearer ${token}`),
);
await measure('verify the client token (seen within 60 s: cached)', () =>
  verifier.verify(`Bearer ${token}`),
);
await measure('authorize step, full scopes (cache hit, nothing removed)', () =>
  step.admit!(request(full)),
);
await measure('authorize step, partial scopes (cache hit, filtered)', () =>
  step.admit!(request(partial)),
);
await measure('authorize step, anonymous (cache hit, filtered)', () => step.admit!(request(null)));
await measure('filter the document (a cache miss: walk, no print/hash)', () =>
  filterOperation(document, operation, rules, rules.grantsFor(partial, new Map())),
);
await measure('response step: nulls and errors (partial scopes)', () =>
  applyRemovals(
    tree,
    { me: { name: 'Ann' }, products: Array.from({ length: 10 }, () => ({ name: 'x' })) },
    operation,
    {},
  ),
);
await measure('internal token for a subgraph (gateway, cached)', () =>
  signer.headers('user', full),
);
await measure('internal token check (subgraph, cached)', () =>
  subgraphCheck({ authorization: internal }),
);
await measure('internal token check (subgraph, first sight: EdDSA via jose)', () =>
  jwtVerify(internal.slice('Bearer '.length), keys.internal.publicKey, {
    algorithms: [keys.internal.alg],
    issuer: INTERNAL_ISSUER,
    audience: 'user',
  }),
);
