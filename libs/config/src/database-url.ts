import type { MqcConfig } from './config';

/** One app alone needs DATABASE_URL; `npm start` provides the embedded database's URL to all three. */
export function databaseUrlOrExit(config: MqcConfig): string {
  if (config.databaseUrl) return config.databaseUrl;
  process.stderr.write('MQC: DATABASE_URL is unset: `npm start` runs the embedded PostgreSQL for all apps; to run one app alone, set DATABASE_URL\n');
  process.exit(78);
}
