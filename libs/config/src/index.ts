export { loadConfig, type MqcConfig, type PortRange } from './config';
export { ConfigError } from './config.error';
export { exitOnConfigError } from './exit-on-config-error';
export { databaseUrlOrExit } from './database-url';
export { runningEmbeddedDatabaseUrl } from './embedded-database-url';
