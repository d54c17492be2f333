import { afterAll, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../src/schemaCheck/check.js';
import { cleanUp, Project, summary } from './harness.js';

afterAll(cleanUp);

const errors = (report: CheckReport) =>
  summary({ ok: report.ok, findings: report.findings.filter((f) => f.severity === 'error') });

/** A change to the committed fixture project, then `npm run compose` unless `stale`. */
type Change = (p: Project) => Project;
const composed =
  (change: Change): Change =>
  (p) =>
    change(p).compose();

describe('schema check: changes that must fail', () => {
  // [case, change, the error findings as `kind severity [operation] coordinate`]
  const cases: [string, Change, string[]][] = [
    [
      'a removed field',
      composed((p) => p.schema('product', '  status: ProductStatus!\n', '')),
      ['breaking error Product.status'],
    ],
    [
      'a retyped field',
      composed((p) => p.schema('product', 'name: String!', 'name: Int!')),
      ['breaking error Product.name'],
    ],
    [
      'an argument tightened to non-null',
      composed((p) => p.schema('product', 'products(first: Int = 5)', 'products(first: Int!)')),
      ['breaking error User.products(first:)'],
    ],
    [
      'an output loosened to nullable',
      composed((p) => p.schema('user', 'name: String!', 'name: String')),
      ['breaking error User.name'],
    ],
    [
      'an enum value removed',
      composed((p) => p.schema('product', '  ARCHIVED\n', '')),
      ['breaking error ProductStatus.ARCHIVED'],
    ],
    [
      '@requiresScopes removed',
      composed((p) => p.schema('user', ' @requiresScopes(scopes: [["read:email"]])', '')),
      ['lost-auth-coverage error User.email'],
    ],
    [
      'a scope alternative added',
      composed((p) => p.schema('user', '[["read:email"]]', '[["read:email"], ["read:profile"]]')),
      ['lost-auth-coverage error User.email'],
    ],
    [
      '@authenticated removed',
      composed((p) => p.schema('user', 'me: User @authenticated', 'me: User')),
      ['lost-auth-coverage error Query.me'],
    ],
    [
      '@policy removed',
      composed((p) => p.schema('user', ' @policy(policies: [["owner"]])', '')),
      ['lost-auth-coverage error User.phone'],
    ],
    [
      'a new list without @listSize',
      composed((p) =>
        p.schema('product', '  seller: User\n', '  seller: User\n  tags: [String!]!\n'),
      ),
      ['cost-risk error Product.tags'],
    ],
    [
      'a field an operation uses removed',
      composed((p) => p.schema('product', '  price: Float!\n', '')),
      ['breaking error Product.price', 'operation-invalid error Catalog Product.price'],
    ],
    [
      'an argument an operation uses renamed',
      composed((p) =>
        p.schema(
          'product',
          'products(first: Int = 10): [Product!]! @listSize(slicingArguments: ["first"])',
          'products(limit: Int = 10): [Product!]! @listSize(slicingArguments: ["limit"])',
        ),
      ),
      [
        'breaking error Query.products(first:)',
        'operation-invalid error Catalog Query.products(first:)',
      ],
    ],
    [
      'a composition error between two subgraphs',
      (p) =>
        p.schema(
          'user',
          'type Query',
          'type Product @key(fields: "id") {\n  id: ID!\n  name: String!\n}\n\ntype Query',
        ),
      ['composition error Product.name'],
    ],
    [
      'a stale supergraph',
      (p) => p.schema('product', '  seller: User\n', '  seller: User\n  description: String\n'),
      ['stale-supergraph error'],
    ],
  ];

  it.each(cases)('%s', async (_name, change, expected) => {
    const report = await change(Project.create()).check();
    expect(report.ok).toBe(false);
    expect(errors(report)).toEqual(expected);
  });

  it('an operation over the cost limit', async () => {
    const report = await Project.create().check({ maxCost: 15 });
    // Catalog: 10 products × (product + seller) = 20; Profile: user + 3 products = 4.
    expect(errors(report)).toEqual(['cost-risk error Catalog']);
    expect(report.findings[0]).toMatchObject({
      code: 'COST_ESTIMATED_TOO_EXPENSIVE',
      file: 'operations/Catalog.graphql',
    });
  });

  it('operations that do not parse, are anonymous or reuse a name', async () => {
    const project = Project.create()
      .write('operations/Broken.graphql', 'query Broken { products { \n')
      .write('operations/Anonymous.graphql', '{ products { id } }\n')
      .write('operations/account/Copy.graphql', 'query Catalog { products { id } }\n');
    const report = await project.check();
    expect(errors(report)).toEqual([
      'operation-invalid error',
      'operation-invalid error',
      'operation-invalid error Catalog',
    ]);
    expect(report.findings.map((f) => f.file)).toEqual([
      'operations/Anonymous.graphql',
      'operations/Broken.graphql',
      'operations/account/Copy.graphql',
    ]);
  });
});

describe('schema check: changes that must pass', () => {
  const cases: [string, Change][] = [
    ['no change', (p) => p],
    [
      'a nullable field added',
      composed((p) =>
        p.schema('product', '  seller: User\n', '  seller: User\n  description: String\n'),
      ),
    ],
    [
      'a type added',
      composed((p) =>
        p.schema(
          'product',
          'enum ProductStatus',
          'type Category {\n  id: ID!\n  name: String!\n}\n\nenum ProductStatus',
        ),
      ),
    ],
    [
      'a field deprecated',
      composed((p) =>
        p.schema(
          'product',
          '  price: Float!\n',
          '  price: Float! @deprecated(reason: "use cents")\n',
        ),
      ),
    ],
    [
      'a scope requirement made stricter',
      composed((p) => p.schema('user', '[["read:email"]]', '[["read:email", "pii"]]')),
    ],
    [
      'a new list with @listSize',
      composed((p) =>
        p.schema(
          'product',
          '  seller: User\n',
          '  seller: User\n  tags: [String!]! @listSize(assumedSize: 5)\n',
        ),
      ),
    ],
  ];

  it.each(cases)('%s', async (_name, change) => {
    const report = await change(Project.create()).check();
    expect(report).toEqual({ ok: true, findings: [] });
  });

  it('a dangerous change is a warning', async () => {
    const project = composed((p) => p.schema('product', '  ARCHIVED\n', '  ARCHIVED\n  DRAFT\n'))(
      Project.create(),
    );
    const report = await project.check();
    expect(report.ok).toBe(true);
    expect(summary(report)).toEqual(['breaking warning ProductStatus.DRAFT']);
  });

  it('--allow-breaking and --allow-auth-change turn their errors into allowed warnings', async () => {
    const project = composed((p) =>
      p
        .schema('product', '  status: ProductStatus!\n', '')
        .schema('user', 'me: User @authenticated', 'me: User'),
    )(Project.create());
    const report = await project.check({ allowBreaking: true, allowAuthChange: true });
    expect(report.ok).toBe(true);
    const allowed = report.findings.filter((f) => f.allowed);
    expect(summary({ ok: true, findings: allowed })).toEqual([
      'breaking warning Product.status',
      'lost-auth-coverage warning Query.me',
    ]);
  });
});

describe('schema check: where findings point', () => {
  it('names subgraph, coordinate, file and line', async () => {
    const project = composed((p) =>
      p.schema('user', ' @requiresScopes(scopes: [["read:email"]])', ''),
    )(Project.create());
    const [finding] = (await project.check()).findings;
    expect(finding).toMatchObject({
      kind: 'lost-auth-coverage',
      coordinate: 'User.email',
      subgraphs: ['user'],
      file: 'subgraphs/user/schema.graphql',
      line: 15,
    });
  });

  it('names the operation, its file and line, and the subgraph of the removed field', async () => {
    const project = composed((p) => p.schema('user', '  email: String', '  mail: String'))(
      Project.create(),
    );
    const finding = (await project.check()).findings.find((f) => f.kind === 'operation-invalid');
    expect(finding).toMatchObject({
      operation: 'Profile',
      file: 'operations/account/Profile.graphql',
      line: 4,
      coordinate: 'User.email',
      subgraphs: ['user'],
    });
  });

  it('names both subgraphs and the file of a composition error', async () => {
    const project = Project.create().schema(
      'user',
      'type Query',
      'type Product @key(fields: "id") {\n  id: ID!\n  name: String!\n}\n\ntype Query',
    );
    const [finding] = (await project.check()).findings;
    expect(finding).toMatchObject({
      kind: 'composition',
      code: 'INVALID_FIELD_SHARING',
      subgraphs: ['product', 'user'],
    });
    expect(finding?.file).toMatch(/^subgraphs\/(product|user)\/schema\.graphql$/);
  });
});

describe('schema check: the base', () => {
  it('skips the comparison with a warning outside a git repository', async () => {
    const project = composed((p) => p.schema('product', '  status: ProductStatus!\n', ''))(
      Project.create({ git: false }),
    );
    const report = await project.check();
    expect(report.ok).toBe(true);
    expect(summary(report).filter((s) => !s.startsWith('composition-hint'))).toEqual([
      'base-unavailable warning',
    ]);
  });

  it('skips the comparison with a warning in a repository without commits', async () => {
    const project = Project.create({ git: false });
    project.git('init', '--quiet');
    expect(summary(await project.check())).toEqual(['base-unavailable warning']);
  });

  it('compares with an older commit given as --base', async () => {
    const project = composed((p) => p.schema('product', '  status: ProductStatus!\n', ''))(
      Project.create(),
    );
    project.git('commit', '--quiet', '-am', 'remove status');
    expect(errors(await project.check())).toEqual([]);
    expect(errors(await project.check({ base: { kind: 'ref', ref: 'HEAD~1' } }))).toEqual([
      'breaking error Product.status',
    ]);
  });
});
