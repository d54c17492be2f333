import { Kind, parse, type GraphQLError, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { AdmissionRequest } from '../../src/admission.js';
import { ADDED_ALIAS_PREFIX } from '../../src/cache/mutationEntities.js';
import { ARGUMENT_ALIAS_PREFIX } from '../../src/execution/reservedAlias.js';
import { reservedAliasStep } from '../../src/limits/reservedAliasStep.js';

const step = reservedAliasStep([ADDED_ALIAS_PREFIX, ARGUMENT_ALIAS_PREFIX]);

/** Runs the step on `query`: the code it refused with, or `admitted`. */
function admit(query: string): unknown {
  const document = parse(query, { noLocation: true });
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  const request = { operation, document, documentHash: 'h' } as unknown as AdmissionRequest;
  try {
    void step.admit!(request);
  } catch (error) {
    return (error as GraphQLError).extensions.code;
  }
  return 'admitted';
}

describe('aliases the gateway reserves for its own rewrites', () => {
  it.each([
    'mutation{updateProductPrice(id:"p1",price:1){gwCacheKey_id:price}}',
    '{product(id:"p1"){gwCacheKey___typename:name}}',
    '{...F} fragment F on Query{product(id:"p1"){gwCacheKey_x:name}}',
    '{product(id:"p1"){gwArg_name:name}}',
    '{...F} fragment F on Query{product(id:"p1"){seller{gwArg_x:name}}}',
  ])('refuses the reserved alias prefix: %s', (query) => {
    expect(admit(query)).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it.each(['{product(id:"p1"){name}}', '{product(id:"p1"){myGwArg_name:name gw:price}}'])(
    'admits other aliases: %s',
    (query) => {
      expect(admit(query)).toBe('admitted');
    },
  );
});
