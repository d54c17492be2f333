/**
 * The depth limit runs `graphql-depth-limit` (src/limits/depth.ts); the linear `flattenedShape`
 * stands in for it only where the library's walk is unsafe or too slow (fragment bombs, names like
 * `__proto__`). Both must count the same, so the limit never depends on which one ran: compared
 * here on the screens in `operations/` and on queries generated over the real API schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import depthLimit from 'graphql-depth-limit';
import { parse, type DocumentNode, type GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { exceedsDepth, flattenedShape } from '../../src/limits/depth.js';
import { realSupergraph } from '../cost/schemas.js';
import { generateRequests } from '../differential/generate.js';

/** The depth graphql-depth-limit reports: its callback gets the depth of every operation. */
function libraryDepth(document: DocumentNode): number {
  let depths: Record<string, number> = {};
  const rule = depthLimit(1000, {}, (d: Record<string, number>) => (depths = d)) as (
    c: unknown,
  ) => unknown;
  rule({ getDocument: () => document, reportError: (_e: GraphQLError) => undefined });
  return Math.max(0, ...Object.values(depths));
}

const dir = path.resolve(import.meta.dirname, '../../operations');
const screens = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.graphql'))
  .map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')] as const);
const generated = generateRequests(realSupergraph().schema, 300, 18).map(
  (r) => [r.name, r.query] as const,
);

describe('depth: graphql-depth-limit and the linear count agree', () => {
  it('on operations/ and generated queries, at every limit around the depth', () => {
    expect(screens.length).toBeGreaterThanOrEqual(5);
    expect(generated.length).toBe(300);
    const depths = new Set<number>();
    for (const [name, query] of [...screens, ...generated]) {
      const document = parse(query);
      const depth = libraryDepth(document);
      depths.add(depth);
      expect(flattenedShape(document).depth, name).toBe(depth);
      // The gateway's check (library, or the linear count in its place) draws the line there too.
      expect(exceedsDepth(document, depth), name).toBe(false);
      if (depth > 0) expect(exceedsDepth(document, depth - 1), name).toBe(true);
    }
    // The documents are not all alike: several depths were compared.
    expect(depths.size).toBeGreaterThanOrEqual(4);
  });
});
