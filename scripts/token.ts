/**
 * `npm run token -- --sub ID --scopes "a b" [--ttl SECONDS]`: prints a client JWT signed with the
 * development key (last line), accepted by `npm start`'s and `npm run gateway`'s development
 * defaults. A negative `--ttl` makes an already expired token. Development only.
 * Variables: `DEV_KEYS_DIR` (default `.dev-keys`), `JWT_ISSUER` / `JWT_AUDIENCE` (default the dev ones).
 */
import path from 'node:path';
import { signDevToken } from '../src/auth/devToken.js';
import { loadDevKeys } from '../src/auth/keys.js';
import { cliFail, parseCliOptions } from './cliOptions.js';

const fail: (message: string) => never = (message) => cliFail('token', message);

const usage = 'usage: npm run token -- --sub ID [--scopes "a b"] [--ttl SECONDS]';
const values = parseCliOptions('token', process.argv.slice(2), ['sub', 'scopes', 'ttl'], usage);
if (process.env.NODE_ENV === 'production')
  fail('the development key is not for production; get tokens from your identity provider.');
if (!values.sub) fail(`--sub is required.\n${usage}`);
const ttl = Number(values.ttl ?? 3600);
if (!Number.isInteger(ttl) || ttl === 0) fail(`--ttl must be a non-zero whole number of seconds.`);

const dir = path.resolve(process.env.DEV_KEYS_DIR || '.dev-keys');
const { client } = loadDevKeys(dir);
const scopes = (values.scopes ?? '').split(/\s+/).filter(Boolean);
const token = await signDevToken(client, {
  sub: values.sub,
  scopes,
  ttlSec: ttl,
  ...(process.env.JWT_ISSUER ? { issuer: process.env.JWT_ISSUER } : {}),
  ...(process.env.JWT_AUDIENCE ? { audience: process.env.JWT_AUDIENCE } : {}),
});

process.stderr.write(
  `sub=${values.sub} scopes="${scopes.join(' ')}" ${ttl < 0 ? `expired ${-ttl} s ago` : `expires in ${ttl} s`} (development key in ${dir})\n`,
);
process.stdout.write(`${token}\n`);
