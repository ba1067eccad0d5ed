import pino, { type Logger } from 'pino';

/** Structured JSON logs, one logger per app; secrets are redacted by path. */
export function createLogger(app: string, level: string): Logger {
  return pino({
    name: app,
    level,
    base: { app },
    redact: { paths: ['password', '*.password', 'secret', '*.secret', 'authorization', '*.authorization'], censor: '[redacted]' },
  });
}

export type { Logger };
