import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { loadDevKeys } from '../../src/auth/keys.js';
import { createTokenVerifier } from '../../src/auth/verifier.js';

const root = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
const freshDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-keys-'));
  dirs.push(dir);
  return path.join(dir, 'keys');
};
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function runTsx(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('development keys', () => {
  it('are created once when four processes start at the same time (as npm start does)', async () => {
    const dir = freshDir();
    const script = `
      import { loadDevKeys } from './src/auth/keys.ts';
      const keys = loadDevKeys(process.env.KEYS_DIR);
      const pem = (k) => k.publicKey.export({ type: 'spki', format: 'pem' });
      console.log(JSON.stringify([keys.client.kid, pem(keys.client), keys.internal.kid, pem(keys.internal)]));
    `;
    const outputs = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(
              process.execPath,
              ['--import', 'tsx', '--input-type=module', '-e', script],
              {
                cwd: root,
                env: { ...process.env, KEYS_DIR: dir },
              },
            );
            let out = '';
            child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
            child.on('error', reject);
            child.on('exit', (code) =>
              code === 0 ? resolve(out.trim()) : reject(new Error(`exit ${code}`)),
            );
          }),
      ),
    );
    expect(new Set(outputs).size).toBe(1);
    const files = fs.readdirSync(dir).sort();
    expect(files).toEqual(['client-key.json', 'internal-key.json']);
    expect(fs.statSync(path.join(dir, 'client-key.json')).mode & 0o077).toBe(0);
    expect(loadDevKeys(dir).client.kid).toBe(JSON.parse(outputs[0]!)[0]);
  });
});

describe('npm run token', () => {
  const dir = freshDir();
  const verifier = () =>
    createTokenVerifier(loadConfig({ NODE_ENV: 'development', DEV_KEYS_DIR: dir }).auth, () =>
      loadDevKeys(dir),
    );

  it('prints, on its last line, a JWT the development gateway accepts', async () => {
    const run = runTsx(
      ['scripts/token.ts', '--sub', 'u7', '--scopes', 'read:email read:payments', '--ttl', '60'],
      {
        DEV_KEYS_DIR: dir,
      },
    );
    expect(run.status).toBe(0);
    const token = run.stdout.trim().split('\n').at(-1)!;
    const outcome = await verifier().verify(`Bearer ${token}`);
    expect(outcome.ok && outcome.principal?.sub).toBe('u7');
    expect(outcome.ok && [...outcome.principal!.scopes]).toEqual(['read:email', 'read:payments']);
  });

  it('a negative --ttl makes an expired token', async () => {
    const run = runTsx(['scripts/token.ts', '--sub', 'u7', '--ttl', '-120'], { DEV_KEYS_DIR: dir });
    expect(run.status).toBe(0);
    const outcome = await verifier().verify(`Bearer ${run.stdout.trim().split('\n').at(-1)!}`);
    expect(outcome).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it.each([
    ['no --sub', ['--scopes', 'a'], {}],
    ['a bad --ttl', ['--sub', 'u1', '--ttl', 'soon'], {}],
    ['an unknown option', ['--sub', 'u1', '--admin'], {}],
    ['NODE_ENV=production', ['--sub', 'u1'], { NODE_ENV: 'production' }],
  ])('refuses %s with a message and exit code 1', (_case, args, env) => {
    const run = runTsx(['scripts/token.ts', ...args], { DEV_KEYS_DIR: dir, ...env });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^token: /m);
    expect(run.stdout).toBe('');
  });
});
