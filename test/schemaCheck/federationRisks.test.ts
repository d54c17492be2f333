/**
 * `check:schema`'s `federation-risk` findings: the schema shapes the planner cannot answer
 * correctly are named by coordinate, and the ones the gateway fixes itself are not reported.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compose } from '../../src/schemaCheck/compose.js';
import { findFederationRisks } from '../../src/schemaCheck/federationRisks.js';
import * as fixtures from '../federation/fixtures.js';
import type { FixtureSubgraph } from '../federation/harness.js';

function risks(subgraphs: readonly FixtureSubgraph[]) {
  const composed = compose(
    subgraphs.map((s) => ({
      name: s.name,
      routingUrl: 'http://x',
      schemaPath: s.name,
      sdl: s.sdl,
    })),
  );
  if (!composed.ok) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return findFederationRisks(composed.supergraphSdl).map((f) => [
    f.code,
    f.severity,
    f.coordinate,
    f.subgraphs,
  ]);
}

describe('findFederationRisks', () => {
  it.each([
    [
      '@requires with arguments (the gateway aliases the client field)',
      fixtures.requiresWithArguments,
      [],
    ],
    [
      '@requires behind non-resolvable keys with a resolvable one',
      fixtures.requiresBehindNonResolvableKey,
      [],
    ],
    [
      '@requires on a type its subgraph cannot resolve',
      fixtures.requiresWithoutResolvableKey,
      [['requires-unresolvable', 'error', 'Item.badge', ['shelf']]],
    ],
    [
      '@interfaceObject behind a non-resolvable key',
      fixtures.nonResolvableInterfaceObject,
      [
        ['unreachable-interface-object', 'warning', 'Node.label', ['labels']],
        ['unreachable-interface-object', 'warning', 'Node.tag', ['labels']],
      ],
    ],
    [
      'two @requires of one field with other arguments',
      fixtures.requiresArgumentConflict,
      [
        ['requires-argument-conflict', 'error', 'Post.longSummary', ['insights']],
        ['requires-argument-conflict', 'error', 'Post.eurEstimate', ['insights']],
        ['requires-argument-conflict', 'error', 'Post.starBadge', ['insights']],
      ],
    ],
  ])('%s', (_, subgraphs, expected) => {
    expect(risks(subgraphs)).toEqual(expected);
  });

  it('finds nothing in the committed supergraph', () => {
    const sdl = fs.readFileSync(
      path.resolve(import.meta.dirname, '../../supergraph.graphql'),
      'utf8',
    );
    expect(findFederationRisks(sdl)).toEqual([]);
  });
});
