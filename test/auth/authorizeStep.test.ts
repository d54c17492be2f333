import { createHash } from 'node:crypto';
import { buildSchema, getOperationAST, parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { AdmissionRequest } from '../../src/admission.js';
import { createAuthorizeStep } from '../../src/auth/authorizeStep.js';
import type { GatewayContext, Principal } from '../../src/context.js';
import type { PreparedSupergraph } from '../../src/supergraph/prepare.js';

/** The step's cache and document swap, on a small schema (the HTTP behaviour is in gateway.test). */
const schema = buildSchema('type Query { me: User } type User { name: String email: String }');
const supergraph = {
  index: {
    access: new Map([
      ['Query.me', { authenticated: true, scopes: undefined, policies: undefined }],
      ['User.email', { authenticated: false, scopes: [['read:email']], policies: undefined }],
    ]),
  },
} as unknown as PreparedSupergraph;
const QUERY = '{ me { name email } }';
const document = parse(QUERY);

function request(principal: Principal | null): AdmissionRequest {
  return {
    context: { principal } as GatewayContext,
    schema,
    supergraph,
    operation: getOperationAST(document)!,
    operationName: undefined,
    variables: {},
    document,
    documentHash: 'client-hash',
    errors: [],
    cost: undefined,
  };
}
const user = (sub: string, scopes: string[]): Principal => ({
  sub,
  issuer: undefined,
  scopes: new Set(scopes),
  claims: {},
});

describe('authorize step', () => {
  const step = createAuthorizeStep({ policies: new Map(), rejectUnauthorized: false });
  const admit = async (principal: Principal | null) => {
    const r = request(principal);
    await step.admit!(r);
    return r;
  };

  it('plans the filtered document under the hash of its printed form', async () => {
    const r = await admit(user('u1', []));
    expect(print(r.document)).not.toContain('email');
    expect(r.documentHash).toBe(createHash('sha256').update(print(r.document)).digest('hex'));
  });

  it('shares one filtering between callers with the same relevant grants, not across grants', async () => {
    const a = await admit(user('u1', ['unrelated']));
    const b = await admit(user('u2', []));
    const full = await admit(user('u3', ['read:email']));
    const anonymous = await admit(null);
    expect(b.document).toBe(a.document);
    expect(full.document).toBe(document);
    expect(full.documentHash).toBe('client-hash');
    expect(new Set([a.documentHash, full.documentHash, anonymous.documentHash]).size).toBe(3);
  });

  it('puts the nulls and errors in the result after execution', async () => {
    const r = request(user('u1', []));
    // The step's record of the request (its removals), as admission hands it back after execution.
    const admitted = await step.admit!(r);
    const result = { data: { me: { name: 'Ann' } } as Record<string, unknown> };
    await step.complete!(r, result, admitted);
    expect(result.data).toEqual({ me: { name: 'Ann', email: null } });
    expect(r.errors.map((e) => [e.extensions.code, e.path])).toEqual([
      ['UNAUTHORIZED_FIELD_OR_TYPE', ['me', 'email']],
    ]);
  });
});
