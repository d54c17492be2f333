import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuth } from '../../src/auth/auth.js';
import { loadConfig } from '../../src/config/config.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-startup-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const target = path.join(dir, name);
  fs.writeFileSync(target, content);
  return target;
};
const log = pino({ level: 'silent' });

describe('auth start-up refuses bad key material with a sentence naming the variable', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    ['JWKS file that is not JSON', { JWT_JWKS_PATH: file('a.json', '<keys>') }, /JWT_JWKS_PATH/],
    [
      'JWKS file that is not a key set',
      { JWT_JWKS_PATH: file('b.json', '{"keys":3}') },
      /JWT_JWKS_PATH/,
    ],
    ['missing JWKS file', { JWT_JWKS_PATH: path.join(dir, 'missing.json') }, /JWT_JWKS_PATH/],
    [
      'unusable PEM',
      { JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' },
      /JWT_PUBLIC_KEY/,
    ],
    [
      'invalid policies file',
      { AUTH_POLICIES_PATH: file('p.json', '{"policies":{"x":{}}}') },
      /AUTH_POLICIES_PATH/,
    ],
  ])('%s', (_case, env, message) => {
    const config = loadConfig({ NODE_ENV: 'test', DEV_KEYS_DIR: path.join(dir, 'keys'), ...env });
    expect(() => createAuth(config, log)).toThrow(message);
  });

  it('never touches development keys in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /JWT_JWKS_URL|INTERNAL_JWT_PRIVATE_KEY/,
    );
  });
});
