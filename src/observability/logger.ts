import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** The process logger: JSON lines on stdout; a child per request carries its id. */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'gateway', ...bindings },
    // Tokens and raw variables never reach a log line.
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', 'variables'],
      remove: true,
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
