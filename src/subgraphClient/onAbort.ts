/** The one listener `onAbort` keeps on a signal, and the callbacks behind it. */
interface Waiters {
  readonly callbacks: Set<() => void>;
  readonly fire: () => void;
}

const waitersOf = new WeakMap<AbortSignal, Waiters>();

/**
 * Calls `callback` once when `signal` aborts; returns the function that stops waiting.
 * why one listener per signal: a request's deadline signal is awaited by every fetch of its plan
 * at once (a 12-alias query: 12 fetches). One `addEventListener` each passes Node's limit of 10
 * and prints `MaxListenersExceededWarning` on every such request; raising the limit would hide a
 * real leak elsewhere. Here the signal carries one listener whatever the fan-out, removed when
 * the last waiter stops waiting.
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let waiters = waitersOf.get(signal);
  if (!waiters) {
    const callbacks = new Set<() => void>();
    const fire = () => {
      waitersOf.delete(signal);
      for (const waiter of callbacks) waiter();
    };
    waiters = { callbacks, fire };
    waitersOf.set(signal, waiters);
    signal.addEventListener('abort', fire, { once: true });
  }
  const { callbacks, fire } = waiters;
  callbacks.add(callback);
  return () => {
    if (!callbacks.delete(callback) || callbacks.size > 0) return;
    if (waitersOf.get(signal) === waiters) waitersOf.delete(signal);
    signal.removeEventListener('abort', fire);
  };
}
