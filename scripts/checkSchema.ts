/** `npm run check:schema [--json]`: fails (exit 1) on anything that would break the graph. */
import path from 'node:path';
import { checkSchema, formatReport } from '../src/schemaCheck/check.js';

const args = process.argv.slice(2);
const report = checkSchema({ root: path.resolve(import.meta.dirname, '..') });
console.log(args.includes('--json') ? JSON.stringify(report, null, 2) : formatReport(report));
process.exit(report.ok ? 0 : 1);
