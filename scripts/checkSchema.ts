/**
 * `npm run check:schema [-- options]`: fails (exit 1) on anything that would break the graph, a
 * frontend screen or weaken auth; exit 2 on bad usage. See `--help`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { BaseError, checkSchema, formatReport, parseBase } from '../src/schemaCheck/check.js';

const USAGE = `Usage: npm run check:schema -- [options]

  --base REF|FILE       compare with git REF's supergraph.graphql, or a supergraph file
                        (default: HEAD, the last commit)
  --allow-breaking      report breaking changes as warnings (an explicit, logged decision)
  --allow-auth-change   report weaker auth requirements as warnings (explicit, logged)
  --allow-cache-change  report cache policies made shareable (PRIVATE -> PUBLIC) as warnings
  --allow-cost-change   report weaker @listSize on existing lists as warnings
  --max-cost N          operation cost limit (default: MAX_COST, else the gateway default)
  --root DIR            project root (default: this repository)
  --json                print the report as JSON: { ok, findings: [...] }
  -h, --help            this text

Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 bad usage.`;

function usageError(message: string): never {
  console.error(`check:schema: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseCli() {
  try {
    return parseArgs({
      options: {
        base: { type: 'string' },
        'allow-breaking': { type: 'boolean', default: false },
        'allow-auth-change': { type: 'boolean', default: false },
        'allow-cache-change': { type: 'boolean', default: false },
        'allow-cost-change': { type: 'boolean', default: false },
        'max-cost': { type: 'string' },
        root: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return usageError((error as Error).message);
  }
}

/** Only the cost variables matter here; other gateway variables (e.g. production keys) do not. */
function costDefaults() {
  try {
    return loadConfig({
      MAX_COST: process.env.MAX_COST,
      DEFAULT_LIST_SIZE: process.env.DEFAULT_LIST_SIZE,
    }).cost;
  } catch (error) {
    return usageError(error instanceof ConfigError ? error.problems.join('; ') : String(error));
  }
}

const values = parseCli();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

// why: `npm run` changes into the package folder; INIT_CWD is where the user typed the command.
const cwd = process.env.INIT_CWD ?? process.cwd();
const root = values.root ? path.resolve(cwd, values.root) : path.join(import.meta.dirname, '..');
if (!fs.existsSync(path.join(root, 'subgraphs/supergraph.yaml')))
  usageError(`${root} has no subgraphs/supergraph.yaml (is --root the project root?)`);
if (values['max-cost'] !== undefined && !/^[1-9]\d*$/.test(values['max-cost']))
  usageError(`--max-cost must be a positive whole number (got "${values['max-cost']}")`);

const cost = costDefaults();

try {
  const report = await checkSchema({
    root,
    ...(values.base !== undefined ? { base: parseBase(values.base, cwd) } : {}),
    allowBreaking: values['allow-breaking'],
    allowAuthChange: values['allow-auth-change'],
    allowCacheChange: values['allow-cache-change'],
    allowCostChange: values['allow-cost-change'],
    maxCost: values['max-cost'] !== undefined ? Number(values['max-cost']) : cost.maxCost,
    defaultListSize: cost.defaultListSize,
  });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  process.exitCode = report.ok ? 0 : 1;
} catch (error) {
  if (error instanceof BaseError) usageError(error.message);
  throw error;
}
