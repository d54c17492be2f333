import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import type { HeaderRulesSource } from './source.js';

/**
 * Adds the client headers the rules read to `Vary`, once per response: a response built with
 * `Accept-Language: fr` propagated to a subgraph is not the English one, and a shared HTTP cache
 * (CDN, proxy) in front of the gateway must not hand one to the other.
 */
export function headerRulesVaryPlugin(
  rules: HeaderRulesSource,
): ApolloServerPlugin<GatewayContext> {
  return {
    requestDidStart: () =>
      Promise.resolve({
        willSendResponse({ contextValue, response }) {
          const read = rules.headersRead(contextValue.headers);
          if (!read.length) return Promise.resolve();
          const vary = response.http.headers.get('vary');
          const names = vary ? [vary, ...read] : read;
          response.http.headers.set('vary', names.join(', '));
          return Promise.resolve();
        },
      }),
  };
}
