/** The PostgreSQL server integration tests use; the CI starts it when it is down. */
export function adminUrl(): string {
  return process.env['MQC_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function databaseUrl(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

export const TEMPLATE_PREFIX = 'mqc_tpl_';
