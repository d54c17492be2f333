import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import {
  Kind,
  OperationTypeNode,
  parse,
  print,
  stripIgnoredCharacters,
  visit,
  type ASTNode,
  type DefinitionNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { GatewayContext } from '../context.js';
import type { SubgraphSender } from './sender.js';
import { dedupeRepresentations, remapEntityErrors } from './representations.js';
import { headerVariation } from '../headers/apply.js';
import { describeFailure, failureResponse, type Failure } from './failure.js';
import { createFetchShapes } from './fetchShape.js';
import type { SendOptions, SubgraphRequest } from './subgraphClient.js';
import { ErrorCode } from '../errors.js';

/**
 * One request per subgraph per step (`SUBGRAPH_BATCHING`). The fetches of one client request to
 * one subgraph that are sent together (in the same turn of the event loop: a parallel step of the
 * plan, or the next steps of sequences whose inputs arrived in one answer) go out as ONE GraphQL
 * request: one query operation whose root fields are each fetch's root fields under a generated
 * alias (`_b<i>_<response name>`), with each fetch's variables renamed the same way
 * (`$_b<i>_representations`) and fragments kept once when every fetch defines them alike, renamed
 * per fetch otherwise. The answer is split back per fetch, errors by the alias at the head of their
 * path, so each fetch sees exactly the response it would have got alone.
 *
 * It sits between the per-field cache and the subgraph client: cache lookups, the fetch ledger and
 * degraded-subgraph marks stay per fetch; the internal token, header rules, deduplication, retries
 * and the circuit breaker apply to the merged request as they did to each fetch. Mutations are
 * never merged (a mutation plan sends its root fields in order, one fetch per step), nor are
 * fetches of different requests, callers or forwarded headers.
 */

/** The prefix of every generated alias and variable name: `_b<index>_`. */
const PREFIX = '_b';

/** Bounded memo of parsed fetch texts and merge plans (a plan sends a small set of texts). */
const MAX_REMEMBERED = 1000;

interface ParsedFetch {
  readonly operation: OperationDefinitionNode;
  readonly fragments: readonly FragmentDefinitionNode[];
  /** Declared variables, by name. */
  readonly variables: readonly string[];
}

/** How one fetch sits in the merged operation. */
export interface MergedPart {
  /** Generated alias → the fetch's own response name, per root field. */
  readonly fields: ReadonlyMap<string, string>;
  /** The fetch's variable names (as declared); each is sent as `_b<i>_<name>`. */
  readonly variables: readonly string[];
}

export interface MergePlan {
  readonly query: string;
  readonly operationName: string | undefined;
  readonly parts: readonly MergedPart[];
  /** Generated alias → (fetch index, response name), for the errors. */
  readonly aliases: ReadonlyMap<string, { readonly index: number; readonly name: string }>;
}

const parsed = new Map<string, ParsedFetch | null>();

/** A fetch text that may be merged: one query operation, root fields only, no directives on it. */
function parseFetch(query: string): ParsedFetch | null {
  let known = parsed.get(query);
  if (known !== undefined) return known;
  known = null;
  try {
    const document = parse(query, { noLocation: true });
    const operations = document.definitions.filter(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    const operation = operations[0];
    if (
      operations.length === 1 &&
      operation &&
      operation.operation === OperationTypeNode.QUERY &&
      !operation.directives?.length &&
      operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD) &&
      !query.includes('@defer') &&
      !query.includes('@stream')
    ) {
      known = {
        operation,
        fragments: document.definitions.filter(
          (d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION,
        ),
        variables: (operation.variableDefinitions ?? []).map((v) => v.variable.name.value),
      };
    }
  } catch {
    known = null;
  }
  if (parsed.size >= MAX_REMEMBERED) parsed.clear();
  parsed.set(query, known);
  return known;
}

/** Whether a fetch text can take part in a merged request. */
export function mergeable(query: string): boolean {
  return parseFetch(query) !== null;
}

const plans = new Map<string, MergePlan | null>();

/** The merged operation of these fetch texts (in this order), or null if one cannot be merged. */
export function mergePlan(queries: readonly string[], operationName?: string): MergePlan | null {
  const key = JSON.stringify([operationName ?? null, queries]);
  let plan = plans.get(key);
  if (plan !== undefined) return plan;
  plan = buildPlan(queries, operationName);
  if (plans.size >= MAX_REMEMBERED) plans.clear();
  plans.set(key, plan);
  return plan;
}

const prefixOf = (index: number) => `${PREFIX}${index}_`;

function buildPlan(
  queries: readonly string[],
  operationName: string | undefined,
): MergePlan | null {
  const fetches = queries.map(parseFetch);
  if (fetches.some((f) => f === null)) return null;
  const all = fetches as ParsedFetch[];

  // Fragments: kept under their names when every fetch that defines one defines it alike (then
  // once); otherwise every fetch's fragments get its prefix.
  const texts = new Map<string, string>();
  let conflict = false;
  for (const fetch of all)
    for (const fragment of fetch.fragments) {
      const text = print(fragment);
      const seen = texts.get(fragment.name.value);
      if (seen !== undefined && seen !== text) conflict = true;
      texts.set(fragment.name.value, text);
    }

  const variableDefinitions: VariableDefinitionNode[] = [];
  const selections: FieldNode[] = [];
  const fragments: DefinitionNode[] = [];
  const emitted = new Set<string>();
  const parts: MergedPart[] = [];
  const aliases = new Map<string, { index: number; name: string }>();
  all.forEach((fetch, index) => {
    const prefix = prefixOf(index);
    const renameFragment = (name: string) => (conflict ? prefix + name : name);
    const rename = <T extends ASTNode>(node: T): T =>
      visit(node, {
        Variable: (variable) => ({
          ...variable,
          name: { ...variable.name, value: prefix + variable.name.value },
        }),
        FragmentSpread: (spread) => ({
          ...spread,
          name: { ...spread.name, value: renameFragment(spread.name.value) },
        }),
        FragmentDefinition: (definition) => ({
          ...definition,
          name: { ...definition.name, value: renameFragment(definition.name.value) },
        }),
      });
    for (const definition of fetch.operation.variableDefinitions ?? [])
      variableDefinitions.push(rename(definition));
    const fields = new Map<string, string>();
    for (const selection of fetch.operation.selectionSet.selections) {
      const field = selection as FieldNode;
      const name = field.alias?.value ?? field.name.value;
      const alias = prefix + name;
      fields.set(alias, name);
      aliases.set(alias, { index, name });
      selections.push({ ...rename(field), alias: { kind: Kind.NAME, value: alias } });
    }
    for (const fragment of fetch.fragments) {
      const renamed = rename(fragment);
      if (emitted.has(renamed.name.value)) continue;
      emitted.add(renamed.name.value);
      fragments.push(renamed);
    }
    parts.push({ fields, variables: fetch.variables });
  });

  const operation: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.QUERY,
    ...(operationName ? { name: { kind: Kind.NAME, value: operationName } } : {}),
    variableDefinitions,
    directives: [],
    selectionSet: { kind: Kind.SELECTION_SET, selections },
  };
  const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] };
  return { query: stripIgnoredCharacters(print(document)), operationName, parts, aliases };
}

/** The name a merged request goes by: the first fetch's, marked as merged (`…__batch`). */
function mergedName(requests: readonly SubgraphRequest[]): string | undefined {
  const first = requests[0]?.operationName;
  return first ? `${first}__batch` : undefined;
}

/** One fetch of a merged request, with its `_entities` representations sent once each. */
export interface Member {
  readonly request: SubgraphRequest;
  readonly options: SendOptions;
  /** Representations of an `_entities` fetch (before deduplication). */
  readonly representations: number | undefined;
  /** Per representation sent, its original positions (when some repeated). */
  readonly originals?: readonly (readonly number[])[];
  readonly indexOf?: readonly number[];
}

/** The variables of the merged request: each fetch's own, renamed with its prefix. */
function mergedVariables(plan: MergePlan, members: readonly Member[], compact: boolean) {
  const variables = Object.create(null) as Record<string, unknown>;
  plan.parts.forEach((part, index) => {
    const member = members[index]!;
    const given = member.request.variables;
    if (!given) return;
    const prefix = prefixOf(index);
    for (const name of part.variables) {
      if (!Object.prototype.hasOwnProperty.call(given, name)) continue;
      let value = given[name];
      if (value === undefined) continue;
      if (name === 'representations' && compact && member.indexOf)
        value = dedupedRepresentations(value, member);
      variables[prefix + name] = value;
    }
  });
  return variables;
}

function dedupedRepresentations(value: unknown, member: Member): unknown {
  const list = value as unknown[];
  const sent: unknown[] = [];
  member.originals!.forEach((positions) => sent.push(list[positions[0]!]));
  return sent;
}

function compacted(request: SubgraphRequest, options: SendOptions, compact: boolean): Member {
  const list = request.variables?.representations;
  if (!Array.isArray(list)) return { request, options, representations: undefined };
  if (!compact || list.length < 2) return { request, options, representations: list.length };
  const deduped = dedupeRepresentations(list as Record<string, unknown>[]);
  if (deduped.unique.length === list.length)
    return { request, options, representations: list.length };
  const originals: number[][] = deduped.unique.map(() => []);
  deduped.indexOf.forEach((unique, position) => originals[unique]!.push(position));
  return {
    request,
    options,
    representations: list.length,
    originals,
    indexOf: deduped.indexOf,
  };
}

/** Sets an own property, whatever its name (`__proto__` is data like any other). */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/**
 * Splits the merged answer per fetch: each fetch's root fields under its own names, the errors
 * whose path starts at one of its aliases (the rest of the path unchanged), `_entities` of a
 * deduplicated fetch back at every original position. Errors without such a path go to the first
 * fetch (there is one answer, and its error is reported once).
 */
export function splitResponse(
  plan: MergePlan,
  members: readonly Member[],
  response: GatewayGraphQLResponse,
): GatewayGraphQLResponse[] {
  const data = response.data as Record<string, unknown> | null | undefined;
  const errors: GraphQLFormattedError[][] = members.map(() => []);
  for (const error of response.errors ?? []) {
    const head = error.path?.[0];
    const target = typeof head === 'string' ? plan.aliases.get(head) : undefined;
    if (target)
      errors[target.index]!.push({ ...error, path: [target.name, ...error.path!.slice(1)] });
    else errors[0]!.push(error);
  }
  return members.map((member, index) => {
    let own: Record<string, unknown> | null | undefined = data;
    if (data) {
      own = {};
      for (const [alias, name] of plan.parts[index]!.fields)
        if (Object.prototype.hasOwnProperty.call(data, alias)) setOwn(own, name, data[alias]);
    }
    let ownErrors = errors[index]!;
    if (member.originals && member.indexOf) {
      if (ownErrors.length) ownErrors = remapEntityErrors(ownErrors, member.originals);
      const entities = own?._entities;
      if (own && Array.isArray(entities)) {
        const taken = new Set<number>();
        own._entities = member.indexOf.map((unique) =>
          taken.has(unique)
            ? structuredClone(entities[unique] as unknown)
            : (taken.add(unique), entities[unique] as unknown),
        );
      }
    }
    const answer: GatewayGraphQLResponse = {
      ...(own !== undefined ? { data: own } : {}),
      ...(ownErrors.length ? { errors: ownErrors } : {}),
      ...(response.extensions ? { extensions: response.extensions } : {}),
    };
    return answer;
  });
}

/** Codes of the subgraph client's own failure answers (`failure.ts`): no fetch got through. */
const FAILURE_CODES: ReadonlySet<unknown> = new Set([
  ErrorCode.SUBGRAPH_TIMEOUT,
  ErrorCode.SUBGRAPH_UNAVAILABLE,
  ErrorCode.DOWNSTREAM_SERVICE_ERROR,
]);

/** The failure, when the answer is the subgraph client's own for a request that did not get through. */
function clientFailure(subgraph: string, response: GatewayGraphQLResponse): Failure | undefined {
  if (response.data !== undefined || !response.errors?.length) return undefined;
  const first = response.errors[0]!;
  const own = response.errors.every(
    (e) => e.extensions?.serviceName === subgraph && FAILURE_CODES.has(e.extensions?.code),
  );
  return own ? { code: first.extensions!.code as ErrorCode, message: first.message } : undefined;
}

export interface BatchingOptions {
  /** Send each distinct representation of an `_entities` fetch once (`SUBGRAPH_DEDUP`). */
  readonly dedup?: boolean;
}

interface Waiting {
  readonly request: SubgraphRequest;
  readonly options: SendOptions;
  readonly resolve: (response: GatewayGraphQLResponse) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Wraps a subgraph client: fetches of one request sent in the same turn of the event loop, to
 * this subgraph with the same forwarded headers, go out as one merged request.
 */
export function batchingSender(
  client: SubgraphSender,
  options: BatchingOptions = {},
): SubgraphSender {
  const compact = options.dedup !== false;
  const shapeOf = createFetchShapes();
  let queued = new Map<GatewayContext, Map<string, Waiting[]>>();
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const now = queued;
    queued = new Map();
    for (const [context, groups] of now)
      for (const group of groups.values()) void sendGroup(context, group);
  };

  const direct = (context: GatewayContext, waiting: Waiting) =>
    client.send(waiting.request, context, waiting.options).then(waiting.resolve, waiting.reject);

  const sendGroup = async (context: GatewayContext, group: Waiting[]) => {
    if (group.length === 1) return direct(context, group[0]!);
    const requests = group.map((w) => w.request);
    const plan = mergePlan(
      requests.map((r) => r.query),
      mergedName(requests),
    );
    if (!plan) return Promise.all(group.map((w) => direct(context, w)));
    try {
      const members = group.map((w) => compacted(w.request, w.options, compact));
      const response = await client.send(
        {
          query: plan.query,
          variables: mergedVariables(plan, members, compact),
          operationName: plan.operationName,
        },
        context,
        mergedOptions(group),
      );
      const failure = clientFailure(client.name, response);
      if (failure) {
        group.forEach((w, i) =>
          w.resolve(
            failureResponse(
              client.name,
              failure,
              shapeOf(w.request.query),
              members[i]!.representations,
            ),
          ),
        );
        return;
      }
      // why: with no data at all (a non-null root field failed, or the merged request was
      // refused), the other fetches would lose answers they get alone: each is sent on its own.
      if (response.data === null || response.data === undefined) {
        await Promise.all(group.map((w) => direct(context, w)));
        return;
      }
      const answers = splitResponse(plan, members, response);
      group.forEach((w, i) => {
        const answer = answers[i]!;
        const expected = members[i]!.representations;
        const entities = (answer.data as Record<string, unknown> | null | undefined)?._entities;
        if (
          expected !== undefined &&
          answer.data &&
          (!Array.isArray(entities) || entities.length !== expected)
        ) {
          const invalid = describeFailure({ kind: 'invalid-response' }, client.name, 0);
          w.resolve(failureResponse(client.name, invalid, shapeOf(w.request.query), expected));
          return;
        }
        w.resolve(answer);
      });
    } catch (error) {
      for (const w of group) w.reject(error);
    }
  };

  return {
    name: client.name,
    ...(client.forwardedHeaders
      ? { forwardedHeaders: (context) => client.forwardedHeaders!(context) }
      : {}),
    send(request, context, sendOptions = {}) {
      if (!context || !mergeable(request.query)) return client.send(request, context, sendOptions);
      const forwarded = sendOptions.forwarded ?? client.forwardedHeaders?.(context);
      const group = `${sendOptions.share === false ? 'own' : 'shared'}\n${
        forwarded ? headerVariation(forwarded) : ''
      }`;
      return new Promise<GatewayGraphQLResponse>((resolve, reject) => {
        let groups = queued.get(context);
        if (!groups) {
          groups = new Map();
          queued.set(context, groups);
        }
        let waiting = groups.get(group);
        if (!waiting) {
          waiting = [];
          groups.set(group, waiting);
        }
        waiting.push({
          request,
          options: forwarded ? { ...sendOptions, forwarded } : sendOptions,
          resolve,
          reject,
        });
        if (!scheduled) {
          scheduled = true;
          // why setImmediate: every fetch started in this turn (their cache lookups included,
          // when they need no I/O) has reached here before it runs.
          setImmediate(flush);
        }
      });
    },
  };
}

/**
 * How the merged request may be deduplicated: never shared if one fetch may not be; shared with
 * the same partition strings (the cache's entity versions) otherwise.
 */
function mergedOptions(group: readonly Waiting[]): SendOptions {
  const forwarded = group[0]!.options.forwarded;
  const shares = group.map((w) => w.options.share ?? true);
  let share: boolean | string;
  if (shares.some((s) => s === false)) share = false;
  else if (shares.every((s) => s === true)) share = true;
  else share = JSON.stringify(shares);
  return forwarded ? { share, forwarded } : { share };
}
