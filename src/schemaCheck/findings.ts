export type Severity = 'error' | 'warning';

/**
 * What a finding is about. Stable: CI scripts and dashboards read `kind` from `--json`.
 * - `composition`: the subgraphs do not compose (error); the other checks are skipped.
 * - `composition-hint`: composition succeeded with a hint worth reading (warning).
 * - `stale-supergraph`: `supergraph.graphql` is not what the subgraphs compose to (error).
 * - `base-unavailable`: no base to compare with, so breaking/auth/new-list checks were skipped (warning).
 * - `breaking`: the API schema breaks existing clients (error; warning when allowed or only dangerous).
 * - `lost-auth-coverage`: a field or type is now visible to a caller it refused before, by its own
 *   requirement or on a new path (error; warning when allowed).
 * - `cache-policy`: a field's effective cache policy became shareable, PRIVATE → PUBLIC (error;
 *   warning when allowed), or cacheable when it was not, or longer-lived (warning).
 * - `cost-risk`: a new list field without `@listSize`, an operation over the cost limit, or an
 *   existing list's `@listSize` weakened (error; warning when allowed) or its slicing default
 *   changed (warning), with the operations whose estimate changes.
 * - `operation-invalid`: an operation in `operations/` no longer validates (error).
 * - `stale-manifest`: `operations/manifest.json` does not list exactly the screens in `operations/` (error).
 * - `federation-risk`: a schema shape the query planner cannot plan correctly, which the gateway
 *   answers with an error at the path: codes in `federationRisks.ts` (error or warning).
 */
export type FindingKind =
  | 'composition'
  | 'composition-hint'
  | 'stale-supergraph'
  | 'base-unavailable'
  | 'breaking'
  | 'lost-auth-coverage'
  | 'cache-policy'
  | 'cost-risk'
  | 'operation-invalid'
  | 'stale-manifest'
  | 'federation-risk';

/** One finding of a schema check, named so a backend team finds what to fix. */
export interface Finding {
  readonly kind: FindingKind;
  readonly severity: Severity;
  readonly message: string;
  /** Machine-readable detail: composition error code, graphql-inspector change type, cost code. */
  readonly code?: string;
  /** Subgraphs that define (or defined) what the finding is about. */
  readonly subgraphs?: readonly string[];
  /** Schema coordinate: `Type`, `Type.field`, `Type.field(arg:)` or `Enum.VALUE`. */
  readonly coordinate?: string;
  /** File to look at, relative to the project root. */
  readonly file?: string;
  /** 1-based line in `file`, when known. */
  readonly line?: number;
  /** Operation name, for findings about `operations/`. */
  readonly operation?: string;
  /** True when the finding would be an error but was explicitly allowed (`--allow-breaking`, `--allow-auth-change`, `--allow-cache-change`, `--allow-cost-change`). */
  readonly allowed?: boolean;
}

export interface CheckReport {
  /** False when any finding is an error. */
  readonly ok: boolean;
  readonly findings: readonly Finding[];
}

/** Builds a report; `ok` is false when any finding is an error. */
export function toReport(findings: readonly Finding[]): CheckReport {
  return { ok: !findings.some((f) => f.severity === 'error'), findings };
}

const KIND_TITLES: Record<FindingKind, string> = {
  composition: 'Composition errors',
  'composition-hint': 'Composition hints',
  'stale-supergraph': 'Stale supergraph.graphql',
  'base-unavailable': 'Base comparison skipped',
  breaking: 'Breaking changes',
  'lost-auth-coverage': 'Lost auth coverage',
  'cache-policy': 'Cache policy changes',
  'cost-risk': 'Cost risks',
  'operation-invalid': 'Operations that no longer validate',
  'stale-manifest': 'Persisted-operations manifest out of date',
  'federation-risk': 'Federation shapes the planner cannot answer',
};

/** Human-readable report, grouped by kind in check order, errors before warnings. */
export function formatReport(report: CheckReport): string {
  const lines: string[] = [];
  for (const kind of Object.keys(KIND_TITLES) as FindingKind[]) {
    const group = report.findings
      .filter((f) => f.kind === kind)
      .sort((a, b) => Number(a.severity === 'warning') - Number(b.severity === 'warning'));
    if (group.length === 0) continue;
    lines.push(`${KIND_TITLES[kind]} (${group.length}):`);
    for (const f of group) {
      const where = [
        f.operation && `operation ${f.operation}`,
        f.coordinate,
        f.subgraphs?.length && `subgraph ${f.subgraphs.join(', ')}`,
        f.file && (f.line ? `${f.file}:${f.line}` : f.file),
      ].filter(Boolean);
      const mark = f.severity === 'error' ? '✖' : '⚠';
      lines.push(`  ${mark} ${f.message}`);
      if (where.length) lines.push(`      at ${where.join(' · ')}`);
    }
  }
  if (report.findings.some((f) => f.allowed && f.kind === 'breaking'))
    lines.push('Breaking changes were explicitly allowed with --allow-breaking.');
  if (report.findings.some((f) => f.allowed && f.kind === 'lost-auth-coverage'))
    lines.push('Weaker auth requirements were explicitly allowed with --allow-auth-change.');
  if (report.findings.some((f) => f.allowed && f.kind === 'cache-policy'))
    lines.push('Cache policies made shareable were explicitly allowed with --allow-cache-change.');
  if (report.findings.some((f) => f.allowed && f.kind === 'cost-risk'))
    lines.push('Weaker @listSize annotations were explicitly allowed with --allow-cost-change.');
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  lines.push(
    report.ok
      ? `Schema check passed${warnings ? ` with ${warnings} warning(s)` : ''}.`
      : `Schema check failed: ${errors} error(s), ${warnings} warning(s).`,
  );
  return lines.join('\n');
}
