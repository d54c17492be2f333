import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './operations/helpers/processes.js';
import { PROCESS_TESTS } from './tiers.js';

/** Calls that start a child process, directly or through the test helpers that do. */
const STARTS_A_PROCESS =
  /(?<![.\w])(?:spawn|spawnSync|exec|execSync|execFile|execFileSync|fork|startOwnRedis|spawnSubgraph|spawnGateway|startRedisCluster|launchChromium)\(|\.cli\(/;

function testFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return testFiles(relative);
    return entry.name.endsWith('.test.ts') ? [relative] : [];
  });
}

describe('test tiers', () => {
  const files = testFiles('test').filter((file) => file !== 'test/tiers.test.ts');
  const starting = files
    .filter((file) => STARTS_A_PROCESS.test(fs.readFileSync(path.join(root, file), 'utf8')))
    .sort();

  it('every test file that starts a process is in the process tier, and only those', () => {
    expect(files.length).toBeGreaterThan(50);
    expect([...PROCESS_TESTS].sort()).toEqual(starting);
  });

  it('the end-to-end tests and the process-fault tests stay out of the fast tier', () => {
    for (const file of [
      'test/e2e/start.test.ts',
      'test/e2e/build.test.ts',
      'test/operations/lifecycle.test.ts',
      'test/operations/subgraphFaults.test.ts',
    ])
      expect(PROCESS_TESTS).toContain(file);
  });
});
