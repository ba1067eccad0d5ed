import pino, { type DestinationStream, type Logger } from 'pino';

/** What a database error carries of the values in the statement (its parameters, a key's value). */
const VALUE_CARRIERS = ['parameters', 'detail', 'where', 'driverError'];

type SerializedError = Record<string, unknown> & { message?: string; stack?: string; type?: string };

/** A PostgreSQL error (TypeORM's QueryFailedError or pg's DatabaseError): it has a SQLSTATE and a statement or a severity. */
function isDatabaseError(error: SerializedError): boolean {
  return typeof error['code'] === 'string' && /^[0-9A-Z]{5}$/.test(error['code']) && ('query' in error || 'severity' in error || 'driverError' in error);
}

/**
 * A database error as logged: its SQLSTATE, statement (with placeholders), table, column and
 * constraint, never the values: the parameters, the detail ("Key (x)=(…)") and what the
 * message quotes ('invalid input syntax for type uuid: "…"') are left out.
 */
function withoutValues(error: SerializedError): SerializedError {
  const kept = Object.fromEntries(Object.entries(error).filter(([key]) => !VALUE_CARRIERS.includes(key))) as SerializedError;
  const message = (error.message ?? '').replace(/"[^"]*"/g, '"…"');
  const frames = (error.stack ?? '').split('\n').filter((line) => line.startsWith('    at '));
  return { ...kept, message, stack: [`${error.type ?? 'Error'}: ${message}`, ...frames].join('\n') };
}

function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as SerializedError;
  if (!serialized || typeof serialized !== 'object') return serialized;
  return isDatabaseError(serialized) ? withoutValues(serialized) : serialized;
}

/**
 * Structured JSON logs, one logger per app; secrets are redacted by path, and a database
 * error is logged without the values of its statement.
 */
export function createLogger(app: string, level: string, destination?: DestinationStream): Logger {
  const options = {
    name: app,
    level,
    base: { app },
    redact: { paths: ['password', '*.password', 'secret', '*.secret', 'authorization', '*.authorization'], censor: '[redacted]' },
    serializers: { err: serializeError },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
