import fs from 'node:fs';
import path from 'node:path';
import { compose, readSubgraphConfig } from './compose.js';

export type Severity = 'error' | 'warning';

/** One finding of a schema check, named so a backend team finds what to fix. */
export interface Finding {
  readonly kind: string;
  readonly severity: Severity;
  readonly message: string;
  readonly subgraphs?: readonly string[];
  readonly coordinate?: string;
  readonly file?: string;
}

export interface CheckReport {
  readonly ok: boolean;
  readonly findings: readonly Finding[];
}

export interface CheckOptions {
  /** Project root holding `subgraphs/supergraph.yaml` and `supergraph.graphql`. */
  readonly root: string;
}

/** Runs every check; `ok` is false when any finding is an error. */
export function checkSchema(options: CheckOptions): CheckReport {
  const findings: Finding[] = [];
  const supergraphPath = path.join(options.root, 'supergraph.graphql');
  const result = compose(readSubgraphConfig(path.join(options.root, 'subgraphs/supergraph.yaml')));
  if (!result.ok) {
    for (const error of result.errors) {
      findings.push({
        kind: 'composition',
        severity: 'error',
        message: `[${error.code}] ${error.message}`,
        subgraphs: error.subgraphs,
      });
    }
  } else {
    for (const hint of result.hints)
      findings.push({ kind: 'composition-hint', severity: 'warning', message: hint });
    const committed = fs.existsSync(supergraphPath)
      ? fs.readFileSync(supergraphPath, 'utf8')
      : undefined;
    if (committed !== result.supergraphSdl) {
      findings.push({
        kind: 'stale-supergraph',
        severity: 'error',
        message:
          committed === undefined
            ? 'supergraph.graphql is missing: run `npm run compose`'
            : 'supergraph.graphql is not what the subgraph schemas compose to: run `npm run compose` and commit the result',
        file: 'supergraph.graphql',
      });
    }
  }
  return { ok: !findings.some((f) => f.severity === 'error'), findings };
}

/** Human-readable report, grouped by kind. */
export function formatReport(report: CheckReport): string {
  const lines: string[] = [];
  const kinds = [...new Set(report.findings.map((f) => f.kind))];
  for (const kind of kinds) {
    lines.push(`${kind}:`);
    for (const f of report.findings.filter((x) => x.kind === kind)) {
      const where = [
        f.subgraphs?.length ? `subgraphs: ${f.subgraphs.join(', ')}` : '',
        f.coordinate ?? '',
        f.file ?? '',
      ]
        .filter(Boolean)
        .join('; ');
      lines.push(
        `  ${f.severity === 'error' ? '✖' : '⚠'} ${f.message}${where ? ` (${where})` : ''}`,
      );
    }
  }
  lines.push(report.ok ? 'Schema check passed.' : 'Schema check failed.');
  return lines.join('\n');
}
