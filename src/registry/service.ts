import { createHash } from 'node:crypto';
import { parse, type GraphQLError } from 'graphql';
import { indexManifest } from '../persisted/manifest.js';
import {
  baseFromSdl,
  checkSubgraphs,
  type CheckReport,
  type Finding,
  type SubgraphSpec,
} from '../schemaCheck/check.js';
import { validateOperations } from '../schemaCheck/operations.js';
import { buildSupergraphView } from '../schemaCheck/supergraphView.js';
import type { RegisteredOperation, RegistryState, RegistryStore } from './model.js';

/** A subgraph schema proposed for check or publish. */
export interface Proposal {
  readonly sdl: string;
  readonly url: string;
  readonly commit?: string;
  readonly author?: string;
}

export interface CostLimits {
  readonly maxCost: number;
  readonly defaultListSize: number;
}

/** The outcome of a check or publish, as the HTTP API answers it. */
export type Outcome =
  | { readonly status: 200; readonly body: PublishBody | CheckReport }
  | { readonly status: 400 | 404 | 422; readonly body: FailureBody };

export interface PublishBody extends CheckReport {
  readonly supergraphId: string;
  /** True when the schema and URL were already current: nothing was stored. */
  readonly unchanged?: boolean;
}

export interface FailureBody {
  readonly ok: false;
  readonly findings?: readonly Finding[];
  readonly error?: { readonly code: string; readonly message: string };
}

/** The registry's operations over a store; the HTTP layer adds authentication and JSON. */
export interface RegistryService {
  check(name: string, proposal: Proposal): Promise<Outcome>;
  publish(name: string, proposal: Proposal, actor: string): Promise<Outcome>;
  registerOperations(manifest: unknown): Promise<Outcome>;
  rollback(supergraphId: string, actor: string): Promise<Outcome>;
}

export const supergraphIdOf = (sdl: string): string =>
  createHash('sha256').update(sdl).digest('hex');

/**
 * Builds the service. Every check composes the proposed schema with the current versions of the
 * other subgraphs and runs `checkSubgraphs` (the checks of `npm run check:schema`) against the
 * current supergraph and the registered operations.
 */
export function createRegistryService(store: RegistryStore, limits: CostLimits): RegistryService {
  const evaluate = async (state: RegistryState, name: string, proposal: Proposal) => {
    const subgraphs: SubgraphSpec[] = state.subgraphs
      .filter((s) => s.name !== name)
      .map((s) => spec(s.name, s.url, s.sdl));
    subgraphs.push(spec(name, proposal.url, proposal.sdl));
    subgraphs.sort((a, b) => a.name.localeCompare(b.name));
    return checkSubgraphs({
      root: '/',
      subgraphs,
      base: () =>
        state.current
          ? baseFromSdl(state.current.sdl, 'the current supergraph')
          : { ok: false, reason: 'nothing published yet' },
      operationFiles: operationFiles(state.operations),
      maxCost: limits.maxCost,
      defaultListSize: limits.defaultListSize,
    });
  };

  return {
    async check(name, proposal) {
      const invalid = parseProblem(name, proposal.sdl);
      if (invalid) return invalid;
      const { report } = await evaluate(await store.state(), name, proposal);
      return report.ok
        ? { status: 200, body: report }
        : { status: 422, body: report as FailureBody };
    },

    async publish(name, proposal, actor) {
      const invalid = parseProblem(name, proposal.sdl);
      if (invalid) return invalid;
      return store.transact(async (state) => {
        const current = state.subgraphs.find((s) => s.name === name);
        if (state.current && current?.sdl === proposal.sdl && current.url === proposal.url) {
          const body = { ok: true, supergraphId: state.current.id, unchanged: true, findings: [] };
          return { result: { status: 200, body } as Outcome };
        }
        const { report, supergraphSdl } = await evaluate(state, name, proposal);
        if (!report.ok || supergraphSdl === undefined)
          return { result: { status: 422, body: report as FailureBody } as Outcome };
        const version = (state.latestVersions.get(name) ?? 0) + 1;
        const id = supergraphIdOf(supergraphSdl);
        const refs = [
          ...state.subgraphs
            .filter((s) => s.name !== name)
            .map((s) => ({ name: s.name, version: s.version })),
          { name, version },
        ].sort((a, b) => a.name.localeCompare(b.name));
        return {
          changes: {
            subgraphVersion: { name, version, ...proposal },
            supergraph: { id, sdl: supergraphSdl, subgraphs: refs },
            activate: { supergraphId: id, action: 'publish', subgraph: name, actor },
          },
          result: { status: 200, body: { ...report, supergraphId: id } } as Outcome,
        };
      });
    },

    async registerOperations(value) {
      let operations: RegisteredOperation[];
      try {
        indexManifest(value);
        operations = [...(value as { operations: RegisteredOperation[] }).operations].map(
          ({ id, name, type, body }) => ({ id, name, type, body }),
        );
      } catch (error) {
        return badInput(`not a persisted-operations manifest: ${(error as Error).message}`);
      }
      return store.transact(async (state) => {
        const names = new Set(operations.map((op) => op.name));
        const union = [...state.operations.filter((op) => !names.has(op.name)), ...operations];
        if (state.current) {
          // A screen that does not validate against the current graph would block every publish.
          const { api } = buildSupergraphView(state.current.sdl);
          const { findings } = validateOperations(operationFiles(operations), api, () => []);
          if (findings.length > 0)
            return { result: { status: 422, body: { ok: false, findings } } as Outcome };
        }
        return Promise.resolve({
          changes: { operations },
          result: {
            status: 200,
            body: { ok: true, findings: [], registered: operations.length, total: union.length },
          } as Outcome,
        });
      });
    },

    async rollback(supergraphId, actor) {
      const target = await store.supergraph(supergraphId);
      if (!target)
        return {
          status: 404,
          body: {
            ok: false,
            error: { code: 'NOT_FOUND', message: `no supergraph ${supergraphId}` },
          },
        };
      return store.transact((state) =>
        Promise.resolve({
          ...(state.current?.id === supergraphId
            ? {}
            : { changes: { activate: { supergraphId, action: 'rollback' as const, actor } } }),
          result: {
            status: 200,
            body: {
              ok: true,
              findings: [],
              supergraphId,
              unchanged: state.current?.id === supergraphId,
            },
          },
        }),
      );
    },
  };
}

/** A subgraph as composition sees it; findings name `NAME.graphql` as its file. */
function spec(name: string, routingUrl: string, sdl: string): SubgraphSpec {
  return { name, routingUrl, schemaPath: `/${name}.graphql`, sdl };
}

function operationFiles(operations: readonly RegisteredOperation[]) {
  return operations.map((op) => ({ file: `operations/${op.name}`, source: op.body }));
}

/** 400 with the parse error (and its line) when the SDL does not parse. */
function parseProblem(name: string, sdl: string): Outcome | undefined {
  try {
    parse(sdl);
    return undefined;
  } catch (error) {
    const line = (error as GraphQLError).locations?.[0]?.line;
    const message = (error as Error).message;
    return {
      status: 400,
      body: {
        ok: false,
        error: { code: 'GRAPHQL_PARSE_FAILED', message },
        findings: [
          {
            kind: 'composition',
            severity: 'error',
            code: 'INVALID_GRAPHQL',
            message,
            subgraphs: [name],
            file: `${name}.graphql`,
            ...(line ? { line } : {}),
          },
        ],
      },
    };
  }
}

export function badInput(message: string): Outcome {
  return { status: 400, body: { ok: false, error: { code: 'BAD_USER_INPUT', message } } };
}
