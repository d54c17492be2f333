import type { IncomingMessage, ServerResponse } from 'node:http';
import compression from 'compression';

/** Response compression (`COMPRESSION`, `COMPRESSION_MIN_BYTES`). */
export interface CompressionConfig {
  /** @default true */
  readonly enabled: boolean;
  /** Bodies smaller than this many bytes go out as they are. @default 1024 */
  readonly minBytes: number;
}

/** Runs first on every response: compresses its body if the client accepts `br` or `gzip`. */
export type Compressor = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Builds the compressor once at start-up. Negotiation (`Accept-Encoding`, `Vary`), the size
 * threshold and the streams are the `compression` package's, over Node's own zlib; brotli runs at
 * quality 4, which is what dynamic responses want (11, the zlib default, costs ~20× the CPU).
 * Event streams are never compressed: a compressor would hold their events back.
 */
export function createCompressor(config: CompressionConfig): Compressor {
  if (!config.enabled) return () => undefined;
  const middleware = compression({
    threshold: config.minBytes,
    filter: (req, res) => {
      const type = res.getHeader('content-type');
      if (typeof type === 'string' && type.toLowerCase().startsWith('text/event-stream'))
        return false;
      return compression.filter(req, res);
    },
  });
  return (req, res) => {
    // why synchronous: the middleware only wraps `res` and calls `next` at once.
    middleware(req as never, res as never, () => undefined);
  };
}
