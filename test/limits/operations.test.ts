import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { estimateCost } from '../../src/cost/estimate.js';
import { checkLimits } from '../../src/limits/checkLimits.js';
import { countOperation } from '../../src/limits/counts.js';
import { flattenedShape } from '../../src/limits/depth.js';
import { operationHeight } from '../../src/limits/height.js';
import { countTokens } from '../../src/limits/tokenLimitPlugin.js';
import { realSupergraph } from '../cost/schemas.js';

// The defaults are sized from the repository's operations (the screens the frontends send), with
// room to spare: each must pass every limit and the cost maximum, as a client sends it.
const dir = path.resolve(import.meta.dirname, '../../operations');
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.graphql')) : [];
const defaults = loadConfig({});
const supergraph = realSupergraph();

describe.skipIf(files.length === 0)('operations/ against the default limits', () => {
  it.each(files)('%s', (file) => {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const document = parse(text);
    const operation = document.definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    )!;
    expect(countTokens(text, Infinity)).toBeLessThanOrEqual(defaults.limits.maxTokens / 2);
    expect(text.length).toBeLessThanOrEqual(defaults.limits.maxQueryChars / 2);
    expect(checkLimits(document, operation, defaults.limits)).toEqual({ ok: true });
    expect(flattenedShape(document).depth).toBeLessThanOrEqual(defaults.limits.maxDepth / 2);
    // Height: the highest, CatalogDeep, has 21 unique fields; the default is 200.
    expect(operationHeight(document, operation, Infinity)).toBeLessThanOrEqual(
      defaults.limits.maxHeight / 2,
    );
    expect(countOperation(document, operation).aliases).toBeLessThanOrEqual(
      defaults.limits.maxAliases,
    );
    const cost = estimateCost({
      document,
      schema: supergraph.schema,
      index: supergraph.index,
      defaultListSize: defaults.cost.defaultListSize,
    });
    expect(cost.ok && cost.cost).toBeLessThanOrEqual(defaults.cost.maxCost / 2);
  });
});
