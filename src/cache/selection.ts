import {
  Kind,
  print,
  stripIgnoredCharacters,
  visit,
  type ArgumentNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * Normalizes a cached field's sub-selection, pure. The cache key uses the sub-selection printed
 * without aliases, sorted and deduplicated, so `{ n: name price }` and `{ price name }` share
 * entries. Values are then stored under alias-free names (`name`, or `field(args)` for fields with
 * arguments, so two aliases of one field with different arguments stay apart) and renamed back to
 * the caller's aliases when served. When one name would be needed for two different selections
 * (`a: seller { id } b: seller { name }`), the key falls back to the aliased print (prefix `A:`) and
 * values are stored as received: a miss more, never a wrong answer.
 */

/** How a value's alias-free stored form maps to a selection's response keys. */
export interface StorageShape {
  readonly fields: readonly ShapeField[];
}

export interface ShapeField {
  readonly responseKey: string;
  readonly storageKey: string;
  /** Undefined when the value below is stored exactly as received. */
  readonly child: StorageShape | undefined;
}

export interface NormalizedSelection {
  /** Part of the cache key. */
  readonly key: string;
  /** Undefined when values are stored exactly as received. */
  readonly shape: StorageShape | undefined;
  /** Variables used anywhere in the sub-selection, sorted. */
  readonly variables: readonly string[];
}

/** Normalizes the sub-selection of a field (undefined for leaf fields). */
export function normalizeSelection(
  selectionSet: SelectionSetNode | undefined,
): NormalizedSelection {
  if (!selectionSet) return { key: '', shape: undefined, variables: [] };
  const variables = new Set<string>();
  visit(selectionSet, { Variable: (node) => void variables.add(node.name.value) });
  const built = buildShape(selectionSet);
  return built.conflict
    ? {
        key: `A:${stripIgnoredCharacters(print(selectionSet))}`,
        shape: undefined,
        variables: [...variables].sort(),
      }
    : {
        key: printSet(selectionSet),
        shape: built.needed ? built.shape : undefined,
        variables: [...variables].sort(),
      };
}

/** Response form → stored (alias-free) form. */
export function toStored(value: unknown, shape: StorageShape | undefined): unknown {
  return convert(value, shape, 'responseKey', 'storageKey');
}

/** Stored form → the response form of the selection `shape` was built from. */
export function fromStored(value: unknown, shape: StorageShape | undefined): unknown {
  return convert(value, shape, 'storageKey', 'responseKey');
}

function convert(
  value: unknown,
  shape: StorageShape | undefined,
  from: 'responseKey' | 'storageKey',
  to: 'responseKey' | 'storageKey',
): unknown {
  if (!shape || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => convert(item, shape, from, to));
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of shape.fields) {
    if (Object.hasOwn(source, field[from]))
      setOwn(out, field[to], convert(source[field[from]], field.child, from, to));
  }
  return out;
}

/** Assigns an own property, also for names like `__proto__` that a client may use as an alias. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key !== '__proto__') {
    target[key] = value;
    return;
  }
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** The alias-free name a field's value is stored under. */
export function storageKeyOf(name: string, args: readonly ArgumentNode[] | undefined): string {
  if (!args?.length) return name;
  const sorted = [...args].sort((a, b) => (a.name.value < b.name.value ? -1 : 1));
  return `${name}(${sorted.map((a) => `${a.name.value}:${print(a.value)}`).join(',')})`;
}

function printSet(selectionSet: SelectionSetNode): string {
  return `{${[...new Set(selectionSet.selections.map(printItem))].sort().join(' ')}}`;
}

function printItem(selection: SelectionNode): string {
  const directives = selection.directives?.length
    ? selection.directives.map((d) => print(d)).join('')
    : '';
  switch (selection.kind) {
    case Kind.FIELD:
      return `${storageKeyOf(selection.name.value, selection.arguments)}${directives}${
        selection.selectionSet ? printSet(selection.selectionSet) : ''
      }`;
    case Kind.INLINE_FRAGMENT:
      return `...${selection.typeCondition ? `on ${selection.typeCondition.name.value}` : ''}${directives}${printSet(selection.selectionSet)}`;
    case Kind.FRAGMENT_SPREAD:
      return `...${selection.name.value}${directives}`;
  }
}

interface BuiltShape {
  readonly shape: StorageShape;
  /** Some response key differs from its storage key (at any depth). */
  readonly needed: boolean;
  readonly conflict: boolean;
}

function buildShape(selectionSet: SelectionSetNode): BuiltShape {
  const fields: ShapeField[] = [];
  const printed = new Map<string, string>();
  let needed = false;
  let conflict = false;
  const walk = (selections: readonly SelectionNode[]) => {
    for (const selection of selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet.selections);
      if (selection.kind !== Kind.FIELD) continue;
      const storageKey = storageKeyOf(selection.name.value, selection.arguments);
      const item = printItem(selection);
      if ((printed.get(storageKey) ?? item) !== item) conflict = true;
      printed.set(storageKey, item);
      const responseKey = selection.alias?.value ?? selection.name.value;
      const child = selection.selectionSet ? buildShape(selection.selectionSet) : undefined;
      conflict ||= child?.conflict ?? false;
      needed ||= responseKey !== storageKey || (child?.needed ?? false);
      fields.push({ responseKey, storageKey, child: child?.needed ? child.shape : undefined });
    }
  };
  walk(selectionSet.selections);
  return { shape: { fields }, needed, conflict };
}
