import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkSchema, type CheckOptions, type CheckReport } from '../../src/schemaCheck/check.js';
import { compose, readSubgraphConfig } from '../../src/schemaCheck/compose.js';

/**
 * `project`: two small subgraphs; `gateway`: the repository's three subgraph schemas (cache hints,
 * auth, `@listSize`) with a few of its screens.
 */
export type Fixture = 'project' | 'gateway';
const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const REPO = path.resolve(import.meta.dirname, '../..');
const temporary: string[] = [];
/** What the `gateway` fixture takes from the repository itself; its own folder adds screens. */
const GATEWAY_FILES = [
  'subgraphs/supergraph.yaml',
  ...['product', 'user', 'payment'].map((name) => `subgraphs/${name}/schema.graphql`),
  ...['CatalogPage', 'CheckoutScreen', 'PaymentHistory', 'UserProfile'].map(
    (name) => `operations/${name}.graphql`,
  ),
];
/** The environment without GIT_* variables (set inside git hooks), so temp repos stay separate. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));

/** A copy of the fixture project in a temp dir; with `git`, its composed state is committed. */
export class Project {
  private constructor(readonly root: string) {}

  /** Fixture copied, composed (`npm run compose`) and, unless `git: false`, committed as HEAD. */
  static create({
    git = true,
    fixture = 'project',
  }: { git?: boolean; fixture?: Fixture } = {}): Project {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-check-'));
    temporary.push(root);
    fs.cpSync(path.join(FIXTURES, fixture), root, { recursive: true });
    // why from the repository: a copy of the real schemas would drift from them.
    if (fixture === 'gateway')
      for (const file of GATEWAY_FILES)
        fs.cpSync(path.join(REPO, file), path.join(root, file), { recursive: true });
    const project = new Project(root);
    project.compose();
    if (git) {
      project.git('init', '--quiet');
      project.git('add', '.');
      project.git('commit', '--quiet', '-m', 'base');
    }
    return project;
  }

  git(...args: string[]): string {
    const config = ['user.name=t', 'user.email=t@example.com', 'init.defaultBranch=main'];
    return execFileSync('git', [...config.flatMap((c) => ['-c', c]), ...args], {
      cwd: this.root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...ENV, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
    });
  }

  /** Replaces `from` (which must occur) with `to` in a project file; chainable. */
  edit(file: string, from: string, to: string): this {
    const full = path.join(this.root, file);
    const text = fs.readFileSync(full, 'utf8');
    if (!text.includes(from)) throw new Error(`${file} does not contain ${from}`);
    fs.writeFileSync(full, text.replace(from, to));
    return this;
  }

  /** `edit` of `subgraphs/<name>/schema.graphql`. */
  schema(subgraph: string, from: string, to: string): this {
    return this.edit(`subgraphs/${subgraph}/schema.graphql`, from, to);
  }

  /** Composes and commits the current state: the base of the next check. */
  commit(message = 'base'): this {
    this.compose().git('add', '.');
    this.git('commit', '--quiet', '-m', message);
    return this;
  }

  write(file: string, text: string): this {
    fs.mkdirSync(path.dirname(path.join(this.root, file)), { recursive: true });
    fs.writeFileSync(path.join(this.root, file), text);
    return this;
  }

  /** What `npm run compose` does; throws if composition fails. */
  compose(): this {
    const result = compose(readSubgraphConfig(path.join(this.root, 'subgraphs/supergraph.yaml')));
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
    fs.writeFileSync(path.join(this.root, 'supergraph.graphql'), result.supergraphSdl);
    return this;
  }

  /** The library entry point, with the gateway's cost defaults. */
  check(options: Partial<CheckOptions> = {}): Promise<CheckReport> {
    return checkSchema({ root: this.root, maxCost: 2000, defaultListSize: 10, ...options });
  }

  /** The CLI as a real process; a trailing object sets environment variables. */
  cli(...args: (string | Record<string, string>)[]): Promise<CliResult> {
    const env = Object.assign({}, ...args.filter((a) => typeof a === 'object')) as object;
    const argv = args.filter((a) => typeof a === 'string');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/checkSchema.ts', '--root', this.root, ...argv],
      { cwd: REPO, env: { ...ENV, MAX_COST: '', DEFAULT_LIST_SIZE: '', ...env } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The findings of a report as `kind severity coordinate` strings, for one-line assertions. */
export function summary(report: CheckReport): string[] {
  return report.findings.map((f) =>
    [f.kind, f.severity, f.operation, f.coordinate].filter(Boolean).join(' '),
  );
}

/** Removes every temp project made by this test file. */
export function cleanUp(): void {
  for (const dir of temporary.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
