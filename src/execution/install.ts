import { createRequire } from 'node:module';
import type { executeQueryPlan } from '@apollo/gateway';
import type { Counter } from 'prom-client';
import { canExecute, executePlan } from './executePlan.js';

/**
 * Puts the compiled plan execution (`executePlan`) in place of `@apollo/gateway`'s
 * `executeQueryPlan` for the gateways that ask for it (`PLAN_EXECUTION=compiled`), keeping
 * everything around it: Apollo's executor still builds the operation context, validates, plans
 * and caches plans with `@apollo/query-planner`. `ApolloGateway` calls `executeQueryPlan` through
 * its module's exports, so that property is where the choice is made, per request: a gateway is
 * recognised by its data sources, and any other gateway in the process (or a plan this executor
 * does not run: @defer, subscriptions, usage-reporting traces) gets Apollo's own.
 */

type ExecuteQueryPlan = typeof executeQueryPlan;

const require = createRequire(import.meta.url);
// eslint-disable-next-line no-restricted-syntax -- the only private path: where the executor is installed
const MODULE = '@apollo/gateway/dist/executeQueryPlan.js';

export interface Owner {
  readonly compiled: boolean;
  readonly executions: Counter<'executor'>;
}

/** The data sources of this project's gateways: which executor they chose, where to count it. */
const owners = new WeakMap<object, Owner>();
let installed = false;

export interface PlanExecutionHook {
  /** Registers a data source of a gateway: its plans run on the executor it chose. */
  readonly adopt: <T extends object>(dataSource: T) => T;
}

/**
 * Installs the switch once per process. Returns undefined (and changes nothing) if the installed
 * `@apollo/gateway` no longer exposes `executeQueryPlan` where this expects it.
 */
export function installPlanExecution(owner: Owner): PlanExecutionHook | undefined {
  if (!installed) {
    const module = require(MODULE) as { executeQueryPlan?: unknown };
    if (typeof module.executeQueryPlan !== 'function' || module.executeQueryPlan.length !== 7)
      return undefined;
    const apollo = module.executeQueryPlan as ExecuteQueryPlan;
    const chooser: ExecuteQueryPlan = (plan, serviceMap, requestContext, ...rest) => {
      let first: object | undefined;
      for (const name in serviceMap) {
        first = serviceMap[name];
        break;
      }
      const chosen = first && owners.get(first);
      // a persisted operation's warm-up plans without fetching: not an execution to count
      const counted = chosen && !(requestContext.context as { warmup?: boolean }).warmup;
      if (chosen?.compiled && canExecute(plan, requestContext)) {
        if (counted) chosen.executions.inc({ executor: 'compiled' });
        return executePlan(plan, serviceMap, requestContext, rest[0], rest[1]);
      }
      if (counted) chosen.executions.inc({ executor: 'apollo' });
      return apollo(plan, serviceMap, requestContext, ...rest);
    };
    module.executeQueryPlan = chooser;
    installed = true;
  }
  return {
    adopt: (dataSource) => {
      owners.set(dataSource, owner);
      return dataSource;
    },
  };
}
