import { Kind, parse, print, stripIgnoredCharacters, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { AdmissionRequest } from '../../src/admission.js';
import { createCacheStep } from '../../src/cache/cacheStep.js';
import type { GatewayContext } from '../../src/context.js';
import { realModel } from './models.js';

const model = realModel();

/** Runs the cache step's `admit` on `query`; the document it plans. */
function admit(query: string): { document: string; hash: string } {
  const document = parse(query, { noLocation: true });
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  const request = {
    context: {} as GatewayContext,
    schema: model.schema,
    operation,
    document,
    documentHash: 'h',
  } as unknown as AdmissionRequest;
  void createCacheStep(() => model).admit!(request);
  return { document: stripIgnoredCharacters(print(request.document)), hash: request.documentHash };
}

const KEYS = 'gwCacheKey___typename:__typename gwCacheKey_id:id';

describe('the cache step widens mutations, whatever the client selected', () => {
  it.each([
    [
      'mutation{updateProductPrice(id:"p1",price:1){id@skip(if:true) price}}',
      `mutation{updateProductPrice(id:"p1" price:1){id@skip(if:true)price ${KEYS}}}`,
    ],
    // entity fields reached only through a named fragment get their keys in the fragment
    [
      'mutation{updateProductPrice(id:"p1",price:1){...P}} fragment P on Product{price seller{name}}',
      `mutation{updateProductPrice(id:"p1" price:1){...P ${KEYS}}}fragment P on Product{price seller{name ${KEYS}}}`,
    ],
  ])('%s', (query, expected) => {
    const result = admit(query);
    expect(result).toEqual({ document: expected, hash: expect.not.stringMatching(/^h$/) });
  });

  it('leaves queries as they are', () => {
    expect(admit('{product(id:"p1"){id price}}')).toEqual({
      document: '{product(id:"p1"){id price}}',
      hash: 'h',
    });
  });
});
