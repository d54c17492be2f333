import {
  BrokenCircuitError,
  CircuitState,
  CountBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';

export interface BreakerOptions {
  /** Calls in the sliding window the failure ratio is computed over. @default 20 */
  readonly window: number;
  /** Failure ratio (0..1) in the window above which the circuit opens. @default 0.5 */
  readonly threshold: number;
  /** How long the circuit stays open before one probe is let through, in milliseconds. @default 10000 */
  readonly halfOpenAfterMs: number;
  /** Called on every state change (metrics, logs). */
  readonly onStateChange?: (state: BreakerState) => void;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** Base of what an attempt throws to count against the subgraph's health. */
export class SubgraphFault extends Error {
  override readonly name: string = 'SubgraphFault';
}

/** The answer of `Breaker.run`: the attempt's own result, or a refusal because the circuit is open. */
export type BreakerResult<T> =
  { readonly open: false; readonly value: T } | { readonly open: true };

/** One circuit per subgraph: fails fast while the subgraph is known to be failing. */
export interface Breaker {
  /** Runs `attempt` unless the circuit is open; a thrown `SubgraphFault` counts as a failure. */
  run<T>(attempt: () => Promise<T>): Promise<BreakerResult<T>>;
  readonly state: BreakerState;
}

/**
 * A cockatiel circuit breaker over a count-based window: once at least half the window has been
 * called and more than `threshold` of it failed, the circuit opens; after `halfOpenAfterMs` a single probe
 * runs (concurrent calls still fail fast) and its outcome closes or re-opens the circuit.
 * Only `SubgraphFault`s count: GraphQL errors in a well-formed answer are the subgraph working.
 */
export function createBreaker(options: BreakerOptions): Breaker {
  const policy: CircuitBreakerPolicy = circuitBreaker(
    handleWhen((error) => error instanceof SubgraphFault),
    {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new CountBreaker({
        threshold: options.threshold,
        size: options.window,
        minimumNumberOfCalls: Math.max(1, Math.ceil(options.window / 2)),
      }),
    },
  );
  policy.onStateChange((state) => options.onStateChange?.(stateName(state)));
  return {
    get state() {
      return stateName(policy.state);
    },
    async run(attempt) {
      try {
        return { open: false, value: await policy.execute(attempt) };
      } catch (error) {
        if (error instanceof BrokenCircuitError) return { open: true };
        throw error;
      }
    },
  };
}

function stateName(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half-open';
    case CircuitState.Open:
    case CircuitState.Isolated:
      return 'open';
  }
}
