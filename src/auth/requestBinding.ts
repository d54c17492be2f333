import { createHash } from 'node:crypto';

/**
 * What binds an internal token to one subgraph request (docs/security.md case 77): the SHA-256 of the
 * exact query text, and for a mutation also of its variables. The gateway puts these in the token;
 * the subgraph recomputes them from the body it received and refuses a mismatch, so a captured
 * token cannot run another operation (a read's token never runs `createPayment`).
 */
export interface RequestBinding {
  /** base64url SHA-256 of the query text, claim `qh`. */
  readonly queryHash: string;
  /** base64url SHA-256 of the variables' JSON, claim `vh`; mutations only. */
  readonly variablesHash?: string;
}

/** The part of a subgraph request a token is bound to. */
export interface BoundRequest {
  readonly query: string;
  readonly variables?: unknown;
}

/** base64url SHA-256 of a string. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/**
 * The hash of a request's variables, the same on both sides: `JSON.stringify` of the object the
 * gateway sends equals `JSON.stringify` of what the subgraph parses from it (key order survives a
 * JSON round trip). Absent variables hash like `{}`.
 */
export function variablesHash(variables: unknown): string {
  return sha256(JSON.stringify(variables ?? {}));
}
