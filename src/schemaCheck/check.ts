import fs from 'node:fs';
import path from 'node:path';
import { findLostAuthCoverage } from './authCoverage.js';
import { BaseError, readBase, type BaseSpec } from './base.js';
import { findBreakingChanges } from './breaking.js';
import { findCachePolicyChanges } from './cachePolicy.js';
import {
  compose,
  readSubgraphConfig,
  type CompositionProblem,
  type SubgraphSpec,
} from './compose.js';
import { schemaCoordinates } from './coordinates.js';
import { findFederationRisks } from './federationRisks.js';
import { findExpensiveOperations, findUnsizedNewLists, type CostLimits } from './costRisk.js';
import { toReport, type CheckReport, type Finding } from './findings.js';
import { estimateBoth } from './estimateChanges.js';
import { findListSizeRegressions } from './listSizeChanges.js';
import { createLocator } from './locator.js';
import { staleManifest } from './manifestCheck.js';
import { readOperationFiles, validateOperations, type OperationFile } from './operations.js';
import { findUnguardedPaths } from './pathCoverage.js';
import { buildSupergraphView, ownersOf, type SupergraphView } from './supergraphView.js';

export type { CheckReport, Finding, FindingKind, Severity } from './findings.js';
export { formatReport } from './findings.js';
export { BaseError, parseBase, type BaseSpec } from './base.js';
export type { SubgraphSpec } from './compose.js';
export type { OperationFile } from './operations.js';

export interface CheckOptions extends CostLimits {
  /** Project root holding `subgraphs/supergraph.yaml`, `supergraph.graphql` and `operations/`. */
  readonly root: string;
  /** What to compare with. @default the `supergraph.graphql` of git `HEAD` */
  readonly base?: BaseSpec;
  /** Report breaking changes as warnings (an explicit decision, marked `allowed`). @default false */
  readonly allowBreaking?: boolean;
  /** Report weaker auth requirements as warnings (marked `allowed`). @default false */
  readonly allowAuthChange?: boolean;
  /** Report cache policies made shareable (PRIVATE → PUBLIC) as warnings (marked `allowed`). @default false */
  readonly allowCacheChange?: boolean;
  /** Report `@listSize` regressions on existing lists as warnings (marked `allowed`). @default false */
  readonly allowCostChange?: boolean;
}

/**
 * Runs every check, in the order a backend team fixes things: composition (if it fails, nothing
 * else runs), stale `supergraph.graphql`, then against the base: breaking changes, lost auth
 * coverage (per coordinate, then on every path), cache policies made more shareable, new unsized
 * lists; then the frontend operations: validation, cost, and `@listSize` regressions with the
 * estimates they change. Throws
 * `BaseError` when an explicitly requested base cannot be read.
 */
export async function checkSchema(options: CheckOptions): Promise<CheckReport> {
  const { root } = options;
  const subgraphs = readSubgraphConfig(path.join(root, 'subgraphs/supergraph.yaml'));
  const operationFiles = readOperationFiles(root);
  const { report } = await checkSubgraphs({
    ...options,
    subgraphs,
    base: () => loadBase(root, options.base),
    operationFiles,
    afterComposition: (sdl) => staleSupergraph(root, sdl),
    afterOperations: () => staleManifest(root, operationFiles),
  });
  return report;
}

/** What `checkSubgraphs` checks: subgraph schemas, a base supergraph and the frontend operations. */
export interface SubgraphsCheckInput extends Omit<CheckOptions, 'base'> {
  /** Every subgraph, as it would be composed (`schemaPath` names its file in findings). */
  readonly subgraphs: readonly SubgraphSpec[];
  /** The supergraph to compare with, read only once composition succeeds. */
  readonly base: () => BaseView;
  /** The operations every change must keep valid. */
  readonly operationFiles: readonly OperationFile[];
  /** Findings about the composed SDL itself (e.g. a stale committed file), right after composition. */
  readonly afterComposition?: (supergraphSdl: string) => Finding[];
  /** Findings about the operations' packaging (e.g. a stale manifest), after their validation. */
  readonly afterOperations?: () => Finding[];
}

/** The base as a view, or the reason there is none (a `base-unavailable` warning). */
export type BaseView =
  | { readonly ok: true; readonly view: SupergraphView }
  | { readonly ok: false; readonly reason: string };

/**
 * The checks of `checkSchema` on given subgraph schemas, base and operations, without reading the
 * project's files: the schema registry runs them on every proposed publish. Returns the report and,
 * when composition succeeded, the composed supergraph SDL.
 */
export async function checkSubgraphs(
  input: SubgraphsCheckInput,
): Promise<{ report: CheckReport; supergraphSdl?: string }> {
  const { root, subgraphs } = input;
  const composed = compose(subgraphs);
  if (!composed.ok)
    return {
      report: toReport(composed.errors.map((e) => fromComposition(root, 'composition', e))),
    };

  const findings: Finding[] = composed.hintProblems.map((hint) =>
    fromComposition(root, 'composition-hint', hint),
  );
  findings.push(...(input.afterComposition?.(composed.supergraphSdl) ?? []));

  const next = buildSupergraphView(composed.supergraphSdl);
  const baseView = input.base();
  if (!baseView.ok) findings.push(skipped(baseView.reason));
  const base = baseView.ok ? baseView.view : undefined;
  const locate = createLocator(root, subgraphs, [next, base]);
  findings.push(
    ...findFederationRisks(composed.supergraphSdl).map((f) => ({
      ...f,
      ...(f.coordinate ? locate(f.coordinate) : {}),
    })),
  );
  if (base) {
    const exists = schemaCoordinates(next.api);
    const allowAuthChange = input.allowAuthChange ?? false;
    const lostAuth = findLostAuthCoverage(
      base.index,
      next.index,
      (c) => exists.has(c),
      locate,
      allowAuthChange,
    );
    const reported = new Set(lostAuth.map((f) => f.coordinate ?? ''));
    findings.push(
      ...(await findBreakingChanges(base.api, next.api, locate, input.allowBreaking ?? false)),
      ...lostAuth,
      ...findUnguardedPaths(base, next, reported, locate, allowAuthChange),
      ...findCachePolicyChanges(base, next, locate, input.allowCacheChange ?? false),
      ...findUnsizedNewLists(base.api, next.api, next.index, locate),
    );
  }

  const operations = validateOperations(input.operationFiles, next.api, (c) =>
    ownersOf(c, [next, base]),
  );
  findings.push(
    ...operations.findings,
    ...(input.afterOperations?.() ?? []),
    ...findExpensiveOperations(operations.valid, next.api, next.index, input),
  );
  if (base) {
    const estimates = estimateBoth(operations.valid, base, next, input.defaultListSize);
    findings.push(
      ...findListSizeRegressions(
        base,
        next,
        estimates,
        input.defaultListSize,
        locate,
        input.allowCostChange ?? false,
      ),
    );
  }
  return { report: toReport(findings), supergraphSdl: composed.supergraphSdl };
}

/** A supergraph SDL as a base view; an SDL that does not build is no base (with the reason). */
export function baseFromSdl(sdl: string, label: string): BaseView {
  try {
    return { ok: true, view: buildSupergraphView(sdl) };
  } catch (error) {
    return { ok: false, reason: `${label} is not a valid supergraph: ${(error as Error).message}` };
  }
}

/**
 * The base as a view, or the reason it is skipped. An explicit base that is not a valid
 * supergraph is a usage error (`BaseError`).
 */
function loadBase(root: string, spec: BaseSpec | undefined): BaseView {
  const base = readBase(root, spec);
  if (!base.ok) return base;
  const view = baseFromSdl(base.sdl, base.label);
  if (!view.ok && spec) throw new BaseError(`--base ${view.reason}`);
  return view;
}

/** A composition error (error) or hint (warning) as a finding, with its subgraphs and file. */
function fromComposition(
  root: string,
  kind: 'composition' | 'composition-hint',
  problem: CompositionProblem,
): Finding {
  const { code, message, subgraphs, coordinate, location } = problem;
  return {
    kind,
    severity: kind === 'composition' ? 'error' : 'warning',
    code,
    message,
    ...(subgraphs.length ? { subgraphs } : {}),
    ...(coordinate ? { coordinate } : {}),
    ...(location ? { file: relative(root, location.file), line: location.line } : {}),
  };
}

function staleSupergraph(root: string, composedSdl: string): Finding[] {
  const file = path.join(root, 'supergraph.graphql');
  const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  if (committed === composedSdl) return [];
  return [
    {
      kind: 'stale-supergraph',
      severity: 'error',
      message:
        committed === undefined
          ? 'supergraph.graphql is missing: run `npm run compose` and commit it'
          : 'supergraph.graphql is not what the subgraph schemas compose to: run `npm run compose` and commit the result',
      file: 'supergraph.graphql',
    },
  ];
}

function skipped(reason: string): Finding {
  return {
    kind: 'base-unavailable',
    severity: 'warning',
    message: `no base supergraph to compare with (${reason}): breaking changes, auth coverage, cache policies and list sizes were not checked`,
  };
}

function relative(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}
