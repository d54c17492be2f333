import { parse, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { unitPolicy } from '../../src/cache/policy.js';
import type { CacheModel } from '../../src/cache/model.js';
import { modelOf, realModel, SYNTHETIC_SDL } from './models.js';

/** The policy of `field` (with its sub-selection) as a unit of `parentType`. */
function policyOf(model: CacheModel, parentType: string, field: string) {
  const operation = parse(`{ ${field} }`).definitions[0] as OperationDefinitionNode;
  const node = operation.selectionSet.selections[0] as FieldNode;
  const isRoot = parentType === 'Query';
  const { maxAge, scope } = unitPolicy(model.schema, model.hints, parentType, node, isRoot);
  return `${maxAge} ${scope}`;
}

describe('static policies of the real supergraph (Apollo rules)', () => {
  const model = realModel();
  it.each([
    // entity scalar fields inherit the entity type's hint
    ['Product', 'name', '300 PUBLIC'],
    ['Product', 'description', '300 PUBLIC'],
    // a field hint wins over the type hint
    ['Product', 'price', '10 PUBLIC'],
    ['Product', 'inStock', '10 PUBLIC'],
    // PRIVATE without maxAge: scope from the field, maxAge inherited from User
    ['User', 'email', '300 PRIVATE'],
    ['User', 'name', '300 PUBLIC'],
    // composite field returning a hinted type
    ['Product', 'seller { __typename id }', '300 PUBLIC'],
    ['Product', 'seller { name email }', '300 PRIVATE'],
    // composite field whose sub-selection has a shorter TTL
    ['User', 'products(first: 2) { name price }', '10 PUBLIC'],
    // no hint anywhere: money is never cached
    ['Payment', 'amount', '0 PUBLIC'],
    ['Payment', 'status', '0 PUBLIC'],
    ['User', 'payments(first: 5) { amount }', '0 PUBLIC'],
    // root fields
    ['Query', 'me { __typename id name }', '30 PRIVATE'],
    ['Query', 'me { name email }', '30 PRIVATE'],
    ['Query', 'products(first: 10) { name }', '300 PUBLIC'],
    ['Query', 'products(first: 10) { name price seller { __typename id } }', '10 PUBLIC'],
    ['Query', 'product(id: "p1") { name }', '300 PUBLIC'],
    ['Query', 'user(id: "u1") { name }', '300 PUBLIC'],
    ['Query', 'user(id: "u1") { payments(first: 1) { amount } }', '0 PUBLIC'],
    // unknown fields are never cached
    ['Product', 'nope', '0 PUBLIC'],
  ])('%s.%s → %s', (parent, field, expected) => {
    expect(policyOf(model, parent, field)).toBe(expected);
  });
});

describe('static policies: the rules the real schema does not exercise', () => {
  const model = modelOf(SYNTHETIC_SDL);
  it.each([
    // root field without hint returning a hinted type: the type's hint
    ['Query', 'book(id: 1) { title }', '120 PUBLIC'],
    // root field hint wins over the type's
    ['Query', 'latest { title }', '5 PUBLIC'],
    // root scalar without hint: 0; with hint: its own
    ['Query', 'version', '0 PUBLIC'],
    ['Query', 'pinned', '60 PUBLIC'],
    // inheritMaxAge does not override a hint of the returned type (Apollo applies it only when
    // the type gives no maxAge)
    ['Query', 'inherits { title }', '120 PUBLIC'],
    ['Book', 'related { title }', '120 PUBLIC'],
    // inheritMaxAge on an unhinted composite: no 0 default, so the entity's 120 …
    ['Book', 'inheritedReview { stars }', '120 PUBLIC'],
    // … but a root field has nothing to inherit from: 0
    ['Query', 'inheritsReview { stars }', '0 PUBLIC'],
    // composite field returning an unhinted type: 0
    ['Book', 'review { stars }', '0 PUBLIC'],
    // nested type hint lower than the parent's does not lengthen, higher does not shorten
    ['Book', 'author { name }', '600 PUBLIC'],
    ['Query', 'book(id: 1) { author { name } }', '120 PUBLIC'],
    // PRIVATE is contagious upwards, lowest maxAge wins
    ['Query', 'book(id: 1) { title secret }', '30 PRIVATE'],
    // a PRIVATE entity type makes every field of it private
    ['Diary', 'entry', '40 PRIVATE'],
  ])('%s.%s → %s', (parent, field, expected) => {
    expect(policyOf(model, parent, field)).toBe(expected);
  });
});
