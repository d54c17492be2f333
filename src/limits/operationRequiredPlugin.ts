import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import { ErrorCode, GatewayError } from '../errors.js';

/**
 * A document with several operations and no (or an unknown) `operationName`: Apollo Server leaves
 * the choice to the executor, and `@apollo/gateway` throws it as a 500. Refused here, before
 * admission and planning, as the client error it is.
 */
export const operationRequiredPlugin: ApolloServerPlugin<GatewayContext> = {
  requestDidStart: () =>
    Promise.resolve({
      didResolveOperation({ operation, request }) {
        if (operation) return Promise.resolve();
        const message = request.operationName
          ? `Unknown operation named "${request.operationName}".`
          : 'Must provide operation name if query contains multiple operations.';
        throw new GatewayError(ErrorCode.BAD_REQUEST, message, { status: 400 });
      },
    }),
};
