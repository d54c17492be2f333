import {
  getNamedType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

/** One request of the differential test. */
export interface GeneratedRequest {
  readonly name: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly operationName?: string;
}

/** mulberry32: same seed, same queries, on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keeps a generated response small: the product of the list sizes along any path. */
const MAX_FANOUT = 60;
const MAX_DEPTH = 5;

/**
 * Random walks over the API schema: fields with sensible arguments (ids p1..p2000 / u1..u300,
 * `first` 0..20, now and then an unknown id), nested across subgraphs, with aliases, named and
 * inline fragments, `__typename`, and `@skip`/`@include` on variables or literals.
 */
export function generateRequests(schema: GraphQLSchema, count: number, seed: number) {
  const random = mulberry32(seed);
  const chance = (p: number) => random() < p;
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const requests: GeneratedRequest[] = [];

  for (let n = 0; n < count; n++) {
    let aliasCounter = 0;
    let fragmentCounter = 0;
    const variableDefs: string[] = [];
    const variables: Record<string, unknown> = {};
    const fragments: { name: string; type: string; text: string }[] = [];

    const variable = (type: string, value: unknown): string => {
      const name = `v${variableDefs.length}`;
      variableDefs.push(`$${name}: ${type}`);
      variables[name] = value;
      return `$${name}`;
    };
    const productId = () => (chance(0.05) ? 'p99999' : `p${int(1, 2000)}`);
    const userId = () => (chance(0.05) ? 'u999' : `u${int(1, 300)}`);
    const condition = (): string => {
      if (!chance(0.15)) return '';
      const directive = chance(0.5) ? 'skip' : 'include';
      const value = chance(0.5);
      return ` @${directive}(if: ${chance(0.7) ? variable('Boolean!', value) : String(value)})`;
    };

    /** Arguments for a field, and how many items the field may return. */
    const argumentsOf = (
      field: GraphQLField<unknown, unknown>,
      fanout: number,
    ): { text: string; items: number } => {
      const parts: string[] = [];
      let items = isListType(isNonNullType(field.type) ? field.type.ofType : field.type) ? 10 : 1;
      for (const arg of field.args) {
        const required = isNonNullType(arg.type);
        if (!required && chance(0.25)) {
          // Left out: the default applies (`products` 10 or 5, `payments` 10).
          if (arg.name === 'first' && typeof arg.defaultValue === 'number')
            items = arg.defaultValue;
          continue;
        }
        let value: unknown;
        if (arg.name === 'id')
          value = getNamedType(field.type).name === 'User' ? userId() : productId();
        else if (arg.name === 'first') {
          const limit = Math.max(0, Math.min(20, Math.floor(MAX_FANOUT / fanout)));
          value = int(0, limit);
          items = value as number;
        } else if (arg.name === 'after') value = chance(0.1) ? 'nope' : productId();
        else if (arg.name === 'price') value = Math.round(random() * 10000) / 100;
        else continue;
        if (chance(0.3)) {
          const type = arg.type.toString();
          parts.push(`${arg.name}: ${variable(type, value)}`);
        } else parts.push(`${arg.name}: ${JSON.stringify(value)}`);
      }
      return { text: parts.length ? `(${parts.join(', ')})` : '', items };
    };

    /**
     * A selection set on `type`. `merged` = the selection shares its response names with others
     * (a fragment): fields with arguments then always get a unique alias, so nothing conflicts.
     */
    const selection = (
      type: GraphQLObjectType,
      depth: number,
      fanout: number,
      merged: boolean,
    ): string => {
      const fields = Object.values(type.getFields());
      const used = new Set<string>();
      const parts: string[] = [];
      const wanted = int(1, 4);
      for (let i = 0; i < wanted; i++) {
        const roll = random();
        if (roll < 0.08) {
          parts.push(`__typename${condition()}`);
          continue;
        }
        if (roll < 0.16 && depth < MAX_DEPTH) {
          // Inline fragment: on the same type, or without a type condition.
          const on = chance(0.7) ? ` on ${type.name}` : '';
          parts.push(`...${on}${condition()} { ${selection(type, depth, fanout, true)} }`);
          continue;
        }
        if (roll < 0.24 && depth < MAX_DEPTH) {
          const existing = fragments.filter((f) => f.type === type.name);
          let name: string;
          if (existing.length && chance(0.4)) name = pick(existing).name;
          else {
            name = `F${fragmentCounter++}`;
            // Fragments are spread in many places: keep their lists short.
            const text = selection(type, depth, Math.max(fanout, MAX_FANOUT / 3), true);
            fragments.push({ name, type: type.name, text });
          }
          parts.push(`...${name}${condition()}`);
          continue;
        }
        let field = pick(fields);
        const named = getNamedType(field.type);
        if (!isLeafType(named) && depth >= MAX_DEPTH) {
          field = fields.find((f) => f.name === 'id') ?? field;
        }
        const target = getNamedType(field.type);
        const args = argumentsOf(field, fanout);
        let alias = '';
        if ((merged && field.args.length > 0) || used.has(field.name) || chance(0.15))
          alias = `a${aliasCounter++}: `;
        if (!alias) used.add(field.name);
        const head = `${alias}${field.name}${args.text}${condition()}`;
        if (isObjectType(target)) {
          const below = selection(target, depth + 1, fanout * Math.max(1, args.items), merged);
          parts.push(`${head} { ${below} }`);
        } else parts.push(head);
      }
      return parts.join(' ');
    };

    const query = schema.getQueryType()!;
    const roots = Object.values(query.getFields());
    const rootParts: string[] = [];
    const rootUsed = new Set<string>();
    const rootCount = int(1, 3);
    for (let i = 0; i < rootCount; i++) {
      const field = pick(roots);
      const args = argumentsOf(field, 1);
      const alias = rootUsed.has(field.name) || chance(0.2) ? `r${i}: ` : '';
      if (!alias) rootUsed.add(field.name);
      const target = getNamedType(field.type) as GraphQLObjectType;
      const below = selection(target, 2, Math.max(1, args.items), false);
      rootParts.push(`${alias}${field.name}${args.text}${condition()} { ${below} }`);
    }
    if (chance(0.05)) rootParts.push('__typename');

    const operationName = chance(0.6) ? `Generated${n}` : undefined;
    const defs = variableDefs.length ? `(${variableDefs.join(', ')})` : '';
    const head =
      operationName || defs ? `query${operationName ? ` ${operationName}` : ''}${defs} ` : '';
    let text = `${head}{ ${rootParts.join(' ')} }`;
    for (const f of fragments) text += `\nfragment ${f.name} on ${f.type} { ${f.text} }`;
    // Now and then a second operation in the document: the operation name then chooses.
    if (operationName && chance(0.1)) text += `\nquery Other${n} { __typename }`;
    requests.push({
      name: `generated #${n}`,
      query: text,
      ...(variableDefs.length ? { variables } : {}),
      ...(operationName ? { operationName } : {}),
    });
  }
  return requests;
}
