import type { ApolloServerPlugin } from '@apollo/server';
import type { Admission } from '../admission.js';
import type { GatewayContext } from '../context.js';
import { costExtensionOf } from './extension.js';

/**
 * Puts `extensions.cost` on responses that were refused after the estimate (too expensive, out of
 * budget): admission merges extensions only into executed results, and a refused request never
 * executes. Runs when the response is sent.
 */
export function costResponsePlugin(admission: Admission): ApolloServerPlugin<GatewayContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        willSendResponse({ contextValue, response }) {
          const request = admission.get(contextValue);
          const cost = request && costExtensionOf(request);
          if (
            cost &&
            response.body.kind === 'single' &&
            !response.body.singleResult.extensions?.cost
          ) {
            const result = response.body.singleResult;
            result.extensions = { ...result.extensions, cost };
          }
          return Promise.resolve();
        },
      });
    },
  };
}
