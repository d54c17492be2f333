import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { GatewayContext } from '../context.js';

/**
 * Whose budget a request spends: the verified JWT's issuer and `sub`, else the name of a verified
 * API key (`API_KEYS_PATH`), else the client address (only trusted proxies' `X-Forwarded-For`
 * hops count, see http/clientAddress.ts). Nothing a client can invent names a budget.
 * Identities are hashed: keys stay short, and no name or subject is stored in Redis as such.
 */
export function callerKey(context: GatewayContext): string {
  if (context.principal)
    return `sub:${digest(`${context.principal.issuer ?? ''}\n${context.principal.sub}`)}`;
  if (context.apiKey) return `key:${digest(context.apiKey.name)}`;
  return `ip:${addressBudget(context.clientIp)}`;
}

/**
 * An IPv6 client holds a whole /64 (2^64 addresses it may rotate through), so its budget is its
 * /64, as IPv6 rate limiters do; IPv4 addresses are their own budget.
 */
export function addressBudget(address: string): string {
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}
