import { redisAnswers, type RedisClient } from '../redis/connection.js';

export interface ReadinessInputs {
  /** The drain has begun (SIGTERM): the load balancer must stop sending. */
  readonly draining: () => boolean;
  /** Started and not yet stopping. */
  readonly started: () => boolean;
  /** More requests in flight than `MAX_IN_FLIGHT`. */
  readonly overloaded: () => boolean;
  /** The id of the supergraph served, undefined before the first one loaded. */
  readonly supergraphId: () => string | undefined;
  readonly redis: RedisClient | undefined;
}

/** `GET /ready`: the first reason the gateway cannot take traffic, checked in this order. */
export function createReadiness(inputs: ReadinessInputs) {
  return async () => {
    if (inputs.draining()) return { ready: false as const, reason: 'draining' };
    if (!inputs.started()) return { ready: false as const, reason: 'starting or draining' };
    if (inputs.overloaded()) return { ready: false as const, reason: 'overloaded' };
    if (inputs.supergraphId() === undefined)
      return { ready: false as const, reason: 'no supergraph loaded' };
    if (inputs.redis && !(await redisAnswers(inputs.redis)))
      return { ready: false as const, reason: 'redis does not answer' };
    // why asked again: a reload may have replaced the supergraph while Redis answered.
    const supergraphId = inputs.supergraphId();
    if (supergraphId === undefined)
      return { ready: false as const, reason: 'no supergraph loaded' };
    return { ready: true as const, supergraphId };
  };
}
