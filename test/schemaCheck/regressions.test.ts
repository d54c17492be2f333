import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CheckReport, Finding } from '../../src/schemaCheck/check.js';
import { cleanUp, Project, summary } from './harness.js';

afterAll(cleanUp);
// why: a check is synchronous work (composition, git) resolved through microtasks only; without a
// turn of the event loop between tests the worker never reads vitest's RPC replies and they time out.
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

/** The repository's own three subgraphs and screens, committed as the base. */
const gateway = () => Project.create({ fixture: 'gateway' });

const ME = 'me: User @authenticated @cacheControl(maxAge: 30, scope: PRIVATE)';
const EMAIL =
  'email: String @requiresScopes(scopes: [["read:email"]]) @cacheControl(scope: PRIVATE)';
const PRODUCTS =
  'products(first: Int = 10, after: String): [Product!]! @listSize(slicingArguments: ["first"])';
const PAYMENT_TYPE = 'type Payment @key(fields: "id") {';

const of = (report: CheckReport, kind: string) => report.findings.filter((f) => f.kind === kind);
const only = (report: CheckReport, kind: string): Finding => {
  const found = of(report, kind);
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe('cache-policy: effective policies made shareable are errors', () => {
  it.each([
    [
      'scope: PRIVATE removed from Query.me',
      (p: Project) => p.schema('user', ME, 'me: User @authenticated @cacheControl(maxAge: 30)'),
      'Query.me',
      'PRIVATE maxAge 30s → PUBLIC maxAge 30s',
    ],
    [
      'User.email PRIVATE → PUBLIC',
      (p: Project) => p.schema('user', EMAIL, EMAIL.replace('PRIVATE', 'PUBLIC')),
      'User.email',
      'PRIVATE maxAge 300s → PUBLIC maxAge 300s',
    ],
    [
      "User.email's hint removed (it inherits User's public policy)",
      (p: Project) => p.schema('user', EMAIL, EMAIL.replace(' @cacheControl(scope: PRIVATE)', '')),
      'User.email',
      'PRIVATE maxAge 300s → PUBLIC maxAge 300s',
    ],
  ])('%s', async (_name, change, coordinate, policies) => {
    const report = await change(gateway()).compose().check();
    expect(report.ok).toBe(false);
    expect(summary(report)).toEqual([`cache-policy error ${coordinate}`]);
    const finding = only(report, 'cache-policy');
    expect(finding).toMatchObject({ code: 'CACHE_SCOPE_WIDENED', subgraphs: ['user'] });
    expect(finding.message).toContain(coordinate);
    expect(finding.message).toContain(policies);
  });

  it('--allow-cache-change turns the error into an allowed warning', async () => {
    const project = gateway()
      .schema('user', ME, 'me: User @authenticated @cacheControl(maxAge: 30)')
      .compose();
    const report = await project.check({ allowCacheChange: true });
    expect(report.ok).toBe(true);
    expect(only(report, 'cache-policy')).toMatchObject({
      severity: 'warning',
      allowed: true,
      coordinate: 'Query.me',
    });
  });
});

describe('cache-policy: longer-lived or newly cached policies are warnings', () => {
  it('Payment given maxAge: 300 names every field of it that money was never cached for', async () => {
    const project = gateway()
      .schema(
        'payment',
        PAYMENT_TYPE,
        'type Payment @key(fields: "id") @cacheControl(maxAge: 300) {',
      )
      .compose();
    const report = await project.check();
    expect(report.ok).toBe(true);
    const findings = of(report, 'cache-policy');
    expect(findings.map((f) => f.coordinate)).toEqual(
      expect.arrayContaining(['Mutation.createPayment', 'Payment.amount', 'User.payments']),
    );
    const amount = findings.find((f) => f.coordinate === 'Payment.amount');
    expect(amount).toMatchObject({ severity: 'warning', code: 'CACHE_NEWLY_CACHEABLE' });
    expect(amount?.message).toContain('not cached (PUBLIC) → PUBLIC maxAge 300s');
  });

  it('a private list given a TTL', async () => {
    const project = gateway()
      .schema(
        'payment',
        '  payments(first: Int = 10): [Payment!]\n',
        '  payments(first: Int = 10): [Payment!]\n    @cacheControl(maxAge: 60, scope: PRIVATE)\n',
      )
      .compose();
    const report = await project.check();
    expect(report.ok).toBe(true);
    expect(only(report, 'cache-policy')).toMatchObject({
      severity: 'warning',
      code: 'CACHE_NEWLY_CACHEABLE',
      coordinate: 'User.payments',
    });
  });

  it('a TTL raised by orders of magnitude', async () => {
    const project = gateway()
      .schema(
        'product',
        'price: Float! @cacheControl(maxAge: 10)',
        'price: Float! @cacheControl(maxAge: 3600)',
      )
      .compose();
    const report = await project.check();
    expect(report.ok).toBe(true);
    const finding = only(report, 'cache-policy');
    expect(finding).toMatchObject({
      severity: 'warning',
      code: 'CACHE_TTL_RAISED',
      coordinate: 'Product.price',
    });
    expect(finding.message).toContain('PUBLIC maxAge 10s → PUBLIC maxAge 3600s');
  });

  it('stricter policies pass without findings', async () => {
    const project = gateway()
      .schema(
        'product',
        'price: Float! @cacheControl(maxAge: 10)',
        'price: Float! @cacheControl(maxAge: 5, scope: PRIVATE)',
      )
      .schema('user', ME, 'me: User @authenticated @cacheControl(maxAge: 10, scope: PRIVATE)')
      .compose();
    expect(await project.check()).toEqual({ ok: true, findings: [] });
  });
});

describe('lost-auth-coverage: new paths to protected data', () => {
  it('a new root field Query.payment returning Payment without auth', async () => {
    const project = gateway()
      .schema(
        'payment',
        'type Mutation {',
        'type Query {\n  payment(id: ID!): Payment\n}\n\ntype Mutation {',
      )
      .compose();
    const report = await project.check();
    expect(report.ok).toBe(false);
    expect(summary(report)).toEqual(['lost-auth-coverage error Payment']);
    const finding = only(report, 'lost-auth-coverage');
    expect(finding).toMatchObject({
      code: 'NEW_PATH_TO_PROTECTED_DATA',
      subgraphs: ['payment'],
      file: 'subgraphs/payment/schema.graphql',
    });
    expect(finding.message).toContain('Query.payment -> Payment');
    expect(finding.message).toContain('an anonymous caller');
    expect(finding.message).toContain('Payment.amount');
  });

  it('a new Query.userByEmail(email:) exposing User.email as an argument', async () => {
    const project = gateway()
      .schema(
        'user',
        '  user(id: ID!): User\n',
        '  user(id: ID!): User\n  userByEmail(email: String!): User\n',
      )
      .compose();
    const report = await project.check();
    expect(report.ok).toBe(false);
    expect(summary(report)).toEqual(['lost-auth-coverage error User.email']);
    const finding = only(report, 'lost-auth-coverage');
    expect(finding.message).toContain('Query.userByEmail(email:) -> User.email');
    expect(finding.message).toContain('scopes [read:email]');
    expect(finding).toMatchObject({ subgraphs: ['user'], file: 'subgraphs/user/schema.graphql' });
  });

  it('a new field behind at least the weakest existing requirement passes', async () => {
    const project = gateway()
      .schema(
        'payment',
        'type Mutation {',
        'type Query {\n  payment(id: ID!): Payment @authenticated\n}\n\ntype Mutation {',
      )
      .schema(
        'user',
        '  user(id: ID!): User\n',
        '  user(id: ID!): User\n  userByEmail(email: String!): User @requiresScopes(scopes: [["read:email"]])\n',
      )
      .compose();
    expect(await project.check()).toEqual({ ok: true, findings: [] });
  });

  it('--allow-auth-change turns a new path into an allowed warning', async () => {
    const project = gateway()
      .schema(
        'payment',
        'type Mutation {',
        'type Query {\n  payment(id: ID!): Payment\n}\n\ntype Mutation {',
      )
      .compose();
    const report = await project.check({ allowAuthChange: true });
    expect(report.ok).toBe(true);
    expect(only(report, 'lost-auth-coverage')).toMatchObject({
      severity: 'warning',
      allowed: true,
    });
  });
});

describe('cost-risk: @listSize regressions on existing lists', () => {
  it('@listSize removed, with the operations whose estimate falls', async () => {
    const project = gateway()
      .schema('product', PRODUCTS, 'products(first: Int = 10, after: String): [Product!]!')
      .compose();
    const report = await project.check();
    expect(report.ok).toBe(false);
    expect(summary(report)).toEqual(['cost-risk error Query.products']);
    const finding = only(report, 'cost-risk');
    expect(finding).toMatchObject({
      code: 'LIST_SIZE_REMOVED',
      file: 'subgraphs/product/schema.graphql',
    });
    expect(finding.message).toContain('CatalogPage 40 → 20 (2× lower)');
  });

  it('assumedSize lowered', async () => {
    const project = gateway()
      .schema(
        'product',
        PRODUCTS,
        'products(first: Int = 10, after: String): [Product!]! @listSize(assumedSize: 100)',
      )
      .commit()
      .schema('product', '@listSize(assumedSize: 100)', '@listSize(assumedSize: 10)')
      .compose();
    const report = await project.check();
    expect(report.ok).toBe(false);
    expect(summary(report)).toEqual(['cost-risk error Query.products']);
    const finding = only(report, 'cost-risk');
    expect(finding.code).toBe('ASSUMED_SIZE_LOWERED');
    expect(finding.message).toContain('from 100 to 10');
    expect(finding.message).toMatch(/Home 200 → 20 \(10× lower\)/);
  });

  it('requireOneSlicingArgument turned off', async () => {
    const project = gateway()
      .schema(
        'product',
        PRODUCTS,
        PRODUCTS.replace('["first"])', '["first"], requireOneSlicingArgument: false)'),
      )
      .compose();
    const report = await project.check();
    expect(report.ok).toBe(false);
    expect(summary(report)).toEqual(['cost-risk error Query.products']);
    expect(only(report, 'cost-risk').code).toBe('SLICING_NOT_REQUIRED');
  });

  it('a slicing argument that no longer sizes the list, though still accepted', async () => {
    const project = gateway()
      .schema(
        'product',
        PRODUCTS,
        PRODUCTS.replace('slicingArguments: ["first"]', 'assumedSize: 50'),
      )
      .compose();
    const report = await project.check();
    expect(report.ok).toBe(false);
    expect(of(report, 'cost-risk').map((f) => f.code)).toEqual([
      'SLICING_ARGUMENT_DROPPED',
      'SLICING_NOT_REQUIRED',
    ]);
    expect(of(report, 'cost-risk')[0]?.message).toContain('CatalogPage 40 → 100');
  });

  it('a slicing default raised 10 → 100 reports each estimate it changes', async () => {
    const project = gateway()
      .schema('product', PRODUCTS, PRODUCTS.replace('first: Int = 10', 'first: Int = 100'))
      .compose();
    const report = await project.check();
    expect(report.ok).toBe(true);
    const finding = only(report, 'cost-risk');
    expect(finding).toMatchObject({
      severity: 'warning',
      code: 'SLICING_DEFAULT_CHANGED',
      coordinate: 'Query.products',
    });
    expect(finding.message).toContain('from 10 to 100');
    expect(finding.message).toContain('Home 20 → 200 (10× higher)');
    expect(finding.message).not.toContain('CatalogPage');
  });

  it('--allow-cost-change turns a regression into an allowed warning', async () => {
    const project = gateway()
      .schema('product', PRODUCTS, 'products(first: Int = 10, after: String): [Product!]!')
      .compose();
    const report = await project.check({ allowCostChange: true });
    expect(report.ok).toBe(true);
    expect(only(report, 'cost-risk')).toMatchObject({ severity: 'warning', allowed: true });
  });
});
