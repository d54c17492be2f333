import { describe, expect, it } from 'vitest';
import { createOperationLabels } from '../../src/observability/operationLabels.js';

describe('operation labels', () => {
  it('labels a name once it has been seen minCount times, and keeps it', () => {
    const label = createOperationLabels({ minCount: 3 });
    expect([1, 2, 3, 4].map(() => label('Screen'))).toEqual(['other', 'other', 'Screen', 'Screen']);
  });

  it('labels a known (manifest) name at once, beyond the cap', () => {
    const label = createOperationLabels({ minCount: 5, maxLabels: 0, known: (n) => n === 'Home' });
    expect(label('Home')).toBe('Home');
    expect(label('Other')).toBe('other');
  });

  it('never labels what is not a GraphQL name, and names missing names', () => {
    const label = createOperationLabels({ minCount: 1 });
    expect(label(undefined)).toBe('anonymous');
    expect(label(null)).toBe('anonymous');
    expect(label('bad name')).toBe('other');
    expect(label('x'.repeat(65))).toBe('other');
  });

  it('stops labelling at maxLabels; names labelled before keep theirs', () => {
    const label = createOperationLabels({ minCount: 1, maxLabels: 2 });
    expect(['A', 'B', 'C'].map(label)).toEqual(['A', 'B', 'other']);
    expect(label('A')).toBe('A');
  });

  it('junk seen once each does not delay a real name', () => {
    const label = createOperationLabels({ minCount: 2, maxLabels: 5, maxCandidates: 10 });
    for (let i = 0; i < 1000; i += 1) expect(label(`Junk${i}`)).toBe('other');
    expect([label('Real'), label('Real')]).toEqual(['other', 'Real']);
  });
});
