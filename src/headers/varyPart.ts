import type { ResponsePart } from '../respond.js';
import type { HeaderRulesSource } from './source.js';

/**
 * Adds the client headers the rules read to `Vary`, once per response: a response built with
 * `Accept-Language: fr` propagated to a subgraph is not the English one, and a shared HTTP cache
 * (CDN, proxy) in front of the gateway must not hand one to the other.
 */
export function headerRulesVaryPart(rules: HeaderRulesSource): ResponsePart {
  return {
    name: 'headerRules',
    contribute(context, response) {
      const read = rules.headersRead(context.headers);
      if (!read.length) return undefined;
      const vary = response.header('vary');
      const names = vary ? [vary, ...read] : read;
      return { headers: { vary: names.join(', ') } };
    },
  };
}
