import type { Logger } from '../observability/logger.js';
import { prepareSupergraph, type PreparedSupergraph } from './prepare.js';
import type { SupergraphSource } from './source.js';

export interface UrlSourceOptions {
  /** The registry's `GET /supergraph`. */
  readonly url: string;
  /** Poll interval in ms; each wait is shortened by a random jitter of up to 20%. */
  readonly pollMs: number;
  /** The bearer token for each poll (minted per call in development). */
  readonly token: () => Promise<string | undefined>;
  readonly log: Logger;
  /** How long start-up waits for a first supergraph, in ms. @default 60000 */
  readonly initialTimeoutMs?: number;
  /** Abort one poll after this long, in ms. @default 5000 */
  readonly requestTimeoutMs?: number;
}

/**
 * The supergraph from the schema registry (`SUPERGRAPH_URL`). Resolves once a first supergraph
 * is fetched (start-up fails after `initialTimeoutMs`: never serve without one); then polls with
 * `If-None-Match`, so an unchanged supergraph costs a 304. A registry that is down, answers an
 * error, or serves a supergraph the gateway rejects changes nothing: the last good one serves on.
 */
export async function urlSupergraphSource(options: UrlSourceOptions): Promise<SupergraphSource> {
  const { url, pollMs, log } = options;
  const timeoutMs = options.requestTimeoutMs ?? 5000;
  let etag: string | undefined;

  /** The new supergraph, or undefined when it is unchanged (304); throws on any failure. */
  const fetchOnce = async (): Promise<PreparedSupergraph | undefined> => {
    const token = await options.token();
    const response = await fetch(url, {
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(etag ? { 'if-none-match': etag } : {}),
      },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status === 304) return undefined;
    if (response.status !== 200) throw new Error(`the registry answered HTTP ${response.status}`);
    const prepared = prepareSupergraph(await response.text());
    etag = response.headers.get('etag') ?? undefined;
    return prepared;
  };

  const deadline = Date.now() + (options.initialTimeoutMs ?? 60_000);
  let initial: PreparedSupergraph | undefined;
  for (let delay = 100; !initial; delay = Math.min(delay * 2, 2000)) {
    try {
      initial = await fetchOnce();
    } catch (error) {
      if (Date.now() + delay > deadline)
        throw new Error(`no supergraph from ${url}: ${String(error)}`, { cause: error });
      log.warn({ err: String(error), url }, 'waiting for the registry');
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  const first = initial;

  return {
    load: () => first,
    watch(onChange) {
      let timer: NodeJS.Timeout | undefined;
      let stopped = false;
      const poll = async () => {
        try {
          const next = await fetchOnce();
          if (next && !stopped) {
            onChange(next); // throws when the gateway rejects it: the last good one keeps serving
            log.info({ url, etag }, 'supergraph from the registry loaded');
          }
        } catch (error) {
          log.error(
            { err: String(error), url },
            'supergraph poll failed; the last good supergraph keeps serving',
          );
        }
        schedule();
      };
      const schedule = () => {
        if (stopped) return;
        // why jitter that only shortens: replicas spread their polls, and still converge within one interval.
        timer = setTimeout(() => void poll(), pollMs * (1 - Math.random() * 0.2));
        timer.unref();
      };
      schedule();
      return () => {
        stopped = true;
        clearTimeout(timer);
      };
    },
  };
}
