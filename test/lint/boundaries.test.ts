/**
 * The layering rules of eslint.config.js, run on fixture sources: a folder importing past its
 * allowed neighbours (LAYERS), or a package's `dist/` path, is a lint error.
 */
import path from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RULES = ['import-x/no-restricted-paths', 'no-restricted-imports', 'no-restricted-syntax'];

/** The project's own settings of the boundary rules, without the type-aware parser (fast). */
let eslint: ESLint;
beforeAll(async () => {
  const config = (await new ESLint({ cwd: ROOT }).calculateConfigForFile(
    path.join(ROOT, 'src/cache/cache.ts'),
  )) as Linter.Config;
  eslint = new ESLint({
    cwd: ROOT,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: config.languageOptions?.parser },
        plugins: { 'import-x': config.plugins!['import-x']! },
        settings: config.settings,
        rules: Object.fromEntries(RULES.map((rule) => [rule, config.rules![rule]!])),
      },
    ],
  });
}, 60_000);

/** The rules that fail for `code` written in `file` (relative to the repository). */
async function violations(file: string, code: string): Promise<(string | null)[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result!.messages.map((message) => message.ruleId);
}

describe('module boundaries', () => {
  it.each<[string, string, string, string[]]>([
    [
      'the subgraph client knows nothing of the cache',
      'src/subgraphClient/fixture.ts',
      "import { canonicalJson } from '../cache/keys.js';\nexport const key = canonicalJson(1);\n",
      ['import-x/no-restricted-paths'],
    ],
    [
      'the cache knows nothing of HTTP',
      'src/cache/fixture.ts',
      "import type { Route } from '../http/server.js';\nexport type R = Route;\n",
      ['import-x/no-restricted-paths'],
    ],
    [
      'HTTP uses the cache only through its public module',
      'src/http/fixture.ts',
      "import { sha256 } from '../cache/keys.js';\nexport const digest = sha256;\n",
      ['import-x/no-restricted-paths'],
    ],
    [
      'no feature imports the wiring',
      'src/limits/fixture.ts',
      "import { createGateway } from '../gateway.js';\nexport const g = createGateway;\n",
      ['import-x/no-restricted-paths', 'import-x/no-restricted-paths'],
    ],
    [
      "no import of a package's dist/ path",
      'src/execution/fixture.ts',
      "import { executeQueryPlan } from '@apollo/gateway/dist/executeQueryPlan.js';\nexport { executeQueryPlan };\n",
      ['no-restricted-imports'],
    ],
    [
      'no dist/ path in a string either (require, createRequire)',
      'src/execution/fixture.ts',
      "export const name = '@apollo/gateway/dist/executeQueryPlan.js';\n",
      ['no-restricted-syntax'],
    ],
    [
      'allowed: the cache uses the subgraph client',
      'src/cache/fixture.ts',
      "import type { SubgraphRequest } from '../subgraphClient/subgraphClient.js';\nexport type R = SubgraphRequest;\n",
      [],
    ],
    [
      "allowed: HTTP calls the cache's public function",
      'src/http/fixture.ts',
      "import type { Cache } from '../cache/cache.js';\nexport type C = Cache;\n",
      [],
    ],
  ])('%s', async (_name, file, code, expected) => {
    expect(await violations(file, code)).toEqual(expected);
  });
});
