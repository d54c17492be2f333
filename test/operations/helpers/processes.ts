import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { loadConfig } from '../../../src/config/config.js';
import { createGateway, type Gateway } from '../../../src/gateway.js';
import {
  composeFor,
  postGraphQL,
  testEnv,
  type GraphQLResponse,
  type QueryOptions,
} from '../../helpers/stack.js';

export { testEnv };
import type { SubgraphName } from '../../../subgraphs/shared/names.js';
import { DEV_AUDIENCE, DEV_ISSUER, loadDevKeys } from '../../../src/auth/keys.js';
import { freePort } from '../../helpers/ports.js';
export { freePort };

export const root = path.resolve(import.meta.dirname, '../../..');

/** A real subgraph process (`node --import tsx subgraphs/main.ts NAME`) a test can kill or freeze. */
export interface SubgraphProcess {
  readonly name: SubgraphName;
  readonly port: number;
  readonly url: string;
  /** SIGSTOP: the process keeps its sockets but answers nothing (a hung subgraph). */
  freeze(): void;
  /** SIGCONT after `freeze`. */
  thaw(): void;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
}

/** Starts a subgraph process on a free port and waits for its "subgraph started" log line. */
export async function spawnSubgraph(name: SubgraphName, port = 0): Promise<SubgraphProcess> {
  let child: ChildProcess;
  let actualPort = port;
  const start = async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/main.ts', name], {
      cwd: root,
      env: { ...process.env, PORT: String(actualPort), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await waitForLine(child, (l) => l.includes('subgraph started'), 30_000);
    actualPort = Number(new URL(JSON.parse(line).url as string).port);
  };
  await start();
  const exited = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
    });
  return {
    name,
    get port() {
      return actualPort;
    },
    get url() {
      return `http://127.0.0.1:${actualPort}/graphql`;
    },
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    async kill() {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited();
    },
    restart: start,
  };
}

/** Resolves with the first stdout line of `child` matching `match`; rejects on exit or timeout. */
export function waitForLine(
  child: ChildProcess,
  match: (line: string) => boolean,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => done(new Error('timed out waiting for the process')), timeoutMs);
    const onExit = (code: number | null) => done(new Error(`process exited (${code}) early`));
    const done = (error: Error | undefined, line?: string) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      lines.off('line', onLine);
      // why: keep draining stdout so a chatty child never blocks on a full pipe.
      child.stdout?.resume();
      if (error) reject(error);
      else resolve(line!);
    };
    const onLine = (line: string) => {
      if (match(line)) done(undefined, line);
    };
    lines.on('line', onLine);
    child.once('exit', onExit);
  });
}

/** A gateway built in this process through `createGateway`, over the given subgraph URLs. */
export interface TestGateway {
  readonly url: string;
  /** `http://127.0.0.1:PORT` (no path). */
  readonly base: string;
  readonly gateway: Gateway;
  readonly supergraphPath: string;
  query(query: string, options?: QueryOptions): Promise<GraphQLResponse>;
  /** The value of one sample of `/metrics`, 0 when absent. */
  metric(name: string, labels: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

export async function startGatewayOn(
  urls: Readonly<Record<SubgraphName, string>>,
  env: Record<string, string> = {},
): Promise<TestGateway> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-ops-'));
  const supergraphPath = path.join(dir, 'supergraph.graphql');
  fs.writeFileSync(supergraphPath, composeFor(urls));
  const config = loadConfig({ ...testEnv(supergraphPath), ...env });
  const gateway = createGateway(config, {
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  const { url } = await gateway.start();
  const base = url.replace(/\/graphql$/, '');
  return {
    url,
    base,
    gateway,
    supergraphPath,
    query: (query, options = {}) =>
      postGraphQL(
        url,
        { query, variables: options.variables, operationName: options.operationName },
        options,
      ),
    async metric(name, labels) {
      const metric = await gateway.metrics.registry.getSingleMetric(name)?.get();
      const sample = metric?.values.find((v) =>
        Object.entries(labels).every(([k, value]) => v.labels[k] === value),
      );
      return sample?.value ?? 0;
    },
    async stop() {
      await gateway.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The gateway as `npm run gateway` runs it: its own process, configured by variables. */
export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly base: string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The value of one sample of its `/metrics` (0 when absent); undefined without a metrics listener. */
  metric(name: string, labels: Record<string, string>): Promise<number>;
}

/** Spawns `node --import tsx src/main.ts` and waits for its "gateway ready" line. */
export async function spawnGateway(
  env: Record<string, string>,
  /** Extra Node options before the entry point (e.g. another `--import` preload). */
  nodeOptions: readonly string[] = [],
): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...nodeOptions, 'src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  child.stderr?.resume();
  const line = await waitForLine(child, (l) => l.includes('gateway ready'), 30_000);
  const ready = JSON.parse(line) as { url: string; metricsUrl?: string };
  const url = ready.url.replace('localhost', '127.0.0.1');
  const metricsUrl = ready.metricsUrl?.replace('localhost', '127.0.0.1');
  return {
    child,
    url,
    base: url.replace(/\/graphql$/, ''),
    exited,
    async metric(name, labels) {
      const text = await (
        await fetch(metricsUrl ?? `${url.replace(/\/graphql$/, '')}/metrics`)
      ).text();
      const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
      for (const sample of text.split('\n')) {
        const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(sample);
        if (match?.[1] !== name) continue;
        const present = (match[2] ?? '').split(',');
        if (wanted.every((w) => present.includes(w))) return Number(match[3]);
      }
      return 0;
    },
  };
}

/** Writes a supergraph for `urls` to a fresh temporary file; returns its path. */
export function writeSupergraph(urls: Readonly<Record<SubgraphName, string>>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-ops-'));
  const file = path.join(dir, 'supergraph.graphql');
  fs.writeFileSync(file, composeFor(urls));
  return file;
}

/**
 * Production key variables that the processes of the repository's development keys accept: the
 * client key's public half verifies `npm run token`'s tokens, the internal key signs what the
 * subgraph processes (on the development keys) verify.
 */
export function productionKeysEnv(): Record<string, string> {
  const { client, internal } = loadDevKeys(path.join(root, '.dev-keys'));
  return {
    JWT_PUBLIC_KEY: client.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    JWT_ISSUER: DEV_ISSUER,
    JWT_AUDIENCE: DEV_AUDIENCE,
    INTERNAL_JWT_PRIVATE_KEY: internal.privateKey
      .export({ type: 'pkcs8', format: 'pem' })
      .toString(),
  };
}
