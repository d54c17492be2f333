/**
 * Hot reload however a file is deployed: in place, by atomic rename, and as Kubernetes mounts a
 * ConfigMap (a `..data` symlink swapped atomically), for the watcher and for the gateway itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { watchFile } from '../../src/supergraph/watchFile.js';
import { composeFor, metric, postGraphQL, startStack, type Stack } from '../helpers/stack.js';

const silent = pino({ level: 'silent' });
const dirs: string[] = [];
const stops: (() => void)[] = [];
afterEach(() => {
  stops.splice(0).forEach((stop) => stop());
  dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-watch-'));
  dirs.push(dir);
  return dir;
}

/** A ConfigMap volume as the kubelet writes it: `name -> ..data/name`, `..data -> ..<stamp>`. */
function configMap(dir: string, name: string, content: string): { swap(content: string): void } {
  let version = 0;
  const write = (text: string) => {
    const stamp = `..2026_12_04_${++version}`;
    fs.mkdirSync(path.join(dir, stamp));
    fs.writeFileSync(path.join(dir, stamp, name), text);
    return stamp;
  };
  fs.symlinkSync(write(content), path.join(dir, '..data'));
  fs.symlinkSync(path.join('..data', name), path.join(dir, name));
  return {
    swap(text) {
      const old = fs.readlinkSync(path.join(dir, '..data'));
      fs.symlinkSync(write(text), path.join(dir, '..data_tmp'));
      fs.renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
      fs.rmSync(path.join(dir, old), { recursive: true });
    },
  };
}

/** Counts `onChange` calls of a watcher on `file`; `next()` resolves at the next one. */
function watched(file: string, pollMs?: number) {
  let calls = 0;
  let wake: (() => void) | undefined;
  stops.push(
    watchFile(
      file,
      silent,
      () => {
        calls += 1;
        wake?.();
      },
      20,
      pollMs,
    ),
  );
  return {
    calls: () => calls,
    next: () => new Promise<void>((resolve) => (wake = resolve)),
  };
}

describe('watchFile', { timeout: 20_000 }, () => {
  it('sees a plain file written in place and replaced by an atomic rename', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'supergraph.graphql');
    fs.writeFileSync(file, 'one');
    const w = watched(file);
    let next = w.next();
    fs.writeFileSync(file, 'two');
    await next;
    next = w.next();
    fs.writeFileSync(path.join(dir, '.tmp'), 'three');
    fs.renameSync(path.join(dir, '.tmp'), file);
    await next;
    expect(w.calls()).toBe(2);
  });

  it('sees a ConfigMap-style swap of the ..data link, and a write through the link', async () => {
    const dir = tempDir();
    const mount = configMap(dir, 'supergraph.graphql', 'one');
    const file = path.join(dir, 'supergraph.graphql');
    const w = watched(file);
    let next = w.next();
    mount.swap('two');
    await next;
    expect(fs.readFileSync(file, 'utf8')).toBe('two');
    next = w.next();
    fs.writeFileSync(file, 'three'); // through both links, into the current ..<stamp> folder
    await next;
    next = w.next();
    mount.swap('four');
    await next;
    expect(w.calls()).toBe(3);
  });

  it('calls nothing for events that leave the content as it was', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'operations.json');
    fs.writeFileSync(file, 'same');
    const w = watched(file);
    fs.writeFileSync(file, 'same');
    fs.writeFileSync(path.join(dir, 'other.json'), 'unrelated');
    // A real change afterwards proves the watcher was live the whole time.
    const next = w.next();
    fs.writeFileSync(file, 'changed');
    await next;
    expect(w.calls()).toBe(1);
  });

  it('compares the content periodically where no event arrives (a folder mounted later)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'mounted-later', 'keys.yaml');
    const w = watched(file, 50); // the folder does not exist yet: no watcher can see it
    const next = w.next();
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, 'one');
    await next;
    expect(w.calls()).toBe(1);
  });
});

describe('the gateway on a ConfigMap-mounted supergraph', { timeout: 60_000 }, () => {
  let stack: Stack;
  let gateway: Gateway | undefined;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await gateway?.stop();
    await stack?.stop();
  });

  it('reloads after the ..data link is swapped and serves the new supergraph', async () => {
    const urls = {
      product: stack.subgraphs.product.url,
      user: stack.subgraphs.user.url,
      payment: stack.subgraphs.payment.url,
    };
    const sdl = composeFor(urls);
    const dir = tempDir();
    const mount = configMap(dir, 'supergraph.graphql', sdl);
    gateway = createGateway(
      loadConfig({
        NODE_ENV: 'development',
        PORT: '0',
        HOST: '127.0.0.1',
        METRICS_PORT: '0',
        LOG_LEVEL: 'silent',
        SUPERGRAPH_PATH: path.join(dir, 'supergraph.graphql'),
        DEV_KEYS_DIR: stack.config.auth.devKeysDir,
      }),
      { log: silent },
    );
    const { url } = await gateway.start();
    const reloads = () =>
      metric({ gateway: gateway! }, 'gateway_supergraph_reloads_total{outcome="ok"}');
    expect(await reloads()).toBe(0);
    // The new version drops the user subgraph's URL override: user fields now fail to fetch.
    mount.swap(sdl.replace(urls.user, 'http://127.0.0.1:1/graphql'));
    await expect.poll(reloads, { timeout: 20_000 }).toBe(1);
    const { body } = await postGraphQL(url, { query: '{ user(id: "u1") { name } }' });
    expect(body.data?.user ?? null).toBeNull();
    expect(body.errors?.length).toBeGreaterThan(0);
  });
});
