import { Kind, type ConstDirectiveNode, type ConstValueNode, type DocumentNode } from 'graphql';

/** The spec URLs the gateway reads directives from; matched on name, any version. */
export const SPEC = {
  authenticated: 'https://specs.apollo.dev/authenticated/',
  requiresScopes: 'https://specs.apollo.dev/requiresScopes/',
  policy: 'https://specs.apollo.dev/policy/',
  cost: 'https://specs.apollo.dev/cost/',
  cacheControl: '/cacheControl/',
} as const;

export interface LinkedSpec {
  /** The spec's identity, e.g. `https://specs.apollo.dev/cost/v0.1`. */
  readonly url: string;
  /** The spec name from the URL (`cost`). */
  readonly name: string;
  /** Directive name in the spec → name used in this document (without `@`). */
  directiveName(specDirective: string): string;
  /** Whether this `@link` carries a `for:` purpose. */
  readonly purpose: string | undefined;
}

/**
 * Reads the schema's `@link` applications, so directives are found through their spec URL even
 * when imported under another name (https://specs.apollo.dev/link/v1.0/#Import).
 */
export function readLinks(document: DocumentNode): LinkedSpec[] {
  const links: LinkedSpec[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION)
      continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const link = parseLink(directive);
      if (link) links.push(link);
    }
  }
  return links;
}

/** The document name of a spec's directive, or undefined when the spec is not linked. */
export function findDirectiveName(
  links: readonly LinkedSpec[],
  urlPart: string,
  specDirective: string,
): string | undefined {
  return links.find((l) => l.url.includes(urlPart))?.directiveName(specDirective);
}

function parseLink(directive: ConstDirectiveNode): LinkedSpec | undefined {
  const url = stringArg(directive, 'url');
  if (!url) return undefined;
  const match = /\/([A-Za-z_][A-Za-z0-9_]*)\/v\d+\.\d+\/?$/.exec(url);
  const name = match?.[1];
  if (!name) return undefined;
  const namespace = stringArg(directive, 'as') ?? name;
  const imports = new Map<string, string>();
  const importArg = directive.arguments?.find((a) => a.name.value === 'import')?.value;
  if (importArg?.kind === Kind.LIST) {
    for (const item of importArg.values) {
      if (item.kind === Kind.STRING) imports.set(strip(item.value), strip(item.value));
      else if (item.kind === Kind.OBJECT) {
        const from = objectField(item, 'name');
        const to = objectField(item, 'as') ?? from;
        if (from && to) imports.set(strip(from), strip(to));
      }
    }
  }
  const purposeArg = directive.arguments?.find((a) => a.name.value === 'for')?.value;
  return {
    url,
    name,
    purpose: purposeArg?.kind === Kind.ENUM ? purposeArg.value : undefined,
    directiveName(specDirective) {
      const imported = imports.get(specDirective);
      if (imported) return imported;
      return specDirective === name ? namespace : `${namespace}__${specDirective}`;
    },
  };
}

function strip(name: string): string {
  return name.startsWith('@') ? name.slice(1) : name;
}

function stringArg(directive: ConstDirectiveNode, arg: string): string | undefined {
  const value = directive.arguments?.find((a) => a.name.value === arg)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
}

function objectField(value: ConstValueNode, field: string): string | undefined {
  if (value.kind !== Kind.OBJECT) return undefined;
  const found = value.fields.find((f) => f.name.value === field)?.value;
  return found?.kind === Kind.STRING ? found.value : undefined;
}
