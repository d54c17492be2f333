/**
 * `npm run api-key -- --name NAME [--tier TIER] [--file PATH]`: issues an API key. Prints the key
 * once (last line of stdout) and appends only its hash to the key file (`--file`, else
 * `API_KEYS_PATH`); a running gateway picks it up without a restart. The file is created if
 * missing; comments and other entries are kept. `--tier` must be one of `RATE_LIMIT_TIERS` when
 * that variable is set. Revoke a key by setting `revoked: true` on its entry.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isSeq, parseDocument, stringify } from 'yaml';
import { hashApiKey, newApiKey, parseApiKeys } from '../src/auth/apiKeys.js';
import { cliFail, parseCliOptions } from './cliOptions.js';

const fail: (message: string) => never = (message) => cliFail('api-key', message);

const usage = 'usage: npm run api-key -- --name NAME [--tier TIER] [--file PATH]';

const values = parseCliOptions('api-key', process.argv.slice(2), ['name', 'tier', 'file'], usage);
const name = values.name?.trim();
if (!name) fail(`--name is required.\n${usage}`);
if (!/^[\w.@:/-]{1,200}$/.test(name))
  fail('--name may hold letters, digits and . _ - @ : / (at most 200).');
const file = values.file ?? process.env.API_KEYS_PATH;
if (!file) fail(`--file or API_KEYS_PATH is required.\n${usage}`);

let tiers: Set<string> | undefined;
if (process.env.RATE_LIMIT_TIERS) {
  try {
    tiers = new Set(Object.keys(JSON.parse(process.env.RATE_LIMIT_TIERS) as object));
  } catch {
    fail('RATE_LIMIT_TIERS must be JSON.');
  }
}
if (values.tier !== undefined && tiers && !tiers.has(values.tier))
  fail(`--tier "${values.tier}" is not in RATE_LIMIT_TIERS (${[...tiers].join(', ')}).`);

const target = path.resolve(file);
const before = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
const doc = parseDocument(before);
if (doc.errors.length > 0 || !(doc.contents === null || isSeq(doc.contents)))
  fail(`${target} is not a YAML list of keys; fix it first.`);
const key = newApiKey();
const entry: Record<string, unknown> = { name, hash: hashApiKey(key) };
if (values.tier !== undefined) entry.tier = values.tier;
entry.created = new Date().toISOString();
let after: string;
if (isSeq(doc.contents)) {
  // Keeps the other entries and comments; block style, so people can read and edit it.
  doc.contents.flow = false;
  doc.add(entry);
  after = doc.toString();
} else {
  // Empty, or comments only: the list starts here.
  after = `${before}${before && !before.endsWith('\n') ? '\n' : ''}${stringify([entry])}`;
}
// Refuse to write a file the gateway would refuse (it would keep the old keys and ignore this one).
const check = parseApiKeys(after, tiers ?? new Set());
if (!check.ok) fail(`the key file would be invalid: ${check.reason}`);
if (values.tier !== undefined && !tiers)
  process.stderr.write(
    `api-key: RATE_LIMIT_TIERS is not set here; make sure the gateway's lists "${values.tier}".\n`,
  );

// why a rename: the watching gateway never reads a half-written file.
const temporary = `${target}.${process.pid}.tmp`;
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(temporary, after, {
  mode: fs.existsSync(target) ? fs.statSync(target).mode : 0o600,
});
fs.renameSync(temporary, target);
process.stderr.write(
  `api-key: issued "${name}"${values.tier ? ` (tier ${values.tier})` : ''}; its hash is in ${target}.\n` +
    'api-key: the key below is shown once and stored nowhere: hand it to its owner now.\n',
);
process.stdout.write(`${key}\n`);
