// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/**
 * Which parts of `src/` each folder may import, besides itself, the shared `context.ts` and
 * `errors.ts`, and `observability/` (logs and metrics are everyone's). Read it bottom-up: nothing
 * lower imports anything higher, and `gateway.ts` / `main.ts` (the wiring) may import everything
 * but are imported by nothing. docs/architecture.md ("Module boundaries") explains each line.
 * A file named here (not a folder) is the only one of its folder that may be imported.
 * @type {Record<string, readonly string[]>}
 */
const LAYERS = {
  observability: [],
  redis: [],
  execution: [],
  lifecycle: ['redis'],
  config: ['http/clientAddress.ts', 'http/compression.ts', 'http/cors.ts'],
  'admission.ts': ['supergraph'],
  supergraph: ['admission.ts', 'config', 'execution', 'auth/devToken.ts', 'auth/keys.ts'],
  auth: ['admission.ts', 'config', 'supergraph'],
  limits: ['admission.ts', 'config'],
  cost: ['admission.ts', 'supergraph'],
  rateLimit: ['admission.ts', 'config', 'cost', 'redis'],
  headers: ['config', 'supergraph'],
  subgraphClient: ['headers'],
  cache: ['admission.ts', 'config', 'headers', 'redis', 'subgraphClient', 'supergraph'],
  persisted: ['redis', 'supergraph'],
  http: ['cache/cache.ts'],
  schemaCheck: ['cache', 'cost', 'persisted', 'supergraph'],
  registry: ['auth', 'config', 'http/body.ts', 'persisted', 'schemaCheck'],
};
const SHARED = ['context.ts', 'requestState.ts', 'respond.ts', 'errors.ts', 'observability'];

/** One `import-x/no-restricted-paths` zone per entry of {@link LAYERS}. */
const layerZones = Object.entries(LAYERS).map(([part, allowed]) => ({
  target: `./src/${part}`,
  from: './src',
  except: [...new Set([part, ...SHARED, ...allowed])].map((path) => `./${path}`),
  message: `src/${part} may import only ${[...allowed, ...SHARED].join(', ') || 'itself'} (see LAYERS in eslint.config.js).`,
}));

/** No file of `src/` reaches into a package's build output: public entry points only. */
const NO_DIST_IMPORTS = {
  group: ['**/dist', '**/dist/**'],
  message: "A package's dist/ path is private to it: import its public entry points only.",
};
/** The same for a module name in a string (`require(name)`, `createRequire`, dynamic imports). */
const NO_DIST_STRINGS = {
  selector: String.raw`:not(ImportDeclaration, ExportNamedDeclaration, ExportAllDeclaration) > Literal[value=/^(@[\w.-]+\/)?[\w.-]+\/dist(\/|$)/]`,
  message: "A package's dist/ path is private to it: use its public entry points only.",
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // bench/hiveGateway.ts is typechecked on its own (bench/tsconfig.hive.json).
        projectService: { allowDefaultProject: ['bench/hiveGateway.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver()] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': 'error',
    },
  },
  {
    // Layering: each folder of src/ imports only its allowed neighbours (LAYERS above).
    files: ['src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: [
            ...layerZones,
            {
              target: './src/*/**',
              from: ['./src/gateway.ts', './src/main.ts'],
              message: 'The wiring (gateway.ts, main.ts) imports the features, never the reverse.',
            },
          ],
        },
      ],
      'no-restricted-imports': ['error', { patterns: [NO_DIST_IMPORTS] }],
      'no-restricted-syntax': ['error', NO_DIST_STRINGS],
    },
  },
  {
    // Adapter boundaries: only the adapters talk to Redis and verify or sign tokens.
    files: ['src/**/*.ts'],
    ignores: [
      'src/rateLimit/redisBucket.ts',
      'src/cache/store.ts',
      'src/redis/**',
      'src/auth/verifier.ts',
      'src/auth/keys.ts',
      'src/auth/internalToken.ts',
      'src/auth/devToken.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ['ioredis', 'jose'], patterns: [NO_DIST_IMPORTS] },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
