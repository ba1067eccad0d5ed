import { QueryFailedError } from 'typeorm';

/** PostgreSQL refused a row because a unique constraint already holds its key (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string } | undefined)?.code === '23505';
}
