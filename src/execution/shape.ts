import { ERRORS } from '@apollo/federation-internals';
import {
  Kind,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  print,
  valueFromASTUntyped,
  type DirectiveNode,
  type FragmentDefinitionNode,
  type FieldNode,
  type GraphQLError,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { ErrorCode, GatewayError } from '../errors.js';
import { clientResponseName, refusedField, requiresConflictError } from './reservedAlias.js';

/**
 * The response shaper: turns the merged subgraph data of a plan's execution into the answer the
 * client asked for (its response names and order, `__typename`, null propagation for non-null
 * fields, leaf values checked against their types). Same rules, errors and messages as
 * `@apollo/gateway`'s own shaping, but compiled once per (schema, operation): selection sets become
 * arrays of steps with their types, conditions and sub-steps resolved, so a request walks plain
 * objects instead of the planner's operation model.
 */

const NON_NULL = 0;
const LIST = 1;
const COMPOSITE = 2;
const LEAF = 3;

type TypeShape =
  | { readonly k: typeof NON_NULL; readonly of: TypeShape; readonly str: string }
  | { readonly k: typeof LIST; readonly of: TypeShape; readonly str: string }
  | { readonly k: typeof COMPOSITE; readonly str: string }
  | { readonly k: typeof LEAF; readonly str: string; readonly valid: (value: unknown) => boolean };

/** `@skip`/`@include` of one selection: a literal or the name of a variable. */
interface Conditions {
  readonly skip?: boolean | string;
  readonly include?: boolean | string;
  /** For the error message of a non-boolean variable. */
  readonly text: { readonly skip?: string; readonly include?: string };
}

interface FieldStep {
  readonly kind: 'field';
  /** The client's response name. */
  readonly name: string;
  /** The name the value has in the merged data: a gateway alias (`reservedAlias.ts`) or `name`. */
  readonly key: string;
  /** The response name is also a property of `Object.prototype`: read and write own properties only. */
  readonly guarded: boolean;
  readonly conditions: Conditions | undefined;
  readonly typename: boolean;
  /** `__schema`/`__type`: answered by introspection, not by the subgraphs. */
  readonly introspection: FieldNode | undefined;
  /** A field the gateway refused to plan (`reservedAlias.ts` `refusedAlias`): its field name. */
  readonly refused?: string;
  readonly type: TypeShape;
  readonly steps: readonly Step[] | undefined;
}

interface FragmentStep {
  readonly kind: 'fragment';
  readonly typeCondition: string | undefined;
  readonly conditions: Conditions | undefined;
  readonly steps: readonly Step[];
  /** Whether the condition applies, per runtime type name. */
  readonly applies: Map<string, boolean>;
}

type Step = FieldStep | FragmentStep;

/** The schema facts shaping needs, by type name. */
interface SchemaFacts {
  readonly all: ReadonlySet<string>;
  readonly objects: ReadonlySet<string>;
  readonly composites: ReadonlySet<string>;
  /** Abstract type → the object and interface types below it. */
  readonly below: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface CompiledShape {
  readonly rootType: string;
  readonly steps: readonly Step[];
  readonly facts: SchemaFacts;
  /** Default values of the operation's variables. */
  readonly defaults: Readonly<Record<string, unknown>>;
}

export interface ShapeOptions {
  /**
   * A field the merged data does not hold at all is an error at its path (code
   * `FIELD_UNREACHABLE`), not a null: no fetch of the plan answered it. Except in the objects of
   * `answeredNull`: entities a subgraph answered `null` for, whose fields are null. A missing
   * object field with selections is shaped as an empty object, so the error lands at each field
   * below it that nothing answered. Without it, a missing field is null, as `@apollo/gateway`
   * shapes it.
   */
  readonly strict?: { readonly answeredNull: WeakSet<object> };
}

export interface ShapedResponse {
  readonly data: Record<string, unknown> | null | undefined;
  readonly errors: GraphQLError[];
}

const factsBySchema = new WeakMap<GraphQLSchema, SchemaFacts>();

function schemaFacts(schema: GraphQLSchema): SchemaFacts {
  let facts = factsBySchema.get(schema);
  if (facts) return facts;
  const all = new Set<string>(['Int', 'Float', 'String', 'Boolean', 'ID']);
  const objects = new Set<string>();
  const composites = new Set<string>();
  const below = new Map<string, Set<string>>();
  for (const type of Object.values(schema.getTypeMap())) {
    all.add(type.name);
    if (isObjectType(type)) objects.add(type.name);
    if (isCompositeType(type)) composites.add(type.name);
    if (isAbstractType(type)) {
      const names = new Set<string>();
      if (isInterfaceType(type)) {
        const { objects: implementers, interfaces } = schema.getImplementations(type);
        for (const t of [...implementers, ...interfaces]) names.add(t.name);
      } else {
        for (const t of type.getTypes()) names.add(t.name);
      }
      below.set(type.name, names);
    }
  }
  facts = { all, objects, composites, below };
  factsBySchema.set(schema, facts);
  return facts;
}

const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

function leafCheck(type: GraphQLOutputType): (value: unknown) => boolean {
  if (isEnumType(type)) {
    const values = new Set(type.getValues().map((v) => v.name));
    return (value) => typeof value === 'string' && values.has(value);
  }
  if (isScalarType(type) && !isSpecifiedScalarType(type)) return () => true;
  switch (type.toString()) {
    case 'Boolean':
      return (value) => typeof value === 'boolean';
    case 'Int':
      return (value) =>
        typeof value === 'number' && Number.isFinite(value) && INTEGER.test(String(value));
    case 'ID':
      return (value) =>
        typeof value === 'string' ||
        (typeof value === 'number' && Number.isFinite(value) && INTEGER.test(String(value)));
    case 'Float':
      return (value) => typeof value === 'number' && Number.isFinite(value);
    default: // String
      return (value) => typeof value === 'string';
  }
}

function typeShape(type: GraphQLOutputType): TypeShape {
  const str = type.toString();
  if (isNonNullType(type)) return { k: NON_NULL, of: typeShape(type.ofType), str };
  if (isListType(type)) return { k: LIST, of: typeShape(type.ofType), str };
  if (isCompositeType(type)) return { k: COMPOSITE, str };
  return { k: LEAF, str, valid: leafCheck(type) };
}

function conditionsOf(directives: readonly DirectiveNode[] | undefined): Conditions | undefined {
  if (!directives?.length) return undefined;
  let skip: boolean | string | undefined;
  let include: boolean | string | undefined;
  const text: { skip?: string; include?: string } = {};
  for (const directive of directives) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') continue;
    const arg = directive.arguments?.find((a) => a.name.value === 'if')?.value;
    if (!arg) continue;
    const value =
      arg.kind === Kind.VARIABLE
        ? arg.name.value
        : arg.kind === Kind.BOOLEAN
          ? arg.value
          : Boolean(valueFromASTUntyped(arg));
    if (name === 'skip' && skip === undefined) {
      skip = value;
      text.skip = `@skip(if: $${String(value)})`;
    } else if (name === 'include' && include === undefined) {
      include = value;
      text.include = `@include(if: $${String(value)})`;
    }
  }
  if (skip === undefined && include === undefined) return undefined;
  return { skip, include, text };
}

/** A directive list as a key: name and arguments sorted by name, in order of appearance. */
function directivesKey(directives: readonly DirectiveNode[] | undefined): string {
  if (!directives?.length) return '';
  return directives
    .map((d) => {
      const args = [...(d.arguments ?? [])]
        .sort((a, b) => a.name.value.localeCompare(b.name.value))
        .map((a) => `${a.name.value}: ${print(a.value)}`);
      return `@${d.name.value}${args.length ? `(${args.join(', ')})` : ''}`;
    })
    .join(' ');
}

interface Normalized {
  readonly selection: SelectionNode;
  /** The selections of every occurrence with the same key, in order. */
  readonly merged: SelectionSetNode | undefined;
}

/**
 * The selections of a set as the planner's operation model holds them: one per key (response
 * name, or type condition, or fragment name, each with its directives), at the place of its first
 * occurrence, with the sub-selections of every occurrence merged. The order of the keys in a
 * response follows from it.
 */
function normalized(set: SelectionSetNode): Normalized[] {
  const groups = new Map<string, { selection: SelectionNode; sets: SelectionSetNode[] }>();
  for (const selection of set.selections) {
    const key =
      selection.kind === Kind.FIELD
        ? `${selection.alias?.value ?? selection.name.value}${directivesKey(selection.directives)}`
        : selection.kind === Kind.INLINE_FRAGMENT
          ? `...${selection.typeCondition ? ` on ${selection.typeCondition.name.value}` : ''}${directivesKey(selection.directives)}`
          : `... ${selection.name.value}${directivesKey(selection.directives)}`;
    const group = groups.get(key);
    const sub = selection.kind === Kind.FRAGMENT_SPREAD ? undefined : selection.selectionSet;
    if (!group) groups.set(key, { selection, sets: sub ? [sub] : [] });
    else if (sub) group.sets.push(sub);
  }
  const result: Normalized[] = [];
  for (const { selection, sets } of groups.values()) {
    const merged: SelectionSetNode | undefined =
      sets.length === 0
        ? undefined
        : sets.length === 1
          ? sets[0]
          : { kind: Kind.SELECTION_SET, selections: sets.flatMap((s) => s.selections) };
    result.push({ selection, merged });
  }
  return result;
}

/**
 * A value in an error message as a template literal shows it: the wording `@apollo/gateway` uses
 * (`[object Object]` included), without throwing on an object that cannot be converted.
 */
export function shown(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Response names that a plain object or an array (what subgraph JSON is made of) also answers
 * through its prototype: those are read as own properties only.
 */
const PROTOTYPE_NAMES = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  ...Object.getOwnPropertyNames(Array.prototype),
]);

/**
 * Compiles the shaping of `operation` (with the document's fragments) over the API `schema`.
 * The operation has been validated against that schema.
 */
export function compileShape(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): CompiledShape {
  const facts = schemaFacts(schema);
  const root = schema.getRootType(operation.operation);
  if (!root) throw new Error(`The schema has no ${operation.operation} type`);

  const compiledFragments = new Map<string, Step[]>();
  const compileFragment = (name: string, visiting: ReadonlySet<string>): Step[] => {
    let steps = compiledFragments.get(name);
    if (steps) return steps;
    const fragment = fragments[name];
    if (!fragment) throw new Error(`Unknown fragment "${name}"`);
    if (visiting.has(name)) throw new Error(`Fragment cycle through "${name}"`);
    steps = compileSet(
      fragment.selectionSet,
      fragment.typeCondition.name.value,
      new Set([...visiting, name]),
    );
    compiledFragments.set(name, steps);
    return steps;
  };

  const compileSet = (
    set: SelectionSetNode,
    parent: string,
    visiting: ReadonlySet<string>,
  ): Step[] => {
    const steps: Step[] = [];
    for (const { selection, merged } of normalized(set)) {
      const conditions = conditionsOf(selection.directives);
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const name = clientResponseName(key);
        const fieldName = selection.name.value;
        const guarded = PROTOTYPE_NAMES.has(name) || PROTOTYPE_NAMES.has(key);
        if (fieldName === '__typename') {
          steps.push(
            refusedStep(schema, parent, key, conditions) ??
              fieldStep(name, guarded, conditions, { typename: true }),
          );
          continue;
        }
        if (fieldName === '__schema' || fieldName === '__type') {
          steps.push(
            fieldStep(name, guarded, conditions, {
              introspection: { ...selection, selectionSet: merged },
            }),
          );
          continue;
        }
        const parentType = schema.getType(parent);
        if (!parentType || !(isObjectType(parentType) || isInterfaceType(parentType)))
          throw new Error(`Cannot select ${fieldName} on ${parent}`);
        const definition = parentType.getFields()[fieldName];
        if (!definition) throw new Error(`Unknown field ${parent}.${fieldName}`);
        steps.push({
          kind: 'field',
          name,
          key,
          guarded,
          conditions,
          typename: false,
          introspection: undefined,
          type: typeShape(definition.type),
          steps: merged
            ? compileSet(merged, getNamedType(definition.type).name, visiting)
            : undefined,
        });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeCondition = selection.typeCondition?.name.value;
        steps.push({
          kind: 'fragment',
          typeCondition,
          conditions,
          steps: compileSet(merged ?? selection.selectionSet, typeCondition ?? parent, visiting),
          applies: new Map(),
        });
      } else {
        const name = selection.name.value;
        steps.push({
          kind: 'fragment',
          typeCondition: fragments[name]?.typeCondition.name.value,
          conditions,
          steps: compileFragment(name, visiting),
          applies: new Map(),
        });
      }
    }
    return steps;
  };

  // why: no prototype, so a variable named `constructor` or `__proto__` is only ever its own value
  const defaults = Object.create(null) as Record<string, unknown>;
  for (const definition of operation.variableDefinitions ?? [])
    if (definition.defaultValue)
      defaults[definition.variable.name.value] = valueFromASTUntyped(definition.defaultValue);

  return {
    rootType: root.name,
    steps: compileSet(operation.selectionSet, root.name, new Set()),
    facts,
    defaults,
  };
}

/**
 * The step of a `__typename` under a `refusedAlias`: the client's field, with its type, answered by
 * an error; undefined for any other `__typename`.
 */
function refusedStep(
  schema: GraphQLSchema,
  parent: string,
  key: string,
  conditions: Conditions | undefined,
): FieldStep | undefined {
  const refused = refusedField(key);
  if (!refused) return undefined;
  const parentType = schema.getType(parent);
  const definition =
    parentType && (isObjectType(parentType) || isInterfaceType(parentType))
      ? parentType.getFields()[refused.fieldName]
      : undefined;
  if (!definition) return undefined;
  const name = refused.responseName;
  return {
    kind: 'field',
    name,
    key,
    guarded: PROTOTYPE_NAMES.has(name),
    conditions,
    typename: false,
    introspection: undefined,
    refused: refused.fieldName,
    type: typeShape(definition.type),
    steps: undefined,
  };
}

function fieldStep(
  name: string,
  guarded: boolean,
  conditions: Conditions | undefined,
  special: { typename?: true; introspection?: FieldNode },
): FieldStep {
  return {
    kind: 'field',
    name,
    key: name,
    guarded,
    conditions,
    typename: special.typename ?? false,
    introspection: special.introspection,
    type: { k: LEAF, str: 'String', valid: () => true },
    steps: undefined,
  };
}

/** Per-run state; `invalid`/`failed` are the flags of the last `update` call. */
interface Run {
  readonly shape: CompiledShape;
  readonly given: Readonly<Record<string, unknown>> | undefined;
  variables: Record<string, unknown> | undefined;
  readonly introspect: (field: FieldNode) => unknown;
  readonly errors: GraphQLError[];
  readonly path: (string | number)[];
  /** The value is null because a non-null position was null: the parent must be nulled too. */
  invalid: boolean;
  /** An error was recorded for the value (or below it). */
  failed: boolean;
  readonly strict: ShapeOptions['strict'];
  /** The objects `unreachedObject` stands in for a field no fetch answered. */
  readonly unreached: WeakSet<object>;
}

type Data = Record<string, unknown>;

export const hasOwn = (object: object, key: string): boolean =>
  Object.prototype.hasOwnProperty.call(object, key);

function read(input: Data, step: FieldStep): unknown {
  return step.guarded ? (hasOwn(input, step.key) ? input[step.key] : undefined) : input[step.key];
}

function write(output: Data, name: string, value: unknown): void {
  if (name === '__proto__')
    Object.defineProperty(output, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else output[name] = value;
}

function condition(run: Run, value: boolean | string, text: string | undefined): boolean {
  if (typeof value === 'boolean') return value;
  run.variables ??= Object.assign(
    Object.create(null) as Record<string, unknown>,
    run.shape.defaults,
    run.given,
  );
  const given = run.variables[value];
  if (typeof given !== 'boolean')
    throw new Error(`Unexpected value ${shown(given)} for variable $${value} of ${text}`);
  return given;
}

function skipped(run: Run, conditions: Conditions): boolean {
  return (
    (conditions.skip !== undefined && condition(run, conditions.skip, conditions.text.skip)) ||
    (conditions.include !== undefined &&
      !condition(run, conditions.include, conditions.text.include))
  );
}

function describe(run: Run, type: string, parent: string): string {
  const element = run.path[run.path.length - 1];
  return typeof element === 'string'
    ? `field ${parent}.${element}`
    : `array element of type ${type} at index ${shown(element)}`;
}

function invalidGraphQL(run: Run, message: string): void {
  run.errors.push(ERRORS.INVALID_GRAPHQL.err(message, { path: run.path.slice() }));
}

function applies(
  run: Run,
  step: FragmentStep,
  typename: string | undefined,
  parent: string,
): boolean {
  const condition = step.typeCondition;
  if (condition === undefined) return true;
  const key = typename || parent;
  let result = step.applies.get(key);
  if (result === undefined) {
    const { all, below } = run.shape.facts;
    // why: a type name the schema does not know (a subgraph's data) is never remembered, so the
    // map stays bounded by the schema's types
    if (typename && !all.has(typename)) return false;
    result = condition === key || (below.get(condition)?.has(key) ?? false);
    step.applies.set(key, result);
  }
  return result;
}

/** Returns true when a null must bubble up to the parent of `output`. */
function apply(
  run: Run,
  input: Data,
  steps: readonly Step[],
  output: Data,
  parent: string,
): boolean {
  for (const step of steps) {
    if (step.conditions && skipped(run, step.conditions)) continue;
    if (step.kind === 'field') {
      const name = step.name;
      const current = step.guarded
        ? hasOwn(output, name)
          ? output[name]
          : undefined
        : output[name];
      if (step.introspection) {
        if (current === undefined) write(output, name, run.introspect(step.introspection));
        continue;
      }
      if (step.refused !== undefined) {
        if (refuse(run, step, step.refused, output, parent)) return true;
        continue;
      }
      let raw = read(input, step);
      if (raw === undefined && run.strict && !step.typename && current === undefined) {
        if (!run.strict.answeredNull.has(input)) {
          raw = unreachedObject(run, step);
          if (raw === undefined) {
            unreachable(run, step, name, parent);
            write(output, name, null);
            if (step.type.k === NON_NULL) return true;
            continue;
          }
        }
      }
      let value = raw ?? null;
      if (step.typename) {
        if (current === undefined) {
          if (value === null && name !== '__typename') value = input.__typename ?? null;
          const type = typeof value === 'string' && run.shape.facts.all.has(value) ? value : parent;
          if (!run.shape.facts.objects.has(type)) {
            if (run.unreached.has(input)) unreachable(run, step, name, parent);
            return true;
          }
          write(output, name, type);
        }
        continue;
      }
      run.path.push(name);
      const updated = update(run, current, step.type, value, step.steps, parent);
      write(output, name, updated);
      run.path.pop();
      if (run.invalid) return true;
    } else {
      const typename = input.__typename;
      if (typename && typeof typename !== 'string')
        throw new Error(`Got unexpected value for __typename: ${shown(typename)}`);
      if (applies(run, step, typename as string | undefined, parent)) {
        if (apply(run, input, step.steps, output, step.typeCondition ?? parent)) return true;
      }
    }
  }
  return false;
}

/**
 * A field the gateway did not plan, because its `@requires` conflicts with another selected
 * field's: null and an error at its path (once per object). Returns true when the null must
 * bubble up (a non-null field).
 */
function refuse(
  run: Run,
  step: FieldStep,
  fieldName: string,
  output: Data,
  parent: string,
): boolean {
  if (hasOwn(output, step.name)) return false;
  run.path.push(step.name);
  run.errors.push(requiresConflictError(`${parent}.${fieldName}`, run.path));
  run.path.pop();
  write(output, step.name, null);
  return step.type.k === NON_NULL;
}

/** No fetch of the plan answered this field: an error at its path, never a silent null. */
function unreachable(run: Run, step: FieldStep, name: string, parent: string): void {
  run.path.push(name);
  run.errors.push(
    new GatewayError(
      ErrorCode.FIELD_UNREACHABLE,
      `No subgraph answered ${describe(run, step.type.str, parent)}: the query plan does not reach it.`,
      { path: run.path.slice() },
    ),
  );
  run.path.pop();
}

/**
 * An object field (not a list) that no fetch answered, while the client selected fields below
 * it: the planner leaves out an object whose selections no subgraph can reach (an
 * `@interfaceObject` field behind a non-resolvable key), so the errors belong to those fields,
 * each at its own path, with nulls propagated from there. Shaped as an empty object, which every
 * field below is missing from; undefined for a list or a leaf (the error is the field's own).
 */
function unreachedObject(run: Run, step: FieldStep): Data | undefined {
  const type = step.type.k === NON_NULL ? step.type.of : step.type;
  if (type.k !== COMPOSITE || !step.steps?.length) return undefined;
  const object: Data = {};
  run.unreached.add(object);
  return object;
}

function done(run: Run, value: unknown, invalid: boolean, failed: boolean): unknown {
  run.invalid = invalid;
  run.failed = failed;
  return value;
}

function update(
  run: Run,
  current: unknown,
  type: TypeShape,
  input: unknown,
  steps: readonly Step[] | undefined,
  parent: string,
): unknown {
  if (input === undefined)
    throw new Error('Should not pass undefined for `inputValue` to this method');
  if (current === null || (current !== undefined && !steps))
    return done(run, current, false, false);
  switch (type.k) {
    case NON_NULL: {
      const value = update(run, current, type.of, input, steps, parent);
      if (value === null) {
        if (!run.failed)
          invalidGraphQL(
            run,
            `Cannot return null for non-nullable ${describe(run, type.of.str, parent)}.`,
          );
        return done(run, null, true, true);
      }
      return done(run, value, false, false);
    }
    case LIST: {
      if (input === null) return done(run, null, false, false);
      if (!Array.isArray(input))
        throw new Error(
          `Invalid non-list value ${shown(input)} returned by subgraph for list type ${type.str}`,
        );
      if (current !== undefined && !Array.isArray(current))
        throw new Error(
          `Invalid non-list value ${shown(current)} returned by subgraph for list type ${type.str}`,
        );
      const existing = current as unknown[] | undefined;
      if (existing && existing.length !== input.length)
        throw new Error(
          `[${shown(input)}].length (${input.length}) !== [${String(existing)}].length (${existing.length})`,
        );
      const values = new Array<unknown>(input.length);
      let nullify = false;
      let failed = false;
      for (let i = 0; i < input.length; i++) {
        run.path.push(i);
        values[i] = update(run, existing?.[i], type.of, input[i], steps, parent);
        run.path.pop();
        nullify ||= run.invalid;
        failed ||= run.failed;
      }
      return done(run, nullify ? null : values, false, failed);
    }
    case COMPOSITE: {
      if (input === null) return done(run, null, false, false);
      if (typeof input !== 'object')
        throw new Error(
          `Invalid non-object value ${shown(input)} returned by subgraph for composite type ${type.str}`,
        );
      if (current !== undefined && typeof current !== 'object')
        throw new Error(
          `Invalid non-object value ${shown(input)} returned by subgraph for composite type ${type.str}`,
        );
      const object = input as Data;
      const typename = object.__typename;
      if (typename !== undefined && typeof typename !== 'string')
        throw new Error(
          `Invalid non-string value ${shown(typename)} for __typename at ${shown(run.path)}`,
        );
      let runtime = type.str;
      if (typename) {
        if (!run.shape.facts.composites.has(typename)) {
          invalidGraphQL(
            run,
            `Invalid __typename found for object at ${describe(run, type.str, parent)}.`,
          );
          return done(run, null, false, true);
        }
        runtime = typename;
      }
      const output = (current as Data | undefined) ?? {};
      const bubble = apply(run, object, steps ?? [], output, runtime);
      return done(run, bubble ? null : output, false, bubble);
    }
    case LEAF: {
      if (input === null) return done(run, null, false, false);
      if (current !== undefined)
        throw new Error(`Excepted output to be undefined but got ${type.str} for type ${type.str}`);
      if (type.valid(input)) return done(run, input, false, false);
      invalidGraphQL(run, `Invalid value found for ${describe(run, type.str, parent)}.`);
      return done(run, null, false, true);
    }
  }
}

/**
 * Shapes `input` (the merged data of the plan's fetches) into the response data. Throws, like
 * `@apollo/gateway`, on data that breaks the plan's own invariants (a list where an object was
 * expected, lists of different lengths); the caller turns that into an error response.
 */
export function shapeResponse(
  shape: CompiledShape,
  input: Data | null | undefined,
  variables: Readonly<Record<string, unknown>> | undefined,
  introspect: (field: FieldNode) => unknown,
  options: ShapeOptions = {},
): ShapedResponse {
  if (!input) return { data: input, errors: [] };
  const run: Run = {
    shape,
    given: variables,
    variables: undefined,
    introspect,
    errors: [],
    path: [],
    invalid: false,
    failed: false,
    strict: options.strict,
    unreached: new WeakSet(),
  };
  const data: Data = {};
  const bubble = apply(run, input, shape.steps, data, shape.rootType);
  return { data: bubble ? null : data, errors: run.errors };
}
