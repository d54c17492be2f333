/** The rules file as the gateway loads it: start-up validation and hot reload, on a real file. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config.js';
import { forbiddenHeaders } from '../../src/headers/forbidden.js';
import { fileHeaderRules, type HeaderRulesSource } from '../../src/headers/source.js';

const forbidden = forbiddenHeaders('x-api-key');
const propagating = (name: string) => `all: { request: [ { propagate: { named: ${name} } } ] }\n`;

/** A logger whose lines the test can wait for. */
function recordingLog() {
  const messages: string[] = [];
  const waiters: { msg: string; resolve: () => void }[] = [];
  const log = pino(
    { level: 'info' },
    {
      write(line: string) {
        const { msg } = JSON.parse(line) as { msg: string };
        messages.push(msg);
        for (const waiter of waiters.filter((w) => w.msg === msg)) waiter.resolve();
      },
    },
  );
  /** Resolves at the next line with this message (bounded: the watcher polls every 5 s anyway). */
  const next = (msg: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${msg}" within 20 s`)), 20_000);
      waiters.push({
        msg,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  return { log, messages, next };
}

describe('fileHeaderRules', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'header-rules-source-'));
  const file = path.join(dir, 'rules.yaml');
  let source: HeaderRulesSource | undefined;
  afterEach(() => source?.close());
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reloads a valid change, and keeps the last good rules through an invalid one', async () => {
    fs.writeFileSync(file, propagating('x-tenant'));
    const { log, next } = recordingLog();
    source = fileHeaderRules(file, forbidden, log);
    const inbound = { 'x-tenant': 't1', 'x-region': 'eu' };
    expect(source.headersFor('product', inbound)).toEqual({ 'x-tenant': 't1' });

    const failed = next('header rules reload failed; the last good rules keep running');
    fs.writeFileSync(file, propagating('cookie'));
    await failed;
    expect(source.headersFor('product', inbound)).toEqual({ 'x-tenant': 't1' });

    const reloaded = next('header rules reloaded');
    fs.writeFileSync(file, propagating('x-region'));
    await reloaded;
    expect(source.headersFor('product', inbound)).toEqual({ 'x-region': 'eu' });
    expect(source.headersRead(inbound)).toEqual(['x-region']);
  });

  it('refuses an invalid file at start-up with every problem, and a missing one', () => {
    fs.writeFileSync(
      file,
      propagating('cookie') + 'subgraphs: { user: { request: [ { remove: {} } ] } }\n',
    );
    const { log } = recordingLog();
    let error: unknown;
    try {
      source = fileHeaderRules(file, forbidden, log);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'HEADER_RULES_PATH all.request[0].propagate.named: "cookie" is never sent to subgraphs',
      'HEADER_RULES_PATH subgraphs.user.request[0].remove: needs exactly one of `named` or `matching`',
    ]);
    expect(() => fileHeaderRules(path.join(dir, 'missing.yaml'), forbidden, log)).toThrow(
      /^Invalid configuration:\n {2}- HEADER_RULES_PATH .*missing\.yaml: ENOENT/,
    );
  });
});
