/**
 * The merged operation of `src/subgraphClient/batch.ts` is valid GraphQL for the subgraph: repeated root
 * fields under distinct aliases, each fetch's variables renamed, fragments kept once when defined
 * alike and renamed per fetch when not; its answer splits back per fetch, errors included.
 */
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { mergePlan, splitResponse } from '../../src/subgraphClient/batch.js';

const schema = buildSchema(`
  scalar _Any
  union _Entity = User
  type User { id: ID! name: String! email: String }
  type Query { _entities(representations: [_Any!]!): [_Entity]! me: User user(id: ID!): User }
`);

const entities = (name: string, selection: string) =>
  `query ${name}($representations:[_Any!]!){_entities(representations:$representations){...on User{${selection}}}}`;

describe('mergePlan', () => {
  it('aliases repeated root fields and renames each fetch’s variables', () => {
    const plan = mergePlan(
      [entities('A', 'name'), entities('B', 'email'), 'query C($id:ID!){user(id:$id){name}}'],
      'A__batch',
    )!;
    expect(plan.query).toBe(
      'query A__batch($_b0_representations:[_Any!]!$_b1_representations:[_Any!]!$_b2_id:ID!)' +
        '{_b0__entities:_entities(representations:$_b0_representations){...on User{name}}' +
        '_b1__entities:_entities(representations:$_b1_representations){...on User{email}}' +
        '_b2_user:user(id:$_b2_id){name}}',
    );
    expect(validate(schema, parse(plan.query))).toEqual([]);
  });

  it('keeps a fragment defined alike once, renames fragments defined differently', () => {
    const withFragment = (selection: string) =>
      `query($id:ID!){user(id:$id){...F}} fragment F on User{${selection}}`;
    const same = mergePlan([withFragment('name'), withFragment('name')])!;
    expect(same.query.match(/fragment /g)).toHaveLength(1);
    expect(validate(schema, parse(same.query))).toEqual([]);
    const different = mergePlan([withFragment('name'), withFragment('email')])!;
    expect(different.query).toContain('fragment _b0_F on User{name}');
    expect(different.query).toContain('fragment _b1_F on User{email}');
    expect(validate(schema, parse(different.query))).toEqual([]);
  });

  it('merges no mutation, nothing with a fragment at the root, nothing unparsable', () => {
    expect(mergePlan(['mutation{a}', 'query{me{id}}'])).toBeNull();
    expect(mergePlan(['{...on Query{me{id}}}', 'query{me{id}}'])).toBeNull();
    expect(mergePlan(['{me{', 'query{me{id}}'])).toBeNull();
  });
});

describe('splitResponse', () => {
  it('gives each fetch its root fields and the errors under its alias', () => {
    const plan = mergePlan([entities('A', 'name'), entities('B', 'email')])!;
    const member = (n: number) => ({
      request: { query: '', variables: undefined, operationName: undefined },
      options: {},
      representations: n,
    });
    const [a, b] = splitResponse(plan, [member(2), member(1)], {
      data: {
        _b0__entities: [{ name: 'Ann' }, { name: 'Bo' }],
        _b1__entities: [{ email: null }],
      },
      errors: [
        {
          message: 'forbidden',
          path: ['_b1__entities', 0, 'email'],
          extensions: { code: 'FORBIDDEN' },
        },
      ],
    });
    expect(a).toEqual({ data: { _entities: [{ name: 'Ann' }, { name: 'Bo' }] } });
    expect(b).toEqual({
      data: { _entities: [{ email: null }] },
      errors: [
        {
          message: 'forbidden',
          path: ['_entities', 0, 'email'],
          extensions: { code: 'FORBIDDEN' },
        },
      ],
    });
  });
});
