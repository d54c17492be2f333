import {
  getNamedType,
  isCompositeType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isLeafType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLInterfaceType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import type { AccessRequirement } from '../supergraph/directiveIndex.js';
import { add, and, fromAccess, OPEN, type Alternative } from './requirementSet.js';

type Access = ReadonlyMap<string, AccessRequirement>;

/** The weakest requirement on any path from a root field to each type and field. */
export interface Reachability {
  /** Composite type → what a caller needs to get any value of it. */
  readonly types: ReadonlyMap<string, readonly Alternative[]>;
  /**
   * `Type.field` → what a caller needs to read it, or to learn its value another way: a field
   * whose argument has the same name and type (`Query.userByEmail(email:)` returning `User`
   * answers "which user has this email", so it reaches `User.email`).
   */
  readonly fields: ReadonlyMap<string, readonly Alternative[]>;
}

/**
 * Walks the API schema from its root types to a fixed point. A field needs its parent's reach
 * and what the gateway checks when the field is selected (`AccessRules.fieldAllowed`): the parent
 * type's, the field's and the return type's requirements, and on an interface those of every
 * implementation. A type is reached by any field returning it (or an interface or union it is
 * part of). Alternatives are OR-ed and kept minimal, so the result is the weakest way in. Pure.
 */
export function computeReachability(schema: GraphQLSchema, access: Access): Reachability {
  const types = new Map<string, Alternative[]>();
  const queue: string[] = [];
  for (const root of [
    schema.getQueryType(),
    schema.getMutationType(),
    schema.getSubscriptionType(),
  ]) {
    if (!root) continue;
    types.set(root.name, [...OPEN]);
    queue.push(root.name);
  }
  // why: breadth first, so the path kept for each alternative is a short one.
  while (queue.length > 0) {
    const type = schema.getType(queue.shift()!);
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const needs = fieldRequirement(schema, access, type, field, types.get(type.name) ?? []);
      const returned = getNamedType(field.type);
      if (!isCompositeType(returned)) continue;
      for (const target of targets(schema, returned)) {
        let changed = false;
        const set = types.get(target.name) ?? [];
        for (const x of and(needs, fromAccess(access.get(target.name))))
          changed = add(set, x) || changed;
        types.set(target.name, set);
        if (changed && !queue.includes(target.name)) queue.push(target.name);
      }
    }
  }

  const fields = new Map<string, Alternative[]>();
  for (const type of objectAndInterfaceTypes(schema)) {
    for (const field of Object.values(type.getFields())) {
      const reach = types.get(type.name) ?? [];
      fields.set(
        `${type.name}.${field.name}`,
        fieldRequirement(schema, access, type, field, reach),
      );
    }
  }
  for (const type of objectAndInterfaceTypes(schema)) {
    for (const field of Object.values(type.getFields())) {
      exposeArguments(schema, access, type, field, types.get(type.name) ?? [], fields);
    }
  }
  return { types, fields };
}

/** The parent's reach AND every requirement the gateway checks on selecting the field. */
function fieldRequirement(
  schema: GraphQLSchema,
  access: Access,
  parent: GraphQLObjectType | GraphQLInterfaceType,
  field: GraphQLField<unknown, unknown>,
  reach: readonly Alternative[],
): Alternative[] {
  const coordinate = `${parent.name}.${field.name}`;
  const coordinates = [parent.name, coordinate, getNamedType(field.type).name];
  if (isInterfaceType(parent))
    for (const impl of schema.getPossibleTypes(parent))
      coordinates.push(impl.name, `${impl.name}.${field.name}`);
  let result: Alternative[] = reach.map((x) => ({
    grants: x.grants,
    path: [...x.path, coordinate],
  }));
  for (const c of coordinates) result = and(result, fromAccess(access.get(c)));
  return result;
}

/**
 * A field returning `T` (or a list of it) with an argument named like a leaf field of `T`, of the
 * same type (directly or inside an input object), reaches that field's data: whoever may call it
 * can test values of it.
 */
function exposeArguments(
  schema: GraphQLSchema,
  access: Access,
  parent: GraphQLObjectType | GraphQLInterfaceType,
  field: GraphQLField<unknown, unknown>,
  reach: readonly Alternative[],
  fields: Map<string, Alternative[]>,
): void {
  const returned = getNamedType(field.type);
  if (!isObjectType(returned) && !isInterfaceType(returned)) return;
  const own = returned.getFields();
  const needs = fieldRequirement(schema, access, parent, field, reach);
  const visit = (label: string, name: string, type: GraphQLInputType, seen: Set<string>) => {
    const named = getNamedType(type);
    const target = Object.hasOwn(own, name) ? own[name] : undefined;
    if (target && isLeafType(named) && getNamedType(target.type).name === named.name) {
      const set = fields.get(`${returned.name}.${name}`);
      for (const x of needs)
        if (set)
          add(set, {
            grants: x.grants,
            path: [...x.path.slice(0, -1), label, `${returned.name}.${name}`],
          });
    }
    if (isInputObjectType(named) && !seen.has(named.name)) {
      const inner = new Set(seen).add(named.name);
      for (const f of Object.values(named.getFields()))
        visit(`${label}.${f.name}`, f.name, f.type, inner);
    }
  };
  for (const arg of field.args)
    visit(`${parent.name}.${field.name}(${arg.name}:)`, arg.name, arg.type, new Set());
}

/** The object and interface types a value of `type` may be. */
function targets(schema: GraphQLSchema, type: GraphQLNamedType): GraphQLNamedType[] {
  if (isObjectType(type)) return [type];
  if (isInterfaceType(type)) return [type, ...schema.getPossibleTypes(type)];
  if (isCompositeType(type)) return [type, ...schema.getPossibleTypes(type)];
  return [];
}

function objectAndInterfaceTypes(schema: GraphQLSchema) {
  return Object.values(schema.getTypeMap()).filter(
    (t): t is GraphQLObjectType | GraphQLInterfaceType =>
      !isIntrospectionType(t) && (isObjectType(t) || isInterfaceType(t)),
  );
}
