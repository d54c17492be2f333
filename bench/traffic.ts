/**
 * The benchmark's client side: the clients' tokens, one request (`answer`), a load run (`load`),
 * and where two answers differ.
 */
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER, loadDevKeys } from '../src/auth/keys.js';
import type { Workload } from './workloads.js';

/** `Authorization` per workload that has a caller: a development-key token, valid for the run. */
const authorization = new Map<Workload, string>();

/** Mints the token of every workload that has a caller, once before the run. */
export async function mintTokens(workloads: readonly Workload[], devKeysDir: string) {
  const { client } = loadDevKeys(devKeysDir);
  for (const workload of workloads) {
    if (!workload.token) continue;
    const jwt = await new SignJWT({ scope: workload.token.scopes })
      .setProtectedHeader({ alg: client.alg, kid: client.kid, typ: 'JWT' })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setSubject(workload.token.sub)
      .setIssuedAt()
      .setExpirationTime('6h')
      .sign(client.privateKey);
    authorization.set(workload, `Bearer ${jwt}`);
  }
}

export const headersOf = (workload: Workload) => ({
  'content-type': 'application/json',
  ...workload.headers,
  ...(authorization.has(workload) ? { authorization: authorization.get(workload)! } : {}),
});

/** Targets (and workloads) that have their persisted query registered already. */
const registered = new Set<string>();

/** One request of `workload`; its `data`, or throws with the errors. */
export async function answer(target: string, workload: Workload): Promise<unknown> {
  if (workload.register && !registered.has(`${target} ${workload.name}`)) {
    // Automatic persisted queries: the first request registers the document under its hash; the
    // later ones send the hash only, so latencies and subgraph counts are the operation's alone.
    await fetch(target, { method: 'POST', headers: headersOf(workload), body: workload.register });
    registered.add(`${target} ${workload.name}`);
  }
  const response = await fetch(target, {
    method: 'POST',
    headers: headersOf(workload),
    body: workload.body,
  });
  const body = (await response.json()) as { data?: unknown; errors?: unknown };
  if (body.errors)
    throw new Error(`${workload.name} failed at ${target}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** `workload` sent over `connections` connections for `seconds`, as fast as answers come. */
export function load(
  target: string,
  workload: Workload,
  seconds: number,
  connections: number,
): Promise<autocannon.Result> {
  return autocannon({
    url: target,
    method: 'POST',
    connections,
    duration: seconds,
    headers: headersOf(workload),
    body: workload.body,
  });
}

/**
 * The first place where `got` and `want` differ, as a path from `at` and both values; key order
 * counts, as in the JSON a client reads. Null when they are the same.
 */
export function difference(got: unknown, want: unknown, at = 'data'): string | null {
  if (JSON.stringify(got) === JSON.stringify(want)) return null;
  if (Array.isArray(got) && Array.isArray(want) && got.length !== want.length)
    return `at ${at}: a list of ${got.length} items, expected ${want.length}`;
  if (typeof got === 'object' && got && typeof want === 'object' && want) {
    const gotKeys = Object.keys(got);
    const wantKeys = Object.keys(want);
    if (gotKeys.join() !== wantKeys.join())
      return `at ${at}: fields ${JSON.stringify(gotKeys)}, expected ${JSON.stringify(wantKeys)}`;
    for (const key of gotKeys) {
      const found = difference(
        (got as Record<string, unknown>)[key],
        (want as Record<string, unknown>)[key],
        `${at}.${key}`,
      );
      if (found) return found;
    }
  }
  const show = (value: unknown) => JSON.stringify(value)?.slice(0, 300);
  return `at ${at}: ${show(got)}, expected ${show(want)}`;
}
