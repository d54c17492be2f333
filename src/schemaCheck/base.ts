import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** What to compare the new supergraph with: a git ref's `supergraph.graphql`, or a file. */
export type BaseSpec =
  { readonly kind: 'ref'; readonly ref: string } | { readonly kind: 'file'; readonly path: string };

export type BaseResult =
  | { readonly ok: true; readonly sdl: string; readonly label: string }
  | { readonly ok: false; readonly reason: string };

/** An explicitly requested base that cannot be read: a usage error (CLI exit 2), not a finding. */
export class BaseError extends Error {
  override name = 'BaseError';
}

/**
 * Reads `--base VALUE`: an existing file or anything ending in `.graphql` is a file (relative to
 * `cwd`); anything else a git ref.
 */
export function parseBase(value: string, cwd: string): BaseSpec {
  const resolved = path.resolve(cwd, value);
  if (value.endsWith('.graphql') || (fs.existsSync(resolved) && fs.statSync(resolved).isFile()))
    return { kind: 'file', path: resolved };
  return { kind: 'ref', ref: value };
}

/**
 * Loads the base supergraph SDL; no `spec` means the default, `HEAD`. With the default, no git repository or no commit yet is not
 * an error (the comparison is skipped with a reason); an explicit base that cannot be read throws
 * `BaseError`. A ref that exists but has no `supergraph.graphql` is skipped with a reason.
 */
export function readBase(root: string, requested: BaseSpec | undefined): BaseResult {
  const spec = requested ?? { kind: 'ref', ref: 'HEAD' };
  if (spec.kind === 'file') {
    if (!fs.existsSync(spec.path)) throw new BaseError(`--base file not found: ${spec.path}`);
    return { ok: true, sdl: fs.readFileSync(spec.path, 'utf8'), label: spec.path };
  }
  const explicit = requested !== undefined;
  if (git(root, ['rev-parse', '--is-inside-work-tree']) === undefined) {
    if (explicit) throw new BaseError(`--base ${spec.ref}: ${root} is not inside a git repository`);
    return { ok: false, reason: 'not a git repository' };
  }
  if (git(root, ['rev-parse', '--verify', '--quiet', `${spec.ref}^{commit}`]) === undefined) {
    if (explicit) throw new BaseError(`--base ${spec.ref}: no such git commit or ref`);
    return { ok: false, reason: 'the repository has no commit yet' };
  }
  // `./` makes the path relative to `root`, which may be a sub-folder of the repository.
  const sdl = git(root, ['show', `${spec.ref}:./supergraph.graphql`]);
  if (sdl === undefined) return { ok: false, reason: `${spec.ref} has no supergraph.graphql` };
  return { ok: true, sdl, label: `${spec.ref}:supergraph.graphql` };
}

/** Runs git in `cwd`; undefined when git fails or is not installed. */
function git(cwd: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch {
    return undefined;
  }
}
