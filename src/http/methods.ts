/**
 * Methods of the operational routes. A route registered for GET also answers HEAD (RFC 9110
 * §9.3.2: the same status and headers, no body), so probes that use HEAD work on `/health` and
 * `/ready`. Every 405 names what is allowed in `Allow` (RFC 9110 §15.5.6).
 */

/** The route key to serve `METHOD path` with: HEAD falls back to the GET route. */
export function routeKey(
  routes: Readonly<Record<string, unknown>>,
  method: string,
  path: string,
): string | undefined {
  const key = `${method} ${path}`;
  if (Object.hasOwn(routes, key)) return key;
  if (method === 'HEAD' && Object.hasOwn(routes, `GET ${path}`)) return `GET ${path}`;
  return undefined;
}

/** The `Allow` value for `path` (HEAD wherever GET is), or undefined when nothing is served there. */
export function allowedMethods(
  routes: Readonly<Record<string, unknown>>,
  path: string,
): string | undefined {
  const methods = Object.keys(routes)
    .filter((key) => key.endsWith(` ${path}`))
    .map((key) => key.slice(0, key.indexOf(' ')));
  if (!methods.length) return undefined;
  if (methods.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD');
  return methods.join(', ');
}
