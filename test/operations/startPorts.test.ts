/** `npm start`'s ports: `--ports` moves all four, else `PORT` moves the gateway, else 4000–4003. */
import { describe, expect, it } from 'vitest';
import { stackPorts } from '../../scripts/stackPorts.js';

const ports = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = stackPorts(argv, env);
  return parsed.ok ? Object.values(parsed.ports).join(',') : `error: ${parsed.reason}`;
};

describe('npm start ports', () => {
  it.each([
    [[], {}, '4000,4001,4002,4003'],
    [[], { PORT: '5000' }, '5000,4001,4002,4003'],
    [[], { PORT: '' }, '4000,4001,4002,4003'],
    [['--ports', '4600,4601,4602,4603'], {}, '4600,4601,4602,4603'],
    [['--ports', '4600,4601,4602,4603'], { PORT: '5000' }, '4600,4601,4602,4603'],
  ])('%j with %j → %s', (argv, env, expected) => {
    expect(ports(argv, env)).toBe(expected);
  });

  it.each([
    [[], { PORT: 'abc' }, /^error: PORT must be a port/],
    [[], { PORT: '70000' }, /^error: PORT must be a port/],
    [[], { PORT: '4001' }, /^error: the four ports must differ/],
    [['--ports', '4600,4601'], {}, /^error: --ports takes four ports/],
    [['--ports'], {}, /^error: --ports takes four ports/],
    [['--ports', '1,2,3,x'], {}, /^error: --ports takes four ports/],
    [['--ports', '4600,4600,4602,4603'], {}, /^error: the four ports must differ/],
  ])('%j with %j is refused', (argv, env, expected) => {
    expect(ports(argv, env)).toMatch(expected);
  });
});
