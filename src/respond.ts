import type { ApolloServerPlugin } from '@apollo/server';
import type { OperationDefinitionNode } from 'graphql';
import type { GatewayContext } from './context.js';

/** What a feature may see of the response it contributes to (docs/architecture.md, request flow 8). */
export interface ResponseView {
  /** The operation, once Apollo Server resolved one. */
  readonly operation: OperationDefinitionNode | undefined;
  /** Whether the response carries at least one error. */
  readonly hasErrors: boolean;
  /** A header already on the response (set by Apollo Server or an error), lower-case name. */
  header(name: string): string | undefined;
}

/**
 * One feature's own part of a response: keys of `extensions` and HTTP headers. A top-level
 * extension two features both contribute (`cost`) must be an object on both sides; their keys
 * are merged, in the order of the parts. No key and no header may come from two features.
 */
export interface ResponseContribution {
  readonly extensions?: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A feature's contributor to every response, asked once when the response is sent. */
export interface ResponsePart {
  readonly name: string;
  contribute(
    context: GatewayContext,
    response: ResponseView,
  ): ResponseContribution | undefined | Promise<ResponseContribution | undefined>;
}

/** The parts merged: what is written onto the response. */
export interface AssembledResponse {
  readonly extensions: Record<string, unknown>;
  readonly headers: Map<string, string>;
}

/**
 * Merges the parts' contributions, in the order given. Two features writing the same extension
 * key or header is a programming error: it throws, so a test fails at once.
 */
export function assembleResponse(
  contributions: readonly (readonly [name: string, ResponseContribution | undefined])[],
): AssembledResponse {
  const extensions: Record<string, unknown> = {};
  const headers = new Map<string, string>();
  const owners = new Map<string, string>();
  const claim = (key: string, name: string) => {
    const owner = owners.get(key);
    if (owner !== undefined)
      throw new Error(`response parts ${owner} and ${name} both write ${key}`);
    owners.set(key, name);
  };
  for (const [name, contribution] of contributions) {
    if (!contribution) continue;
    for (const [key, value] of Object.entries(contribution.extensions ?? {})) {
      const existing = extensions[key];
      if (existing !== undefined && !(isRecord(existing) && isRecord(value)))
        throw new Error(
          `response parts ${owners.get(`extensions.${key}`) ?? 'two'} and ${name} both write extensions.${key}`,
        );
      if (!isRecord(value)) {
        claim(`extensions.${key}`, name);
        extensions[key] = value;
        continue;
      }
      owners.set(`extensions.${key}`, owners.get(`extensions.${key}`) ?? name);
      const merged = existing ?? (extensions[key] = {});
      for (const [inner, innerValue] of Object.entries(value)) {
        claim(`extensions.${key}.${inner}`, name);
        merged[inner] = innerValue;
      }
    }
    for (const [header, value] of Object.entries(contribution.headers ?? {})) {
      claim(`header ${header.toLowerCase()}`, name);
      headers.set(header.toLowerCase(), value);
    }
  }
  return { extensions, headers };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Respond: asks every part for its contribution when the response is sent, in the order given,
 * and writes the merged result once: extensions after any the result already has, headers over
 * those already set. Also on responses refused before execution (400, 429).
 */
export function respondPlugin(parts: readonly ResponsePart[]): ApolloServerPlugin<GatewayContext> {
  return {
    requestDidStart: () =>
      Promise.resolve({
        async willSendResponse({ contextValue, response, operation }) {
          const single = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const view: ResponseView = {
            operation,
            hasErrors: !!single?.errors?.length,
            header: (name) => response.http.headers.get(name),
          };
          const contributions = await Promise.all(
            parts.map(
              async (part) => [part.name, await part.contribute(contextValue, view)] as const,
            ),
          );
          const { extensions, headers } = assembleResponse(contributions);
          for (const [name, value] of headers) response.http.headers.set(name, value);
          if (single && Object.keys(extensions).length)
            single.extensions = { ...single.extensions, ...extensions };
        },
      }),
  };
}
