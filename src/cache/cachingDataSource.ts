import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { OperationTypeNode } from 'graphql';
import type { GatewayContext } from '../context.js';
import { headerVariation } from '../headers/apply.js';
import type { SubgraphRequest } from '../subgraphClient/subgraphClient.js';
import { fetchEntities } from './entityFetch.js';
import type { FetchContext, SubgraphSender } from './fetchContext.js';
import { versionKey } from './keys.js';
import type { CacheModel } from './model.js';
import { collectEntities } from './mutationEntities.js';
import type { FetchPlan, MutationPlan } from './plan.js';
import { fetchRoot } from './rootFetch.js';
import type { CacheRuntime } from './runtime.js';

export type { SubgraphSender } from './fetchContext.js';

/**
 * The subgraph data source of every fetch of the query plan, in front of the subgraph client
 * (docs/architecture.md "Caching model"). Query fetches are served field by field (`entityFetch.ts`,
 * `rootFetch.ts`); mutations go straight through and then bump the versions of the entities in
 * their result; anything the cache does not understand is sent unchanged.
 */
export class CachingDataSource implements GraphQLDataSource<GatewayContext> {
  constructor(
    private readonly client: SubgraphSender,
    private readonly runtime: CacheRuntime,
  ) {}

  process(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): Promise<GatewayGraphQLResponse> {
    const request: SubgraphRequest = {
      query: options.request.query ?? '',
      variables: options.request.variables,
      operationName: options.request.operationName,
    };
    if (!('incomingRequestContext' in options)) return this.client.send(request, undefined);
    const { runtime, client } = this;
    const context = options.context;
    const model = runtime.model();
    const plan: FetchPlan = model
      ? runtime.plan(model, client.name, request.query)
      : { kind: 'bypass' };
    if (model && plan.kind === 'mutation') return this.mutate(model, plan, request, context);
    // why: a mutation's follow-up fetches read what it just changed: never from the cache, nor
    // from an identical fetch in flight that may have started before the write.
    const mutating =
      options.incomingRequestContext.operation?.operation !== OperationTypeNode.QUERY;
    if (plan.kind === 'bypass' || plan.kind === 'mutation' || mutating) {
      runtime.policy.uncacheable(context);
      return client.send(request, context, { share: !mutating });
    }
    if (!runtime.enabled) {
      for (const unit of plan.units)
        runtime.policy.served(context, unit.policy.maxAge, unit.policy.scope);
      return client.send(request, context);
    }
    const scope = context.principal ? runtime.scopeOf(context.principal) : undefined;
    // why once here: what is sent must be exactly what the entries are keyed on.
    const forwarded = client.forwardedHeaders?.(context);
    const variation = forwarded ? headerVariation(forwarded) : '';
    const key = JSON.stringify([
      client.name,
      scope ?? '',
      variation,
      request.operationName ?? null,
      request.query,
      request.variables ?? null,
    ]);
    return runtime.reads.read(key, context, (policy) => {
      const fetch: FetchContext = {
        client,
        runtime: { ...runtime, policy },
        context,
        scope,
        ...(forwarded ? { forwarded, variation } : {}),
      };
      return plan.kind === 'entities'
        ? fetchEntities(fetch, plan, request)
        : fetchRoot(fetch, plan, request);
    });
  }

  private async mutate(
    model: CacheModel,
    plan: MutationPlan,
    request: SubgraphRequest,
    context: GatewayContext,
  ): Promise<GatewayGraphQLResponse> {
    const { runtime, client } = this;
    runtime.policy.uncacheable(context);
    const response = await client.send(request, context);
    if (!runtime.enabled) return response;
    const entities = collectEntities(
      model.schema,
      model.keyFields,
      plan.rootType,
      plan.selectionSet,
      response.data,
    );
    if (!entities.length) return response;
    const keys = new Set(
      entities.flatMap((e) => [versionKey.entity(e.typeName, e.id), versionKey.nested(e.typeName)]),
    );
    // why: awaited, so the caller's next read already sees the new versions. A failure leaves the
    // entries valid until their TTL: the price of failing open, logged.
    const bumped = await runtime.store.bumpVersions([...keys]);
    runtime.reads.wrote();
    if (!bumped)
      context.log.warn(
        { subgraph: client.name, entities: entities.length },
        'cache: could not invalidate mutated entities',
      );
    return response;
  }
}
