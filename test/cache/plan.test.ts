import { describe, expect, it } from 'vitest';
import { compileFetch, type FetchPlan } from '../../src/cache/plan.js';
import { realModel } from './models.js';

const model = realModel();
const compile = (query: string): FetchPlan => compileFetch(query, model, 'product');
const ENTITIES = (inner: string, vars = '') =>
  `query($representations:[_Any!]!${vars}){_entities(representations:$representations){${inner}}}`;

describe('what a fetch compiles to', () => {
  it.each([
    ['{products(first:3){name price seller{__typename id}}}', 'root'],
    [ENTITIES('...on User{name}'), 'entities'],
    ['mutation{updateProductPrice(id:"p1",price:3){price}}', 'mutation'],
    // bypassed: directives, unknown types, several operations, broken text, subscriptions
    ['query($s:Boolean!){products(first:3){name @include(if:$s)}}', 'bypass'],
    [ENTITIES('...on Nope{name}'), 'bypass'],
    [ENTITIES('...on Payment{amount} ...on Payment{amount}'), 'bypass'],
    ['query A{products(first:1){name}} query B{products(first:1){name}}', 'bypass'],
    ['{products(first:3){', 'bypass'],
    ['subscription{x}', 'bypass'],
  ])('%s → %s', (query, kind) => {
    expect(compile(query).kind).toBe(kind);
  });

  it('inlines named fragments so every field stands alone', () => {
    const plan = compile(`query{products(first:2){...P}} fragment P on Product{name price}`);
    if (plan.kind !== 'root') throw new Error(plan.kind);
    expect(plan.units[0]!.policy).toEqual({ maxAge: 10, scope: 'PUBLIC' });
    expect(plan.rewrite(plan.units)).toBe('{products(first:2){...on Product{name price}}}');
  });
});

describe('rewritten fetches ask only for the missing units, with only the variables they use', () => {
  const plan = compile(
    ENTITIES(
      '...on User{__typename name products(first:$n){name} email} ...on Product{name price}',
      ',$n:Int,$unused:Int',
    ),
  );
  if (plan.kind !== 'entities') throw new Error(plan.kind);
  const units = (...keys: string[]) =>
    plan.units.filter((u) => keys.includes(`${u.typeName}.${u.responseKey}`));

  it.each([
    [
      ['Product.price'],
      'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{price}}}',
    ],
    [
      ['User.products', 'Product.price'],
      'query($representations:[_Any!]!$n:Int){_entities(representations:$representations){...on User{products(first:$n){name}}...on Product{price}}}',
    ],
    [
      ['User.email'],
      'query($representations:[_Any!]!){_entities(representations:$representations){...on User{email}}}',
    ],
  ])('missing %j → %s', (missing, query) => {
    expect(plan.rewrite(units(...missing))).toBe(query);
  });

  it('knows the typename keys and units of each type', () => {
    expect(plan.typenameKeys.get('User')).toEqual(['__typename']);
    expect(plan.byType.get('User')!.map((u) => u.responseKey)).toEqual([
      'name',
      'products',
      'email',
    ]);
  });

  it('records which entity types guard each unit', () => {
    expect(units('User.name')[0]!.dependsOn).toEqual([]);
    expect(units('User.products')[0]!.dependsOn).toEqual(['Product']);
  });
});

describe('root units', () => {
  it('depend on the entity types they return, but not on references', () => {
    const plan = compile(
      '{products(first:3){name seller{__typename id}} me{id} user(id:"u1"){__typename id}}',
    );
    if (plan.kind !== 'root') throw new Error(plan.kind);
    expect(plan.units.map((u) => u.dependsOn)).toEqual([['Product'], ['User'], ['User']]);
  });

  it('resolve default values of variables', () => {
    const plan = compile('query($n:Int=4){products(first:$n){name}}');
    if (plan.kind !== 'root') throw new Error(plan.kind);
    expect(plan.defaults).toEqual({ n: 4 });
  });
});
