/**
 * `npm run schema -- check|publish|history|rollback [options]`: a subgraph team's CLI for the
 * schema registry. `check` on a pull request, `publish` after merge; findings print as
 * `npm run check:schema` prints them. Exit codes: 0 ok, 1 refused (findings, auth, registry
 * errors), 2 bad usage. See `--help`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { signDevToken } from '../src/auth/devToken.js';
import { loadDevKeys } from '../src/auth/keys.js';
import { formatReport } from '../src/schemaCheck/check.js';

const USAGE = `Usage: npm run schema -- COMMAND [options]

  check    --subgraph NAME --schema FILE --url URL   run every check against the registry, store nothing
  publish  --subgraph NAME --schema FILE --url URL   check, then store and make current
  history  [--subgraph NAME]                        supergraph history, or one subgraph's versions
  rollback --supergraph ID                          make an earlier supergraph current (schema:admin)

  --registry URL   the registry (default: REGISTRY_URL, else http://localhost:4100)
  --token T        bearer token (default: REGISTRY_TOKEN; outside production, one signed with the
                   development key, as \`npm run token\` does)
  --commit SHA     recorded with a publish (default: GITHUB_SHA or CI_COMMIT_SHA when set)
  --author NAME    recorded with a publish
  --wait SECONDS   retry while the registry does not answer yet, up to this long (start-up scripts)
  --json           print the registry's JSON answer
  -h, --help       this text

Exit codes: 0 no errors (warnings allowed), 1 refused, 2 bad usage.`;

function usageError(message: string): never {
  console.error(`schema: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      subgraph: { type: 'string' },
      schema: { type: 'string' },
      url: { type: 'string' },
      supergraph: { type: 'string' },
      registry: { type: 'string' },
      token: { type: 'string' },
      commit: { type: 'string' },
      author: { type: 'string' },
      wait: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
} catch (error) {
  usageError((error as Error).message);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const command = positionals[0];
if (positionals.length !== 1 || !['check', 'publish', 'history', 'rollback'].includes(command!))
  usageError('give one command: check, publish, history or rollback');
const registry = (values.registry ?? process.env.REGISTRY_URL ?? 'http://localhost:4100').replace(
  /\/$/,
  '',
);
if (!URL.canParse(registry)) usageError(`--registry must be a URL (got "${registry}")`);
if (values.wait !== undefined && !/^\d+$/.test(values.wait))
  usageError(`--wait takes whole seconds (got "${values.wait}")`);
const waitUntil = Date.now() + Number(values.wait ?? 0) * 1000;
// why: `npm run` changes into the package folder; INIT_CWD is where the user typed the command.
const cwd = process.env.INIT_CWD ?? process.cwd();

async function token(): Promise<string | undefined> {
  const given = values.token ?? process.env.REGISTRY_TOKEN;
  if (given) return given;
  if (process.env.NODE_ENV === 'production') return undefined;
  const { client } = loadDevKeys(path.resolve(cwd, process.env.DEV_KEYS_DIR || '.dev-keys'));
  return signDevToken(client, {
    sub: process.env.USER ?? 'schema-cli',
    scopes: ['schema:publish:*', 'schema:admin'],
    ttlSec: 300,
  });
}

async function call(method: string, route: string, body?: unknown) {
  const bearer = await token();
  let response: Response | undefined;
  while (!response) {
    try {
      response = await fetch(`${registry}${route}`, {
        method,
        headers: {
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      if (Date.now() > waitUntil) {
        console.error(`schema: the registry at ${registry} does not answer: ${String(error)}`);
        process.exit(1);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = { ok: false, error: { code: 'BAD_RESPONSE', message: text.slice(0, 200) } };
  }
  return { status: response.status, body: json as Record<string, unknown> };
}

/** Prints the answer and sets the exit code: findings as check:schema prints them. */
function report(status: number, body: Record<string, unknown>, success: string): void {
  if (values.json) console.log(JSON.stringify(body, null, 2));
  const error = body.error as { code: string; message: string } | undefined;
  if (!values.json) {
    if (Array.isArray(body.findings))
      console.log(formatReport({ ok: status === 200, findings: body.findings }));
    if (error) console.error(`schema: ${error.code}: ${error.message}`);
    if (status === 200) console.log(success);
  }
  process.exitCode = status === 200 ? 0 : 1;
}

if (command === 'check' || command === 'publish') {
  const name = values.subgraph;
  if (!name) usageError('--subgraph NAME is required');
  if (!values.schema) usageError('--schema FILE is required');
  if (!values.url || !URL.canParse(values.url))
    usageError('--url URL (the routing URL) is required');
  const file = path.resolve(cwd, values.schema);
  if (!fs.existsSync(file)) usageError(`--schema file not found: ${file}`);
  const commit = values.commit ?? process.env.GITHUB_SHA ?? process.env.CI_COMMIT_SHA;
  const { status, body } = await call('POST', `/subgraphs/${encodeURIComponent(name)}/${command}`, {
    sdl: fs.readFileSync(file, 'utf8'),
    url: values.url,
    ...(commit ? { commit } : {}),
    ...(values.author ? { author: values.author } : {}),
  });
  const id = typeof body.supergraphId === 'string' ? body.supergraphId : '';
  report(
    status,
    body,
    command === 'check'
      ? `${name}: the registry would accept this schema.`
      : body.unchanged
        ? `${name}: unchanged; supergraph ${id} stays current.`
        : `${name}: published; supergraph ${id} is current.`,
  );
} else if (command === 'history') {
  const route = values.subgraph
    ? `/subgraphs/${encodeURIComponent(values.subgraph)}/versions`
    : '/supergraphs';
  const { status, body } = await call('GET', route);
  if (values.json || status !== 200) report(status, body, '');
  else if (values.subgraph)
    for (const v of body.versions as {
      version: number;
      createdAt: string;
      url: string;
      commit?: string;
      author?: string;
    }[])
      console.log(`v${v.version}  ${v.createdAt}  ${v.url}  ${v.commit ?? ''}  ${v.author ?? ''}`);
  else
    for (const h of body.history as {
      seq: number;
      at: string;
      action: string;
      supergraphId: string;
      subgraph?: string;
      actor: string;
    }[])
      console.log(
        `#${h.seq}  ${h.at}  ${h.action} ${h.subgraph ?? ''}  ${h.supergraphId}  by ${h.actor}`,
      );
} else {
  if (!values.supergraph) usageError('--supergraph ID is required');
  const { status, body } = await call('POST', '/supergraph/rollback', {
    supergraphId: values.supergraph,
  });
  report(status, body, `supergraph ${values.supergraph} is current.`);
}
