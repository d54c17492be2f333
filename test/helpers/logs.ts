import { pino, type Logger } from 'pino';
import { waitFor } from './waitFor.js';

/** A gateway logger that keeps every line it writes, so a test can wait for one. */
export interface RecordedLog {
  readonly log: Logger;
  /** The messages (`msg`) logged so far, oldest first. */
  readonly messages: string[];
  /** Waits until a message containing `text` has been logged after index `from`; returns its index. */
  waitForMessage(text: string, from?: number): Promise<number>;
}

export function recordLog(level: pino.Level = 'info'): RecordedLog {
  const messages: string[] = [];
  const log = pino(
    { level },
    {
      write(line: string) {
        messages.push((JSON.parse(line) as { msg?: string }).msg ?? '');
      },
    },
  );
  return {
    log,
    messages,
    waitForMessage: (text, from = 0) =>
      waitFor(`log message "${text}"`, () => {
        const index = messages.findIndex((m, i) => i >= from && m.includes(text));
        return Promise.resolve(index === -1 ? undefined : index);
      }),
  };
}
